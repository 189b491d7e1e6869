// Package posix is the hypercall host for Linux and other POSIX systems:
// real files and devices, the real clock, the operating system's random
// source, the console on standard error, and parameters from the
// environment (RUMP_NCPU, RUMP_VERBOSE, RUMP_MEMLIMIT and the rest).
package posix

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

// Host is the POSIX host. The zero value reads the process environment and
// writes the console to standard error.
type Host struct {
	// Getenv, when set, replaces os.LookupEnv as the source of parameters.
	Getenv func(name string) (string, bool)
	// ConsoleOut, when set, receives console output instead of os.Stderr.
	ConsoleOut io.Writer

	consoleMu sync.Mutex // serialises console writes
}

// New returns a POSIX host that reads the process environment.
func New() *Host { return &Host{} }

var _ rumpuser.Host = (*Host)(nil)

// Version implements rumpuser.Host.
func (h *Host) Version() int { return rumpuser.Version }

func (h *Host) lookup(name string) (string, bool) {
	if h.Getenv != nil {
		return h.Getenv(name)
	}
	return os.LookupEnv(name)
}

// Param implements rumpuser.Host. NCPU comes from RUMP_NCPU ("host" means
// the host's CPU count, the default is 2, as NetBSD's); the host name is
// rump-PID.HOSTNAME; any other name is an environment variable.
func (h *Host) Param(name string) (string, error) {
	switch name {
	case rumpuser.ParamNCPU:
		v, ok := h.lookup("RUMP_NCPU")
		if !ok || v == "" {
			return "2", nil
		}
		if v == "host" {
			return strconv.Itoa(runtime.NumCPU()), nil
		}
		return v, nil
	case rumpuser.ParamHostname:
		hn, err := os.Hostname()
		if err != nil {
			return fmt.Sprintf("rump-%05d", os.Getpid()), nil
		}
		return fmt.Sprintf("rump-%05d.%s", os.Getpid(), hn), nil
	}
	if len(name) > 0 && name[0] == '_' {
		return "", errno.EINVAL
	}
	v, ok := h.lookup(name)
	if !ok {
		return "", errno.ENOENT
	}
	return v, nil
}

// Console implements rumpuser.Host.
func (h *Host) Console(p []byte) {
	h.consoleMu.Lock()
	defer h.consoleMu.Unlock()
	var w io.Writer = os.Stderr
	if h.ConsoleOut != nil {
		w = h.ConsoleOut
	}
	w.Write(p) //nolint:errcheck // the console has nowhere to report to
}

// Clock implements rumpuser.Host with the operating system's clocks.
func (h *Host) Clock() rumpuser.Clock { return systemClock{} }

// Random implements rumpuser.Host with crypto/rand, which never blocks
// once the system has seeded it.
func (h *Host) Random(p []byte, flags rumpuser.RandomFlags) error {
	if _, err := rand.Read(p); err != nil {
		return errno.EIO
	}
	return nil
}

// Open implements rumpuser.Host over os.OpenFile. Created files get mode
// 0644, as NetBSD's POSIX hypervisor gives them.
func (h *Host) Open(name string, mode rumpuser.OpenMode) (rumpuser.File, error) {
	var flags int
	switch mode & rumpuser.OpenACCMODE {
	case rumpuser.OpenRDONLY:
		flags = os.O_RDONLY
	case rumpuser.OpenWRONLY:
		flags = os.O_WRONLY
	case rumpuser.OpenRDWR:
		flags = os.O_RDWR
	default:
		return nil, errno.EINVAL
	}
	if mode&rumpuser.OpenCreate != 0 {
		flags |= os.O_CREATE
		if mode&rumpuser.OpenExcl != 0 {
			flags |= os.O_EXCL
		}
	}
	f, err := os.OpenFile(name, flags, 0o644)
	if err != nil {
		return nil, Errno(err)
	}
	return &file{f: f}, nil
}

// FileInfo implements rumpuser.Host. Block and character devices report
// the size found by seeking to their end.
func (h *Host) FileInfo(name string) (rumpuser.FileInfo, error) {
	st, err := os.Stat(name)
	if err != nil {
		return rumpuser.FileInfo{}, Errno(err)
	}
	m := st.Mode()
	switch {
	case m.IsDir():
		return rumpuser.FileInfo{Size: st.Size(), Type: rumpuser.FTDir}, nil
	case m.IsRegular():
		return rumpuser.FileInfo{Size: st.Size(), Type: rumpuser.FTReg}, nil
	case m&os.ModeDevice != 0:
		typ := rumpuser.FTBlk
		if m&os.ModeCharDevice != 0 {
			typ = rumpuser.FTChr
		}
		size, err := deviceSize(name)
		if err != nil {
			return rumpuser.FileInfo{Type: typ}, nil
		}
		return rumpuser.FileInfo{Size: size, Type: typ}, nil
	}
	return rumpuser.FileInfo{Size: st.Size(), Type: rumpuser.FTOther}, nil
}

func deviceSize(name string) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return f.Seek(0, io.SeekEnd)
}

type file struct {
	f *os.File
}

func (f *file) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.f.ReadAt(p, off)
	if err != nil && err != io.EOF {
		return n, Errno(err)
	}
	return n, err
}

func (f *file) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.f.WriteAt(p, off)
	return n, Errno(err)
}

func (f *file) Size() (int64, error) {
	st, err := f.f.Stat()
	if err != nil {
		return 0, Errno(err)
	}
	if st.Mode()&os.ModeDevice != 0 {
		n, err := f.f.Seek(0, io.SeekEnd)
		return n, Errno(err)
	}
	return st.Size(), nil
}

func (f *file) Truncate(size int64) error { return Errno(f.f.Truncate(size)) }

// Sync acts on writes only, as NetBSD's POSIX hypervisor does: reads need
// no synchronisation with a host page cache.
func (f *file) Sync(flags rumpuser.SyncFlags) error {
	if flags&rumpuser.SyncWrite == 0 {
		return nil
	}
	return Errno(f.f.Sync())
}

func (f *file) Close() error {
	serr := f.f.Sync()
	cerr := f.f.Close()
	if cerr != nil {
		return Errno(cerr)
	}
	if serr != nil && !errors.Is(serr, syscall.EINVAL) { // EINVAL: not syncable, such as a pipe
		return Errno(serr)
	}
	return nil
}

type systemClock struct{}

var start = time.Now()

func (systemClock) Now() time.Time           { return time.Now() }
func (systemClock) Monotonic() time.Duration { return time.Since(start) }
func (systemClock) Sleep(d time.Duration)    { time.Sleep(d) }
func (systemClock) AfterFunc(d time.Duration, f func()) rumpuser.Timer {
	return time.AfterFunc(d, f)
}
