package sys

import (
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/vfs"
)

// The file-system syscalls of vfs.

// The *at calls' descriptor for the current directory and their flags
// (sys/fcntl.h).
const (
	AT_FDCWD            = kern.AT_FDCWD
	AT_EACCESS          = kern.AT_EACCESS
	AT_SYMLINK_NOFOLLOW = kern.AT_SYMLINK_NOFOLLOW
	AT_SYMLINK_FOLLOW   = kern.AT_SYMLINK_FOLLOW
	AT_REMOVEDIR        = kern.AT_REMOVEDIR
)

// path reads the path in argument i.
func (c *call) path(i int) (string, error) { return copyInPath(c.as, c.ptr(i)) }

// pathCall wraps a syscall whose first argument is a path.
func pathCall(fn func(c *call, v *vfs.VFS, path string) (int64, error)) handler {
	return func(c *call) (int64, error) {
		v, err := c.vfs()
		if err != nil {
			return 0, err
		}
		p, err := c.path(0)
		if err != nil {
			return 0, err
		}
		return fn(c, v, p)
	}
}

// twoPathCall wraps a syscall whose first two arguments are paths.
func twoPathCall(fn func(v *vfs.VFS, l *kern.LWP, a, b string) error) handler {
	return func(c *call) (int64, error) {
		v, err := c.vfs()
		if err != nil {
			return 0, err
		}
		a, err := c.path(0)
		if err != nil {
			return 0, err
		}
		b, err := c.path(1)
		if err != nil {
			return 0, err
		}
		return 0, fn(v, c.l, a, b)
	}
}

// fdCall wraps a syscall on the VFS whose first argument is a descriptor.
func fdCall(fn func(c *call, v *vfs.VFS, fd int) (int64, error)) handler {
	return func(c *call) (int64, error) {
		v, err := c.vfs()
		if err != nil {
			return 0, err
		}
		return fn(c, v, c.int(0))
	}
}

// atCall wraps an *at syscall: directory descriptor in argument 0, path
// in 1. vfs looks the path up from the descriptor.
func atCall(fn func(c *call, v *vfs.VFS, at int, path string) (int64, error)) handler {
	return func(c *call) (int64, error) {
		v, err := c.vfs()
		if err != nil {
			return 0, err
		}
		p, err := c.path(1)
		if err != nil {
			return 0, err
		}
		return fn(c, v, c.int(0), p)
	}
}

// twoAtCall wraps an *at syscall on two names: fd1, path1, fd2, path2.
func twoAtCall(fn func(c *call, v *vfs.VFS, fromAt int, from string, toAt int, to string) (int64, error)) handler {
	return func(c *call) (int64, error) {
		v, err := c.vfs()
		if err != nil {
			return 0, err
		}
		from, err := c.path(1)
		if err != nil {
			return 0, err
		}
		to, err := c.path(3)
		if err != nil {
			return 0, err
		}
		return fn(c, v, c.int(0), from, c.int(2), to)
	}
}

func open(c *call, v *vfs.VFS, at int, path string, flags int, mode uint32) (int64, error) {
	fd, err := v.Openat(c.l, at, path, flags, mode)
	return int64(fd), err
}

func statOut(c *call, addr uint64, st kern.Stat, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return 0, c.putStat(addr, &st)
}

func readlinkOut(c *call, addr, count uint64, target string, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	n := min(uint64(len(target)), count)
	return int64(n), copyOut(c.as, addr, []byte(target[:n]))
}

// times reads the struct timeval[2] at addr as utimes(2) takes it; NULL
// means now.
func (c *call) timevals(addr uint64) (*[2]kern.Timespec, error) {
	if addr == 0 {
		return nil, nil
	}
	var b [2 * SizeofTimeval]byte
	if err := copyIn(c.as, addr, b[:]); err != nil {
		return nil, err
	}
	var ts [2]kern.Timespec
	for i := range ts {
		sec, usec := c.abi.Timeval(b[i*SizeofTimeval:])
		if usec < 0 || usec >= 1000000 {
			return nil, errno.EINVAL
		}
		ts[i] = kern.Timespec{Sec: sec, Nsec: int64(usec) * 1000}
	}
	return &ts, nil
}

