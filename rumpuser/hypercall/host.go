//go:build gorump_kernelonly

package hypercall

/*
#cgo CFLAGS: -I${SRCDIR}/../../capi/include -Wall
#include <stdlib.h>
#include "hypercall.h"
*/
import "C"

import (
	"bytes"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

// Version is the rumpuser(3) version the hypercalls are called with,
// RUMPUSER_VERSION.
const Version = C.RUMPUSER_VERSION

// Host is a rumpuser.Host over the C hypercalls. Its methods are safe
// for concurrent use.
type Host struct {
	clock clock

	consoleMu sync.Mutex // keeps one Console call's bytes together
}

var _ rumpuser.Host = (*Host)(nil)

// The hypervisor is initialised once per process.
var initOnce struct {
	sync.Mutex
	upcalls unsafe.Pointer // the table it was initialised with
	host    *Host
}

// Init initialises the hypervisor with rumpuser_init(RUMPUSER_VERSION,
// upcalls) and returns a Host over its hypercalls. upcalls points to the
// kernel's struct rumpuser_hyperup, which the hypervisor keeps: it must
// stay valid for the life of the process (static C memory). nil gives a
// table that offers nothing (scheduling upcalls do nothing, process and
// syscall upcalls fail with ENXIO), enough for a hypervisor that never
// calls back. The hypervisor is initialised once: Init again with the
// same upcalls returns the same Host, with others it fails with EBUSY.
// A hypervisor that refuses version 17 fails Init with the errno it
// returned and says so.
func Init(upcalls unsafe.Pointer) (*Host, error) {
	if upcalls == nil {
		upcalls = unsafe.Pointer(&C.gorump_hypercall_noupcalls)
	}
	initOnce.Lock()
	defer initOnce.Unlock()
	if initOnce.host != nil {
		if upcalls != initOnce.upcalls {
			return nil, fmt.Errorf("hypercall: the hypervisor is initialised already, with other upcalls: %w", errno.EBUSY)
		}
		return initOnce.host, nil
	}
	if rv := C.rumpuser_init(C.RUMPUSER_VERSION, (*C.struct_rumpuser_hyperup)(upcalls)); rv != 0 {
		return nil, fmt.Errorf("hypercall: rumpuser_init(%d) failed: the hypervisor does not implement rumpuser(3) version %d, or could not start: %w",
			Version, Version, hypercallErrno(rv))
	}
	h := &Host{}
	sec, nsec, err := gettime(C.RUMPUSER_CLOCK_ABSMONO)
	if err != nil {
		return nil, fmt.Errorf("hypercall: rumpuser_clock_gettime(ABSMONO): %w", err)
	}
	h.clock.epoch = sec*int64(time.Second) + nsec
	initOnce.upcalls, initOnce.host = upcalls, h
	return h, nil
}

// hypercallErrno is the error of a hypercall's return value: a NetBSD
// errno, or EIO for a value that is none.
func hypercallErrno(rv C.int) error {
	if rv == 0 {
		return nil
	}
	if rv < 0 {
		return errno.EIO
	}
	return errno.Errno(rv)
}

// Version implements rumpuser.Host.
func (h *Host) Version() int { return rumpuser.Version }

// maxParam bounds a parameter's value; rumpuser_getparam asking for more
// room than this fails with ERANGE.
const maxParam = 1 << 16

// Param implements rumpuser.Host with rumpuser_getparam. A hypervisor
// answers ERANGE when the value does not fit the buffer, which then
// grows; one that fills the buffer without a NUL is taken to mean the
// same.
func (h *Host) Param(name string) (string, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		rv := C.rumpuser_getparam(cname, unsafe.Pointer(&buf[0]), C.size_t(size))
		if rv == 0 {
			if i := bytes.IndexByte(buf, 0); i >= 0 {
				return string(buf[:i]), nil
			}
			rv = C.int(errno.ERANGE)
		}
		if e := hypercallErrno(rv); e != errno.ERANGE || size >= maxParam {
			return "", e
		}
	}
}

// Console implements rumpuser.Host with rumpuser_putchar, the kernel
// printf's path in NetBSD.
func (h *Host) Console(p []byte) {
	h.consoleMu.Lock()
	defer h.consoleMu.Unlock()
	for _, c := range p {
		C.rumpuser_putchar(C.int(c))
	}
}

// Dprintf prints to the hypervisor's debug output with rumpuser_dprintf,
// which bypasses the kernel's console. It needs no Host: it is how to
// report that Init failed.
func Dprintf(format string, args ...any) {
	s := C.CString(fmt.Sprintf(format, args...))
	defer C.free(unsafe.Pointer(s))
	C.gorump_hypercall_dputs(s)
}

// Random implements rumpuser.Host with rumpuser_getrandom, called until
// p is full: a hypervisor may give fewer bytes than asked (NetBSD's
// gives at most 32 a call).
func (h *Host) Random(p []byte, flags rumpuser.RandomFlags) error {
	for len(p) > 0 {
		var n C.size_t
		rv := C.rumpuser_getrandom(unsafe.Pointer(&p[0]), C.size_t(len(p)), C.int(flags), &n)
		if rv != 0 {
			return hypercallErrno(rv)
		}
		if n == 0 || int(n) > len(p) {
			if flags&rumpuser.RandomNoWait != 0 {
				return errno.EAGAIN
			}
			return errno.EIO
		}
		p = p[n:]
	}
	return nil
}

// Open implements rumpuser.Host with rumpuser_open. OpenMode's values
// are RUMPUSER_OPEN_*; the names are the hypervisor's.
func (h *Host) Open(name string, mode rumpuser.OpenMode) (rumpuser.File, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var fd C.int
	if rv := C.rumpuser_open(cname, C.int(mode), &fd); rv != 0 {
		return nil, hypercallErrno(rv)
	}
	return &file{name: name, fd: fd, bio: mode&rumpuser.OpenBIO != 0}, nil
}

// FileInfo implements rumpuser.Host with rumpuser_getfileinfo.
func (h *Host) FileInfo(name string) (rumpuser.FileInfo, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return fileInfo(cname)
}

func fileInfo(cname *C.char) (rumpuser.FileInfo, error) {
	var size C.uint64_t
	var typ C.int
	if rv := C.rumpuser_getfileinfo(cname, &size, &typ); rv != 0 {
		return rumpuser.FileInfo{}, hypercallErrno(rv)
	}
	if uint64(size) > 1<<63-1 {
		return rumpuser.FileInfo{}, errno.EOVERFLOW
	}
	return rumpuser.FileInfo{Size: int64(size), Type: rumpuser.FileType(typ)}, nil
}

// Exit ends the process with rumpuser_exit(status); RUMPUSER_PANIC (-1)
// asks the hypervisor for a core dump. It does not return.
func (h *Host) Exit(status int) {
	C.rumpuser_exit(C.int(status))
}

// Panic is rumpuser_exit's RUMPUSER_PANIC.
const Panic = C.RUMPUSER_PANIC
