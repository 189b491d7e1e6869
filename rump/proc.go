package rump

import (
	"io/fs"

	"github.com/gorump/gorump/kern"
)

// Proc is a process in a kernel. Its methods are the syscalls, made by
// the process's first LWP; they may be called from many goroutines.
type Proc struct {
	k *Kernel
	p *kern.Proc
	l *kern.LWP
}

func pathErr(op, path string, err error) error {
	if err == nil {
		return nil
	}
	return &fs.PathError{Op: op, Path: path, Err: err}
}

func linkErr(op, from, to string, err error) error {
	if err == nil {
		return nil
	}
	return &fs.PathError{Op: op, Path: from + " -> " + to, Err: err}
}

// Kernel returns the kernel p runs in.
func (p *Proc) Kernel() *Kernel { return p.k }

// Kern returns the kernel core's process.
func (p *Proc) Kern() *kern.Proc { return p.p }

// LWP returns the LWP p's methods call with.
func (p *Proc) LWP() *kern.LWP { return p.l }

// Fork makes a child process that shares, copies or clears p's
// descriptor table as flags say; credentials, umask and directories are
// inherited.
func (p *Proc) Fork(flags ForkFlags) (*Proc, error) {
	c, err := p.k.k.NewProc(p.p, flags)
	if err != nil {
		return nil, err
	}
	return &Proc{k: p.k, p: c, l: c.LWP()}, nil
}

// Exit ends the process, closing its descriptors.
func (p *Proc) Exit() { p.p.Exit() }

// PID returns the process id.
func (p *Proc) PID() int { return p.l.Getpid() }

// PPID returns the parent's process id.
func (p *Proc) PPID() int { return p.l.Getppid() }

// Getuid returns the user id.
func (p *Proc) Getuid() uint32 { return p.l.Getuid() }

// Getgid returns the group id.
func (p *Proc) Getgid() uint32 { return p.l.Getgid() }

// Setuid sets the user id (root may set any).
func (p *Proc) Setuid(uid uint32) error { return p.l.Setuid(uid) }

// Setgid sets the group id (root may set any).
func (p *Proc) Setgid(gid uint32) error { return p.l.Setgid(gid) }

// Setgroups sets the supplementary groups (root only).
func (p *Proc) Setgroups(groups []uint32) error { return p.l.Setgroups(groups) }

// SetCred makes p run as uid and gid with the given groups; a root
// process uses it to drop privileges.
func (p *Proc) SetCred(uid, gid uint32, groups ...uint32) error {
	if err := p.l.Setgroups(groups); err != nil {
		return err
	}
	if err := p.l.Setgid(gid); err != nil {
		return err
	}
	return p.l.Setuid(uid)
}

// Umask sets the file-creation mask, returning the old one.
func (p *Proc) Umask(mask uint32) uint32 { return p.l.Umask(mask) }

// Open opens path with O_* flags; mode is used with O_CREAT.
func (p *Proc) Open(path string, flags int, mode uint32) (int, error) {
	fd, err := p.k.vfs.Open(p.l, path, flags, mode)
	return fd, pathErr("open", path, err)
}

// Openat is Open with a relative path looked up from the directory open
// on dirfd, or from the current directory when dirfd is AT_FDCWD; an
// absolute path ignores dirfd. As the other *at methods, it fails with
// EBADF when dirfd is not open, EINVAL when it is not a file-system
// descriptor (a socket) and ENOTDIR when it is not a directory.
func (p *Proc) Openat(dirfd int, path string, flags int, mode uint32) (int, error) {
	fd, err := p.k.vfs.Openat(p.l, dirfd, path, flags, mode)
	return fd, pathErr("openat", path, err)
}

// Close closes a descriptor.
func (p *Proc) Close(fd int) error { return p.l.Close(fd) }

// Read reads at the descriptor's offset.
func (p *Proc) Read(fd int, b []byte) (int, error) { return p.l.Read(fd, b) }

// Write writes at the descriptor's offset (the end with O_APPEND).
func (p *Proc) Write(fd int, b []byte) (int, error) { return p.l.Write(fd, b) }

// Pread reads at off.
func (p *Proc) Pread(fd int, b []byte, off int64) (int, error) { return p.l.Pread(fd, b, off) }