// timespecs reads the struct timespec[2] at addr as utimensat(2) takes
// it (UTIME_NOW and UTIME_OMIT included); NULL means now.
func (c *call) timespecs(addr uint64) (*[2]kern.Timespec, error) {
	if addr == 0 {
		return nil, nil
	}
	var b [2 * SizeofTimespec]byte
	if err := copyIn(c.as, addr, b[:]); err != nil {
		return nil, err
	}
	ts := [2]kern.Timespec{c.abi.Timespec(b[:]), c.abi.Timespec(b[SizeofTimespec:])}
	for _, t := range ts {
		if t.Nsec != vfs.UTIME_NOW && t.Nsec != vfs.UTIME_OMIT && (t.Nsec < 0 || t.Nsec >= 1e9) {
			return nil, errno.EINVAL
		}
	}
	return &ts, nil
}

// getcwd: buf, length. It returns the length used, NUL included; ERANGE
// when the path does not fit.
func sysGetcwd(c *call) (int64, error) {
	v, err := c.vfs()
	if err != nil {
		return 0, err
	}
	n := c.ptr(1)
	if n < 2 {
		return 0, errno.ERANGE
	}
	cwd, err := v.Getcwd(c.l)
	if err != nil {
		return 0, err
	}
	if uint64(len(cwd))+1 > n {
		return 0, errno.ERANGE
	}
	b := append([]byte(cwd), 0)
	return int64(len(b)), copyOut(c.as, c.ptr(0), b)
}

// getdents: fd, buf, count. Records are NetBSD's struct dirent, in the
// ABI's byte order.
func sysGetdents(c *call) (int64, error) {
	v, err := c.vfs()
	if err != nil {
		return 0, err
	}
	fd, addr := c.int(0), c.ptr(1)
	n, err := ioLen(c.ptr(2))
	if err != nil {
		return 0, err
	}
	buf, bp := ioBuf(n)
	defer putBuf(bp)
	got, err := v.Getdents(c.l, fd, buf)
	if err != nil {
		return 0, err
	}
	c.abi.fromNativeDirents(buf[:got])
	return int64(got), copyOut(c.as, addr, buf[:got])
}

// fromNativeDirents rewrites the struct dirent records vfs.Getdents
// wrote in the host's byte order into the ABI's.
func (a *ABI) fromNativeDirents(b []byte) {
	if a.sameAsNative() {
		return
	}
	for len(b) >= SizeofDirentHeader {
		ino := nativeOrder.Uint64(b[0:])
		reclen := nativeOrder.Uint16(b[8:])
		namlen := nativeOrder.Uint16(b[10:])
		a.order.PutUint64(b[0:], ino)
		a.order.PutUint16(b[8:], reclen)
		a.order.PutUint16(b[10:], namlen)
		if reclen == 0 || int(reclen) > len(b) {
			return
		}
		b = b[reclen:]
	}
}

func sysMknod(c *call, v *vfs.VFS, path string) (int64, error) {
	return 0, v.Mknod(c.l, path, c.uint(1), c.ptr(2))
}

