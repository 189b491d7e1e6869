package vfstest

import (
	"fmt"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// miscCases cover unlinked open files, the umask, special files and
// what stat reports.
var miscCases = []testCase{
	{name: "unlinked-open-file", run: func(f *fixture) {
		f.mkfile("f", "before", 0o644)
		fd := f.open("f", rump.O_RDWR, 0)
		defer f.close(fd)
		f.must(f.p.Unlink(f.path("f")), "unlink(f)")
		f.absent("f")
		f.check(f.fstat(fd).Nlink == 0, "unlinked open file: nlink %d, want 0", f.fstat(fd).Nlink)
		f.pwrite(fd, pattern(10000, 6), 6)
		got := f.pread(fd, 20000, 0)
		f.check(got == "before"+pattern(10000, 6), "unlinked open file reads back %s", quote([]byte(got)))
		f.must(f.p.Ftruncate(fd, 3), "ftruncate(unlinked)")
		f.check(f.pread(fd, 100, 0) == "bef", "unlinked open file after ftruncate reads %q", f.pread(fd, 100, 0))
		for _, e := range f.list(".", 0) {
			f.check(e.Name != "f", "unlinked file still listed")
		}
	}},
	{name: "unlinked-name-reused", run: func(f *fixture) {
		f.mkfile("f", "old", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		oldIno := f.fstat(fd).Ino
		f.must(f.p.Unlink(f.path("f")), "unlink(f)")
		f.mkfile("f", "new", 0o644)
		f.content("f", "new")
		f.check(f.pread(fd, 10, 0) == "old", "the unlinked file changed when its name was reused")
		f.check(f.stat("f").Ino != oldIno, "a new file got the inode number of an unlinked file still open")
	}},
	{name: "unlinked-open-dir", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		fd := f.open("d", rump.O_RDONLY|rump.O_DIRECTORY, 0)
		defer f.close(fd)
		f.must(f.p.Rmdir(f.path("d")), "rmdir(d)")
		st := f.fstat(fd)
		f.check(fileType(st.Mode) == rump.S_IFDIR, "removed open directory: type %#o", fileType(st.Mode))
		f.check(st.Nlink == 0, "removed open directory: nlink %d, want 0", st.Nlink)
	}},
	{name: "many-unlinked-open", run: func(f *fixture) {
		var fds []int
		for i := range 20 {
			name := fmt.Sprintf("f%d", i)
			f.mkfile(name, name, 0o644)
			fds = append(fds, f.open(name, rump.O_RDONLY, 0))
			f.must(f.p.Unlink(f.path(name)), "unlink(%s)", name)
		}
		for i, fd := range fds {
			want := fmt.Sprintf("f%d", i)
			f.check(f.pread(fd, 10, 0) == want, "unlinked file %d reads %q", i, f.pread(fd, 10, 0))
			f.close(fd)
		}
		f.sameNames("readdir", names(f.list(".", 0)), []string{".", ".."})
	}},
	{name: "umask", needs: needPermissions, run: func(f *fixture) {
		old := f.p.Umask(0o027)
		defer f.p.Umask(old)
		f.mkfile("f", "", 0o777)
		f.mkdir("d", 0o777)
		f.perm("f", 0o750)
		f.perm("d", 0o750)
		if !f.caps.NoSymlinks {
			f.symlink("f", "l")
			f.perm("l", 0o750)
		}
		if !f.caps.NoSpecialFiles {
			f.must(f.p.Mkfifo(f.path("p"), 0o666), "mkfifo")
			f.perm("p", 0o640)
		}
	}},
	{name: "umask-not-for-chmod", needs: needPermissions, run: func(f *fixture) {
		old := f.p.Umask(0o077)
		defer f.p.Umask(old)
		f.mkfile("f", "", 0o600)
		f.chmod("f", 0o777)
		f.perm("f", 0o777)
	}},
	{name: "umask-inherited", needs: needPermissions, run: func(f *fixture) {
		f.p.Umask(0o066)
		child, err := f.p.Fork(rump.ForkCopyFD)
		f.must(err, "fork")
		defer child.Exit()
		fd, err := child.Open(f.path("f"), rump.O_WRONLY|rump.O_CREAT, 0o666)
		f.must(err, "create in the child")
		f.must(child.Close(fd), "close")
		f.perm("f", 0o600)
	}},
	{name: "mkfifo", needs: needSpecialFiles, run: func(f *fixture) {
		f.expect(ok, f.p.Mkfifo(f.path("p"), 0o644), "mkfifo")
		f.isType("p", rump.S_IFIFO)
		f.expect(errno.EEXIST, f.p.Mkfifo(f.path("p"), 0o644), "mkfifo(existing)")
		f.expect(ok, f.p.Unlink(f.path("p")), "unlink(fifo)")
	}},
	{name: "mknod-device", needs: needSpecialFiles, run: func(f *fixture) {
		const dev = 0x0305
		f.expect(ok, f.p.Mknod(f.path("c"), rump.S_IFCHR|0o600, dev), "mknod(S_IFCHR)")
		f.expect(ok, f.p.Mknod(f.path("b"), rump.S_IFBLK|0o600, dev+1), "mknod(S_IFBLK)")
		st := f.lstat("c")
		f.check(fileType(st.Mode) == rump.S_IFCHR && st.Rdev == dev, "char device: type %#o rdev %#x", fileType(st.Mode), st.Rdev)
		st = f.lstat("b")
		f.check(fileType(st.Mode) == rump.S_IFBLK && st.Rdev == dev+1, "block device: type %#o rdev %#x", fileType(st.Mode), st.Rdev)
		f.expect(errno.EINVAL, f.p.Mknod(f.path("x"), rump.S_IFDIR|0o755, 0), "mknod(S_IFDIR)")
	}},
	{name: "rename-special", needs: needSpecialFiles, run: func(f *fixture) {
		f.must(f.p.Mkfifo(f.path("p"), 0o644), "mkfifo")
		f.expect(ok, f.p.Rename(f.path("p"), f.path("q")), "rename(fifo)")
		f.isType("q", rump.S_IFIFO)
	}},
	{name: "stat-fields", run: func(f *fixture) {
		f.mkfile("f", "12345", 0o644)
		f.mkdir("d", 0o755)
		a, d, top := f.stat("f"), f.stat("d"), f.stat(".")
		f.check(a.Ino != 0 && a.Ino != d.Ino && d.Ino != top.Ino, "inode numbers %d %d %d are not distinct", a.Ino, d.Ino, top.Ino)
		f.check(a.Dev == d.Dev && d.Dev == top.Dev, "files of one file system have devices %#x %#x %#x", a.Dev, d.Dev, top.Dev)
		f.check(a.Size == 5 && a.Nlink == 1, "file: size %d nlink %d", a.Size, a.Nlink)
		f.check(a.Blksize > 0, "st_blksize %d", a.Blksize)
	}},
	{name: "inodes-unique", run: func(f *fixture) {
		seen := map[uint64]string{}
		for i := range 50 {
			name := fmt.Sprintf("f%d", i)
			f.mkfile(name, "", 0o644)
			ino := f.stat(name).Ino
			if other, dup := seen[ino]; dup {
				f.t.Errorf("%s and %s share inode %d", name, other, ino)
			}
			seen[ino] = name
		}
	}},
	{name: "read-only-mode-root-writes", needs: needPermissions, run: func(f *fixture) {
		f.mkfile("f", "abc", 0o444)
		fd, err := f.p.Open(f.path("f"), rump.O_WRONLY|rump.O_APPEND, 0)
		if f.expect(ok, err, "root: open(0444 file, O_WRONLY)") {
			f.write(fd, "d")
			f.close(fd)
		}
		f.content("f", "abcd")
	}},
}
