//go:build gorump_kernelonly

package hypercall_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	_ "github.com/gorump/gorump/capi/librumpuser" // the hypercalls: librumpuser_gorump
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/hypercall"
)

func host(t *testing.T) *hypercall.Host {
	t.Helper()
	h, err := hypercall.Init(nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func wantErrno(t *testing.T, what string, err error, want errno.Errno) {
	t.Helper()
	var e errno.Errno
	if !errors.As(err, &e) || e != want {
		t.Errorf("%s: got %v, want %s", what, err, want.Name())
	}
}

func TestInitOnce(t *testing.T) {
	h := host(t)
	if again := host(t); again != h {
		t.Error("a second Init gave another host")
	}
	var other [21]unsafe.Pointer
	_, err := hypercall.Init(unsafe.Pointer(&other))
	wantErrno(t, "Init with other upcalls", err, errno.EBUSY)
	if hypercall.Version != 17 {
		t.Errorf("Version %d", hypercall.Version)
	}
}

func TestParam(t *testing.T) {
	h := host(t)
	t.Setenv("RUMP_NCPU", "")
	if v, err := h.Param(rumpuser.ParamNCPU); v != "2" || err != nil {
		t.Errorf("default NCPU %q, %v", v, err)
	}
	// Longer than the first buffer: the hypervisor answers ERANGE and
	// Param asks again with more room.
	long := strings.Repeat("0123456789", 300)
	t.Setenv("GORUMP_LONG", long)
	if v, err := h.Param("GORUMP_LONG"); v != long || err != nil {
		t.Errorf("long param: %d bytes, %v", len(v), err)
	}
	t.Setenv("GORUMP_EMPTY", "")
	if v, err := h.Param("GORUMP_EMPTY"); v != "" || err != nil {
		t.Errorf("empty param %q, %v", v, err)
	}
	if v, err := h.Param(rumpuser.ParamHostname); !strings.HasPrefix(v, "rump-") || err != nil {
		t.Errorf("hostname %q, %v", v, err)
	}
}

// TestErrnoTranslated checks that errors come back in NetBSD's numbers
// where Linux's differ.
func TestErrnoTranslated(t *testing.T) {
	h := host(t)
	dir := t.TempDir()
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	_, err := h.Open(loop, rumpuser.OpenRDONLY)
	wantErrno(t, "open of a symlink loop", err, errno.ELOOP) // Linux 40, NetBSD 62
	_, err = h.FileInfo(filepath.Join(dir, strings.Repeat("n", 300)))
	wantErrno(t, "FileInfo of a long name", err, errno.ENAMETOOLONG) // Linux 36, NetBSD 63
	_, err = h.Open(dir, rumpuser.OpenRDWR)
	wantErrno(t, "open of a directory to write", err, errno.EISDIR)
	_, err = h.Open(filepath.Join(dir, "f"), rumpuser.OpenACCMODE)
	wantErrno(t, "open with access mode 3", err, errno.EINVAL)
	if fi, err := h.FileInfo(dir); err != nil || fi.Type != rumpuser.FTDir {
		t.Errorf("FileInfo of a directory: %+v, %v", fi, err)
	}
}

// TestBlockIO does block I/O through rumpuser_bio, whose completions
// come from the hypervisor's I/O thread, from many goroutines at once.
func TestBlockIO(t *testing.T) {
	h := host(t)
	name := filepath.Join(t.TempDir(), "disk")
	if err := os.WriteFile(name, make([]byte, 64<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := h.Open(name, rumpuser.OpenRDWR|rumpuser.OpenBIO)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			block := bytes.Repeat([]byte{byte(i + 1)}, 4096)
			for range 20 {
				if n, err := f.WriteAt(block, int64(i)*4096); n != 4096 || err != nil {
					t.Errorf("WriteAt: %d, %v", n, err)
					return
				}
				got := make([]byte, 4096)
				if n, err := f.ReadAt(got, int64(i)*4096); n != 4096 || err != nil || !bytes.Equal(got, block) {
					t.Errorf("block %d read back wrong: %d, %v", i, n, err)
					return
				}
			}
		})
	}
	wg.Wait()
	// A read that runs past the end is short, with io.EOF.
	buf := make([]byte, 1024)
	if n, err := f.ReadAt(buf, 64<<10-512); n != 512 || err != io.EOF || buf[0] != 16 {
		t.Errorf("read across the end: %d, %v, %d", n, err, buf[0])
	}
	if n, err := f.ReadAt(buf, 1<<20); n != 0 || err != io.EOF {
		t.Errorf("read past the end: %d, %v", n, err)
	}
	if err := f.Sync(rumpuser.SyncWrite | rumpuser.SyncDurable); err != nil {
		t.Errorf("Sync: %v", err)
	}
	if size, err := f.Size(); size != 64<<10 || err != nil {
		t.Errorf("Size %d, %v", size, err)
	}
	wantErrno(t, "Truncate", f.Truncate(0), errno.EOPNOTSUPP)
	if err := f.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	wantErrno(t, "second Close", f.Close(), errno.EBADF)
	data, err := os.ReadFile(name)
	if err != nil || !bytes.Equal(data[5*4096:6*4096], bytes.Repeat([]byte{6}, 4096)) {
		t.Errorf("the host file does not hold what was written: %v", err)
	}
}

func TestRandom(t *testing.T) {
	h := host(t)
	// More than the 32 bytes the hypervisor gives a call.
	a, b := make([]byte, 200), make([]byte, 200)
	if err := h.Random(a, 0); err != nil {
		t.Fatal(err)
	}
	if err := h.Random(b, rumpuser.RandomNoWait); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) || bytes.Equal(a[150:], make([]byte, 50)) {
		t.Errorf("random bytes repeat or end in zeros: %x %x", a, b)
	}
}

func TestClock(t *testing.T) {
	c := host(t).Clock()
	if d := time.Since(c.Now()); d < -time.Second || d > time.Second {
		t.Errorf("Now is %v off", d)
	}
	m1 := c.Monotonic()
	if m1 < 0 {
		t.Errorf("Monotonic %v before Init's", m1)
	}
	c.Sleep(3 * time.Millisecond)
	if d := c.Monotonic() - m1; d < 3*time.Millisecond {
		t.Errorf("Monotonic moved %v over a 3ms sleep", d)
	}
}
