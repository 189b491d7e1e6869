package vfstest

import (
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// rename renames within the case's directory and checks the result.
func (f *fixture) rename(want errno.Errno, from, to string) bool {
	f.t.Helper()
	return f.expect(want, f.p.Rename(f.path(from), f.path(to)), "rename(%s, %s)", from, to)
}

// renameCases cover rename(2) and its edge cases.
var renameCases = []testCase{
	{name: "file", run: func(f *fixture) {
		f.mkfile("a", "data", 0o644)
		ino := f.stat("a").Ino
		if f.rename(ok, "a", "b") {
			f.absent("a")
			f.content("b", "data")
			f.check(f.stat("b").Ino == ino, "rename changed the inode number")
		}
	}},
	{name: "file-over-file", run: func(f *fixture) {
		f.mkfile("a", "new", 0o644)
		f.mkfile("b", "old", 0o644)
		fd := f.open("b", rump.O_RDONLY, 0)
		defer f.close(fd)
		if f.rename(ok, "a", "b") {
			f.absent("a")
			f.content("b", "new")
			st := f.fstat(fd)
			f.check(st.Nlink == 0, "replaced file: nlink %d, want 0", st.Nlink)
			f.check(f.pread(fd, 10, 0) == "old", "replaced file no longer readable through an open descriptor")
		}
	}},
	{name: "dir", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkfile("a/f", "x", 0o644)
		if f.rename(ok, "a", "b") {
			f.absent("a")
			f.content("b/f", "x")
		}
	}},
	{name: "dir-over-empty-dir", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkfile("a/f", "x", 0o644)
		f.mkdir("b", 0o755)
		if f.rename(ok, "a", "b") {
			f.absent("a")
			f.content("b/f", "x")
		}
	}},
	{name: "dir-over-nonempty-dir", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkdir("b", 0o755)
		f.mkfile("b/f", "x", 0o644)
		f.rename(errno.ENOTEMPTY, "a", "b")
		f.exists("a")
		f.content("b/f", "x")
	}},
	{name: "file-over-dir", run: func(f *fixture) {
		f.mkfile("a", "", 0o644)
		f.mkdir("b", 0o755)
		f.rename(errno.EISDIR, "a", "b")
		f.isType("a", rump.S_IFREG)
		f.isType("b", rump.S_IFDIR)
	}},
	{name: "dir-over-file", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkfile("b", "", 0o644)
		f.rename(errno.ENOTDIR, "a", "b")
		f.isType("a", rump.S_IFDIR)
		f.isType("b", rump.S_IFREG)
	}},
	{name: "dir-into-own-subdir", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkdir("a/b", 0o755)
		f.mkdir("a/b/c", 0o755)
		f.rename(errno.EINVAL, "a", "a/b/c/a")
		f.rename(errno.EINVAL, "a", "a/b/x")
		f.exists("a/b/c")
	}},
	{name: "dir-into-itself", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.rename(errno.EINVAL, "a", "a/x")
		f.exists("a")
	}},
	{name: "dot-source", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.rename(errno.EINVAL, "a/.", "b")
		f.exists("a")
		f.absent("b")
	}},
	{name: "dotdot-source", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkdir("a/b", 0o755)
		f.rename(errno.EINVAL, "a/b/..", "c")
		f.exists("a/b")
		f.absent("c")
	}},
	{name: "dot-target", run: func(f *fixture) {
		// NetBSD's do_sys_renameat: renaming onto "." is EISDIR.
		f.mkdir("a", 0o755)
		f.mkdir("c", 0o755)
		f.rename(errno.EISDIR, "c", "a/.")
		f.exists("c")
		f.exists("a")
	}},
	{name: "dotdot-target", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkdir("a/b", 0o755)
		f.mkdir("c", 0o755)
		f.rename(errno.EINVAL, "c", "a/b/..")
		f.exists("c")
		f.exists("a/b")
	}},
	{name: "hard-links-same-file", needs: needHardLinks, run: func(f *fixture) {
		// Two names of one file: POSIX says do nothing, and succeed.
		f.mkfile("a", "data", 0o644)
		f.link("a", "b")
		if f.rename(ok, "a", "b") {
			f.exists("a")
			f.exists("b")
			f.nlink("a", 2)
		}
	}},
	{name: "to-self-file", run: func(f *fixture) {
		f.mkfile("a", "data", 0o644)
		if f.rename(ok, "a", "a") {
			f.content("a", "data")
		}
	}},
	{name: "to-self-dir", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkfile("a/f", "", 0o644)
		if f.rename(ok, "a", "a") {
			f.exists("a/f")
		}
	}},
	{name: "missing-source", run: func(f *fixture) {
		f.rename(errno.ENOENT, "nope", "b")
		f.absent("b")
	}},
	{name: "missing-source-parent", run: func(f *fixture) {
		f.rename(errno.ENOENT, "nodir/a", "b")
	}},
	{name: "target-parent-missing", run: func(f *fixture) {
		f.mkfile("a", "data", 0o644)
		f.rename(errno.ENOENT, "a", "nodir/b")
		f.content("a", "data")
	}},
	{name: "target-parent-is-file", run: func(f *fixture) {
		f.mkfile("a", "", 0o644)
		f.mkfile("f", "", 0o644)
		f.rename(errno.ENOTDIR, "a", "f/b")
		f.exists("a")
	}},
	{name: "trailing-slash-dir", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.rename(ok, "a/", "b")
		f.rename(ok, "b", "c/")
		f.rename(ok, "c/", "d/")
		f.isType("d", rump.S_IFDIR)
	}},
	{name: "trailing-slash-file-source", run: func(f *fixture) {
		f.mkfile("a", "", 0o644)
		f.rename(errno.ENOTDIR, "a/", "b")
		f.exists("a")
	}},
	{name: "trailing-slash-file-target", run: func(f *fixture) {
		// "b/" names a directory: missing, only a directory may move
		// there; present, it is the usual directory target.
		f.mkfile("a", "", 0o644)
		f.mkfile("g", "", 0o644)
		f.mkdir("d", 0o755)
		f.rename(errno.ENOENT, "a", "b/")
		f.rename(errno.ENOTDIR, "a", "g/")
		f.rename(errno.EISDIR, "a", "d/")
		f.exists("a")
		f.absent("b")
	}},
	{name: "mount-point", run: func(f *fixture) {
		// A mount point is busy as the source or the target of a rename,
		// wherever the other name lies (NetBSD's namei refuses it before
		// rename compares file systems).
		f.mkdir("m", 0o755)
		f.mkdir("d", 0o755)
		f.mkfile("f", "", 0o644)
		f.mountOn("m")
		f.rename(errno.EBUSY, "m", "n")
		f.rename(errno.EBUSY, "m", "m/x")
		f.rename(errno.EBUSY, "d", "m")
		f.mkfile("m/g", "", 0o644)
		f.rename(errno.EBUSY, "m/g", "m")
		f.exists("m/g")
		f.absent("n")
	}},
	{name: "cross-dir-file", run: func(f *fixture) {
		f.mkdir("p1", 0o755)
		f.mkdir("p2", 0o755)
		f.mkfile("p1/a", "data", 0o644)
		n1, n2 := f.stat("p1").Nlink, f.stat("p2").Nlink
		if f.rename(ok, "p1/a", "p2/b") {
			f.absent("p1/a")
			f.content("p2/b", "data")
			f.nlink("p1", n1)
			f.nlink("p2", n2)
		}
	}},
	{name: "cross-dir-dotdot", run: func(f *fixture) {
		f.mkdir("p1", 0o755)
		f.mkdir("p2", 0o755)
		f.mkdir("p1/d", 0o755)
		if f.rename(ok, "p1/d", "p2/d") {
			f.check(f.stat("p2/d/..").Ino == f.stat("p2").Ino, "moved directory's \"..\" is not its new parent")
			fd := f.open("p2/d", rump.O_RDONLY|rump.O_DIRECTORY, 0)
			defer f.close(fd)
			ents, err := f.p.ReadDir(fd, 0)
			f.must(err, "readdir(p2/d)")
			for _, e := range ents {
				if e.Name == ".." {
					f.check(uint64(e.Ino) == f.stat("p2").Ino, "moved directory's \"..\" entry lists inode %d, want %d", e.Ino, f.stat("p2").Ino)
				}
			}
		}
	}},
	{name: "cross-dir-nlink", run: func(f *fixture) {
		f.mkdir("p1", 0o755)
		f.mkdir("p2", 0o755)
		f.mkdir("p1/d", 0o755)
		n1, n2 := f.stat("p1").Nlink, f.stat("p2").Nlink
		if f.rename(ok, "p1/d", "p2/d") {
			f.nlink("p1", n1-1)
			f.nlink("p2", n2+1)
			f.nlink("p2/d", 2)
		}
	}},
	{name: "cross-dir-over-empty-dir-nlink", run: func(f *fixture) {
		f.mkdir("p1", 0o755)
		f.mkdir("p2", 0o755)
		f.mkdir("p1/d", 0o755)
		f.mkdir("p2/d", 0o755)
		n1, n2 := f.stat("p1").Nlink, f.stat("p2").Nlink
		if f.rename(ok, "p1/d", "p2/d") {
			f.nlink("p1", n1-1)
			f.nlink("p2", n2)
		}
	}},
	{name: "same-dir-nlink", run: func(f *fixture) {
		f.mkdir("p", 0o755)
		f.mkdir("p/a", 0o755)
		f.mkdir("p/b", 0o755)
		n := f.stat("p").Nlink
		f.rename(ok, "p/a", "p/c")
		f.nlink("p", n)
		f.rename(ok, "p/c", "p/b")
		f.nlink("p", n-1)
	}},
	{name: "replaced-dir-is-gone", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkdir("b", 0o755)
		fd := f.open("b", rump.O_RDONLY|rump.O_DIRECTORY, 0)
		defer f.close(fd)
		if f.rename(ok, "a", "b") {
			st := f.fstat(fd)
			f.check(st.Nlink == 0, "replaced directory: nlink %d, want 0", st.Nlink)
		}
	}},
	{name: "dir-over-symlink", needs: needSymlinks, run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkdir("b", 0o755)
		f.symlink("b", "l")
		f.rename(errno.ENOTDIR, "a", "l")
		f.isType("l", rump.S_IFLNK)
		f.exists("a")
	}},
	{name: "same-entry-other-path", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("a", "data", 0o644)
		if f.rename(ok, "d/../a", "a") {
			f.content("a", "data")
		}
	}},
	{name: "over-cwd", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkdir("b", 0o755)
		other, err := f.p.Fork(rump.ForkCopyFD)
		f.must(err, "fork")
		defer other.Exit()
		f.must(other.Chdir(f.path("b")), "chdir(b)")
		if f.rename(ok, "a", "b") {
			_, err := other.Open("x", rump.O_WRONLY|rump.O_CREAT, 0o644)
			f.expect(errno.ENOENT, err, "create in a cwd replaced by rename")
			f.absent("b/x")
		}
	}},
	{name: "symlink-itself", needs: needSymlinks, run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		f.symlink("f", "l")
		if f.rename(ok, "l", "m") {
			f.isType("m", rump.S_IFLNK)
			f.content("f", "data")
			f.content("m", "data")
		}
	}},
	{name: "over-symlink", needs: needSymlinks, run: func(f *fixture) {
		f.mkfile("f", "target", 0o644)
		f.mkfile("a", "new", 0o644)
		f.symlink("f", "l")
		if f.rename(ok, "a", "l") {
			f.isType("l", rump.S_IFREG)
			f.content("l", "new")
			f.content("f", "target")
		}
	}},
	{name: "over-other-hard-link", needs: needHardLinks, run: func(f *fixture) {
		f.mkfile("a", "a", 0o644)
		f.mkfile("b", "b", 0o644)
		f.link("b", "c")
		if f.rename(ok, "a", "c") {
			f.content("c", "a")
			f.content("b", "b")
			f.nlink("b", 1)
		}
	}},
	{name: "dir-with-contents-cross-dir", run: func(f *fixture) {
		f.mkdir("p1", 0o755)
		f.mkdir("p2", 0o755)
		f.mkdir("p1/d", 0o755)
		f.mkdir("p1/d/sub", 0o755)
		f.mkfile("p1/d/sub/f", "deep", 0o644)
		if f.rename(ok, "p1/d", "p2/e") {
			f.content("p2/e/sub/f", "deep")
			f.check(f.stat("p2/e/sub/..").Ino == f.stat("p2/e").Ino, "sub's \"..\" changed")
		}
	}},
	{name: "dir-up-a-level", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkdir("a/b", 0o755)
		f.mkdir("a/b/c", 0o755)
		if f.rename(ok, "a/b/c", "a/c") {
			f.check(f.stat("a/c/..").Ino == f.stat("a").Ino, "\"..\" after moving up a level")
			f.nlink("a", 4)
			f.nlink("a/b", 2)
		}
	}},
	{name: "open-file-survives", run: func(f *fixture) {
		f.mkfile("a", "data", 0o644)
		fd := f.open("a", rump.O_RDWR, 0)
		defer f.close(fd)
		f.mkdir("d", 0o755)
		if f.rename(ok, "a", "d/b") {
			f.pwrite(fd, "DA", 0)
			f.content("d/b", "DAta")
		}
	}},
	{name: "cwd-moved", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkdir("a/b", 0o755)
		f.mkdir("c", 0o755)
		f.must(f.p.Chdir(f.path("a/b")), "chdir(a/b)")
		if f.rename(ok, "a/b", "c/b") {
			fd, err := f.p.Open("x", rump.O_WRONLY|rump.O_CREAT, 0o644)
			if f.expect(ok, err, "create x in the moved cwd") {
				f.close(fd)
			}
			f.exists("c/b/x")
			_, err = f.p.Stat("../b")
			f.expect(ok, err, "stat(../b) from the moved cwd")
		}
	}},
}
