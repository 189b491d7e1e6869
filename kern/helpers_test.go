package kern

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// bootTest boots a kernel on a fresh memhost with cfg's other fields and
// halts it when the test ends. Only the test components of this package
// are registered in the kern test binary.
func bootTest(t testing.TB, cfg Config) *Kernel {
	t.Helper()
	if cfg.Host == nil {
		cfg.Host = memhost.New(memhost.Options{})
	}
	k, err := Boot(cfg)
	if err != nil {
		t.Fatalf("boot: %v", err)
	}
	t.Cleanup(func() {
		if err := k.Halt(); err != nil {
			t.Errorf("halt: %v", err)
		}
	})
	return k
}

// newTestProc makes a process with an empty descriptor table.
func newTestProc(t testing.TB, k *Kernel) *Proc {
	t.Helper()
	p, err := k.NewProc(nil, ForkClearFD)
	if err != nil {
		t.Fatalf("new proc: %v", err)
	}
	return p
}

// memFile is a FileOps over a byte slice that counts its closes, so tests
// see exactly when the last descriptor of an open file goes.
type memFile struct {
	mu       sync.Mutex
	data     []byte
	closes   atomic.Int32
	closeErr error
}

func (m *memFile) Read(l *LWP, f *File, p []byte, off int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if off >= int64(len(m.data)) {
		return 0, nil
	}
	return copy(p, m.data[off:]), nil
}

func (m *memFile) Write(l *LWP, f *File, p []byte, off int64) (int, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f.Flags()&O_APPEND != 0 {
		off = int64(len(m.data))
	}
	if end := off + int64(len(p)); end > int64(len(m.data)) {
		m.data = append(m.data, make([]byte, end-int64(len(m.data)))...)
	}
	n := copy(m.data[off:], p)
	return n, off + int64(n), nil
}

func (m *memFile) Stat(l *LWP, f *File) (Stat, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Stat{Mode: S_IFREG | 0o644, Nlink: 1, Size: int64(len(m.data))}, nil
}

func (m *memFile) Close(l *LWP, f *File) error {
	m.closes.Add(1)
	return m.closeErr
}

func (m *memFile) contents() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return string(m.data)
}

// syncFile is a memFile that also implements Syncer.
type syncFile struct {
	memFile
	syncs atomic.Int32
}

func (s *syncFile) Sync(l *LWP, f *File, dataOnly bool) error {
	s.syncs.Add(1)
	return nil
}

// open installs a new memFile at the lowest free descriptor of l's
// process, opened with open(2) flags oflags.
func open(t testing.TB, l *LWP, oflags int) (int, *memFile) {
	t.Helper()
	m := &memFile{}
	fd, err := l.Proc().Files().Alloc(NewFile(m, FFlags(oflags), true), 0, oflags&O_CLOEXEC != 0)
	if err != nil {
		t.Fatalf("alloc: %v", err)
	}
	return fd, m
}

// wantErrno fails the test unless err is want.
func wantErrno(t testing.TB, what string, err error, want errno.Errno) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %s", what, err, want.Name())
	}
}

// checkNoLeak fails the test if goroutines remain beyond base.
func checkNoLeak(t testing.TB, base int) {
	t.Helper()
	leaktest.Check(t, base)
}
