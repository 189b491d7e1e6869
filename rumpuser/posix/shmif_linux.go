//go:build linux

package posix

import (
	"errors"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

var _ rumpuser.ShmifHost = (*Host)(nil)

// OpenBus implements rumpuser.ShmifHost on Linux as NetBSD's
// hypervisor does there: the file is opened (created with mode 0644),
// truncated to size and mapped shared, and waiters read an inotify
// descriptor that watches the file for IN_MODIFY, which every write(2)
// to the file raises, though stores into a mapping do not. The
// descriptor is non-blocking and waits in Go's network poller, so Close
// and Wait's time limit need no thread of their own. The mapping is
// populated at once (MAP_POPULATE), so that no page fault happens while
// the driver holds the bus lock.
func (h *Host) OpenBus(name string, size int) (rumpuser.Bus, error) {
	if size < 1 {
		return nil, errno.EINVAL
	}
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, Errno(err)
	}
	fail := func(err error) (rumpuser.Bus, error) {
		f.Close()
		return nil, Errno(err)
	}
	if err := f.Truncate(int64(size)); err != nil {
		return fail(err)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return fail(err)
	}
	var mem []byte
	var mapErr error
	if err := rc.Control(func(fd uintptr) {
		mem, mapErr = syscall.Mmap(int(fd), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	}); err != nil {
		return fail(err)
	}
	if mapErr != nil {
		return fail(mapErr)
	}
	watch, err := watchFile(rc)
	if err != nil {
		syscall.Munmap(mem) //nolint:errcheck // the mapping was never used
		return fail(err)
	}
	return &bus{f: f, mem: mem, watch: watch}, nil
}

// watchFile returns a non-blocking inotify descriptor watching the
// file open on rc for modification. It names the file by its
// descriptor in /proc/self/fd, whose link inotify follows to the file
// itself, so that a rename or a relative name does not matter.
func watchFile(rc syscall.RawConn) (*os.File, error) {
	ifd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	var watchErr error
	if err := rc.Control(func(fd uintptr) {
		_, watchErr = syscall.InotifyAddWatch(ifd, "/proc/self/fd/"+strconv.Itoa(int(fd)), syscall.IN_MODIFY)
	}); err != nil {
		watchErr = err
	}
	if watchErr != nil {
		syscall.Close(ifd)
		return nil, watchErr
	}
	return os.NewFile(uintptr(ifd), "inotify"), nil
}

type bus struct {
	f     *os.File
	watch *os.File
	mem   []byte
	buf   [4096]byte // inotify events, read and thrown away; Wait's alone

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

func (b *bus) Mem() []byte { return b.mem }

func (b *bus) Wake(p []byte, off int64) error {
	_, err := b.f.WriteAt(p, off)
	return Errno(err)
}

// Wait reads every event queued on the inotify descriptor, or waits for
// one: any event means a write.
func (b *bus) Wait(d time.Duration) error {
	var deadline time.Time
	if d > 0 {
		deadline = time.Now().Add(d)
	}
	if err := b.watch.SetReadDeadline(deadline); err != nil {
		return b.err(err)
	}
	_, err := b.watch.Read(b.buf[:])
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil
	}
	return b.err(err)
}

func (b *bus) Close() error {
	b.closeOnce.Do(func() {
		b.closed.Store(true)
		werr := b.watch.Close()
		merr := syscall.Munmap(b.mem)
		ferr := b.f.Close()
		b.closeErr = Errno(errors.Join(werr, merr, ferr))
	})
	return b.closeErr
}

// err turns an error of the inotify descriptor into an errno: EBADF
// once the bus is closed (SetReadDeadline reports a closed file with an
// error of the internal/poll package, not os.ErrClosed).
func (b *bus) err(err error) error {
	if err == nil {
		return nil
	}
	if b.closed.Load() || errors.Is(err, os.ErrClosed) {
		return errno.EBADF
	}
	return Errno(err)
}
