package sys_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
	"github.com/gorump/gorump/sys"
	"github.com/gorump/gorump/sys/systest"
)

// TestFileCalls drives open, write, pread, lseek, readv, writev, fstat
// and close on tmpfs as a C program would.
func TestFileCalls(t *testing.T) {
	k, _, p := boot(t)
	m := p.Mem
	path := m.Str("/tmp/f")
	fd := ok(t, p, sys.SYS_open, path, i(kern.O_CREAT|kern.O_RDWR), 0o644)
	data := m.Put([]byte("hello, world"))
	if n := ok(t, p, sys.SYS_write, uint64(fd), data, 12); n != 12 {
		t.Fatalf("write = %d", n)
	}
	buf := m.Alloc(64)
	// pread: fd, buf, nbyte, PAD, offset.
	if n := ok(t, p, sys.SYS_pread, uint64(fd), buf, 5, 0, 7); n != 5 || string(m.Bytes(buf, 5)) != "world" {
		t.Errorf("pread = %d %q", n, m.Bytes(buf, 5))
	}
	// pwrite at 0, then lseek: fd, PAD, offset, whence.
	ok(t, p, sys.SYS_pwrite, uint64(fd), m.Put([]byte("J")), 1, 0, 0)
	if off := ok(t, p, sys.SYS_lseek, uint64(fd), 0, 0, kern.SEEK_SET); off != 0 {
		t.Errorf("lseek = %d", off)
	}
	// readv into two buffers.
	b1, b2 := m.Alloc(5), m.Alloc(20)
	iov := m.Alloc(2 * sys.SizeofIovec)
	le.PutUint64(m.Bytes(iov, 8), b1)
	le.PutUint64(m.Bytes(iov+8, 8), 5)
	le.PutUint64(m.Bytes(iov+16, 8), b2)
	le.PutUint64(m.Bytes(iov+24, 8), 20)
	if n := ok(t, p, sys.SYS_readv, uint64(fd), iov, 2); n != 12 {
		t.Errorf("readv = %d", n)
	}
	if got := string(m.Bytes(b1, 5)) + string(m.Bytes(b2, 7)); got != "Jello, world" {
		t.Errorf("readv read %q", got)
	}
	// writev appends the same two pieces.
	le.PutUint64(m.Bytes(iov+24, 8), 7)
	if n := ok(t, p, sys.SYS_writev, uint64(fd), iov, 2); n != 12 {
		t.Errorf("writev = %d", n)
	}
	st := m.Alloc(sys.SizeofStat)
	ok(t, p, sys.SYS___fstat50, uint64(fd), st)
	if size := le.Uint64(m.Bytes(st+112, 8)); size != 24 {
		t.Errorf("st_size = %d", size)
	}
	if mode := le.Uint32(m.Bytes(st+8, 4)); mode != kern.S_IFREG|0o644 {
		t.Errorf("st_mode = %o", mode)
	}
	ok(t, p, sys.SYS_fsync, uint64(fd))
	ok(t, p, sys.SYS_close, uint64(fd))
	fails(t, p, errno.EBADF, sys.SYS_close, uint64(fd))
	got, err := k.InitProc().ReadFile("/tmp/f")
	if err != nil || string(got) != "Jello, worldJello, world" {
		t.Errorf("file holds %q, %v", got, err)
	}
}

