package vfstest

import (
	"fmt"
	"strings"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// chain makes n symlinks l1 -> l2 -> ... -> ln -> target in the case's
// directory.
func (f *fixture) chain(n int, target string) {
	f.t.Helper()
	for i := 1; i <= n; i++ {
		to := fmt.Sprintf("l%d", i+1)
		if i == n {
			to = target
		}
		f.symlink(to, fmt.Sprintf("l%d", i))
	}
}

// symlinkCases cover symbolic links.
var symlinkCases = []testCase{
	{name: "relative", needs: needSymlinks, run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkdir("e", 0o755)
		f.mkfile("e/f", "data", 0o644)
		f.symlink("../e/f", "d/l")
		f.content("d/l", "data")
	}},
	{name: "absolute", needs: needSymlinks, run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("f", "data", 0o644)
		f.symlink(f.path("f"), "d/l")
		f.content("d/l", "data")
	}},
	{name: "faccessat-nofollow", needs: needSymlinks, run: func(f *fixture) {
		// As NetBSD's, faccessat with AT_SYMLINK_NOFOLLOW checks a
		// final symlink itself.
		f.symlink("nope", "dangling")
		f.expect(errno.ENOENT, f.p.Faccessat(rump.AT_FDCWD, f.path("dangling"), rump.F_OK, 0), "faccessat(dangling symlink, F_OK, 0)")
		f.expect(ok, f.p.Faccessat(rump.AT_FDCWD, f.path("dangling"), rump.F_OK, rump.AT_SYMLINK_NOFOLLOW), "faccessat(dangling symlink, F_OK, AT_SYMLINK_NOFOLLOW)")
	}},
	{name: "chain", needs: needSymlinks, run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		f.chain(5, "f")
		f.content("l1", "data")
	}},
	{name: "loop", needs: needSymlinks, run: func(f *fixture) {
		f.symlink("b", "a")
		f.symlink("a", "b")
		f.symlink("self", "self")
		_, err := f.p.Stat(f.path("a"))
		f.expect(errno.ELOOP, err, "stat(a -> b -> a)")
		_, err = f.p.Stat(f.path("self"))
		f.expect(errno.ELOOP, err, "stat(self -> self)")
		_, err = f.p.Open(f.path("a"), rump.O_RDONLY, 0)
		f.expect(errno.ELOOP, err, "open(a -> b -> a)")
		_, err = f.p.Open(f.path("a"), rump.O_WRONLY|rump.O_CREAT, 0o644)
		f.expect(errno.ELOOP, err, "open(a -> b -> a, O_CREAT)")
		_, err = f.p.Stat(f.path("a/x"))
		f.expect(errno.ELOOP, err, "stat(a/x) through a loop")
		_, err = f.p.Lstat(f.path("a"))
		f.expect(ok, err, "lstat(a)")
	}},
	{name: "max-chain", needs: needSymlinks, run: func(f *fixture) {
		// NetBSD follows at most MAXSYMLINKS (32) links in one lookup.
		f.mkfile("f", "data", 0o644)
		f.chain(32, "f")
		_, err := f.p.Stat(f.path("l1"))
		f.expect(ok, err, "stat through 32 symlinks")
	}},
	{name: "too-long-chain", needs: needSymlinks, run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		f.chain(33, "f")
		_, err := f.p.Stat(f.path("l1"))
		f.expect(errno.ELOOP, err, "stat through 33 symlinks")
		_, err = f.p.Stat(f.path("l2"))
		f.expect(ok, err, "stat through 32 symlinks")
	}},
	{name: "lstat-vs-stat", needs: needSymlinks, run: func(f *fixture) {
		f.mkfile("f", "0123456789", 0o644)
		f.symlink("f", "l")
		lst, st := f.lstat("l"), f.stat("l")
		f.check(fileType(lst.Mode) == rump.S_IFLNK, "lstat(symlink): type %#o", fileType(lst.Mode))
		f.check(lst.Size == 1, "lstat(symlink).Size = %d, want the target's length 1", lst.Size)
		f.check(fileType(st.Mode) == rump.S_IFREG && st.Size == 10, "stat(symlink) = type %#o size %d, want the target's", fileType(st.Mode), st.Size)
		f.check(lst.Ino != st.Ino, "the symlink and its target share inode %d", st.Ino)
	}},
	{name: "readlink", needs: needSymlinks, run: func(f *fixture) {
		for i, target := range []string{"f", "../x/y", "/abs/path", "with space", "a//b/", strings.Repeat("long/", 100)} {
			name := fmt.Sprintf("l%d", i)
			f.symlink(target, name)
			got, err := f.p.Readlink(f.path(name))
			if f.expect(ok, err, "readlink(%s)", name) {
				f.check(got == target, "readlink(%s) = %q, want %q", name, got, target)
			}
		}
	}},
	{name: "readlink-not-symlink", needs: needSymlinks, run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.mkdir("d", 0o755)
		_, err := f.p.Readlink(f.path("f"))
		f.expect(errno.EINVAL, err, "readlink(file)")
		_, err = f.p.Readlink(f.path("d"))
		f.expect(errno.EINVAL, err, "readlink(dir)")
		_, err = f.p.Readlink(f.path("nope"))
		f.expect(errno.ENOENT, err, "readlink(missing)")
	}},
	{name: "dangling", needs: needSymlinks, run: func(f *fixture) {
		f.symlink("nope", "l")
		_, err := f.p.Stat(f.path("l"))
		f.expect(errno.ENOENT, err, "stat(dangling symlink)")
		_, err = f.p.Lstat(f.path("l"))
		f.expect(ok, err, "lstat(dangling symlink)")
		_, err = f.p.Open(f.path("l"), rump.O_RDONLY, 0)
		f.expect(errno.ENOENT, err, "open(dangling symlink)")
	}},
	{name: "existing-name", needs: needSymlinks, run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		f.mkdir("d", 0o755)
		f.symlink("nope", "l")
		f.expect(errno.EEXIST, f.p.Symlink("x", f.path("f")), "symlink over a file")
		f.expect(errno.EEXIST, f.p.Symlink("x", f.path("d")), "symlink over a directory")
		f.expect(errno.EEXIST, f.p.Symlink("x", f.path("l")), "symlink over a dangling symlink")
		f.content("f", "data")
	}},
	{name: "through-dir-link", needs: needSymlinks, run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("d/f", "data", 0o644)
		f.symlink("d", "l")
		f.content("l/f", "data")
		f.mkfile("l/g", "new", 0o644)
		f.content("d/g", "new")
	}},
	{name: "to-dotdot", needs: needSymlinks, run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("f", "data", 0o644)
		f.symlink("..", "d/up")
		f.content("d/up/f", "data")
	}},
	{name: "unlink-removes-link-only", needs: needSymlinks, run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		f.symlink("f", "l")
		f.expect(ok, f.p.Unlink(f.path("l")), "unlink(symlink)")
		f.absent("l")
		f.content("f", "data")
	}},
	{name: "chmod-follows", needs: needSymlinks | needPermissions, run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.symlink("f", "l")
		f.expect(ok, f.p.Chmod(f.path("l"), 0o600), "chmod(symlink)")
		f.perm("f", 0o600)
	}},
	{name: "lchmod", needs: needSymlinks | needPermissions, run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.symlink("f", "l")
		f.expect(ok, f.p.Lchmod(f.path("l"), 0o700), "lchmod(symlink)")
		f.perm("l", 0o700)
		f.perm("f", 0o644)
	}},
	{name: "trailing-slash-follows", needs: needSymlinks, run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.symlink("d", "l")
		st, err := f.p.Lstat(f.path("l/"))
		if f.expect(ok, err, "lstat(symlink to dir + \"/\")") {
			f.check(fileType(st.Mode) == rump.S_IFDIR, "lstat(l/) does not follow: type %#o", fileType(st.Mode))
		}
		f.mkfile("f", "", 0o644)
		f.symlink("f", "lf")
		_, err = f.p.Stat(f.path("lf/"))
		f.expect(errno.ENOTDIR, err, "stat(symlink to file + \"/\")")
	}},
	{name: "dangling-dir-component", needs: needSymlinks, run: func(f *fixture) {
		f.symlink("nodir", "l")
		_, err := f.p.Stat(f.path("l/f"))
		f.expect(errno.ENOENT, err, "stat(dangling/f)")
		f.symlink("f", "lf")
		f.mkfile("f", "", 0o644)
		_, err = f.p.Stat(f.path("lf/x"))
		f.expect(errno.ENOTDIR, err, "stat(link-to-file/x)")
	}},
	{name: "target-becomes-valid", needs: needSymlinks, run: func(f *fixture) {
		f.symlink("f", "l")
		_, err := f.p.Stat(f.path("l"))
		f.expect(errno.ENOENT, err, "stat(dangling symlink)")
		f.mkfile("f", "now", 0o644)
		f.content("l", "now")
		f.must(f.p.Unlink(f.path("f")), "unlink(f)")
		_, err = f.p.Stat(f.path("l"))
		f.expect(errno.ENOENT, err, "stat(symlink whose target went)")
	}},
	{name: "mkdir-through-symlink", needs: needSymlinks, run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.symlink("d", "l")
		f.expect(ok, f.p.Mkdir(f.path("l/sub"), 0o755), "mkdir(l/sub)")
		f.isType("d/sub", rump.S_IFDIR)
		f.expect(errno.EEXIST, f.p.Mkdir(f.path("l"), 0o755), "mkdir over a symlink")
	}},
}
