package vfstest

import (
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// fileOf makes name with mode, owned by uid and gid, as root.
func (f *fixture) fileOf(name string, mode, uid, gid uint32) {
	f.t.Helper()
	f.mkfile(name, "secret", mode)
	f.chown(name, uid, gid)
	f.chmod(name, mode) // chown may clear set-id bits
}

// dirOf makes directory name with mode, owned by uid and gid, as root.
func (f *fixture) dirOf(name string, mode, uid, gid uint32) {
	f.t.Helper()
	f.mkdir(name, mode)
	f.chown(name, uid, gid)
	f.chmod(name, mode)
}

// canOpen checks what open with flags gives.
func (f *fixture) canOpen(want errno.Errno, name string, flags int) {
	f.t.Helper()
	fd, err := f.p.Open(f.path(name), flags, 0)
	if f.expect(want, err, "uid %d: open(%s, %#x)", f.p.Getuid(), name, flags) && err == nil {
		f.close(fd)
	}
}

const needPerm = needPermissions | needOwnership

// permCases cover permission checks and who may change modes, owners
// and times. They run as root and as users A and B (who share groupS)
// and nobody.
var permCases = []testCase{
	{name: "owner-read-write", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o600, uidA, gidA)
		a, b := f.userA(), f.userB()
		a.canOpen(ok, "f", rump.O_RDWR)
		b.canOpen(errno.EACCES, "f", rump.O_RDONLY)
		b.canOpen(errno.EACCES, "f", rump.O_WRONLY)
	}},
	{name: "owner-class-wins", needs: needPerm, run: func(f *fixture) {
		// The owner gets the owner bits even when group or other
		// would allow more.
		f.fileOf("f", 0o066, uidA, groupS)
		f.userA().canOpen(errno.EACCES, "f", rump.O_RDONLY)
		f.userB().canOpen(ok, "f", rump.O_RDWR)
	}},
	{name: "group-bits", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o640, uidA, groupS)
		b := f.userB() // groupS is a supplementary group of B
		b.canOpen(ok, "f", rump.O_RDONLY)
		b.canOpen(errno.EACCES, "f", rump.O_WRONLY)
		f.nobody().canOpen(errno.EACCES, "f", rump.O_RDONLY)
	}},
	{name: "primary-group-bits", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o620, uidA, gidB)
		f.userB().canOpen(ok, "f", rump.O_WRONLY)
		f.userB().canOpen(errno.EACCES, "f", rump.O_RDONLY)
	}},
	{name: "other-bits", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o604, uidA, gidA)
		n := f.nobody()
		n.canOpen(ok, "f", rump.O_RDONLY)
		n.canOpen(errno.EACCES, "f", rump.O_RDWR)
	}},
	{name: "group-class-wins", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o604, uidA, groupS)
		f.userB().canOpen(errno.EACCES, "f", rump.O_RDONLY)
	}},
	{name: "root-bypasses", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o000, uidA, gidA)
		f.dirOf("d", 0o000, uidA, gidA)
		f.canOpen(ok, "f", rump.O_RDWR)
		f.mkfile("d/g", "x", 0o644)
		f.content("d/g", "x")
		f.expect(ok, f.p.Access(f.path("f"), rump.R_OK|rump.W_OK), "root: access(0000 file, R_OK|W_OK)")
	}},
	{name: "root-exec-needs-an-x-bit", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o644, uidA, gidA)
		f.fileOf("g", 0o001, uidA, gidA)
		f.dirOf("d", 0o000, uidA, gidA)
		f.expect(errno.EACCES, f.p.Access(f.path("f"), rump.X_OK), "root: access(0644 file, X_OK)")
		f.expect(ok, f.p.Access(f.path("g"), rump.X_OK), "root: access(0001 file, X_OK)")
		f.expect(ok, f.p.Access(f.path("d"), rump.X_OK), "root: access(0000 dir, X_OK)")
	}},
	{name: "access", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o750, uidA, groupS)
		a, b, n := f.userA(), f.userB(), f.nobody()
		for _, c := range []struct {
			who  *fixture
			mode int
			want errno.Errno
		}{
			{a, rump.R_OK | rump.W_OK | rump.X_OK, ok}, {b, rump.R_OK | rump.X_OK, ok},
			{b, rump.W_OK, errno.EACCES}, {n, rump.R_OK, errno.EACCES}, {n, rump.F_OK, ok},
		} {
			c.who.expect(c.want, c.who.p.Access(f.path("f"), c.mode), "uid %d: access(f, %d)", c.who.p.Getuid(), c.mode)
		}
		f.expect(errno.ENOENT, a.p.Access(f.path("nope"), rump.F_OK), "access(nope, F_OK)")
	}},
	{name: "dir-no-search", needs: needPerm, run: func(f *fixture) {
		f.dirOf("d", 0o766, uidA, gidA)
		f.mkfile("d/f", "x", 0o666)
		b := f.userB()
		_, err := b.p.Stat(f.path("d/f"))
		b.expect(errno.EACCES, err, "stat through a directory without x")
		b.canOpen(errno.EACCES, "d/f", rump.O_RDONLY)
		b.expect(errno.EACCES, b.p.Chdir(f.path("d")), "chdir into a directory without x")
		// Listing needs only r.
		b.canOpen(ok, "d", rump.O_RDONLY)
	}},
	{name: "dir-no-search-deep", needs: needPerm, run: func(f *fixture) {
		f.mkdir("a", 0o755)
		f.mkdir("a/b", 0o700)
		f.mkdir("a/b/c", 0o777)
		_, err := f.userA().p.Stat(f.path("a/b/c"))
		f.expect(errno.EACCES, err, "stat(a/b/c) with a/b 0700 root's")
	}},
	{name: "dir-no-read", needs: needPerm, run: func(f *fixture) {
		f.dirOf("d", 0o711, uidA, gidA)
		f.mkfile("d/f", "x", 0o644)
		b := f.userB()
		b.canOpen(errno.EACCES, "d", rump.O_RDONLY)
		_, err := b.p.Stat(f.path("d/f"))
		b.expect(ok, err, "stat through a directory with x but not r")
		b.content("d/f", "x")
	}},
	{name: "dir-no-write-create", needs: needPerm, run: func(f *fixture) {
		f.dirOf("d", 0o755, uidA, gidA)
		f.mkfile("d/f", "x", 0o666)
		b := f.userB()
		_, err := b.p.Open(f.path("d/new"), rump.O_WRONLY|rump.O_CREAT, 0o644)
		b.expect(errno.EACCES, err, "create in a directory without w")
		b.expect(errno.EACCES, b.p.Mkdir(f.path("d/sub"), 0o755), "mkdir in a directory without w")
		if !f.caps.NoSymlinks {
			b.expect(errno.EACCES, b.p.Symlink("x", f.path("d/l")), "symlink in a directory without w")
		}
		if !f.caps.NoHardLinks {
			f.mkdir("pub", 0o777)
			f.mkfile("pub/g", "", 0o644)
			b.expect(errno.EACCES, b.p.Link(f.path("pub/g"), f.path("d/g")), "link into a directory without w")
		}
		f.absent("d/new")
		// Writing an existing, writable file needs no w on the directory.
		b.canOpen(ok, "d/f", rump.O_WRONLY)
	}},
	{name: "dir-no-write-remove", needs: needPerm, run: func(f *fixture) {
		f.dirOf("d", 0o755, uidA, gidA)
		f.fileOf("d/f", 0o666, uidB, gidB)
		f.mkdir("d/sub", 0o777)
		f.mkdir("pub", 0o777)
		b := f.userB()
		b.expect(errno.EACCES, b.p.Unlink(f.path("d/f")), "unlink own file in a directory without w")
		b.expect(errno.EACCES, b.p.Rmdir(f.path("d/sub")), "rmdir in a directory without w")
		b.expect(errno.EACCES, b.p.Rename(f.path("d/f"), f.path("pub/f")), "rename out of a directory without w")
		f.exists("d/f")
	}},
	{name: "dir-write-without-search", needs: needPerm, run: func(f *fixture) {
		f.dirOf("d", 0o766, uidA, gidA)
		b := f.userB()
		_, err := b.p.Open(f.path("d/new"), rump.O_WRONLY|rump.O_CREAT, 0o644)
		b.expect(errno.EACCES, err, "create in a directory with w but not x")
	}},
	{name: "open-trunc-needs-write", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o644, uidA, gidA)
		b := f.userB()
		b.canOpen(errno.EACCES, "f", rump.O_RDONLY|rump.O_TRUNC)
		f.content("f", "secret")
	}},
	{name: "open-creat-existing-checks-access", needs: needPerm, run: func(f *fixture) {
		f.mkdir("pub", 0o777)
		f.fileOf("pub/f", 0o644, uidA, gidA)
		b := f.userB()
		_, err := b.p.Open(f.path("pub/f"), rump.O_WRONLY|rump.O_CREAT, 0o666)
		b.expect(errno.EACCES, err, "open(O_CREAT|O_WRONLY) of another's 0644 file")
	}},
	{name: "truncate-needs-write", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o644, uidA, gidA)
		b := f.userB()
		b.expect(errno.EACCES, b.p.Truncate(f.path("f"), 0), "truncate another's 0644 file")
		f.content("f", "secret")
	}},
	{name: "chmod-owner", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o644, uidA, gidA)
		a := f.userA()
		a.expect(ok, a.p.Chmod(f.path("f"), 0o600), "owner: chmod(f, 0600)")
		f.perm("f", 0o600)
	}},
	{name: "chmod-non-owner", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o666, uidA, gidA)
		b := f.userB()
		b.expect(errno.EPERM, b.p.Chmod(f.path("f"), 0o777), "non-owner: chmod(f)")
		f.perm("f", 0o666)
	}},
	{name: "chmod-sticky-file-non-root", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o644, uidA, gidA)
		a := f.userA()
		a.expect(errno.EFTYPE, a.p.Chmod(f.path("f"), 0o1644), "non-root: chmod(file, S_ISVTX)")
		f.perm("f", 0o644)
	}},
	{name: "chmod-sticky-dir-non-root", needs: needPerm, run: func(f *fixture) {
		f.dirOf("d", 0o755, uidA, gidA)
		a := f.userA()
		a.expect(ok, a.p.Chmod(f.path("d"), 0o1777), "non-root: chmod(own dir, 01777)")
		f.perm("d", 0o1777)
	}},
	{name: "chmod-sticky-file-root", needs: needPerm, run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.expect(ok, f.p.Chmod(f.path("f"), 0o1644), "root: chmod(file, S_ISVTX)")
		f.perm("f", 0o1644)
	}},
	{name: "chmod-setgid-foreign-group", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o644, uidA, gidB) // A is not in gidB
		a := f.userA()
		a.expect(errno.EPERM, a.p.Chmod(f.path("f"), 0o2644), "chmod(S_ISGID) by an owner outside the group")
		f.perm("f", 0o644)
		a.expect(ok, a.p.Chmod(f.path("f"), 0o4644), "chmod(S_ISUID) by the owner")
	}},
	{name: "chmod-setgid-own-group", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o644, uidA, groupS)
		a := f.userA()
		a.expect(ok, a.p.Chmod(f.path("f"), 0o2755), "chmod(S_ISGID) by an owner in the group")
		f.perm("f", 0o2755)
	}},
	{name: "chmod-setgid-effective-group", needs: needPerm, run: func(f *fixture) {
		// POSIX counts the effective group; NetBSD's genfs_can_chmod
		// only the supplementary groups (docs/netbsd-differences.md).
		f.fileOf("f", 0o644, uidA, gidA)
		a := f.userA() // gidA is A's effective group, not a supplementary one
		a.expect(ok, a.p.Chmod(f.path("f"), 0o2644), "chmod(S_ISGID) by an owner whose effective group is the file's")
		f.perm("f", 0o2644)
	}},
	{name: "fchmod", needs: needPerm, run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		f.expect(ok, f.p.Fchmod(fd, 0o604), "fchmod")
		f.perm("f", 0o604)
	}},
	{name: "chown-root", needs: needOwnership, run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.expect(ok, f.p.Chown(f.path("f"), uidA, groupS), "root: chown(f, A, S)")
		st := f.stat("f")
		f.check(st.UID == uidA && st.GID == groupS, "owner %d:%d, want %d:%d", st.UID, st.GID, uidA, groupS)
		f.expect(ok, f.p.Chown(f.path("f"), rump.NoChange, gidB), "root: chown(f, -1, B)")
		st = f.stat("f")
		f.check(st.UID == uidA && st.GID == gidB, "owner after chown(-1, B) %d:%d, want %d:%d", st.UID, st.GID, uidA, gidB)
	}},
	{name: "chown-give-away", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o644, uidA, gidA)
		a := f.userA()
		a.expect(errno.EPERM, a.p.Chown(f.path("f"), uidB, rump.NoChange), "non-root: chown to another user")
		f.check(f.stat("f").UID == uidA, "owner changed")
	}},
	{name: "chown-own-group", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o644, uidA, gidA)
		a := f.userA()
		a.expect(ok, a.p.Chown(f.path("f"), rump.NoChange, groupS), "owner: chgrp to a group of theirs")
		a.expect(ok, a.p.Chown(f.path("f"), uidA, gidA), "owner: chown to themselves")
		f.check(f.stat("f").GID == gidA, "group %d, want %d", f.stat("f").GID, gidA)
	}},
	{name: "chown-foreign-group", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o644, uidA, gidA)
		a := f.userA()
		a.expect(errno.EPERM, a.p.Chown(f.path("f"), rump.NoChange, gidB), "owner: chgrp to a group not theirs")
	}},
	{name: "chown-non-owner", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o666, uidA, groupS)
		b := f.userB()
		b.expect(errno.EPERM, b.p.Chown(f.path("f"), rump.NoChange, groupS), "non-owner: chgrp")
	}},
	{name: "chown-clears-setgid", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o2755, uidA, gidA)
		a := f.userA()
		a.expect(ok, a.p.Chown(f.path("f"), rump.NoChange, groupS), "owner: chgrp of a set-gid file")
		f.perm("f", 0o755)
	}},
	{name: "utimens-non-owner-explicit", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o666, uidA, gidA)
		b := f.userB()
		err := b.p.Utimens(f.path("f"), &[2]rump.Timespec{oldAtime, oldMtime}, false)
		b.expect(errno.EPERM, err, "non-owner: utimens(f, explicit times)")
	}},
	{name: "utimens-non-owner-now-writable", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o666, uidA, gidA)
		f.setTimes("f", oldAtime, oldMtime)
		b := f.userB()
		b.expect(ok, b.p.Utimens(f.path("f"), nil, false), "non-owner with write access: utimens(f, NULL)")
		f.timeAfter("mtime", f.stat("f").Mtime, oldMtime)
	}},
	{name: "utimens-non-owner-now-readonly", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o644, uidA, gidA)
		b := f.userB()
		b.expect(errno.EACCES, b.p.Utimens(f.path("f"), nil, false), "non-owner without write access: utimens(f, NULL)")
	}},
	{name: "utimens-owner-explicit", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o444, uidA, gidA)
		a := f.userA()
		a.expect(ok, a.p.Utimens(f.path("f"), &[2]rump.Timespec{oldAtime, oldMtime}, false), "owner: utimens(0444 file, explicit)")
		f.timeIs("mtime", f.stat("f").Mtime, oldMtime)
	}},
	{name: "sticky-unlink-others", needs: needPerm, run: func(f *fixture) {
		f.dirOf("t", 0o1777, 0, 0)
		f.fileOf("t/a", 0o666, uidA, gidA)
		b := f.userB()
		b.expect(errno.EPERM, b.p.Unlink(f.path("t/a")), "unlink another's file in a sticky directory")
		f.exists("t/a")
	}},
	{name: "sticky-unlink-own", needs: needPerm, run: func(f *fixture) {
		f.dirOf("t", 0o1777, 0, 0)
		f.fileOf("t/a", 0o600, uidA, gidA)
		a := f.userA()
		a.expect(ok, a.p.Unlink(f.path("t/a")), "unlink own file in a sticky directory")
		f.absent("t/a")
	}},
	{name: "sticky-dir-owner", needs: needPerm, run: func(f *fixture) {
		f.dirOf("t", 0o1777, uidB, gidB)
		f.fileOf("t/a", 0o600, uidA, gidA)
		f.dirOf("t/sub", 0o755, uidA, gidA)
		b := f.userB()
		b.expect(ok, b.p.Unlink(f.path("t/a")), "sticky directory's owner: unlink another's file")
		b.expect(ok, b.p.Rmdir(f.path("t/sub")), "sticky directory's owner: rmdir another's directory")
	}},
	{name: "sticky-root", needs: needPerm, run: func(f *fixture) {
		f.dirOf("t", 0o1777, uidB, gidB)
		f.fileOf("t/a", 0o600, uidA, gidA)
		f.expect(ok, f.p.Unlink(f.path("t/a")), "root: unlink in a sticky directory")
	}},
	{name: "sticky-rmdir-others", needs: needPerm, run: func(f *fixture) {
		f.dirOf("t", 0o1777, 0, 0)
		f.dirOf("t/sub", 0o777, uidA, gidA)
		b := f.userB()
		b.expect(errno.EPERM, b.p.Rmdir(f.path("t/sub")), "rmdir another's directory in a sticky directory")
	}},
	{name: "sticky-rename-others", needs: needPerm, run: func(f *fixture) {
		f.dirOf("t", 0o1777, 0, 0)
		f.fileOf("t/a", 0o666, uidA, gidA)
		b := f.userB()
		b.expect(errno.EPERM, b.p.Rename(f.path("t/a"), f.path("t/b")), "rename another's file in a sticky directory")
		f.exists("t/a")
		f.absent("t/b")
	}},
	{name: "sticky-rename-over-others", needs: needPerm, run: func(f *fixture) {
		f.dirOf("t", 0o1777, 0, 0)
		f.fileOf("t/a", 0o666, uidA, gidA)
		f.fileOf("t/b", 0o666, uidB, gidB)
		b := f.userB()
		b.expect(errno.EPERM, b.p.Rename(f.path("t/b"), f.path("t/a")), "rename over another's file in a sticky directory")
		f.exists("t/b")
		a := f.userA()
		a.expect(ok, a.p.Rename(f.path("t/a"), f.path("t/c")), "rename own file in a sticky directory")
	}},
	{name: "rename-dir-needs-write-on-it", needs: needPerm, run: func(f *fixture) {
		// Moving a directory to another parent rewrites its "..".
		f.dirOf("p1", 0o755, uidA, gidA)
		f.dirOf("p2", 0o755, uidA, gidA)
		f.dirOf("p1/d", 0o555, uidA, gidA)
		a := f.userA()
		a.expect(errno.EACCES, a.p.Rename(f.path("p1/d"), f.path("p2/d")), "rename a 0555 directory to another parent")
		a.expect(ok, a.p.Rename(f.path("p1/d"), f.path("p1/e")), "rename a 0555 directory within its parent")
	}},
	{name: "rename-needs-write-on-target-dir", needs: needPerm, run: func(f *fixture) {
		f.dirOf("src", 0o755, uidA, gidA)
		f.dirOf("dst", 0o755, uidB, gidB)
		f.fileOf("src/f", 0o644, uidA, gidA)
		a := f.userA()
		a.expect(errno.EACCES, a.p.Rename(f.path("src/f"), f.path("dst/f")), "rename into a directory without w")
		f.exists("src/f")
	}},
	{name: "existing-before-access", needs: needPerm, run: func(f *fixture) {
		// An existing name is EEXIST and a missing one ENOENT even
		// where the caller could not have made or removed it.
		f.dirOf("d", 0o755, uidA, gidA)
		f.mkfile("d/f", "", 0o644)
		f.mkdir("d/sub", 0o755)
		b := f.userB()
		_, err := b.p.Open(f.path("d/f"), rump.O_WRONLY|rump.O_CREAT|rump.O_EXCL, 0o644)
		b.expect(errno.EEXIST, err, "open(O_CREAT|O_EXCL) of an existing name in a directory without w")
		b.expect(errno.EEXIST, b.p.Mkdir(f.path("d/sub"), 0o755), "mkdir of an existing name in a directory without w")
		b.expect(errno.ENOENT, b.p.Unlink(f.path("d/nope")), "unlink of a missing name in a directory without w")
	}},
	{name: "search-denied-before-missing", needs: needPerm, run: func(f *fixture) {
		f.dirOf("d", 0o700, uidA, gidA)
		b := f.userB()
		_, err := b.p.Stat(f.path("d/nope"))
		b.expect(errno.EACCES, err, "stat of a missing name below a directory without x")
	}},
	{name: "owner-without-write-bit", needs: needPerm, run: func(f *fixture) {
		f.fileOf("f", 0o444, uidA, gidA)
		a := f.userA()
		a.canOpen(errno.EACCES, "f", rump.O_WRONLY)
		a.expect(errno.EACCES, a.p.Truncate(f.path("f"), 0), "owner: truncate(0444 file)")
		a.expect(ok, a.p.Utimens(f.path("f"), nil, false), "owner: utimens(0444 file, NULL)")
		f.canOpen(ok, "f", rump.O_WRONLY)
	}},
	{name: "access-bad-mode", needs: needPerm, run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.expect(errno.EINVAL, f.p.Access(f.path("f"), 8), "access(f, 8)")
	}},
	{name: "mknod-non-root", needs: needPerm | needSpecialFiles, run: func(f *fixture) {
		f.mkdir("pub", 0o777)
		a := f.userA()
		a.expect(errno.EPERM, a.p.Mknod(f.path("pub/c"), rump.S_IFCHR|0o644, 0x0102), "non-root: mknod(S_IFCHR)")
		a.expect(ok, a.p.Mkfifo(f.path("pub/fifo"), 0o644), "non-root: mkfifo")
	}},
}