// TestErrnos checks that failures carry NetBSD's numbers.
func TestErrnos(t *testing.T) {
	_, _, p := boot(t)
	m := p.Mem
	fails(t, p, errno.ENOENT, sys.SYS_open, m.Str("/nonexistent"), 0, 0)
	if errno.ENOENT != 2 || errno.EAGAIN != 35 || errno.ENOTEMPTY != 66 || errno.EFTYPE != 79 {
		t.Fatal("errno numbers are not NetBSD's")
	}
	ok(t, p, sys.SYS_mkdir, m.Str("/tmp/d"), 0o755)
	ok(t, p, sys.SYS_mkdir, m.Str("/tmp/d/e"), 0o755)
	fails(t, p, errno.ENOTEMPTY, sys.SYS_rmdir, m.Str("/tmp/d"))
	ok(t, p, sys.SYS_symlink, m.Str("/tmp/d"), m.Str("/tmp/l"))
	fails(t, p, errno.EFTYPE, sys.SYS_open, m.Str("/tmp/l"), i(kern.O_RDONLY|kern.O_NOFOLLOW), 0)
	fails(t, p, errno.EEXIST, sys.SYS_mkdir, m.Str("/tmp/d"), 0o755)
	// Addresses: NULL, outside memory, a string running off the end.
	fails(t, p, errno.EFAULT, sys.SYS_open, 0, 0, 0)
	fails(t, p, errno.EFAULT, sys.SYS_open, 0xdead0000_0000, 0, 0)
	fails(t, p, errno.EFAULT, sys.SYS___stat50, m.Str("/tmp"), 8)
	end := m.Base + uint64(len(m.Buf)) - 3
	copy(m.Bytes(end, 3), "abc")
	fails(t, p, errno.EFAULT, sys.SYS_open, end, 0, 0)
	// Paths: PATH_MAX with its NUL is the limit.
	long := strings.Repeat("/aaaaaaa", sys.PATH_MAX/8)
	fails(t, p, errno.ENAMETOOLONG, sys.SYS_open, m.Str(long), 0, 0)
	fails(t, p, errno.ENOENT, sys.SYS_open, m.Str(long[:sys.PATH_MAX-1]), 0, 0)
	// Numbers: not implemented, not in the table, out of range.
	fails(t, p, errno.ENOSYS, sys.SYS_kqueue)
	fails(t, p, errno.ENOSYS, 1)
	fails(t, p, errno.ENOSYS, -1)
	fails(t, p, errno.ENOSYS, 100000)
	// Arguments shorter than the syscall's slots.
	if _, e := sys.Syscall(p.L, m, sys.SYS_read, make([]byte, 16)); e != errno.EINVAL {
		t.Errorf("read with 2 slots: %v", e)
	}
	// Sizes past SSIZE_MAX.
	fails(t, p, errno.EINVAL, sys.SYS_read, 0, m.Alloc(8), 1<<63)
}

// TestIdentity checks getpid and friends, and retval[1].
func TestIdentity(t *testing.T) {
	k, _, p := boot(t)
	rv, e := sys.Syscall(p.L, p.Mem, sys.SYS_getpid, nil)
	if e != 0 || rv[0] != int64(k.InitProc().PID()) || rv[1] != int64(k.InitProc().PPID()) {
		t.Errorf("getpid = %v, %v", rv, e)
	}
	if uid := ok(t, p, sys.SYS_getuid); uid != 0 {
		t.Errorf("getuid = %d", uid)
	}
	before := k.InitProc().Kern().Umask()
	if old := ok(t, p, sys.SYS_umask, 0o077); old != int64(before) {
		t.Errorf("umask returned %o, want %o", old, before)
	}
	if cur := ok(t, p, sys.SYS_umask, 0o022); cur != 0o077 {
		t.Errorf("umask returned %o, want 77", cur)
	}
	gs := p.Mem.Alloc(4 * 16)
	ok(t, p, sys.SYS_setgroups, 2, p.Mem.Put([]byte{5, 0, 0, 0, 7, 0, 0, 0}))
	if n := ok(t, p, sys.SYS_getgroups, 0, 0); n != 2 {
		t.Errorf("getgroups(0) = %d", n)
	}
	fails(t, p, errno.EINVAL, sys.SYS_getgroups, 1, gs)
	ok(t, p, sys.SYS_getgroups, 16, gs)
	if !bytes.Equal(p.Mem.Bytes(gs, 8), []byte{5, 0, 0, 0, 7, 0, 0, 0}) {
		t.Errorf("getgroups: % x", p.Mem.Bytes(gs, 8))
	}
}

