package vfstest

import (
	"fmt"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// linkCases cover hard links.
var linkCases = []testCase{
	{name: "nlink", needs: needHardLinks, run: func(f *fixture) {
		f.mkfile("a", "data", 0o644)
		f.nlink("a", 1)
		f.expect(ok, f.p.Link(f.path("a"), f.path("b")), "link(a, b)")
		f.nlink("a", 2)
		f.nlink("b", 2)
		f.check(f.stat("a").Ino == f.stat("b").Ino, "two links have different inode numbers")
	}},
	{name: "unlink-one-keeps-other", needs: needHardLinks, run: func(f *fixture) {
		f.mkfile("a", "data", 0o644)
		f.link("a", "b")
		f.expect(ok, f.p.Unlink(f.path("a")), "unlink(a)")
		f.absent("a")
		f.content("b", "data")
		f.nlink("b", 1)
	}},
	{name: "shared-data", needs: needHardLinks, run: func(f *fixture) {
		f.mkfile("a", "data", 0o644)
		f.mkdir("d", 0o755)
		f.link("a", "d/b")
		fd := f.open("d/b", rump.O_WRONLY|rump.O_APPEND, 0)
		f.write(fd, "+more")
		f.close(fd)
		f.content("a", "data+more")
	}},
	{name: "dir", needs: needHardLinks, run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.expect(errno.EPERM, f.p.Link(f.path("d"), f.path("e")), "link(dir, e)")
		f.absent("e")
		f.nlink("d", 2)
	}},
	{name: "over-existing", needs: needHardLinks, run: func(f *fixture) {
		f.mkfile("a", "a", 0o644)
		f.mkfile("b", "b", 0o644)
		f.mkdir("d", 0o755)
		f.expect(errno.EEXIST, f.p.Link(f.path("a"), f.path("b")), "link(a, existing file)")
		f.expect(errno.EEXIST, f.p.Link(f.path("a"), f.path("d")), "link(a, existing dir)")
		f.expect(errno.EEXIST, f.p.Link(f.path("a"), f.path("a")), "link(a, a)")
		f.content("b", "b")
		f.nlink("a", 1)
	}},
	{name: "over-dangling-symlink", needs: needHardLinks | needSymlinks, run: func(f *fixture) {
		f.mkfile("a", "a", 0o644)
		f.symlink("nope", "l")
		f.expect(errno.EEXIST, f.p.Link(f.path("a"), f.path("l")), "link(a, dangling symlink)")
		f.absent("nope")
	}},
	{name: "symlink-source-follows", needs: needHardLinks | needSymlinks, run: func(f *fixture) {
		// NetBSD's link(2) follows a symlink named as the source (linkat
		// does only with AT_SYMLINK_FOLLOW).
		f.mkfile("f", "data", 0o644)
		f.symlink("f", "l")
		if f.expect(ok, f.p.Link(f.path("l"), f.path("n")), "link(symlink, n)") {
			f.isType("n", rump.S_IFREG)
			f.check(f.lstat("n").Ino == f.lstat("f").Ino, "link(symlink, n) did not link the symlink's target")
			f.nlink("f", 2)
			f.nlink("l", 1)
		}
		f.symlink("nope", "dangling")
		f.expect(errno.ENOENT, f.p.Link(f.path("dangling"), f.path("m")), "link(dangling symlink, m)")
		f.absent("m")
	}},
	{name: "linkat-symlink-source", needs: needHardLinks | needSymlinks, run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		f.symlink("f", "l")
		f.symlink("nope", "dangling")
		if f.expect(ok, f.p.Linkat(rump.AT_FDCWD, f.path("l"), rump.AT_FDCWD, f.path("n"), 0), "linkat(symlink, n, 0)") {
			f.isType("n", rump.S_IFLNK)
			f.nlink("l", 2)
			f.nlink("f", 1)
		}
		f.expect(ok, f.p.Linkat(rump.AT_FDCWD, f.path("dangling"), rump.AT_FDCWD, f.path("d2"), 0), "linkat(dangling symlink, d2, 0)")
		if f.expect(ok, f.p.Linkat(rump.AT_FDCWD, f.path("l"), rump.AT_FDCWD, f.path("m"), rump.AT_SYMLINK_FOLLOW), "linkat(symlink, m, AT_SYMLINK_FOLLOW)") {
			f.isType("m", rump.S_IFREG)
			f.nlink("f", 2)
		}
	}},
	{name: "missing-source", needs: needHardLinks, run: func(f *fixture) {
		f.expect(errno.ENOENT, f.p.Link(f.path("nope"), f.path("b")), "link(nope, b)")
		f.absent("b")
	}},
	{name: "target-parent-missing", needs: needHardLinks, run: func(f *fixture) {
		f.mkfile("a", "", 0o644)
		f.expect(errno.ENOENT, f.p.Link(f.path("a"), f.path("nodir/b")), "link(a, nodir/b)")
		f.nlink("a", 1)
	}},
	{name: "many", needs: needHardLinks, run: func(f *fixture) {
		f.mkfile("a", "data", 0o644)
		f.mkdir("d", 0o755)
		const n = 100
		for i := range n {
			f.link("a", fmt.Sprintf("d/l%d", i))
		}
		f.nlink("a", n+1)
		for i := range n {
			f.must(f.p.Unlink(f.path(fmt.Sprintf("d/l%d", i))), "unlink(d/l%d)", i)
		}
		f.nlink("a", 1)
		f.content("a", "data")
	}},
	{name: "open-after-last-name", needs: needHardLinks, run: func(f *fixture) {
		f.mkfile("a", "data", 0o644)
		f.link("a", "b")
		fd := f.open("a", rump.O_RDONLY, 0)
		defer f.close(fd)
		f.must(f.p.Unlink(f.path("a")), "unlink(a)")
		f.check(f.fstat(fd).Nlink == 1, "nlink after unlinking one of two names: %d", f.fstat(fd).Nlink)
		f.must(f.p.Unlink(f.path("b")), "unlink(b)")
		f.check(f.fstat(fd).Nlink == 0, "nlink after unlinking both names: %d", f.fstat(fd).Nlink)
		f.check(f.pread(fd, 10, 0) == "data", "open file unreadable after its last name went")
	}},
}