// Pwrite writes at off.
func (p *Proc) Pwrite(fd int, b []byte, off int64) (int, error) { return p.l.Pwrite(fd, b, off) }

// Lseek moves the offset.
func (p *Proc) Lseek(fd int, off int64, whence int) (int64, error) {
	return p.l.Lseek(fd, off, whence)
}

// Dup duplicates a descriptor.
func (p *Proc) Dup(fd int) (int, error) { return p.l.Dup(fd) }

// Dup2 makes newfd a copy of oldfd.
func (p *Proc) Dup2(oldfd, newfd int) error { return p.l.Dup2(oldfd, newfd) }

// Dup3 is Dup2 with O_CLOEXEC.
func (p *Proc) Dup3(oldfd, newfd, flags int) error { return p.l.Dup3(oldfd, newfd, flags) }

// Fcntl performs descriptor control.
func (p *Proc) Fcntl(fd, cmd, arg int) (int, error) { return p.l.Fcntl(fd, cmd, arg) }

// Fstat describes an open file.
func (p *Proc) Fstat(fd int) (Stat, error) { return p.l.Fstat(fd) }

// Fsync makes an open file's data and metadata durable.
func (p *Proc) Fsync(fd int) error { return p.l.Fsync(fd, false) }

// Fdatasync makes an open file's data durable. As on NetBSD, the
// descriptor must be open for writing (EBADF otherwise); Fsync takes any.
func (p *Proc) Fdatasync(fd int) error { return p.l.Fsync(fd, true) }

// Stat describes path, following symlinks.
func (p *Proc) Stat(path string) (Stat, error) {
	st, err := p.k.vfs.Stat(p.l, path)
	return st, pathErr("stat", path, err)
}

// Lstat describes path without following a final symlink.
func (p *Proc) Lstat(path string) (Stat, error) {
	st, err := p.k.vfs.Lstat(p.l, path)
	return st, pathErr("lstat", path, err)
}

// Fstatat is Stat from dirfd (see Openat), or Lstat when flags is
// AT_SYMLINK_NOFOLLOW.
func (p *Proc) Fstatat(dirfd int, path string, flags int) (Stat, error) {
	st, err := p.k.vfs.Fstatat(p.l, dirfd, path, flags)
	return st, pathErr("fstatat", path, err)
}

// Mkdir makes a directory.
func (p *Proc) Mkdir(path string, mode uint32) error {
	return pathErr("mkdir", path, p.k.vfs.Mkdir(p.l, path, mode))
}

// Mkdirat is Mkdir from dirfd (see Openat).
func (p *Proc) Mkdirat(dirfd int, path string, mode uint32) error {
	return pathErr("mkdirat", path, p.k.vfs.Mkdirat(p.l, dirfd, path, mode))
}

// Rmdir removes an empty directory.
func (p *Proc) Rmdir(path string) error { return pathErr("rmdir", path, p.k.vfs.Rmdir(p.l, path)) }

// Unlink removes a name that is not a directory.
func (p *Proc) Unlink(path string) error {
	return pathErr("unlink", path, p.k.vfs.Unlink(p.l, path))
}

// Unlinkat is Unlink from dirfd (see Openat), or Rmdir when flags is
// AT_REMOVEDIR.
func (p *Proc) Unlinkat(dirfd int, path string, flags int) error {
	return pathErr("unlinkat", path, p.k.vfs.Unlinkat(p.l, dirfd, path, flags))
}

// Link makes newpath a hard link to oldpath. As NetBSD's link(2), it
// follows a symlink at oldpath and links its target.
func (p *Proc) Link(oldpath, newpath string) error {
	return linkErr("link", oldpath, newpath, p.k.vfs.Link(p.l, oldpath, newpath))
}

// Linkat is Link with oldpath looked up from olddirfd and newpath from
// newdirfd (see Openat), that follows a symlink at oldpath only when
// flags has AT_SYMLINK_FOLLOW, and otherwise links the symlink itself.
func (p *Proc) Linkat(olddirfd int, oldpath string, newdirfd int, newpath string, flags int) error {
	return linkErr("linkat", oldpath, newpath, p.k.vfs.Linkat(p.l, olddirfd, oldpath, newdirfd, newpath, flags))
}

// Symlink makes path a symlink to target.
func (p *Proc) Symlink(target, path string) error {
	return linkErr("symlink", target, path, p.k.vfs.Symlink(p.l, target, path))
}