// TestDescriptors covers dup, dup2, dup3, fcntl and ioctl.
func TestDescriptors(t *testing.T) {
	_, _, p := boot(t)
	m := p.Mem
	fd := ok(t, p, sys.SYS_open, m.Str("/tmp/x"), i(kern.O_CREAT|kern.O_RDWR), 0o600)
	ok(t, p, sys.SYS_write, uint64(fd), m.Put([]byte("0123456789")), 10)
	ok(t, p, sys.SYS_lseek, uint64(fd), 0, 4, kern.SEEK_SET)
	n := m.Alloc(4)
	ok(t, p, sys.SYS_ioctl, uint64(fd), sys.FIONREAD, n)
	if got := le.Uint32(m.Bytes(n, 4)); got != 6 {
		t.Errorf("FIONREAD = %d", got)
	}
	le.PutUint32(m.Bytes(n, 4), 1)
	ok(t, p, sys.SYS_ioctl, uint64(fd), sys.FIONBIO, n)
	if fl := ok(t, p, sys.SYS_fcntl, uint64(fd), kern.F_GETFL, 0); fl&kern.O_NONBLOCK == 0 {
		t.Errorf("FIONBIO did not set O_NONBLOCK: %#x", fl)
	}
	fails(t, p, errno.ENOTTY, sys.SYS_ioctl, uint64(fd), 0x12345678, n)
	if d := ok(t, p, sys.SYS_dup, uint64(fd)); d <= fd {
		t.Errorf("dup = %d", d)
	}
	if d := ok(t, p, sys.SYS_dup2, uint64(fd), 20); d != 20 {
		t.Errorf("dup2 = %d", d)
	}
	ok(t, p, sys.SYS_dup3, uint64(fd), 21, kern.O_CLOEXEC)
	if fdfl := ok(t, p, sys.SYS_fcntl, 21, kern.F_GETFD, 0); fdfl != kern.FD_CLOEXEC {
		t.Errorf("F_GETFD after dup3 = %d", fdfl)
	}
	ok(t, p, sys.SYS_ioctl, 20, sys.FIOCLEX, 0)
	if fdfl := ok(t, p, sys.SYS_fcntl, 20, kern.F_GETFD, 0); fdfl != kern.FD_CLOEXEC {
		t.Errorf("F_GETFD after FIOCLEX = %d", fdfl)
	}
	fails(t, p, errno.EBADF, sys.SYS_dup, 99)
}

