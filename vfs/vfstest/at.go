package vfstest

import (
	"errors"
	"fmt"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// atOp is one *at call as the "at" cases drive it: prep makes what the
// call works on in directory dir (named relative to the case's
// directory), do makes the call with directory descriptor at on names
// under base, and check looks for its effect in dir. base is "" for
// names relative to at, or an absolute directory path ending in "/".
type atOp struct {
	name  string
	needs need
	prep  func(f *fixture, dir string)
	do    func(f *fixture, at int, base string) error
	check func(f *fixture, dir string)
}

// atOps are the *at calls, each with its flags as the call's own test
// of them.
var atOps = []atOp{
	{name: "openat", do: func(f *fixture, at int, base string) error {
		fd, err := f.p.Openat(at, base+"new", rump.O_WRONLY|rump.O_CREAT|rump.O_EXCL, 0o644)
		if err == nil {
			f.write(fd, "made")
			f.close(fd)
		}
		return err
	}, check: func(f *fixture, dir string) {
		f.content(dir+"/new", "made")
	}},
	{name: "openat-existing", prep: func(f *fixture, dir string) {
		f.mkfile(dir+"/f", "data", 0o644)
	}, do: func(f *fixture, at int, base string) error {
		fd, err := f.p.Openat(at, base+"f", rump.O_WRONLY|rump.O_APPEND, 0)
		if err == nil {
			f.write(fd, "+more")
			f.close(fd)
		}
		return err
	}, check: func(f *fixture, dir string) {
		f.content(dir+"/f", "data+more")
	}},
	{name: "fstatat", prep: func(f *fixture, dir string) {
		f.mkfile(dir+"/f", "12345", 0o644)
	}, do: func(f *fixture, at int, base string) error {
		st, err := f.p.Fstatat(at, base+"f", 0)
		if err == nil {
			f.check(st.Size == 5 && fileType(st.Mode) == rump.S_IFREG, "fstatat(f): size %d type %#o, want 5 and a regular file", st.Size, fileType(st.Mode))
		}
		return err
	}},
	{name: "fstatat-nofollow", needs: needSymlinks, prep: func(f *fixture, dir string) {
		f.mkfile(dir+"/f", "", 0o644)
		f.symlink("f", dir+"/l")
	}, do: func(f *fixture, at int, base string) error {
		st, err := f.p.Fstatat(at, base+"l", rump.AT_SYMLINK_NOFOLLOW)
		if err == nil {
			f.check(fileType(st.Mode) == rump.S_IFLNK, "fstatat(l, AT_SYMLINK_NOFOLLOW): type %#o, want a symlink", fileType(st.Mode))
		}
		return err
	}},
	{name: "mkdirat", do: func(f *fixture, at int, base string) error {
		return f.p.Mkdirat(at, base+"sub", 0o755)
	}, check: func(f *fixture, dir string) {
		f.isType(dir+"/sub", rump.S_IFDIR)
		f.nlink(dir, 3)
	}},
	{name: "mknodat", needs: needSpecialFiles, do: func(f *fixture, at int, base string) error {
		return f.p.Mknodat(at, base+"fifo", rump.S_IFIFO|0o644, 0)
	}, check: func(f *fixture, dir string) {
		f.isType(dir+"/fifo", rump.S_IFIFO)
	}},
	{name: "mkfifoat", needs: needSpecialFiles, do: func(f *fixture, at int, base string) error {
		return f.p.Mkfifoat(at, base+"fifo", 0o644)
	}, check: func(f *fixture, dir string) {
		f.isType(dir+"/fifo", rump.S_IFIFO)
	}},
	{name: "unlinkat", prep: func(f *fixture, dir string) {
		f.mkfile(dir+"/f", "", 0o644)
	}, do: func(f *fixture, at int, base string) error {
		return f.p.Unlinkat(at, base+"f", 0)
	}, check: func(f *fixture, dir string) {
		f.absent(dir + "/f")
	}},
	{name: "unlinkat-removedir", prep: func(f *fixture, dir string) {
		f.mkdir(dir+"/sub", 0o755)
	}, do: func(f *fixture, at int, base string) error {
		return f.p.Unlinkat(at, base+"sub", rump.AT_REMOVEDIR)
	}, check: func(f *fixture, dir string) {
		f.absent(dir + "/sub")
	}},
	{name: "renameat", prep: func(f *fixture, dir string) {
		f.mkfile(dir+"/f", "data", 0o644)
	}, do: func(f *fixture, at int, base string) error {
		return f.p.Renameat(at, base+"f", at, base+"g")
	}, check: func(f *fixture, dir string) {
		f.absent(dir + "/f")
		f.content(dir+"/g", "data")
	}},
	{name: "linkat", needs: needHardLinks, prep: func(f *fixture, dir string) {
		f.mkfile(dir+"/f", "data", 0o644)
	}, do: func(f *fixture, at int, base string) error {
		return f.p.Linkat(at, base+"f", at, base+"g", 0)
	}, check: func(f *fixture, dir string) {
		f.nlink(dir+"/f", 2)
		f.content(dir+"/g", "data")
	}},
	{name: "symlinkat", needs: needSymlinks, do: func(f *fixture, at int, base string) error {
		return f.p.Symlinkat("target", at, base+"l")
	}, check: func(f *fixture, dir string) {
		got, err := f.p.Readlink(f.path(dir + "/l"))
		if f.expect(ok, err, "readlink(%s/l)", dir) {
			f.check(got == "target", "readlink(%s/l) = %q, want \"target\"", dir, got)
		}
	}},
	{name: "readlinkat", needs: needSymlinks, prep: func(f *fixture, dir string) {
		f.symlink("target", dir+"/l")
	}, do: func(f *fixture, at int, base string) error {
		got, err := f.p.Readlinkat(at, base+"l")
		if err == nil {
			f.check(got == "target", "readlinkat(l) = %q, want \"target\"", got)
		}
		return err
	}},
	{name: "faccessat", prep: func(f *fixture, dir string) {
		f.mkfile(dir+"/f", "", 0o644)
	}, do: func(f *fixture, at int, base string) error {
		return f.p.Faccessat(at, base+"f", rump.R_OK|rump.W_OK, 0)
	}},
	{name: "fchmodat", needs: needPermissions, prep: func(f *fixture, dir string) {
		f.mkfile(dir+"/f", "", 0o644)
	}, do: func(f *fixture, at int, base string) error {
		return f.p.Fchmodat(at, base+"f", 0o600, 0)
	}, check: func(f *fixture, dir string) {
		f.perm(dir+"/f", 0o600)
	}},
	{name: "fchownat", needs: needOwnership, prep: func(f *fixture, dir string) {
		f.mkfile(dir+"/f", "", 0o644)
	}, do: func(f *fixture, at int, base string) error {
		return f.p.Fchownat(at, base+"f", uidA, gidA, 0)
	}, check: func(f *fixture, dir string) {
		st := f.lstat(dir + "/f")
		f.check(st.UID == uidA && st.GID == gidA, "fchownat: owner %d:%d, want %d:%d", st.UID, st.GID, uidA, gidA)
	}},
	{name: "utimensat", prep: func(f *fixture, dir string) {
		f.mkfile(dir+"/f", "", 0o644)
	}, do: func(f *fixture, at int, base string) error {
		return f.p.Utimensat(at, base+"f", &[2]rump.Timespec{oldAtime, oldMtime}, 0)
	}, check: func(f *fixture, dir string) {
		st := f.lstat(dir + "/f")
		f.timeIs("utimensat: atime", st.Atime, oldAtime)
		f.timeIs("utimensat: mtime", st.Mtime, oldMtime)
	}},
}

// atCase is the case that drives op with every kind of directory
// descriptor: one open on a directory (the relative names are looked up
// there), AT_FDCWD (from the current directory), one not open with an
// absolute path (ignored), and, with relative names, one on a regular
// file (ENOTDIR), one on a socket (EINVAL, as NetBSD's fd_getvnode
// answers for a descriptor that is not a vnode) and one not open (EBADF).
func atCase(op atOp) testCase {
	return testCase{name: op.name, needs: op.needs, run: func(f *fixture) {
		prep := func(dir string) {
			f.mkdir(dir, 0o755)
			if op.prep != nil {
				op.prep(f, dir)
			}
		}
		check := func(dir string) {
			if op.check != nil {
				op.check(f, dir)
			}
		}

		prep("viafd")
		dfd := f.openDir("viafd")
		if f.expect(ok, op.do(f, dfd, ""), "%s(descriptor on a directory, relative)", op.name) {
			check("viafd")
		}
		f.close(dfd)

		prep("cwd")
		f.must(f.p.Chdir(f.path("cwd")), "chdir(cwd)")
		err := op.do(f, rump.AT_FDCWD, "")
		f.must(f.p.Chdir(f.dir), "chdir back")
		if f.expect(ok, err, "%s(AT_FDCWD, relative)", op.name) {
			check("cwd")
		}

		prep("absolute")
		if f.expect(ok, op.do(f, f.closedFD(), f.path("absolute")+"/"), "%s(descriptor not open, absolute)", op.name) {
			check("absolute")
		}

		f.mkfile("file", "", 0o644)
		fd := f.open("file", rump.O_RDONLY, 0)
		f.expect(errno.ENOTDIR, op.do(f, fd, ""), "%s(descriptor on a regular file, relative)", op.name)
		f.close(fd)

		sock, err := f.p.Socket(rump.AF_INET, rump.SOCK_DGRAM, 0)
		f.must(err, "socket")
		f.expect(errno.EINVAL, op.do(f, sock, ""), "%s(descriptor on a socket, relative)", op.name)
		f.close(sock)

		f.expect(errno.EBADF, op.do(f, f.closedFD(), ""), "%s(descriptor not open, relative)", op.name)
	}}
}

// closedFD returns a descriptor number that is not open.
func (f *fixture) closedFD() int {
	f.t.Helper()
	fd := f.open(".", rump.O_RDONLY, 0)
	f.close(fd)
	return fd
}

// openDir opens directory name for the *at calls.
func (f *fixture) openDir(name string) int {
	f.t.Helper()
	return f.open(name, rump.O_RDONLY|rump.O_DIRECTORY, 0)
}

// fileID says which file a lookup found, or which errno it failed with.
type fileID struct {
	dev, ino uint64
	err      errno.Errno
}

func (id fileID) String() string {
	if id.err != ok {
		return id.err.Name()
	}
	return fmt.Sprintf("dev %d ino %d", id.dev, id.ino)
}

// idOf is the fileID of a stat's result; an error that is not an errno
// (which no syscall should give) counts as EIO.
func idOf(st rump.Stat, err error) fileID {
	if err != nil {
		var e errno.Errno
		if !errors.As(err, &e) {
			e = errno.EIO
		}
		return fileID{err: e}
	}
	return fileID{dev: st.Dev, ino: st.Ino}
}

// atFileID is what fstatat(at, name) finds, following a final symlink
// unless flags says otherwise.
func (f *fixture) atFileID(at int, name string, flags int) fileID {
	return idOf(f.p.Fstatat(at, name, flags))
}

// agree reports a failure unless every relative name in names finds the
// same file (or fails the same way) from directory descriptor dfd as
// from the current directory after fchdir to dfd, with and without
// following a final symlink. dir names the directory in messages.
func (f *fixture) agree(dir string, dfd int, names []string) {
	f.t.Helper()
	type answer struct{ follow, nofollow fileID }
	fromFD := map[string]answer{}
	for _, name := range names {
		fromFD[name] = answer{f.atFileID(dfd, name, 0), f.atFileID(dfd, name, rump.AT_SYMLINK_NOFOLLOW)}
	}
	f.must(f.p.Fchdir(dfd), "fchdir(%s)", dir)
	defer func() { f.must(f.p.Chdir(f.dir), "chdir back") }()
	for _, name := range names {
		fromCwd := answer{idOf(f.p.Stat(name)), idOf(f.p.Lstat(name))}
		if fromCwd != fromFD[name] {
			f.t.Errorf("%s: fstatat(descriptor, %q) found %v (lstat %v); stat(%q) after fchdir found %v (lstat %v)",
				dir, name, fromFD[name].follow, fromFD[name].nofollow, name, fromCwd.follow, fromCwd.nofollow)
		}
	}
}

// atCases cover the *at calls with a directory descriptor.
var atCases = append(atOpCases(), []testCase{
	{name: "empty-path", run: func(f *fixture) {
		// As NetBSD: the descriptor is taken before the path is looked
		// at, and an empty path is ENOENT before a descriptor on a
		// non-directory is ENOTDIR.
		f.mkfile("f", "", 0o644)
		dfd := f.openDir(".")
		defer f.close(dfd)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		_, err := f.p.Openat(dfd, "", rump.O_RDONLY, 0)
		f.expect(errno.ENOENT, err, "openat(directory, \"\")")
		_, err = f.p.Openat(fd, "", rump.O_RDONLY, 0)
		f.expect(errno.ENOENT, err, "openat(regular file, \"\")")
		_, err = f.p.Openat(f.closedFD(), "", rump.O_RDONLY, 0)
		f.expect(errno.EBADF, err, "openat(descriptor not open, \"\")")
	}},
	{name: "dots", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkdir("d/sub", 0o755)
		f.mkfile("d/f", "data", 0o644)
		dfd := f.openDir("d/sub")
		defer f.close(dfd)
		f.check(f.atFileID(dfd, ".", 0) == idOf(f.p.Stat(f.path("d/sub"))), "fstatat(d/sub, \".\") is not d/sub")
		f.check(f.atFileID(dfd, "..", 0) == idOf(f.p.Stat(f.path("d"))), "fstatat(d/sub, \"..\") is not d")
		fd, err := f.p.Openat(dfd, "../f", rump.O_RDONLY, 0)
		if f.expect(ok, err, "openat(d/sub, ../f)") {
			f.check(f.pread(fd, 10, 0) == "data", "openat(d/sub, ../f) read the wrong file")
			f.close(fd)
		}
		f.expect(ok, f.p.Mkdirat(dfd, "../new", 0o755), "mkdirat(d/sub, ../new)")
		f.isType("d/new", rump.S_IFDIR)
		f.expect(ok, f.p.Unlinkat(dfd, "../new/", rump.AT_REMOVEDIR), "unlinkat(d/sub, ../new/, AT_REMOVEDIR)")
		f.absent("d/new")
		f.expect(errno.EINVAL, f.p.Unlinkat(dfd, ".", rump.AT_REMOVEDIR), "unlinkat(d/sub, \".\", AT_REMOVEDIR)")
		f.exists("d/sub")
	}},
	{name: "agrees-with-fchdir", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkdir("d/sub", 0o755)
		f.mkfile("d/f", "", 0o644)
		names := []string{".", "..", "./", "f", "f/", "f/x", "sub", "sub/", "sub/..", "sub/../f", "missing", "missing/x", "../d/f", ".//sub//"}
		if f.has(needSymlinks) {
			f.symlink("f", "d/l")
			f.symlink("sub", "d/ldir")
			f.symlink(f.path("d/sub"), "d/labs")
			f.symlink("nope", "d/dangling")
			names = append(names, "l", "l/", "ldir", "ldir/", "ldir/..", "labs", "labs/..", "dangling")
		}
		dfd := f.openDir("d")
		defer f.close(dfd)
		f.agree("d", dfd, names)
	}},
	{name: "removed-dir", run: func(f *fixture) {
		// A removed directory has no entries: every name in it is
		// ENOENT, and nothing can be made there.
		f.mkdir("d", 0o755)
		f.mkfile("f", "data", 0o644)
		dfd := f.openDir("d")
		defer f.close(dfd)
		f.must(f.p.Rmdir(f.path("d")), "rmdir(d)")
		_, err := f.p.Fstatat(dfd, "x", 0)
		f.expect(errno.ENOENT, err, "fstatat(removed, x)")
		_, err = f.p.Fstatat(dfd, "..", 0)
		f.expect(errno.ENOENT, err, "fstatat(removed, ..)")
		_, err = f.p.Openat(dfd, "x", rump.O_WRONLY|rump.O_CREAT, 0o644)
		f.expect(errno.ENOENT, err, "openat(removed, x, O_CREAT)")
		f.expect(errno.ENOENT, f.p.Mkdirat(dfd, "sub", 0o755), "mkdirat(removed, sub)")
		f.expect(errno.ENOENT, f.p.Renameat(rump.AT_FDCWD, f.path("f"), dfd, "g"), "renameat(f, removed, g)")
		f.content("f", "data")
		f.expect(errno.ENOENT, f.p.Unlinkat(dfd, "x", 0), "unlinkat(removed, x)")
		if f.has(needSymlinks) {
			f.expect(errno.ENOENT, f.p.Symlinkat("target", dfd, "l"), "symlinkat(removed, l)")
		}
		if f.has(needHardLinks) {
			f.expect(errno.ENOENT, f.p.Linkat(rump.AT_FDCWD, f.path("f"), dfd, "g", 0), "linkat(f, removed, g)")
			f.nlink("f", 1)
		}
		if f.has(needSpecialFiles) {
			f.expect(errno.ENOENT, f.p.Mkfifoat(dfd, "fifo", 0o644), "mkfifoat(removed, fifo)")
		}
		// The same answers as from a removed current directory.
		f.agree("removed d", dfd, []string{".", "..", "x", "x/y", "../f"})
	}},
	{name: "replaced-dir", run: func(f *fixture) {
		// A directory that a rename replaced is removed as rmdir
		// removes one.
		f.mkdir("a", 0o755)
		f.mkdir("b", 0o755)
		bfd := f.openDir("b")
		defer f.close(bfd)
		f.must(f.p.Rename(f.path("a"), f.path("b")), "rename(a, b)")
		_, err := f.p.Fstatat(bfd, "..", 0)
		f.expect(errno.ENOENT, err, "fstatat(replaced, ..)")
		f.expect(errno.ENOENT, f.p.Mkdirat(bfd, "sub", 0o755), "mkdirat(replaced, sub)")
		f.absent("b/sub")
		f.agree("replaced b", bfd, []string{".", "..", "sub"})
	}},
	{name: "mount-point-parent", run: func(f *fixture) {
		// From a descriptor on the directory that holds a mount
		// point, a path through it crosses into the mounted file
		// system, and ".." from its root comes back out.
		f.mkdir("m", 0o755)
		f.mkfile("f", "data", 0o644)
		f.mountOn("m")
		dfd := f.openDir(".")
		defer f.close(dfd)
		here, there := f.atFileID(dfd, ".", 0), f.atFileID(dfd, "m", 0)
		f.check(here.err == ok && there.err == ok && here.dev != there.dev, "fstatat(parent, m) = %v, fstatat(parent, .) = %v: want different file systems", there, here)
		f.expect(ok, f.p.Mkdirat(dfd, "m/sub", 0o755), "mkdirat(parent, m/sub)")
		f.check(f.atFileID(dfd, "m/sub", 0).dev == there.dev, "mkdirat(parent, m/sub) did not make sub on the mounted file system")
		f.check(f.atFileID(dfd, "m/sub/../..", 0) == here, "fstatat(parent, m/sub/../..) did not come back out of the mount")
		f.expect(errno.EBUSY, f.p.Unlinkat(dfd, "m", rump.AT_REMOVEDIR), "unlinkat(parent, m, AT_REMOVEDIR)")
		mfd := f.openDir("m")
		defer f.close(mfd)
		f.check(f.atFileID(mfd, "..", 0) == here, "fstatat(mount root, ..) = %v, want the mount point's parent %v", f.atFileID(mfd, "..", 0), here)
		fd, err := f.p.Openat(mfd, "../f", rump.O_RDONLY, 0)
		if f.expect(ok, err, "openat(mount root, ../f)") {
			f.check(f.pread(fd, 10, 0) == "data", "openat(mount root, ../f) read the wrong file")
			f.close(fd)
		}
		f.agree("m", mfd, []string{".", "..", "sub", "sub/..", "../f", "../m/sub"})
	}},
	{name: "renameat-two-dirfds", run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkdir("b", 0o755)
		f.mkfile("a/f", "data", 0o644)
		f.mkdir("a/sub", 0o755)
		afd, bfd := f.openDir("a"), f.openDir("b")
		defer f.close(afd)
		defer f.close(bfd)
		if f.expect(ok, f.p.Renameat(afd, "f", bfd, "g"), "renameat(a, f, b, g)") {
			f.absent("a/f")
			f.content("b/g", "data")
		}
		if f.expect(ok, f.p.Renameat(afd, "sub", bfd, "sub2"), "renameat(a, sub, b, sub2)") {
			f.absent("a/sub")
			f.check(f.atFileID(bfd, "sub2/..", 0) == f.atFileID(bfd, ".", 0), "the moved directory's \"..\" is not b")
			f.nlink("a", 2)
			f.nlink("b", 3)
		}
		f.expect(errno.EBADF, f.p.Renameat(bfd, "g", f.closedFD(), "h"), "renameat(b, g, descriptor not open, h)")
		f.expect(errno.EBADF, f.p.Renameat(f.closedFD(), "g", bfd, "h"), "renameat(descriptor not open, g, b, h)")
		f.content("b/g", "data")
	}},
	{name: "linkat-two-dirfds", needs: needHardLinks, run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkdir("b", 0o755)
		f.mkfile("a/f", "data", 0o644)
		afd, bfd := f.openDir("a"), f.openDir("b")
		defer f.close(afd)
		defer f.close(bfd)
		if f.expect(ok, f.p.Linkat(afd, "f", bfd, "g", 0), "linkat(a, f, b, g)") {
			f.nlink("a/f", 2)
			f.check(f.stat("a/f").Ino == f.stat("b/g").Ino, "linkat(a, f, b, g): two inodes")
		}
		fd := f.open("a/f", rump.O_RDONLY, 0)
		defer f.close(fd)
		f.expect(errno.ENOTDIR, f.p.Linkat(afd, "f", fd, "h", 0), "linkat(a, f, regular file, h)")
		f.absent("b/h")
	}},
	{name: "create-through-symlink", needs: needSymlinks, run: func(f *fixture) {
		// O_CREAT through a dangling relative symlink makes its target
		// beside the symlink, whatever the descriptor or cwd.
		f.mkdir("d", 0o755)
		f.mkdir("d/sub", 0o755)
		f.symlink("../made", "d/sub/l")
		dfd := f.openDir("d")
		defer f.close(dfd)
		fd, err := f.p.Openat(dfd, "sub/l", rump.O_WRONLY|rump.O_CREAT, 0o644)
		if f.expect(ok, err, "openat(d, sub/l -> ../made, O_CREAT)") {
			f.close(fd)
			f.isType("d/made", rump.S_IFREG)
		}
	}},
	{name: "search-permission", needs: needPermissions, run: func(f *fixture) {
		// The lookup checks search permission on the descriptor's
		// directory when it is made, as any lookup does; how the
		// directory was opened does not matter.
		f.mkdir("d", 0o755)
		f.mkfile("d/f", "", 0o644)
		rootFD := f.openDir("d")
		defer f.close(rootFD)
		a := f.userA()
		dfd, err := a.p.Open(f.path("d"), rump.O_RDONLY|rump.O_DIRECTORY, 0)
		a.must(err, "open(d) as user A")
		defer a.close(dfd)
		_, err = a.p.Fstatat(dfd, "f", 0)
		a.expect(ok, err, "fstatat(d, f) as user A")
		f.chmod("d", 0o644)
		_, err = a.p.Fstatat(dfd, "f", 0)
		a.expect(errno.EACCES, err, "fstatat(d, f) as user A once d lost search permission")
		_, err = a.p.Openat(dfd, "f", rump.O_RDONLY, 0)
		a.expect(errno.EACCES, err, "openat(d, f) as user A once d lost search permission")
		a.expect(errno.EACCES, a.p.Fchdir(dfd), "fchdir(d) as user A once d lost search permission")
		_, err = f.p.Fstatat(rootFD, "f", 0)
		f.expect(ok, err, "fstatat(d, f) as root")
		f.chmod("d", 0o755)
		_, err = a.p.Fstatat(dfd, "f", 0)
		a.expect(ok, err, "fstatat(d, f) as user A once d is searchable again")
	}},
}...)

func atOpCases() []testCase {
	cases := make([]testCase, 0, len(atOps))
	for _, op := range atOps {
		cases = append(cases, atCase(op))
	}
	return cases
}