// Symlinkat is Symlink with path looked up from dirfd (see Openat); the
// target is stored as given.
func (p *Proc) Symlinkat(target string, dirfd int, path string) error {
	return linkErr("symlinkat", target, path, p.k.vfs.Symlinkat(p.l, target, dirfd, path))
}

// Readlink returns a symlink's target.
func (p *Proc) Readlink(path string) (string, error) {
	s, err := p.k.vfs.Readlink(p.l, path)
	return s, pathErr("readlink", path, err)
}

// Readlinkat is Readlink from dirfd (see Openat).
func (p *Proc) Readlinkat(dirfd int, path string) (string, error) {
	s, err := p.k.vfs.Readlinkat(p.l, dirfd, path)
	return s, pathErr("readlinkat", path, err)
}

// Rename moves from to to atomically.
func (p *Proc) Rename(from, to string) error {
	return linkErr("rename", from, to, p.k.vfs.Rename(p.l, from, to))
}

// Renameat is Rename with from looked up from fromdirfd and to from
// todirfd (see Openat).
func (p *Proc) Renameat(fromdirfd int, from string, todirfd int, to string) error {
	return linkErr("renameat", from, to, p.k.vfs.Renameat(p.l, fromdirfd, from, todirfd, to))
}

// Chmod sets permission bits.
func (p *Proc) Chmod(path string, mode uint32) error {
	return pathErr("chmod", path, p.k.vfs.Chmod(p.l, path, mode))
}

// Lchmod sets a symlink's own permission bits.
func (p *Proc) Lchmod(path string, mode uint32) error {
	return pathErr("lchmod", path, p.k.vfs.Lchmod(p.l, path, mode))
}

// Fchmodat is Chmod from dirfd (see Openat), or Lchmod when flags is
// AT_SYMLINK_NOFOLLOW.
func (p *Proc) Fchmodat(dirfd int, path string, mode uint32, flags int) error {
	return pathErr("fchmodat", path, p.k.vfs.Fchmodat(p.l, dirfd, path, mode, flags))
}

// Fchmod sets an open file's permission bits.
func (p *Proc) Fchmod(fd int, mode uint32) error { return p.k.vfs.Fchmod(p.l, fd, mode) }

// Chown sets owner and group; NoChange keeps one.
func (p *Proc) Chown(path string, uid, gid uint32) error {
	return pathErr("chown", path, p.k.vfs.Chown(p.l, path, uid, gid))
}

// Lchown sets a symlink's own owner and group.
func (p *Proc) Lchown(path string, uid, gid uint32) error {
	return pathErr("lchown", path, p.k.vfs.Lchown(p.l, path, uid, gid))
}

// Fchownat is Chown from dirfd (see Openat), or Lchown when flags is
// AT_SYMLINK_NOFOLLOW.
func (p *Proc) Fchownat(dirfd int, path string, uid, gid uint32, flags int) error {
	return pathErr("fchownat", path, p.k.vfs.Fchownat(p.l, dirfd, path, uid, gid, flags))
}

// Fchown sets an open file's owner and group.
func (p *Proc) Fchown(fd int, uid, gid uint32) error { return p.k.vfs.Fchown(p.l, fd, uid, gid) }

// Truncate sets a file's size.
func (p *Proc) Truncate(path string, size int64) error {
	return pathErr("truncate", path, p.k.vfs.Truncate(p.l, path, size))
}

// Ftruncate sets an open file's size.
func (p *Proc) Ftruncate(fd int, size int64) error { return p.k.vfs.Ftruncate(p.l, fd, size) }

// Utimens sets access and modification times (nil: both now; Nsec
// UTIME_NOW or UTIME_OMIT for one). With nofollow a symlink itself
// changes.
func (p *Proc) Utimens(path string, times *[2]Timespec, nofollow bool) error {
	return pathErr("utimens", path, p.k.vfs.Utimens(p.l, path, times, nofollow))
}

// Utimensat is Utimens from dirfd (see Openat); flags AT_SYMLINK_NOFOLLOW
// changes a symlink itself.
func (p *Proc) Utimensat(dirfd int, path string, times *[2]Timespec, flags int) error {
	return pathErr("utimensat", path, p.k.vfs.Utimensat(p.l, dirfd, path, times, flags))
}

