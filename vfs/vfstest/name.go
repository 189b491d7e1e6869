package vfstest

import (
	"strings"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// pathOfLen returns an absolute path of exactly n bytes that names
// name in the case's directory, padded with "./" components.
func (f *fixture) pathOfLen(n int, name string) string {
	base := f.dir + "/"
	pad := n - len(base) - len(name)
	if pad < 0 {
		f.t.Fatalf("case directory %q too long for a %d-byte path", f.dir, n)
	}
	p := base + strings.Repeat("./", pad/2)
	if pad%2 == 1 {
		p += "/"
	}
	return p + name
}

// nameCases cover name and path limits, "." and "..", and trailing
// slashes.
var nameCases = []testCase{
	{name: "max-length", run: func(f *fixture) {
		long := strings.Repeat("a", f.nameMax())
		fd, err := f.p.Open(f.path(long), rump.O_WRONLY|rump.O_CREAT, 0o644)
		if f.expect(ok, err, "create a %d-byte name", len(long)) {
			f.close(fd)
			f.exists(long)
			f.sameNames("readdir", names(f.list(".", 0)), []string{".", "..", long})
		}
		dirName := strings.Repeat("d", f.nameMax())
		f.expect(ok, f.p.Mkdir(f.path(dirName), 0o755), "mkdir of a %d-byte name", len(dirName))
		moved := strings.Repeat("m", f.nameMax())
		f.expect(ok, f.p.Rename(f.path(long), f.path(moved)), "rename to a %d-byte name", len(moved))
		if !f.caps.NoSymlinks {
			f.expect(ok, f.p.Symlink("x", f.path(strings.Repeat("s", f.nameMax()))), "symlink of a %d-byte name", f.nameMax())
		}
	}},
	{name: "too-long", run: func(f *fixture) {
		long := strings.Repeat("a", f.nameMax()+1)
		f.mkfile("f", "", 0o644)
		_, err := f.p.Open(f.path(long), rump.O_WRONLY|rump.O_CREAT, 0o644)
		f.expect(errno.ENAMETOOLONG, err, "create a %d-byte name", len(long))
		_, err = f.p.Stat(f.path(long))
		f.expect(errno.ENAMETOOLONG, err, "stat a %d-byte name", len(long))
		f.expect(errno.ENAMETOOLONG, f.p.Mkdir(f.path(long), 0o755), "mkdir a %d-byte name", len(long))
		f.expect(errno.ENAMETOOLONG, f.p.Rename(f.path("f"), f.path(long)), "rename to a %d-byte name", len(long))
		f.expect(errno.ENAMETOOLONG, f.p.Unlink(f.path(long)), "unlink a %d-byte name", len(long))
		_, err = f.p.Stat(f.path(long + "/x"))
		f.expect(errno.ENAMETOOLONG, err, "stat through a %d-byte component", len(long))
		if !f.caps.NoSymlinks {
			f.expect(errno.ENAMETOOLONG, f.p.Symlink("x", f.path(long)), "symlink a %d-byte name", len(long))
		}
		if !f.caps.NoHardLinks {
			f.expect(errno.ENAMETOOLONG, f.p.Link(f.path("f"), f.path(long)), "link to a %d-byte name", len(long))
		}
		f.sameNames("readdir", names(f.list(".", 0)), []string{".", "..", "f"})
	}},
	{name: "path-max", run: func(f *fixture) {
		// PATH_MAX (1024) counts the terminating NUL.
		f.mkfile("f", "data", 0o644)
		p := f.pathOfLen(1023, "f")
		_, err := f.p.Stat(p)
		f.expect(ok, err, "stat of a 1023-byte path")
		p = f.pathOfLen(1024, "f")
		_, err = f.p.Stat(p)
		f.expect(errno.ENAMETOOLONG, err, "stat of a 1024-byte path")
		_, err = f.p.Open(p, rump.O_RDONLY, 0)
		f.expect(errno.ENAMETOOLONG, err, "open of a 1024-byte path")
		f.expect(errno.ENAMETOOLONG, f.p.Mkdir(f.pathOfLen(1024, "d"), 0o755), "mkdir of a 1024-byte path")
	}},
	{name: "symlink-target-max", needs: needSymlinks, run: func(f *fixture) {
		target := strings.Repeat("t/", 511) + "t" // 1023 bytes
		if f.expect(ok, f.p.Symlink(target, f.path("l")), "symlink with a 1023-byte target") {
			got, err := f.p.Readlink(f.path("l"))
			f.expect(ok, err, "readlink")
			f.check(got == target, "readlink gave %d bytes, want 1023", len(got))
		}
		f.expect(errno.ENAMETOOLONG, f.p.Symlink(target+"t", f.path("m")), "symlink with a 1024-byte target")
		f.absent("m")
	}},
	{name: "dot", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.check(f.stat("d/.").Ino == f.stat("d").Ino, "d/. is not d")
		f.check(f.stat("d/./././.").Ino == f.stat("d").Ino, "d/./././. is not d")
		f.mkfile("d/./f", "x", 0o644)
		f.content("d/f", "x")
	}},
	{name: "dotdot", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkdir("d/sub", 0o755)
		f.mkfile("f", "top", 0o644)
		f.check(f.stat("d/..").Ino == f.stat(".").Ino, "d/.. is not d's parent")
		f.check(f.stat("d/sub/../..").Ino == f.stat(".").Ino, "d/sub/../.. is not the case directory")
		f.content("d/sub/../../f", "top")
	}},
	{name: "dotdot-at-root", run: func(f *fixture) {
		for _, p := range []string{"/..", "/../..", "/./.."} {
			st, err := f.p.Stat(p)
			if f.expect(ok, err, "stat(%s)", p) {
				root, _ := f.p.Stat("/")
				f.check(st.Ino == root.Ino && st.Dev == root.Dev, "%s is not /", p)
			}
		}
	}},
	{name: "relative-to-cwd", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkdir("d/sub", 0o755)
		f.mkfile("f", "top", 0o644)
		f.must(f.p.Chdir(f.path("d/sub")), "chdir(d/sub)")
		fd, err := f.p.Open("new", rump.O_WRONLY|rump.O_CREAT, 0o644)
		if f.expect(ok, err, "create a relative path") {
			f.close(fd)
		}
		f.exists("d/sub/new")
		b, err := f.p.ReadFile("../../f")
		f.expect(ok, err, "read ../../f")
		f.check(string(b) == "top", "../../f = %q", b)
		_, err = f.p.Stat(".")
		f.expect(ok, err, "stat(.)")
	}},
	{name: "getcwd", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkdir("d/sub", 0o755)
		f.must(f.p.Chdir(f.path("d/sub")), "chdir(d/sub)")
		want, err := f.p.Getcwd()
		f.must(err, "getcwd")
		f.check(strings.HasSuffix(want, "/d/sub"), "getcwd = %q, want it to end in /d/sub", want)
		f.must(f.p.Rename(f.path("d/sub"), f.path("d/moved")), "rename")
		got, err := f.p.Getcwd()
		f.expect(ok, err, "getcwd after renaming cwd")
		f.check(got == strings.TrimSuffix(want, "/sub")+"/moved", "getcwd after rename = %q", got)
	}},
	{name: "chdir-not-dir", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.expect(errno.ENOTDIR, f.p.Chdir(f.path("f")), "chdir(file)")
		f.expect(errno.ENOENT, f.p.Chdir(f.path("nope")), "chdir(missing)")
	}},
	{name: "empty-path", run: func(f *fixture) {
		_, err := f.p.Stat("")
		f.expect(errno.ENOENT, err, "stat(\"\")")
		_, err = f.p.Open("", rump.O_WRONLY|rump.O_CREAT, 0o644)
		f.expect(errno.ENOENT, err, "open(\"\", O_CREAT)")
		f.expect(errno.ENOENT, f.p.Mkdir("", 0o755), "mkdir(\"\")")
	}},
	{name: "repeated-slashes", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("d/f", "x", 0o644)
		f.content("d//f", "x")
		f.content("d///./f", "x")
		_, err := f.p.Stat(f.dir + "//d//")
		f.expect(ok, err, "stat(dir//d//)")
	}},
	{name: "file-as-directory", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		_, err := f.p.Stat(f.path("f/x"))
		f.expect(errno.ENOTDIR, err, "stat(file/x)")
		_, err = f.p.Stat(f.path("f/."))
		f.expect(errno.ENOTDIR, err, "stat(file/.)")
		_, err = f.p.Stat(f.path("f/.."))
		f.expect(errno.ENOTDIR, err, "stat(file/..)")
	}},
	{name: "trailing-slash-file", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		_, err := f.p.Stat(f.path("f/"))
		f.expect(errno.ENOTDIR, err, "stat(file/)")
		_, err = f.p.Lstat(f.path("f/"))
		f.expect(errno.ENOTDIR, err, "lstat(file/)")
		_, err = f.p.Open(f.path("f/"), rump.O_RDONLY, 0)
		f.expect(errno.ENOTDIR, err, "open(file/)")
		_, err = f.p.Open(f.path("f/"), rump.O_WRONLY|rump.O_CREAT, 0o644)
		f.expect(errno.ENOTDIR, err, "open(file/, O_CREAT)")
		f.expect(errno.ENOTDIR, f.p.Unlink(f.path("f/")), "unlink(file/)")
		f.exists("f")
	}},
	{name: "trailing-slash-creat", run: func(f *fixture) {
		// "new/" names a directory that must exist unless one is being
		// made: only mkdir may create it.
		_, err := f.p.Open(f.path("new/"), rump.O_WRONLY|rump.O_CREAT, 0o644)
		f.expect(errno.ENOENT, err, "open(new/, O_CREAT)")
		_, err = f.p.Open(f.path("new/"), rump.O_WRONLY|rump.O_CREAT|rump.O_EXCL, 0o644)
		f.expect(errno.ENOENT, err, "open(new/, O_CREAT|O_EXCL)")
		f.absent("new")
		if f.has(needHardLinks) {
			f.mkfile("f", "", 0o644)
			f.expect(errno.ENOENT, f.p.Link(f.path("f"), f.path("new/")), "link(f, new/)")
			f.absent("new")
		}
	}},
	{name: "trailing-slash-dir", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		_, err := f.p.Stat(f.path("d/"))
		f.expect(ok, err, "stat(dir/)")
		fd, err := f.p.Open(f.path("d/"), rump.O_RDONLY, 0)
		if f.expect(ok, err, "open(dir/)") {
			f.close(fd)
		}
		f.mkfile("d/f", "", 0o644)
		_, err = f.p.Stat(f.path("d/f/"))
		f.expect(errno.ENOTDIR, err, "stat(dir/file/)")
	}},
	{name: "unusual-characters", run: func(f *fixture) {
		want := []string{".", ".."}
		for _, n := range []string{"with space", "tab\there", "ünïcödé", "-dash", ".hidden", "...", "a.b.c", "semi;colon", "star*", "q?"} {
			f.mkfile(n, n, 0o644)
			want = append(want, n)
		}
		f.sameNames("readdir", names(f.list(".", 0)), want)
		f.content("ünïcödé", "ünïcödé")
	}},
	{name: "case-sensitive", needs: needCaseSensitive, run: func(f *fixture) {
		f.mkfile("name", "lower", 0o644)
		f.mkfile("NAME", "upper", 0o644)
		f.content("name", "lower")
		f.content("NAME", "upper")
		f.absent("Name")
	}},
	{name: "case-insensitive", needs: needCaseInsensitive, run: func(f *fixture) {
		f.mkfile("name", "lower", 0o644)
		f.content("NAME", "lower")
		_, err := f.p.Open(f.path("NaMe"), rump.O_WRONLY|rump.O_CREAT|rump.O_EXCL, 0o644)
		f.expect(errno.EEXIST, err, "create NaMe when name exists")
	}},
}
