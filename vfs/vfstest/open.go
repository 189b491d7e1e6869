package vfstest

import (
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// openCases cover open(2) flags.
var openCases = []testCase{
	{name: "creat-new", run: func(f *fixture) {
		fd, err := f.p.Open(f.path("f"), rump.O_WRONLY|rump.O_CREAT, 0o640)
		if !f.expect(ok, err, "open(f, O_CREAT)") {
			return
		}
		st := f.fstat(fd)
		f.close(fd)
		f.check(fileType(st.Mode) == rump.S_IFREG, "new file: type %#o, want S_IFREG", fileType(st.Mode))
		f.check(st.Size == 0 && st.Nlink == 1, "new file: size %d nlink %d, want 0 and 1", st.Size, st.Nlink)
		if !f.caps.NoPermissions {
			f.check(st.Mode&0o7777 == 0o640, "new file: mode %#o, want 0640", st.Mode&0o7777)
		}
	}},
	{name: "creat-existing-keeps-data", run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		ino := f.stat("f").Ino
		fd, err := f.p.Open(f.path("f"), rump.O_RDWR|rump.O_CREAT, 0o600)
		if f.expect(ok, err, "open(f, O_CREAT) of an existing file") {
			f.check(f.fstat(fd).Ino == ino, "O_CREAT of an existing file made a new inode")
			f.close(fd)
		}
		f.content("f", "data")
	}},
	{name: "creat-strips-sticky", needs: needPermissions, run: func(f *fixture) {
		// NetBSD's open masks S_ISVTX out of the creation mode.
		fd := f.open("f", rump.O_WRONLY|rump.O_CREAT, 0o1755)
		f.close(fd)
		f.perm("f", 0o755)
	}},
	{name: "excl-existing-file", run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		_, err := f.p.Open(f.path("f"), rump.O_WRONLY|rump.O_CREAT|rump.O_EXCL, 0o644)
		f.expect(errno.EEXIST, err, "open(f, O_CREAT|O_EXCL)")
		f.content("f", "data")
	}},
	{name: "excl-existing-dir", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		_, err := f.p.Open(f.path("d"), rump.O_RDONLY|rump.O_CREAT|rump.O_EXCL, 0o644)
		f.expect(errno.EEXIST, err, "open(d, O_CREAT|O_EXCL)")
	}},
	{name: "excl-dangling-symlink", needs: needSymlinks, run: func(f *fixture) {
		f.symlink("target", "l")
		_, err := f.p.Open(f.path("l"), rump.O_WRONLY|rump.O_CREAT|rump.O_EXCL, 0o644)
		f.expect(errno.EEXIST, err, "open(dangling symlink, O_CREAT|O_EXCL)")
		f.absent("target")
		f.isType("l", rump.S_IFLNK)
	}},
	{name: "excl-symlink-to-file", needs: needSymlinks, run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		f.symlink("f", "l")
		_, err := f.p.Open(f.path("l"), rump.O_WRONLY|rump.O_CREAT|rump.O_EXCL|rump.O_TRUNC, 0o644)
		f.expect(errno.EEXIST, err, "open(symlink, O_CREAT|O_EXCL)")
		f.content("f", "data")
	}},
	{name: "creat-through-dangling-symlink", needs: needSymlinks, run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.symlink("d/target", "l")
		fd, err := f.p.Open(f.path("l"), rump.O_WRONLY|rump.O_CREAT, 0o644)
		if !f.expect(ok, err, "open(dangling symlink, O_CREAT)") {
			return
		}
		f.write(fd, "via link")
		f.close(fd)
		f.content("d/target", "via link")
		f.isType("l", rump.S_IFLNK)
	}},
	{name: "creat-missing-parent", run: func(f *fixture) {
		_, err := f.p.Open(f.path("nodir/f"), rump.O_WRONLY|rump.O_CREAT, 0o644)
		f.expect(errno.ENOENT, err, "open(nodir/f, O_CREAT)")
	}},
	{name: "creat-parent-is-file", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		_, err := f.p.Open(f.path("f/g"), rump.O_WRONLY|rump.O_CREAT, 0o644)
		f.expect(errno.ENOTDIR, err, "open(f/g, O_CREAT)")
	}},
	{name: "missing-without-creat", run: func(f *fixture) {
		_, err := f.p.Open(f.path("nope"), rump.O_RDWR, 0)
		f.expect(errno.ENOENT, err, "open(nope)")
		f.absent("nope")
	}},
	{name: "trunc", run: func(f *fixture) {
		f.mkfile("f", pattern(10000, 1), 0o644)
		fd, err := f.p.Open(f.path("f"), rump.O_WRONLY|rump.O_TRUNC, 0)
		if f.expect(ok, err, "open(f, O_TRUNC)") {
			f.check(f.fstat(fd).Size == 0, "size after O_TRUNC: %d, want 0", f.fstat(fd).Size)
			f.write(fd, "new")
			f.close(fd)
		}
		f.content("f", "new")
	}},
	{name: "trunc-rdonly", run: func(f *fixture) {
		// NetBSD truncates on O_TRUNC whatever the access mode.
		f.mkfile("f", "data", 0o644)
		fd, err := f.p.Open(f.path("f"), rump.O_RDONLY|rump.O_TRUNC, 0)
		if f.expect(ok, err, "open(f, O_RDONLY|O_TRUNC)") {
			f.close(fd)
		}
		f.content("f", "")
	}},
	{name: "append", run: func(f *fixture) {
		f.mkfile("f", "abc", 0o644)
		fd := f.open("f", rump.O_RDWR|rump.O_APPEND, 0)
		defer f.close(fd)
		_, err := f.p.Lseek(fd, 0, rump.SEEK_SET)
		f.must(err, "lseek")
		f.write(fd, "def")
		off, err := f.p.Lseek(fd, 0, rump.SEEK_CUR)
		f.must(err, "lseek")
		f.check(off == 6, "offset after an O_APPEND write: %d, want 6", off)
		f.write(fd, "gh")
		f.content("f", "abcdefgh")
	}},
	{name: "append-pwrite", run: func(f *fixture) {
		// As on NetBSD (and Linux), O_APPEND wins over pwrite's offset.
		f.mkfile("f", "abc", 0o644)
		fd := f.open("f", rump.O_WRONLY|rump.O_APPEND, 0)
		f.pwrite(fd, "XY", 0)
		f.close(fd)
		f.content("f", "abcXY")
	}},
	{name: "directory-on-file", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		_, err := f.p.Open(f.path("f"), rump.O_RDONLY|rump.O_DIRECTORY, 0)
		f.expect(errno.ENOTDIR, err, "open(file, O_DIRECTORY)")
	}},
	{name: "directory-on-dir", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		fd, err := f.p.Open(f.path("d"), rump.O_RDONLY|rump.O_DIRECTORY, 0)
		if f.expect(ok, err, "open(dir, O_DIRECTORY)") {
			f.close(fd)
		}
	}},
	{name: "directory-on-symlink-to-dir", needs: needSymlinks, run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.symlink("d", "l")
		fd, err := f.p.Open(f.path("l"), rump.O_RDONLY|rump.O_DIRECTORY, 0)
		if f.expect(ok, err, "open(symlink to dir, O_DIRECTORY)") {
			f.close(fd)
		}
	}},
	{name: "nofollow-symlink", needs: needSymlinks, run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.symlink("f", "l")
		_, err := f.p.Open(f.path("l"), rump.O_RDONLY|rump.O_NOFOLLOW, 0)
		f.expect(errno.EFTYPE, err, "open(symlink, O_NOFOLLOW)")
		_, err = f.p.Open(f.path("l"), rump.O_WRONLY|rump.O_CREAT|rump.O_NOFOLLOW, 0o644)
		f.expect(errno.EFTYPE, err, "open(symlink, O_CREAT|O_NOFOLLOW)")
	}},
	{name: "nofollow-regular", run: func(f *fixture) {
		f.mkfile("f", "x", 0o644)
		fd, err := f.p.Open(f.path("f"), rump.O_RDONLY|rump.O_NOFOLLOW, 0)
		if f.expect(ok, err, "open(file, O_NOFOLLOW)") {
			f.close(fd)
		}
	}},
	{name: "nofollow-only-last-component", needs: needSymlinks, run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("d/f", "x", 0o644)
		f.symlink("d", "l")
		fd, err := f.p.Open(f.path("l/f"), rump.O_RDONLY|rump.O_NOFOLLOW, 0)
		if f.expect(ok, err, "open(symlink-dir/f, O_NOFOLLOW)") {
			f.close(fd)
		}
	}},
	{name: "rdonly-write-ebadf", run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		_, err := f.p.Write(fd, []byte("x"))
		f.expect(errno.EBADF, err, "write(O_RDONLY fd)")
		_, err = f.p.Pwrite(fd, []byte("x"), 0)
		f.expect(errno.EBADF, err, "pwrite(O_RDONLY fd)")
		f.content("f", "data")
	}},
	{name: "wronly-read-ebadf", run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		fd := f.open("f", rump.O_WRONLY, 0)
		defer f.close(fd)
		_, err := f.p.Read(fd, make([]byte, 4))
		f.expect(errno.EBADF, err, "read(O_WRONLY fd)")
		_, err = f.p.Pread(fd, make([]byte, 4), 0)
		f.expect(errno.EBADF, err, "pread(O_WRONLY fd)")
	}},
	{name: "rdwr", run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		fd := f.open("f", rump.O_RDWR, 0)
		defer f.close(fd)
		f.pwrite(fd, "D", 0)
		f.check(f.pread(fd, 10, 0) == "Data", "O_RDWR: read back %q", f.pread(fd, 10, 0))
	}},
	{name: "bad-accmode", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		_, err := f.p.Open(f.path("f"), rump.O_ACCMODE, 0)
		f.expect(errno.EINVAL, err, "open(f, O_ACCMODE)")
	}},
	{name: "dir-for-write", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		_, err := f.p.Open(f.path("d"), rump.O_WRONLY, 0)
		f.expect(errno.EISDIR, err, "open(dir, O_WRONLY)")
		_, err = f.p.Open(f.path("d"), rump.O_RDWR, 0)
		f.expect(errno.EISDIR, err, "open(dir, O_RDWR)")
		_, err = f.p.Open(f.path("d"), rump.O_RDONLY|rump.O_TRUNC, 0)
		f.expect(errno.EISDIR, err, "open(dir, O_RDONLY|O_TRUNC)")
	}},
	{name: "dir-creat-rdonly", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		fd, err := f.p.Open(f.path("d"), rump.O_RDONLY|rump.O_CREAT, 0o644)
		if f.expect(ok, err, "open(existing dir, O_CREAT|O_RDONLY)") {
			f.close(fd)
		}
		f.isType("d", rump.S_IFDIR)
	}},
	{name: "regular-on-dir", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		_, err := f.p.Open(f.path("d"), rump.O_RDONLY|rump.O_REGULAR, 0)
		f.expect(errno.EFTYPE, err, "open(dir, O_REGULAR)")
	}},
	{name: "cloexec", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		fd := f.open("f", rump.O_RDONLY|rump.O_CLOEXEC, 0)
		defer f.close(fd)
		v, err := f.p.Fcntl(fd, rump.F_GETFD, 0)
		f.must(err, "fcntl(F_GETFD)")
		f.check(v&rump.FD_CLOEXEC != 0, "F_GETFD after O_CLOEXEC = %#x, want FD_CLOEXEC", v)
		fd2 := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd2)
		v, err = f.p.Fcntl(fd2, rump.F_GETFD, 0)
		f.must(err, "fcntl(F_GETFD)")
		f.check(v&rump.FD_CLOEXEC == 0, "F_GETFD without O_CLOEXEC = %#x, want 0", v)
	}},
	{name: "two-opens-own-offsets", run: func(f *fixture) {
		f.mkfile("f", "abcdef", 0o644)
		a := f.open("f", rump.O_RDONLY, 0)
		b := f.open("f", rump.O_RDONLY, 0)
		defer f.close(a)
		defer f.close(b)
		buf := make([]byte, 3)
		_, err := f.p.Read(a, buf)
		f.must(err, "read")
		n, err := f.p.Read(b, buf)
		f.must(err, "read")
		f.check(string(buf[:n]) == "abc", "second open's first read = %q, want \"abc\"", buf[:n])
	}},
}