// TestPathCalls covers the path syscalls and their *at forms.
func TestPathCalls(t *testing.T) {
	k, _, p := boot(t)
	m := p.Mem
	kp := k.InitProc()
	const atFdcwd = sys.AT_FDCWD
	ok(t, p, sys.SYS_mkdirat, i(atFdcwd), m.Str("/tmp/a"), 0o755)
	ok(t, p, sys.SYS_chdir, m.Str("/tmp/a"))
	cwd := m.Alloc(64)
	if n := ok(t, p, sys.SYS___getcwd, cwd, 64); n != 7 || string(m.Bytes(cwd, 7)) != "/tmp/a\x00" {
		t.Errorf("getcwd = %d %q", n, m.Bytes(cwd, 7))
	}
	fails(t, p, errno.ERANGE, sys.SYS___getcwd, cwd, 4)
	fd := ok(t, p, sys.SYS_openat, i(atFdcwd), m.Str("f"), i(kern.O_CREAT|kern.O_WRONLY), 0o640)
	// A relative path from a directory descriptor starts there; an
	// absolute one ignores the descriptor, even one not open.
	dfd := ok(t, p, sys.SYS_open, m.Str("/tmp"), 0, 0)
	ok(t, p, sys.SYS_openat, uint64(dfd), m.Str("a/f"), 0, 0)
	fails(t, p, errno.EBADF, sys.SYS_openat, 77, m.Str("a/f"), 0, 0)
	ok(t, p, sys.SYS_openat, 77, m.Str("/tmp/a/f"), 0, 0)
	ok(t, p, sys.SYS_openat, uint64(dfd), m.Str("/tmp/a/f"), 0, 0)
	ok(t, p, sys.SYS_ftruncate, uint64(fd), 0, 100)
	ok(t, p, sys.SYS_truncate, m.Str("f"), 0, 50)
	if st, _ := kp.Stat("/tmp/a/f"); st.Size != 50 {
		t.Errorf("size %d after truncate", st.Size)
	}
	ok(t, p, sys.SYS_link, m.Str("f"), m.Str("g"))
	ok(t, p, sys.SYS_rename, m.Str("g"), m.Str("h"))
	ok(t, p, sys.SYS_symlinkat, m.Str("h"), i(atFdcwd), m.Str("s"))
	rl := m.Alloc(16)
	if n := ok(t, p, sys.SYS_readlink, m.Str("s"), rl, 16); n != 1 || m.Bytes(rl, 1)[0] != 'h' {
		t.Errorf("readlink = %d", n)
	}
	if n := ok(t, p, sys.SYS_readlinkat, i(atFdcwd), m.Str("s"), rl, 0); n != 0 {
		t.Errorf("readlinkat with 0 bytes = %d", n)
	}
	ok(t, p, sys.SYS_chmod, m.Str("h"), 0o600)
	ok(t, p, sys.SYS_fchmodat, i(atFdcwd), m.Str("h"), 0o604, 0)
	ok(t, p, sys.SYS_chown, m.Str("h"), 5, 6)
	ok(t, p, sys.SYS_fchownat, i(atFdcwd), m.Str("s"), 7, 8, sys.AT_SYMLINK_NOFOLLOW)
	st := m.Alloc(sys.SizeofStat)
	ok(t, p, sys.SYS_fstatat, i(atFdcwd), m.Str("s"), st, sys.AT_SYMLINK_NOFOLLOW)
	if uid := le.Uint32(m.Bytes(st+28, 4)); uid != 7 {
		t.Errorf("lchown'd symlink uid %d", uid)
	}
	ok(t, p, sys.SYS___stat50, m.Str("s"), st)
	if mode, uid, gid := le.Uint32(m.Bytes(st+8, 4)), le.Uint32(m.Bytes(st+28, 4)), le.Uint32(m.Bytes(st+32, 4)); mode != kern.S_IFREG|0o604 || uid != 5 || gid != 6 {
		t.Errorf("stat through symlink: mode %o uid %d gid %d", mode, uid, gid)
	}
	// utimes with timevals, utimensat with timespecs.
	tv := m.Alloc(32)
	le.PutUint64(m.Bytes(tv, 8), 1000)
	le.PutUint32(m.Bytes(tv+8, 4), 5)
	le.PutUint64(m.Bytes(tv+16, 8), 2000)
	le.PutUint32(m.Bytes(tv+24, 4), 7)
	ok(t, p, sys.SYS___utimes50, m.Str("h"), tv)
	if st, _ := kp.Stat("/tmp/a/h"); st.Atime.Sec != 1000 || st.Atime.Nsec != 5000 || st.Mtime.Sec != 2000 {
		t.Errorf("utimes: atime %v mtime %v", st.Atime, st.Mtime)
	}
	le.PutUint32(m.Bytes(tv+8, 4), 1000000)
	fails(t, p, errno.EINVAL, sys.SYS___utimes50, m.Str("h"), tv)
	ts := m.Alloc(32)
	le.PutUint64(m.Bytes(ts, 8), 3000)
	le.PutUint64(m.Bytes(ts+16, 8), 4000)
	le.PutUint64(m.Bytes(ts+24, 8), 9)
	ok(t, p, sys.SYS_utimensat, i(atFdcwd), m.Str("h"), ts, 0)
	if st, _ := kp.Stat("/tmp/a/h"); st.Atime.Sec != 3000 || st.Mtime != (kern.Timespec{Sec: 4000, Nsec: 9}) {
		t.Errorf("utimensat: atime %v mtime %v", st.Atime, st.Mtime)
	}
	ok(t, p, sys.SYS_access, m.Str("h"), 4)
	ok(t, p, sys.SYS_faccessat, i(atFdcwd), m.Str("h"), 4, 0)
	ok(t, p, sys.SYS_mkfifo, m.Str("p"), 0o600)
	if st, _ := kp.Lstat("/tmp/a/p"); st.Mode&kern.S_IFMT != kern.S_IFIFO {
		t.Errorf("mkfifo made mode %o", st.Mode)
	}
	ok(t, p, sys.SYS_unlinkat, i(atFdcwd), m.Str("p"), 0)
	ok(t, p, sys.SYS_unlink, m.Str("s"))
	ok(t, p, sys.SYS_mkdir, m.Str("sub"), 0o700)
	fails(t, p, errno.EINVAL, sys.SYS_unlinkat, i(atFdcwd), m.Str("sub"), 0x1)
	ok(t, p, sys.SYS_unlinkat, i(atFdcwd), m.Str("sub"), sys.AT_REMOVEDIR)
	ok(t, p, sys.SYS_fchdir, uint64(dfd))
	if cwd, _ := kp.Getcwd(); cwd != "/tmp" {
		t.Errorf("cwd %q after fchdir", cwd)
	}
	ok(t, p, sys.SYS_sync)
}

