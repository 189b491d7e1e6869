package vfs

import (
	"math"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// Fallocate is posix_fallocate(2) on descriptor fd for length bytes at
// off. NetBSD's FFS and tmpfs, and so gorump's drivers, cannot reserve
// space ahead of writes: after the checks of NetBSD's
// sys_posix_fallocate, in its order, the answer is EOPNOTSUPP. The
// checks: EINVAL for a negative off or length or a range that passes
// the largest offset; EBADF for a descriptor that is not open, EINVAL
// for one that is not a vnode (a socket, a pipe), EBADF for one not
// open for writing; EISDIR for a directory.
func (v *VFS) Fallocate(l *kern.LWP, fd int, off, length int64) error {
	return v.spaceCall(l, fd, off, length)
}

// Fdiscard is fdiscard(2): it would free the storage of length bytes at
// off, but, as for Fallocate, NetBSD's FFS and tmpfs do not, and answer
// EOPNOTSUPP after the same checks.
func (v *VFS) Fdiscard(l *kern.LWP, fd int, off, length int64) error {
	return v.spaceCall(l, fd, off, length)
}

// spaceCall makes the checks Fallocate and Fdiscard share and answers
// for the drivers, which have neither VOP_FALLOCATE nor VOP_FDISCARD.
func (v *VFS) spaceCall(l *kern.LWP, fd int, off, length int64) error {
	if off < 0 || length < 0 || length > math.MaxInt64-off {
		return errno.EINVAL
	}
	f, vp, err := v.fileVnode(l, fd)
	if err != nil {
		return err
	}
	defer f.Release(l)
	defer vp.Rele()
	switch {
	case f.Flags()&kern.FWRITE == 0:
		return errno.EBADF
	case vp.typ == VDIR:
		return errno.EISDIR
	}
	return errno.EOPNOTSUPP
}
