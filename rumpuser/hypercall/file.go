//go:build gorump_kernelonly

package hypercall

/*
#include <stdlib.h>
#include "hypercall.h"
*/
import "C"

import (
	"io"
	"runtime"
	"runtime/cgo"
	"sync/atomic"
	"unsafe"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

// file is a host file the hypervisor opened: fd is its descriptor in
// the hypervisor's numbering.
type file struct {
	name string
	fd   C.int
	bio  bool // opened with OpenBIO: I/O through rumpuser_bio

	closed atomic.Bool // the descriptor number may belong to another file now
}

// bioResult is what a bio completion reports.
type bioResult struct {
	done int
	err  C.int
}

// hypercallBioDone completes the rumpuser_bio call whose handle is h. The
// hypervisor may call it from any thread, or from inside rumpuser_bio.
//
//export hypercallBioDone
func hypercallBioDone(h C.uintptr_t, done C.size_t, err C.int) {
	cgo.Handle(h).Value().(chan bioResult) <- bioResult{int(done), err}
}

// biocall runs one rumpuser_bio and waits for it: p is pinned until the
// hypervisor reports it done, since it keeps the pointer past the call.
func (f *file) biocall(op C.int, p []byte, off int64) (int, C.int) {
	var pin runtime.Pinner
	pin.Pin(&p[0])
	defer pin.Unpin()
	ch := make(chan bioResult, 1)
	h := cgo.NewHandle(ch)
	defer h.Delete()
	C.gorump_hypercall_bio(f.fd, op, unsafe.Pointer(&p[0]), C.size_t(len(p)), C.int64_t(off), C.uintptr_t(h))
	r := <-ch
	return min(max(r.done, 0), len(p)), r.err
}

// iocall runs one rumpuser_iovread or rumpuser_iovwrite of p at off.
func (f *file) iocall(write bool, p []byte, off int64) (int, C.int) {
	var pin runtime.Pinner
	pin.Pin(&p[0])
	defer pin.Unpin()
	iov := C.struct_rumpuser_iovec{iov_base: unsafe.Pointer(&p[0]), iov_len: C.size_t(len(p))}
	var n C.size_t
	var rv C.int
	if write {
		rv = C.rumpuser_iovwrite(f.fd, &iov, 1, C.int64_t(off), &n)
	} else {
		rv = C.rumpuser_iovread(f.fd, &iov, 1, C.int64_t(off), &n)
	}
	return min(int(n), len(p)), rv
}

// transfer moves p at off, going on after short transfers; a read that
// moves nothing has reached the end of the file.
func (f *file) transfer(write bool, p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errno.EINVAL
	}
	op := C.int(C.RUMPUSER_BIO_READ)
	if write {
		op = C.RUMPUSER_BIO_WRITE
	}
	total := 0
	for total < len(p) {
		var n int
		var rv C.int
		if f.bio {
			n, rv = f.biocall(op, p[total:], off+int64(total))
		} else {
			n, rv = f.iocall(write, p[total:], off+int64(total))
		}
		total += n
		if rv != 0 {
			return total, hypercallErrno(rv)
		}
		if n == 0 {
			if write {
				return total, errno.EIO
			}
			return total, io.EOF
		}
	}
	return total, nil
}

// ReadAt reads with rumpuser_bio on a file opened with OpenBIO,
// rumpuser_iovread otherwise.
func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return f.transfer(false, p, off)
}

// WriteAt writes with rumpuser_bio on a file opened with OpenBIO,
// rumpuser_iovwrite otherwise.
func (f *file) WriteAt(p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return f.transfer(true, p, off)
}

// Size asks rumpuser_getfileinfo about the name the file was opened by:
// version 17 has no hypercall that takes a descriptor.
func (f *file) Size() (int64, error) {
	cname := C.CString(f.name)
	defer C.free(unsafe.Pointer(cname))
	fi, err := fileInfo(cname)
	return fi.Size, err
}

// Truncate fails with EOPNOTSUPP: version 17 cannot change a file's
// size but by writing past its end.
func (f *file) Truncate(size int64) error { return errno.EOPNOTSUPP }

// Sync calls rumpuser_syncfd over the whole file; SyncFlags' values are
// RUMPUSER_SYNCFD_*.
func (f *file) Sync(flags rumpuser.SyncFlags) error {
	return hypercallErrno(C.rumpuser_syncfd(f.fd, C.int(flags), 0, 0))
}

// Close calls rumpuser_close, which syncs first. Closing again fails
// with EBADF and leaves the hypervisor alone.
func (f *file) Close() error {
	if f.closed.Swap(true) {
		return errno.EBADF
	}
	return hypercallErrno(C.rumpuser_close(f.fd))
}