func vfsHandlers() map[int]handler {
	return map[int]handler{
		SYS_open: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			return open(c, v, AT_FDCWD, p, c.int(1), c.uint(2))
		}),
		SYS_link:   twoPathCall((*vfs.VFS).Link),
		SYS_unlink: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) { return 0, v.Unlink(c.l, p) }),
		SYS_chdir:  pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) { return 0, v.Chdir(c.l, p) }),
		SYS_fchdir: fdCall(func(c *call, v *vfs.VFS, fd int) (int64, error) { return 0, v.Fchdir(c.l, fd) }),
		SYS_chmod: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			return 0, v.Chmod(c.l, p, c.uint(1))
		}),
		SYS_chown: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			return 0, v.Chown(c.l, p, c.uint(1), c.uint(2))
		}),
		SYS_access: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			return 0, v.Access(c.l, p, c.int(1))
		}),
		SYS_sync: func(c *call) (int64, error) {
			if v, err := c.vfs(); err == nil {
				v.Sync() //nolint:errcheck // sync(2) reports nothing
			}
			return 0, nil
		},
		SYS_symlink: twoPathCall(func(v *vfs.VFS, l *kern.LWP, target, p string) error {
			return v.Symlink(l, target, p)
		}),
		SYS_readlink: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			t, err := v.Readlink(c.l, p)
			return readlinkOut(c, c.ptr(1), c.ptr(2), t, err)
		}),
		SYS_chroot: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) { return 0, v.Chroot(c.l, p) }),
		SYS_fchown: fdCall(func(c *call, v *vfs.VFS, fd int) (int64, error) {
			return 0, v.Fchown(c.l, fd, c.uint(1), c.uint(2))
		}),
		SYS_fchmod: fdCall(func(c *call, v *vfs.VFS, fd int) (int64, error) {
			return 0, v.Fchmod(c.l, fd, c.uint(1))
		}),
		SYS_rename:         twoPathCall((*vfs.VFS).Rename),
		SYS___posix_rename: twoPathCall((*vfs.VFS).Rename),
		SYS_mkfifo: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			return 0, v.Mkfifo(c.l, p, c.uint(1))
		}),
		SYS_mkdir: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			return 0, v.Mkdir(c.l, p, c.uint(1))
		}),
		SYS_rmdir: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) { return 0, v.Rmdir(c.l, p) }),
		// truncate: path, PAD, length.
		SYS_truncate: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			return 0, v.Truncate(c.l, p, c.long(2))
		}),
		SYS_ftruncate: fdCall(func(c *call, v *vfs.VFS, fd int) (int64, error) {
			return 0, v.Ftruncate(c.l, fd, c.long(2))
		}),
		SYS_lchmod: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			return 0, v.Lchmod(c.l, p, c.uint(1))
		}),
		SYS_lchown: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			return 0, v.Lchown(c.l, p, c.uint(1), c.uint(2))
		}),
		SYS___posix_chown: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			return 0, v.Chown(c.l, p, c.uint(1), c.uint(2))
		}),
		SYS___posix_fchown: fdCall(func(c *call, v *vfs.VFS, fd int) (int64, error) {
			return 0, v.Fchown(c.l, fd, c.uint(1), c.uint(2))
		}),
		SYS___posix_lchown: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			return 0, v.Lchown(c.l, p, c.uint(1), c.uint(2))
		}),
		SYS___getcwd:     sysGetcwd,
		SYS___getdents30: sysGetdents,
		SYS___stat50: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			st, err := v.Stat(c.l, p)
			return statOut(c, c.ptr(1), st, err)
		}),
		SYS___lstat50: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			st, err := v.Lstat(c.l, p)
			return statOut(c, c.ptr(1), st, err)
		}),
		SYS___mknod50: pathCall(sysMknod),
		SYS___utimes50: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			ts, err := c.timevals(c.ptr(1))
			if err != nil {
				return 0, err
			}
			return 0, v.Utimens(c.l, p, ts, false)
		}),
		SYS___lutimes50: pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
			ts, err := c.timevals(c.ptr(1))
			if err != nil {
				return 0, err
			}
			return 0, v.Utimens(c.l, p, ts, true)
		}),
		SYS___futimes50: fdCall(func(c *call, v *vfs.VFS, fd int) (int64, error) {
			ts, err := c.timevals(c.ptr(1))
			if err != nil {
				return 0, err
			}
			return 0, v.Futimens(c.l, fd, ts)
		}),
		SYS_futimens: fdCall(func(c *call, v *vfs.VFS, fd int) (int64, error) {
			ts, err := c.timespecs(c.ptr(1))
			if err != nil {
				return 0, err
			}
			return 0, v.Futimens(c.l, fd, ts)
		}),

		// The *at calls: fd, path, ...
		SYS_openat: atCall(func(c *call, v *vfs.VFS, at int, p string) (int64, error) {
			return open(c, v, at, p, c.int(2), c.uint(3))
		}),
		SYS_mkdirat: atCall(func(c *call, v *vfs.VFS, at int, p string) (int64, error) {
			return 0, v.Mkdirat(c.l, at, p, c.uint(2))
		}),
		SYS_mkfifoat: atCall(func(c *call, v *vfs.VFS, at int, p string) (int64, error) {
			return 0, v.Mkfifoat(c.l, at, p, c.uint(2))
		}),
		// mknodat: fd, path, mode, PAD, dev.
		SYS_mknodat: atCall(func(c *call, v *vfs.VFS, at int, p string) (int64, error) {
			return 0, v.Mknodat(c.l, at, p, c.uint(2), c.ptr(4))
		}),
		SYS_faccessat: atCall(func(c *call, v *vfs.VFS, at int, p string) (int64, error) {
			return 0, v.Faccessat(c.l, at, p, c.int(2), c.int(3))
		}),
		SYS_fchmodat: atCall(func(c *call, v *vfs.VFS, at int, p string) (int64, error) {
			return 0, v.Fchmodat(c.l, at, p, c.uint(2), c.int(3))
		}),
		SYS_fchownat: atCall(func(c *call, v *vfs.VFS, at int, p string) (int64, error) {
			return 0, v.Fchownat(c.l, at, p, c.uint(2), c.uint(3), c.int(4))
		}),
		SYS_fstatat: atCall(func(c *call, v *vfs.VFS, at int, p string) (int64, error) {
			st, err := v.Fstatat(c.l, at, p, c.int(3))
			return statOut(c, c.ptr(2), st, err)
		}),
		SYS_utimensat: atCall(func(c *call, v *vfs.VFS, at int, p string) (int64, error) {
			ts, err := c.timespecs(c.ptr(2))
			if err != nil {
				return 0, err
			}
			return 0, v.Utimensat(c.l, at, p, ts, c.int(3))
		}),
		SYS_readlinkat: atCall(func(c *call, v *vfs.VFS, at int, p string) (int64, error) {
			t, err := v.Readlinkat(c.l, at, p)
			return readlinkOut(c, c.ptr(2), c.ptr(3), t, err)
		}),
		SYS_unlinkat: atCall(func(c *call, v *vfs.VFS, at int, p string) (int64, error) {
			return 0, v.Unlinkat(c.l, at, p, c.int(2))
		}),
		// symlinkat: target, fd, path.
		SYS_symlinkat: func(c *call) (int64, error) {
			v, err := c.vfs()
			if err != nil {
				return 0, err
			}
			target, err := c.path(0)
			if err != nil {
				return 0, err
			}
			p, err := c.path(2)
			if err != nil {
				return 0, err
			}
			return 0, v.Symlinkat(c.l, target, c.int(1), p)
		},
		// linkat: fd1, name1, fd2, name2, flags.
		SYS_linkat: twoAtCall(func(c *call, v *vfs.VFS, fromAt int, from string, toAt int, to string) (int64, error) {
			return 0, v.Linkat(c.l, fromAt, from, toAt, to, c.int(4))
		}),
		// renameat: fromfd, from, tofd, to.
		SYS_renameat: twoAtCall(func(c *call, v *vfs.VFS, fromAt int, from string, toAt int, to string) (int64, error) {
			return 0, v.Renameat(c.l, fromAt, from, toAt, to)
		}),
	}
}
