package vfstest

import (
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// offset returns fd's offset.
func (f *fixture) offset(fd int) int64 {
	f.t.Helper()
	off, err := f.p.Lseek(fd, 0, rump.SEEK_CUR)
	f.must(err, "lseek(%d, 0, SEEK_CUR)", fd)
	return off
}

// fdCases cover descriptors on files: dup, dup2, fcntl and sharing.
var fdCases = []testCase{
	{name: "dup-shares-offset", run: func(f *fixture) {
		f.mkfile("f", "abcdef", 0o644)
		fd := f.open("f", rump.O_RDWR, 0)
		defer f.close(fd)
		fd2, err := f.p.Dup(fd)
		f.must(err, "dup")
		defer f.close(fd2)
		buf := make([]byte, 2)
		_, err = f.p.Read(fd, buf)
		f.must(err, "read")
		f.check(f.offset(fd2) == 2, "dup'd descriptor's offset %d, want 2", f.offset(fd2))
		n, err := f.p.Read(fd2, buf)
		f.must(err, "read")
		f.check(string(buf[:n]) == "cd", "read through the dup = %q, want \"cd\"", buf[:n])
		f.write(fd2, "EF")
		f.check(f.offset(fd) == 6, "offset after writing through the dup: %d, want 6", f.offset(fd))
		f.content("f", "abcdEF")
	}},
	{name: "dup-shares-status-flags", run: func(f *fixture) {
		f.mkfile("f", "abc", 0o644)
		fd := f.open("f", rump.O_WRONLY, 0)
		defer f.close(fd)
		fd2, err := f.p.Dup(fd)
		f.must(err, "dup")
		defer f.close(fd2)
		_, err = f.p.Fcntl(fd, rump.F_SETFL, rump.O_APPEND)
		f.must(err, "fcntl(F_SETFL, O_APPEND)")
		fl, err := f.p.Fcntl(fd2, rump.F_GETFL, 0)
		f.must(err, "fcntl(F_GETFL)")
		f.check(fl&rump.O_APPEND != 0, "O_APPEND set on one descriptor is not seen on its dup (flags %#x)", fl)
	}},
	{name: "dup-clears-cloexec", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		fd := f.open("f", rump.O_RDONLY|rump.O_CLOEXEC, 0)
		defer f.close(fd)
		fd2, err := f.p.Dup(fd)
		f.must(err, "dup")
		defer f.close(fd2)
		v, err := f.p.Fcntl(fd2, rump.F_GETFD, 0)
		f.must(err, "fcntl(F_GETFD)")
		f.check(v&rump.FD_CLOEXEC == 0, "dup kept FD_CLOEXEC")
	}},
	{name: "dup2", run: func(f *fixture) {
		f.mkfile("a", "aaa", 0o644)
		f.mkfile("b", "bbb", 0o644)
		fa := f.open("a", rump.O_RDONLY, 0)
		fb := f.open("b", rump.O_RDONLY, 0)
		defer f.close(fa)
		f.expect(ok, f.p.Dup2(fa, fb), "dup2(a, b)")
		defer f.close(fb)
		got := f.pread(fb, 3, 0)
		f.check(got == "aaa", "after dup2 the target descriptor reads %q, want \"aaa\"", got)
		f.expect(ok, f.p.Dup2(fa, fa), "dup2(fd, fd)")
		f.check(f.pread(fa, 3, 0) == "aaa", "dup2(fd, fd) closed fd")
	}},
	{name: "fcntl-getfl-access-mode", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		for _, flags := range []int{rump.O_RDONLY, rump.O_WRONLY, rump.O_RDWR, rump.O_WRONLY | rump.O_APPEND, rump.O_RDONLY | rump.O_NONBLOCK} {
			fd := f.open("f", flags, 0)
			got, err := f.p.Fcntl(fd, rump.F_GETFL, 0)
			f.must(err, "fcntl(F_GETFL)")
			want := flags & (rump.O_ACCMODE | rump.O_APPEND | rump.O_NONBLOCK)
			f.check(got&(rump.O_ACCMODE|rump.O_APPEND|rump.O_NONBLOCK) == want, "F_GETFL after open(%#x) = %#x", flags, got)
			f.close(fd)
		}
	}},
	{name: "fcntl-setfl-append", run: func(f *fixture) {
		f.mkfile("f", "abc", 0o644)
		fd := f.open("f", rump.O_WRONLY, 0)
		defer f.close(fd)
		_, err := f.p.Fcntl(fd, rump.F_SETFL, rump.O_APPEND)
		f.expect(ok, err, "fcntl(F_SETFL, O_APPEND)")
		f.write(fd, "de")
		f.content("f", "abcde")
		_, err = f.p.Fcntl(fd, rump.F_SETFL, 0)
		f.expect(ok, err, "fcntl(F_SETFL, 0)")
		_, err = f.p.Lseek(fd, 0, rump.SEEK_SET)
		f.must(err, "lseek")
		f.write(fd, "X")
		f.content("f", "Xbcde")
	}},
	{name: "fcntl-setfl-nonblock", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		_, err := f.p.Fcntl(fd, rump.F_SETFL, rump.O_NONBLOCK)
		f.expect(ok, err, "fcntl(F_SETFL, O_NONBLOCK)")
		fl, err := f.p.Fcntl(fd, rump.F_GETFL, 0)
		f.must(err, "fcntl(F_GETFL)")
		f.check(fl&rump.O_NONBLOCK != 0, "F_GETFL after setting O_NONBLOCK = %#x", fl)
		_, err = f.p.Fcntl(fd, rump.F_SETFL, 0)
		f.must(err, "fcntl(F_SETFL, 0)")
		fl, err = f.p.Fcntl(fd, rump.F_GETFL, 0)
		f.must(err, "fcntl(F_GETFL)")
		f.check(fl&rump.O_NONBLOCK == 0, "F_GETFL after clearing O_NONBLOCK = %#x", fl)
	}},
	{name: "fcntl-setfl-keeps-access-mode", run: func(f *fixture) {
		f.mkfile("f", "abc", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		_, err := f.p.Fcntl(fd, rump.F_SETFL, rump.O_RDWR)
		f.must(err, "fcntl(F_SETFL, O_RDWR)")
		_, err = f.p.Write(fd, []byte("x"))
		f.expect(errno.EBADF, err, "write after F_SETFL tried to make a read-only descriptor writable")
		fl, err := f.p.Fcntl(fd, rump.F_GETFL, 0)
		f.must(err, "fcntl(F_GETFL)")
		f.check(fl&rump.O_ACCMODE == rump.O_RDONLY, "F_GETFL access mode %#x, want O_RDONLY", fl&rump.O_ACCMODE)
	}},
	{name: "closed-descriptor", run: func(f *fixture) {
		f.mkfile("f", "abc", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		f.close(fd)
		_, err := f.p.Read(fd, make([]byte, 1))
		f.expect(errno.EBADF, err, "read(closed fd)")
		f.expect(errno.EBADF, f.p.Close(fd), "close(closed fd)")
		_, err = f.p.Fstat(fd)
		f.expect(errno.EBADF, err, "fstat(closed fd)")
	}},
	{name: "fork-shares-open-file", run: func(f *fixture) {
		f.mkfile("f", "abcdef", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		child, err := f.p.Fork(rump.ForkCopyFD)
		f.must(err, "fork")
		defer child.Exit()
		buf := make([]byte, 3)
		_, err = child.Read(fd, buf)
		f.must(err, "read in the child")
		f.check(f.offset(fd) == 3, "parent's offset after the child read: %d, want 3 (one open file)", f.offset(fd))
	}},
	{name: "fstat-matches-stat", run: func(f *fixture) {
		f.mkfile("f", "abcdef", 0o640)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		a, b := f.fstat(fd), f.stat("f")
		f.check(a.Ino == b.Ino && a.Dev == b.Dev && a.Size == b.Size && a.Mode == b.Mode && a.Nlink == b.Nlink,
			"fstat %+v differs from stat %+v", a, b)
	}},
	{name: "fsync", run: func(f *fixture) {
		f.mkfile("f", "abc", 0o644)
		fd := f.open("f", rump.O_RDWR, 0)
		defer f.close(fd)
		f.write(fd, "de")
		f.expect(ok, f.p.Fsync(fd), "fsync")
		f.expect(ok, f.p.Fdatasync(fd), "fdatasync")
		dfd := f.open(".", rump.O_RDONLY|rump.O_DIRECTORY, 0)
		defer f.close(dfd)
		f.expect(ok, f.p.Fsync(dfd), "fsync(directory)")
		f.content("f", "dec")
	}},
	{name: "fsync-read-only", run: func(f *fixture) {
		// NetBSD's fsync takes any descriptor on a file; fdatasync wants
		// one open for writing.
		f.mkfile("f", "abc", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		f.expect(ok, f.p.Fsync(fd), "fsync(O_RDONLY)")
		f.expect(errno.EBADF, f.p.Fdatasync(fd), "fdatasync(O_RDONLY)")
		dfd := f.open(".", rump.O_RDONLY|rump.O_DIRECTORY, 0)
		defer f.close(dfd)
		f.expect(errno.EBADF, f.p.Fdatasync(dfd), "fdatasync(directory)")
	}},
	{name: "fchdir", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("d/f", "x", 0o644)
		fd := f.open("d", rump.O_RDONLY|rump.O_DIRECTORY, 0)
		defer f.close(fd)
		f.expect(ok, f.p.Fchdir(fd), "fchdir(d)")
		b, err := f.p.ReadFile("f")
		f.expect(ok, err, "read f relative to the new cwd")
		f.check(string(b) == "x", "read %q", b)
	}},
}
