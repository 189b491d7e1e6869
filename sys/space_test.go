package sys_test

import (
	"testing"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
	"github.com/gorump/gorump/sys"
	"github.com/gorump/gorump/vfs"
)

// TestSpaceCalls checks fsync_range, posix_fallocate (whose error is
// its result) and fdiscard with NetBSD's errors, in its order.
func TestSpaceCalls(t *testing.T) {
	_, _, p := boot(t)
	m := p.Mem
	path := m.Str("/tmp/f")
	fd := uint64(ok(t, p, sys.SYS_open, path, kern.O_RDWR|kern.O_CREAT, 0o644))
	ro := uint64(ok(t, p, sys.SYS_open, path, kern.O_RDONLY, 0))
	dir := uint64(ok(t, p, sys.SYS_open, m.Str("/tmp"), kern.O_RDONLY, 0))
	r, w := pipe(t, p)
	sock := uint64(ok(t, p, sys.SYS___socket30, socket.AF_INET, socket.SOCK_DGRAM, 0))
	ok(t, p, sys.SYS_write, fd, m.Put([]byte("data")), 4)

	ok(t, p, sys.SYS_fsync_range, fd, kern.FDATASYNC, 0, 0)
	ok(t, p, sys.SYS_fsync_range, fd, kern.FFILESYNC|kern.FDISKSYNC, 2, 100)
	fails(t, p, errno.EBADF, sys.SYS_fsync_range, 99, kern.FDATASYNC, 0, 0)
	fails(t, p, errno.EINVAL, sys.SYS_fsync_range, w, kern.FDATASYNC, 0, 0)
	fails(t, p, errno.EBADF, sys.SYS_fsync_range, ro, kern.FDATASYNC, 0, 0)
	fails(t, p, errno.EINVAL, sys.SYS_fsync_range, fd, 0, 0, 0)
	fails(t, p, errno.EINVAL, sys.SYS_fsync_range, fd, kern.FDATASYNC|kern.FFILESYNC, 0, 0)
	fails(t, p, errno.EINVAL, sys.SYS_fsync_range, fd, kern.FDATASYNC, 10, uint64(1<<64-5))

	neg := uint64(1<<64 - 1)
	for _, c := range []struct {
		name string
		fd   uint64
		off  uint64
		len  uint64
		want errno.Errno
	}{
		{"file", fd, 0, 4096, errno.EOPNOTSUPP},
		{"negative offset, bad descriptor", 99, neg, 1, errno.EINVAL},
		{"negative length", fd, 0, neg, errno.EINVAL},
		{"range past the largest offset", fd, 1 << 62, 1 << 62, errno.EINVAL},
		{"bad descriptor", 99, 0, 1, errno.EBADF},
		{"pipe", r, 0, 1, errno.EINVAL},
		{"socket", sock, 0, 1, errno.EINVAL},
		{"read-only", ro, 0, 1, errno.EBADF},
		{"directory, read-only", dir, 0, 1, errno.EBADF},
	} {
		// posix_fallocate: fd, PAD, pos, len; NOERR.
		noerr(t, p, c.want, sys.SYS_posix_fallocate, c.fd, 0, c.off, c.len)
		if c.want == 0 {
			ok(t, p, sys.SYS_fdiscard, c.fd, 0, c.off, c.len)
		} else {
			fails(t, p, c.want, sys.SYS_fdiscard, c.fd, 0, c.off, c.len)
		}
	}
}

func TestPathconf(t *testing.T) {
	_, _, p := boot(t)
	m := p.Mem
	tmp := m.Str("/tmp")
	for _, c := range []struct {
		name int
		want int64
	}{
		{vfs.PC_LINK_MAX, 32767},
		{vfs.PC_NAME_MAX, 255},
		{vfs.PC_PATH_MAX, 1024},
		{vfs.PC_PIPE_BUF, 512},
		{vfs.PC_CHOWN_RESTRICTED, 1},
		{vfs.PC_NO_TRUNC, 1},
		{vfs.PC_SYNC_IO, 1},
		{vfs.PC_FILESIZEBITS, 64},
	} {
		if got := ok(t, p, sys.SYS_pathconf, tmp, uint64(c.name)); got != c.want {
			t.Errorf("tmpfs pathconf(%d) = %d, want %d", c.name, got, c.want)
		}
	}
	// tmpfs has no _PC_SYMLINK_MAX, and no terminal limits.
	for _, name := range []int{vfs.PC_SYMLINK_MAX, vfs.PC_2_SYMLINKS, vfs.PC_MAX_CANON, vfs.PC_VDISABLE, 0, 99, -1} {
		fails(t, p, errno.EINVAL, sys.SYS_pathconf, tmp, i(name))
	}
	fails(t, p, errno.ENOENT, sys.SYS_pathconf, m.Str("/nonexistent"), vfs.PC_NAME_MAX)
	fails(t, p, errno.EFAULT, sys.SYS_pathconf, 8, vfs.PC_NAME_MAX)
	fd := uint64(ok(t, p, sys.SYS_open, tmp, kern.O_RDONLY, 0))
	if got := ok(t, p, sys.SYS_fpathconf, fd, vfs.PC_NAME_MAX); got != 255 {
		t.Errorf("fpathconf(_PC_NAME_MAX) = %d", got)
	}
	r, _ := pipe(t, p)
	if got := ok(t, p, sys.SYS_fpathconf, r, vfs.PC_PIPE_BUF); got != 512 {
		t.Errorf("pipe fpathconf(_PC_PIPE_BUF) = %d", got)
	}
	fails(t, p, errno.EINVAL, sys.SYS_fpathconf, r, vfs.PC_NAME_MAX)
	fails(t, p, errno.EBADF, sys.SYS_fpathconf, 99, vfs.PC_NAME_MAX)
}

// TestSetreuid makes the credential calls through the ABI: a root
// process drops its effective id, takes it back, then swaps ids.
func TestSetreuid(t *testing.T) {
	_, _, p := boot(t)
	ok(t, p, sys.SYS_seteuid, 1000)
	rv, _ := sys.Syscall(p.L, p.Mem, sys.SYS_getuid, nil)
	if rv[0] != 0 || rv[1] != 1000 {
		t.Errorf("getuid after seteuid(1000): real %d effective %d", rv[0], rv[1])
	}
	if e := ok(t, p, sys.SYS_geteuid); e != 1000 {
		t.Errorf("geteuid %d", e)
	}
	fails(t, p, errno.EPERM, sys.SYS_seteuid, 2000)
	fails(t, p, errno.EPERM, sys.SYS_setegid, 5)
	ok(t, p, sys.SYS_seteuid, 0)
	ok(t, p, sys.SYS_setregid, 10, 20)
	rv, _ = sys.Syscall(p.L, p.Mem, sys.SYS_getgid, nil)
	if rv[0] != 10 || rv[1] != 20 {
		t.Errorf("getgid after setregid(10, 20): %v", rv)
	}
	ok(t, p, sys.SYS_setreuid, 1000, 2000)
	ok(t, p, sys.SYS_setreuid, i(-1), 1000) // back to the real id
	fails(t, p, errno.EPERM, sys.SYS_setreuid, 0, i(-1))
	if e := ok(t, p, sys.SYS_getegid); e != 20 {
		t.Errorf("getegid %d", e)
	}
}
