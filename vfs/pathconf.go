package vfs

import (
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// Names of the pathconf(2) variables (NetBSD's sys/unistd.h _PC_*).
const (
	PC_LINK_MAX         = 1
	PC_MAX_CANON        = 2
	PC_MAX_INPUT        = 3
	PC_NAME_MAX         = 4
	PC_PATH_MAX         = 5
	PC_PIPE_BUF         = 6
	PC_CHOWN_RESTRICTED = 7
	PC_NO_TRUNC         = 8
	PC_VDISABLE         = 9
	PC_SYNC_IO          = 10
	PC_FILESIZEBITS     = 11
	PC_SYMLINK_MAX      = 12
	PC_2_SYMLINKS       = 13
)

// Limits the pathconf answers of NetBSD's file systems are made of
// (sys/syslimits.h, sys/unistd.h).
const (
	LINK_MAX       = 32767 // most links to a file
	MAX_CANON      = 255   // a terminal's canonical input line
	MAX_INPUT      = 255   // a terminal's input queue
	POSIX_VDISABLE = 0xff  // the character that disables a terminal control
	NAME_MAX       = 255   // the longest name of the usual file systems
	PIPE_BUF       = kern.PIPE_BUF
)

// Pathconfer is a FileSystem that answers pathconf(2) for its
// directories, regular files and symlinks, as its NetBSD namesake's
// VOP_PATHCONF: the value of variable name (a PC_ constant), or EINVAL
// for a variable it has no value for. FIFOs and device nodes are
// answered by the VFS, as NetBSD's fifofs and specfs do; a file system
// without Pathconfer answers EINVAL to every name.
type Pathconfer interface {
	Pathconf(name int) (int64, error)
}

// Pathconf returns the value of pathconf variable name for path (a
// final symlink followed), as pathconf(2).
func (v *VFS) Pathconf(l *kern.LWP, path string, name int) (int64, error) {
	vp, err := v.namei(l, kern.AT_FDCWD, path, true)
	if err != nil {
		return 0, err
	}
	defer vp.Rele()
	return vp.pathconf(name)
}

// Fpathconf is Pathconf for descriptor fd. As NetBSD's sys_fpathconf,
// a socket or a pipe answers _PC_PIPE_BUF only (EINVAL for other
// names); EBADF for a descriptor that is not open.
func (v *VFS) Fpathconf(l *kern.LWP, fd int, name int) (int64, error) {
	f, err := l.Proc().Files().Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.Release(l)
	vf, ok := f.Ops().(vnodeFiler)
	if !ok {
		if name == PC_PIPE_BUF {
			return PIPE_BUF, nil
		}
		return 0, errno.EINVAL
	}
	return vf.vfile().vp.pathconf(name)
}

// pathconf answers for vp: NetBSD's fifo_pathconf for a FIFO,
// spec_pathconf for a device node, the file system's for the rest.
func (vp *Vnode) pathconf(name int) (int64, error) {
	switch vp.typ {
	case VFIFO:
		switch name {
		case PC_LINK_MAX:
			return LINK_MAX, nil
		case PC_PIPE_BUF:
			return PIPE_BUF, nil
		case PC_CHOWN_RESTRICTED, PC_SYNC_IO:
			return 1, nil
		}
		return 0, errno.EINVAL
	case VCHR, VBLK:
		switch name {
		case PC_LINK_MAX:
			return LINK_MAX, nil
		case PC_MAX_CANON:
			return MAX_CANON, nil
		case PC_MAX_INPUT:
			return MAX_INPUT, nil
		case PC_PIPE_BUF:
			return PIPE_BUF, nil
		case PC_CHOWN_RESTRICTED, PC_SYNC_IO:
			return 1, nil
		case PC_VDISABLE:
			return POSIX_VDISABLE, nil
		}
		return 0, errno.EINVAL
	}
	pc, ok := vp.mount.fs.(Pathconfer)
	if !ok {
		return 0, errno.EINVAL
	}
	n, err := pc.Pathconf(name)
	return n, errno.From(err)
}