// TestAtCalls makes each *at syscall as a C program would, with a
// descriptor on a directory and a relative path, after checking that a
// descriptor on a regular file is ENOTDIR, one on a socket EINVAL and one
// not open EBADF.
func TestAtCalls(t *testing.T) {
	k, _, p := boot(t)
	m := p.Mem
	kp := k.InitProc()
	if err := kp.Mkdir("/tmp/d", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := kp.WriteFile("/tmp/d/f", []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := kp.Symlink("f", "/tmp/d/l"); err != nil {
		t.Fatal(err)
	}
	dfd := uint64(ok(t, p, sys.SYS_open, m.Str("/tmp/d"), i(kern.O_RDONLY|kern.O_DIRECTORY), 0))
	ffd := uint64(ok(t, p, sys.SYS_open, m.Str("/tmp/d/f"), i(kern.O_RDONLY), 0))
	sock := uint64(ok(t, p, sys.SYS___socket30, socket.AF_INET, socket.SOCK_DGRAM, 0))
	const closed = 77
	st, buf, ts := m.Alloc(sys.SizeofStat), m.Alloc(64), m.Alloc(2*sys.SizeofTimespec)
	for _, c := range []struct {
		name string
		num  int
		args func(at uint64) []uint64 // the slots, with at as the directory descriptor
	}{
		{"openat", sys.SYS_openat, func(at uint64) []uint64 { return []uint64{at, m.Str("f"), i(kern.O_RDONLY), 0} }},
		{"fstatat", sys.SYS_fstatat, func(at uint64) []uint64 { return []uint64{at, m.Str("l"), st, sys.AT_SYMLINK_NOFOLLOW} }},
		{"faccessat", sys.SYS_faccessat, func(at uint64) []uint64 { return []uint64{at, m.Str("f"), 4, 0} }},
		{"readlinkat", sys.SYS_readlinkat, func(at uint64) []uint64 { return []uint64{at, m.Str("l"), buf, 64} }},
		{"fchmodat", sys.SYS_fchmodat, func(at uint64) []uint64 { return []uint64{at, m.Str("f"), 0o600, 0} }},
		{"fchownat", sys.SYS_fchownat, func(at uint64) []uint64 { return []uint64{at, m.Str("f"), 5, 6, 0} }},
		{"utimensat", sys.SYS_utimensat, func(at uint64) []uint64 { return []uint64{at, m.Str("f"), ts, 0} }},
		{"mkdirat", sys.SYS_mkdirat, func(at uint64) []uint64 { return []uint64{at, m.Str("sub"), 0o755} }},
		{"mkfifoat", sys.SYS_mkfifoat, func(at uint64) []uint64 { return []uint64{at, m.Str("fifo"), 0o600} }},
		// mknodat: fd, path, mode, PAD, dev.
		{"mknodat", sys.SYS_mknodat, func(at uint64) []uint64 { return []uint64{at, m.Str("fifo2"), kern.S_IFIFO | 0o600, 0, 0} }},
		// symlinkat: target, fd, path.
		{"symlinkat", sys.SYS_symlinkat, func(at uint64) []uint64 { return []uint64{m.Str("f"), at, m.Str("s")} }},
		{"linkat", sys.SYS_linkat, func(at uint64) []uint64 { return []uint64{at, m.Str("f"), at, m.Str("g"), 0} }},
		{"renameat", sys.SYS_renameat, func(at uint64) []uint64 { return []uint64{at, m.Str("g"), at, m.Str("h")} }},
		{"unlinkat", sys.SYS_unlinkat, func(at uint64) []uint64 { return []uint64{at, m.Str("h"), 0} }},
		{"unlinkat-removedir", sys.SYS_unlinkat, func(at uint64) []uint64 { return []uint64{at, m.Str("sub"), sys.AT_REMOVEDIR} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			fails(t, p, errno.ENOTDIR, c.num, c.args(ffd)...)
			fails(t, p, errno.EINVAL, c.num, c.args(sock)...)
			fails(t, p, errno.EBADF, c.num, c.args(closed)...)
			ok(t, p, c.num, c.args(dfd)...)
		})
	}
	if mode := le.Uint32(m.Bytes(st+8, 4)); mode&kern.S_IFMT != kern.S_IFLNK {
		t.Errorf("fstatat(d, l, AT_SYMLINK_NOFOLLOW): mode %o", mode)
	}
	if string(m.Bytes(buf, 1)) != "f" {
		t.Errorf("readlinkat(d, l) read %q", m.Bytes(buf, 1))
	}
	if st, err := kp.Stat("/tmp/d/f"); err != nil || st.Mode&0o777 != 0o600 || st.UID != 5 || st.GID != 6 || st.Mtime.Sec != 0 || st.Nlink != 1 {
		t.Errorf("/tmp/d/f after fchmodat, fchownat, utimensat, linkat, renameat and unlinkat: %+v, %v", st, err)
	}
	for path, typ := range map[string]uint32{"/tmp/d/fifo": kern.S_IFIFO, "/tmp/d/fifo2": kern.S_IFIFO, "/tmp/d/s": kern.S_IFLNK} {
		if st, err := kp.Lstat(path); err != nil || st.Mode&kern.S_IFMT != typ {
			t.Errorf("lstat(%s) = mode %o, %v; want type %o", path, st.Mode, err, typ)
		}
	}
	for _, path := range []string{"/tmp/d/sub", "/tmp/d/g", "/tmp/d/h", "/tmp/f", "/tmp/sub", "/f"} {
		if _, err := kp.Lstat(path); err == nil {
			t.Errorf("%s exists", path)
		}
	}
}

// TestGetdents reads a directory through __getdents30 and checks the
// records field by field against struct dirent's layout.
func TestGetdents(t *testing.T) {
	k, _, p := boot(t)
	m := p.Mem
	kp := k.InitProc()
	names := map[string]bool{".": true, "..": true, "dir": true}
	kp.Mkdir("/tmp/dir", 0o755)
	for _, n := range []string{"a", "bb", "a-much-longer-name-than-eight"} {
		names[n] = true
		kp.WriteFile("/tmp/"+n, nil, 0o644)
	}
	fd := ok(t, p, sys.SYS_open, m.Str("/tmp"), i(kern.O_RDONLY|kern.O_DIRECTORY), 0)
	buf := m.Alloc(4096)
	seen := map[string]bool{}
	for {
		n := ok(t, p, sys.SYS___getdents30, uint64(fd), buf, 4096)
		if n == 0 {
			break
		}
		b := m.Bytes(buf, int(n))
		for len(b) > 0 {
			ino := le.Uint64(b[0:])
			reclen := int(le.Uint16(b[8:]))
			namlen := int(le.Uint16(b[10:]))
			typ := b[12]
			name := string(b[13 : 13+namlen])
			if reclen%8 != 0 || reclen != (13+namlen+1+7)&^7 || b[13+namlen] != 0 {
				t.Errorf("%s: reclen %d namlen %d", name, reclen, namlen)
			}
			if ino == 0 {
				t.Errorf("%s: d_fileno 0", name)
			}
			wantType := byte(8) // DT_REG
			if name == "." || name == ".." || name == "dir" {
				wantType = 4 // DT_DIR
			}
			if typ != wantType {
				t.Errorf("%s: d_type %d, want %d", name, typ, wantType)
			}
			if name != "." && name != ".." {
				st, _ := kp.Lstat("/tmp/" + name)
				if st.Ino != ino {
					t.Errorf("%s: d_fileno %d, stat %d", name, ino, st.Ino)
				}
			}
			seen[name] = true
			b = b[reclen:]
		}
	}
	for n := range names {
		if !seen[n] {
			t.Errorf("getdents missed %q", n)
		}
	}
	// A buffer too small for one entry.
	ok(t, p, sys.SYS_lseek, uint64(fd), 0, 0, 0)
	fails(t, p, errno.EINVAL, sys.SYS___getdents30, uint64(fd), buf, 8)
}

// TestBigEndian makes calls through the big-endian ABI: 32-bit values
// in the last four bytes of their slots, structs in big-endian order.
func TestBigEndian(t *testing.T) {
	_, _, p := boot(t)
	m := p.Mem
	be := binary.BigEndian
	args := func(slots ...uint64) []byte {
		b := make([]byte, len(slots)*sys.SlotSize)
		for j, s := range slots {
			be.PutUint64(b[j*sys.SlotSize:], s)
		}
		return b
	}
	call := func(num int, slots ...uint64) int64 {
		t.Helper()
		rv, e := sys.BigEndian.Syscall(p.L, m, num, args(slots...))
		if e != 0 {
			t.Fatalf("syscall %d: %v", num, e)
		}
		return rv[0]
	}
	fd := call(sys.SYS_open, m.Str("/tmp/be"), kern.O_CREAT|kern.O_RDWR, 0o640)
	call(sys.SYS_write, uint64(fd), m.Put([]byte("big")), 3)
	st := m.Alloc(sys.SizeofStat)
	call(sys.SYS___fstat50, uint64(fd), st)
	if mode, size := be.Uint32(m.Bytes(st+8, 4)), be.Uint64(m.Bytes(st+112, 8)); mode != kern.S_IFREG|0o640 || size != 3 {
		t.Errorf("big-endian stat: mode %o size %d", mode, size)
	}
	if off := call(sys.SYS_lseek, uint64(fd), 0, 1, kern.SEEK_SET); off != 1 {
		t.Errorf("lseek = %d", off)
	}
	dfd := call(sys.SYS_open, m.Str("/tmp"), kern.O_RDONLY, 0)
	buf := m.Alloc(1024)
	n := call(sys.SYS___getdents30, uint64(dfd), buf, 1024)
	if reclen := be.Uint16(m.Bytes(buf+8, 2)); n == 0 || reclen != 16 || be.Uint16(m.Bytes(buf+10, 2)) != 1 {
		t.Errorf("big-endian dirent: %d bytes, first reclen %d", n, reclen)
	}
}

// lostSpace is a remote address space whose client has gone away.
type lostSpace struct{}

func (lostSpace) CopyIn(uint64, []byte) error           { return errno.ENOTCONN }
func (lostSpace) CopyOut(uint64, []byte) error          { return errno.ENOTCONN }
func (lostSpace) CopyInStr(uint64, int) (string, error) { return "", errno.ENOTCONN }

// otherSpace fails with an error that is not an errno.
type otherSpace struct{ lostSpace }

func (otherSpace) CopyInStr(uint64, int) (string, error) { return "", io.ErrUnexpectedEOF }

// TestAddrSpaceErrors checks that an address space's errno reaches the
// caller and that other errors are EFAULT.
func TestAddrSpaceErrors(t *testing.T) {
	_, _, p := boot(t)
	args := systest.Args(0x1000, 0, 0)
	if _, e := sys.Syscall(p.L, lostSpace{}, sys.SYS_open, args); e != errno.ENOTCONN {
		t.Errorf("open through a lost client: %v", e)
	}
	if _, e := sys.Syscall(p.L, otherSpace{}, sys.SYS_open, args); e != errno.EFAULT {
		t.Errorf("open through a failing space: %v", e)
	}
}
