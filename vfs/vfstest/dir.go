package vfstest

import (
	"strings"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// dirCases cover mkdir, rmdir and unlink of directories.
var dirCases = []testCase{
	{name: "mkdir", run: func(f *fixture) {
		n := f.stat(".").Nlink
		f.expect(ok, f.p.Mkdir(f.path("d"), 0o750), "mkdir(d)")
		st := f.stat("d")
		f.check(fileType(st.Mode) == rump.S_IFDIR, "mkdir made type %#o", fileType(st.Mode))
		f.check(st.Nlink == 2, "new directory: nlink %d, want 2", st.Nlink)
		if !f.caps.NoPermissions {
			f.check(st.Mode&0o7777 == 0o750, "new directory: mode %#o, want 0750", st.Mode&0o7777)
		}
		f.nlink(".", n+1)
	}},
	{name: "mkdir-mode-accessperms", needs: needPermissions, run: func(f *fixture) {
		// NetBSD's mkdir keeps only the rwx bits of the mode.
		f.expect(ok, f.p.Mkdir(f.path("d"), 0o7755), "mkdir(d, 07755)")
		f.perm("d", 0o755)
	}},
	{name: "mkdir-existing", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("f", "", 0o644)
		f.expect(errno.EEXIST, f.p.Mkdir(f.path("d"), 0o755), "mkdir(existing dir)")
		f.expect(errno.EEXIST, f.p.Mkdir(f.path("f"), 0o755), "mkdir(existing file)")
		f.isType("f", rump.S_IFREG)
	}},
	{name: "mkdir-dangling-symlink", needs: needSymlinks, run: func(f *fixture) {
		f.symlink("target", "l")
		f.expect(errno.EEXIST, f.p.Mkdir(f.path("l"), 0o755), "mkdir(dangling symlink)")
		f.absent("target")
	}},
	{name: "mkdir-missing-parent", run: func(f *fixture) {
		f.expect(errno.ENOENT, f.p.Mkdir(f.path("a/b"), 0o755), "mkdir(a/b) without a")
	}},
	{name: "mkdir-parent-is-file", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.expect(errno.ENOTDIR, f.p.Mkdir(f.path("f/d"), 0o755), "mkdir(file/d)")
	}},
	{name: "mkdir-dots", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.expect(errno.EEXIST, f.p.Mkdir(f.path("d/."), 0o755), "mkdir(d/.)")
		f.expect(errno.EEXIST, f.p.Mkdir(f.path("d/.."), 0o755), "mkdir(d/..)")
	}},
	{name: "mkdir-trailing-slash", run: func(f *fixture) {
		f.expect(ok, f.p.Mkdir(f.path("d/"), 0o755), "mkdir(d/)")
		f.expect(ok, f.p.Mkdir(f.path("e//"), 0o755), "mkdir(e//)")
		f.isType("d", rump.S_IFDIR)
		f.isType("e", rump.S_IFDIR)
	}},
	{name: "deep", run: func(f *fixture) {
		path := "d"
		for range 40 {
			f.mkdir(path, 0o755)
			path += "/d"
		}
		f.mkfile(path+"f", "deep", 0o644)
		f.content(path+"f", "deep")
	}},
	{name: "rmdir", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		n := f.stat(".").Nlink
		f.expect(ok, f.p.Rmdir(f.path("d")), "rmdir(d)")
		f.absent("d")
		f.nlink(".", n-1)
	}},
	{name: "rmdir-nonempty", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("d/f", "", 0o644)
		f.expect(errno.ENOTEMPTY, f.p.Rmdir(f.path("d")), "rmdir(non-empty)")
		f.mkdir("e", 0o755)
		f.mkdir("e/sub", 0o755)
		f.expect(errno.ENOTEMPTY, f.p.Rmdir(f.path("e")), "rmdir(dir with a subdir)")
		f.exists("d/f")
	}},
	{name: "rmdir-dot", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.expect(errno.EINVAL, f.p.Rmdir(f.path("d/.")), "rmdir(d/.)")
		f.exists("d")
	}},
	{name: "unlink-dot", run: func(f *fixture) {
		// NetBSD refuses "." to unlink as to rmdir, before it looks at
		// the type.
		f.mkdir("d", 0o755)
		f.expect(errno.EINVAL, f.p.Unlink(f.path("d/.")), "unlink(d/.)")
		f.exists("d")
	}},
	{name: "rmdir-dot-cwd", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.must(f.p.Chdir(f.path("d")), "chdir(d)")
		defer func() { f.must(f.p.Chdir(f.dir), "chdir back") }()
		f.expect(errno.EINVAL, f.p.Rmdir("."), "rmdir(.)")
		f.exists("d")
	}},
	{name: "rmdir-dot-mount-root", run: func(f *fixture) {
		// The root of a mount is busy before "." is invalid, as NetBSD
		// checks them.
		f.mkdir("m", 0o755)
		f.mountOn("m")
		f.expect(errno.EBUSY, f.p.Rmdir(f.path("m/.")), "rmdir(mount root/.)")
		f.must(f.p.Chdir(f.path("m")), "chdir(m)")
		defer func() { f.must(f.p.Chdir(f.dir), "chdir back") }()
		f.expect(errno.EBUSY, f.p.Rmdir("."), "rmdir(.) in a mount's root")
	}},
	{name: "remove-mount-point", run: func(f *fixture) {
		// A mount point is busy to unlink as to rmdir: NetBSD's namei
		// refuses it before unlink sees a directory.
		f.mkdir("m", 0o755)
		f.mountOn("m")
		f.expect(errno.EBUSY, f.p.Rmdir(f.path("m")), "rmdir(mount point)")
		f.expect(errno.EBUSY, f.p.Unlink(f.path("m")), "unlink(mount point)")
		f.exists("m")
	}},
	{name: "rmdir-dotdot", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkdir("d/sub", 0o755)
		f.expect(errno.ENOTEMPTY, f.p.Rmdir(f.path("d/sub/..")), "rmdir(d/sub/..)")
		f.exists("d/sub")
	}},
	{name: "rmdir-file", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.expect(errno.ENOTDIR, f.p.Rmdir(f.path("f")), "rmdir(file)")
		f.exists("f")
	}},
	{name: "rmdir-missing", run: func(f *fixture) {
		f.expect(errno.ENOENT, f.p.Rmdir(f.path("nope")), "rmdir(missing)")
	}},
	{name: "rmdir-symlink-to-dir", needs: needSymlinks, run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.symlink("d", "l")
		f.expect(errno.ENOTDIR, f.p.Rmdir(f.path("l")), "rmdir(symlink to dir)")
		f.exists("d")
		f.exists("l")
	}},
	{name: "rmdir-trailing-slash", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.expect(ok, f.p.Rmdir(f.path("d/")), "rmdir(d/)")
		f.absent("d")
	}},
	{name: "rmdir-trailing-slash-symlink", needs: needSymlinks, run: func(f *fixture) {
		// The slash follows the symlink: these name the directory.
		f.mkdir("d", 0o755)
		f.mkfile("d/f", "", 0o644)
		f.symlink("d", "l")
		f.expect(errno.ENOTEMPTY, f.p.Rmdir(f.path("l/")), "rmdir(symlink to a non-empty dir + \"/\")")
		f.expect(errno.EPERM, f.p.Unlink(f.path("l/")), "unlink(symlink to a dir + \"/\")")
		f.exists("d/f")
		f.isType("l", rump.S_IFLNK)
	}},
	{name: "rmdir-trailing-slash-symlink-empty", needs: needSymlinks, run: func(f *fixture) {
		// As NetBSD's namei, the lookup ends at the symlink's target, so
		// rmdir removes the target's entry in its own parent and leaves
		// the symlink dangling.
		f.mkdir("d", 0o755)
		f.mkdir("e", 0o755)
		f.symlink("../d", "e/l")
		if f.expect(ok, f.p.Rmdir(f.path("e/l/")), "rmdir(symlink to an empty dir + \"/\")") {
			f.absent("d")
			f.isType("e/l", rump.S_IFLNK)
		}
	}},
	{name: "unlink-dir", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.expect(errno.EPERM, f.p.Unlink(f.path("d")), "unlink(dir)")
		f.exists("d")
	}},
	{name: "unlink-file", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.expect(ok, f.p.Unlink(f.path("f")), "unlink(f)")
		f.absent("f")
		f.expect(errno.ENOENT, f.p.Unlink(f.path("f")), "unlink(f) again")
	}},
	{name: "removed-cwd", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.must(f.p.Chdir(f.path("d")), "chdir(d)")
		f.expect(ok, f.p.Rmdir(f.path("d")), "rmdir(cwd)")
		_, err := f.p.Open("x", rump.O_WRONLY|rump.O_CREAT, 0o644)
		f.expect(errno.ENOENT, err, "create in a removed cwd")
		f.expect(errno.ENOENT, f.p.Mkdir("sub", 0o755), "mkdir in a removed cwd")
		// It has no entries left, ".." included.
		_, err = f.p.Stat("..")
		f.expect(errno.ENOENT, err, "stat(..) in a removed cwd")
	}},
	{name: "recreate-after-rmdir", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("d/f", "", 0o644)
		f.must(f.p.Unlink(f.path("d/f")), "unlink")
		f.must(f.p.Rmdir(f.path("d")), "rmdir")
		f.mkdir("d", 0o755)
		f.sameNames("readdir(recreated d)", names(f.list("d", 0)), []string{".", ".."})
		f.absent("d/f")
	}},
	{name: "nlink-counts-subdirs", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		for _, s := range strings.Fields("a b c") {
			f.mkdir("d/"+s, 0o755)
		}
		f.mkfile("d/file", "", 0o644)
		f.nlink("d", 5)
	}},
}