// Futimens sets an open file's times.
func (p *Proc) Futimens(fd int, times *[2]Timespec) error {
	return p.k.vfs.Futimens(p.l, fd, times)
}

// Access checks permission to use path as mode (R_OK|W_OK|X_OK, F_OK).
func (p *Proc) Access(path string, mode int) error {
	return pathErr("access", path, p.k.vfs.Access(p.l, path, mode))
}

// Faccessat is Access from dirfd (see Openat); flags may hold
// AT_SYMLINK_NOFOLLOW and AT_EACCESS.
func (p *Proc) Faccessat(dirfd int, path string, mode, flags int) error {
	return pathErr("faccessat", path, p.k.vfs.Faccessat(p.l, dirfd, path, mode, flags))
}

// Chdir changes the current directory.
func (p *Proc) Chdir(path string) error { return pathErr("chdir", path, p.k.vfs.Chdir(p.l, path)) }

// Fchdir changes to an open directory.
func (p *Proc) Fchdir(fd int) error { return p.k.vfs.Fchdir(p.l, fd) }

// Chroot changes the root directory (root only).
func (p *Proc) Chroot(path string) error {
	return pathErr("chroot", path, p.k.vfs.Chroot(p.l, path))
}

// Getcwd returns the current directory's path.
func (p *Proc) Getcwd() (string, error) { return p.k.vfs.Getcwd(p.l) }

// Mknod makes a FIFO or device node; mode holds the type bits.
func (p *Proc) Mknod(path string, mode uint32, dev uint64) error {
	return pathErr("mknod", path, p.k.vfs.Mknod(p.l, path, mode, dev))
}

// Mknodat is Mknod from dirfd (see Openat).
func (p *Proc) Mknodat(dirfd int, path string, mode uint32, dev uint64) error {
	return pathErr("mknodat", path, p.k.vfs.Mknodat(p.l, dirfd, path, mode, dev))
}

// Mkfifo makes a FIFO.
func (p *Proc) Mkfifo(path string, mode uint32) error {
	return pathErr("mkfifo", path, p.k.vfs.Mkfifo(p.l, path, mode))
}

// Mkfifoat is Mkfifo from dirfd (see Openat).
func (p *Proc) Mkfifoat(dirfd int, path string, mode uint32) error {
	return pathErr("mkfifoat", path, p.k.vfs.Mkfifoat(p.l, dirfd, path, mode))
}

// ReadDir reads up to n entries (all if n <= 0) from an open directory,
// continuing at its offset; "." and ".." are included. An empty result
// means the end.
func (p *Proc) ReadDir(fd int, n int) ([]Dirent, error) { return p.k.vfs.ReadDir(p.l, fd, n) }

// Getdents fills buf with NetBSD struct dirent records.
func (p *Proc) Getdents(fd int, buf []byte) (int, error) { return p.k.vfs.Getdents(p.l, fd, buf) }

// Statvfs describes the file system holding path.
func (p *Proc) Statvfs(path string) (Statvfs, error) {
	st, err := p.k.vfs.Statvfs(p.l, path)
	return st, pathErr("statvfs", path, err)
}

// Fstatvfs describes the file system holding an open file.
func (p *Proc) Fstatvfs(fd int) (Statvfs, error) { return p.k.vfs.Fstatvfs(p.l, fd) }

// Mount mounts a file system of type fstype from source on target (root
// only). opts are driver options such as tmpfs's "size".
func (p *Proc) Mount(fstype, source, target string, flags int, opts map[string]string) error {
	return pathErr("mount", target, p.k.vfs.Mount(p.l, fstype, source, target, flags, opts))
}

// Unmount unmounts the file system at target; EBUSY while in use unless
// flags has MNT_FORCE.
func (p *Proc) Unmount(target string, flags int) error {
	return pathErr("unmount", target, p.k.vfs.Unmount(p.l, target, flags))
}

// Sync writes all dirty file-system data.
func (p *Proc) Sync() error { return p.k.vfs.Sync() }

// Sysctl reads a sysctl node by name.
func (p *Proc) Sysctl(name string) (string, error) {
	v, _, err := p.k.k.Sysctl().Get(name)
	return v, err
}

// SetSysctl writes a sysctl node; only root may.
func (p *Proc) SetSysctl(name, value string) error {
	return p.k.k.Sysctl().Set(p.l.Cred(), name, value)
}
