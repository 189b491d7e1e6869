package vfstest

import (
	"github.com/gorump/gorump/rump"
)

// ownerCases cover who owns new files: the creating user, and the
// parent directory's group (the BSD rule, whatever the creator's group).
var ownerCases = []testCase{
	{name: "new-file-owner", needs: needOwnership, run: func(f *fixture) {
		f.mkdir("pub", 0o777)
		a := f.userA()
		a.mkfile("pub/f", "", 0o644)
		a.mkdir("pub/d", 0o755)
		st := f.stat("pub/f")
		f.check(st.UID == uidA, "file made by uid %d is owned by %d", uidA, st.UID)
		st = f.stat("pub/d")
		f.check(st.UID == uidA, "directory made by uid %d is owned by %d", uidA, st.UID)
		if !f.caps.NoSymlinks {
			a.symlink("f", "pub/l")
			st = f.lstat("pub/l")
			f.check(st.UID == uidA, "symlink made by uid %d is owned by %d", uidA, st.UID)
		}
	}},
	{name: "gid-from-parent", needs: needOwnership, run: func(f *fixture) {
		f.mkdir("pub", 0o777)
		f.chown("pub", 0, groupS)
		f.nobody().mkfile("pub/f", "", 0o644)
		f.mkfile("pub/g", "", 0o644)
		for _, name := range []string{"pub/f", "pub/g"} {
			st := f.stat(name)
			f.check(st.GID == groupS, "%s: gid %d, want the directory's %d", name, st.GID, groupS)
		}
	}},
	{name: "mkdir-gid-from-parent", needs: needOwnership, run: func(f *fixture) {
		f.mkdir("pub", 0o777)
		f.chown("pub", 0, groupS)
		f.userA().mkdir("pub/d", 0o755)
		f.mkdir("pub/d/e", 0o755)
		f.check(f.stat("pub/d").GID == groupS, "pub/d: gid %d, want %d", f.stat("pub/d").GID, groupS)
		f.check(f.stat("pub/d/e").GID == groupS, "pub/d/e: gid %d, want %d", f.stat("pub/d/e").GID, groupS)
	}},
	{name: "setgid-cleared-outside-group", needs: needOwnership | needPermissions, run: func(f *fixture) {
		// A new file in a group its creator is not in loses S_ISGID.
		f.mkdir("pub", 0o777)
		f.chown("pub", 0, groupS)
		n := f.nobody()
		fd, err := n.p.Open(f.path("pub/f"), rump.O_WRONLY|rump.O_CREAT, 0o2755)
		n.must(err, "create pub/f")
		n.close(fd)
		f.perm("pub/f", 0o755)
		a := f.userA()
		fd, err = a.p.Open(f.path("pub/g"), rump.O_WRONLY|rump.O_CREAT, 0o2755)
		a.must(err, "create pub/g")
		a.close(fd)
		f.perm("pub/g", 0o2755)
	}},
	{name: "lchown-symlink", needs: needOwnership | needSymlinks, run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.symlink("f", "l")
		f.expect(ok, f.p.Lchown(f.path("l"), uidA, gidA), "lchown(symlink)")
		f.check(f.lstat("l").UID == uidA, "symlink owner %d, want %d", f.lstat("l").UID, uidA)
		f.check(f.stat("f").UID == 0, "lchown changed the target's owner to %d", f.stat("f").UID)
		f.expect(ok, f.p.Chown(f.path("l"), uidB, gidB), "chown(symlink)")
		f.check(f.stat("f").UID == uidB, "chown through a symlink: target owner %d, want %d", f.stat("f").UID, uidB)
		f.check(f.lstat("l").UID == uidA, "chown through a symlink changed the link's owner")
	}},
	{name: "fchown", needs: needOwnership, run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		f.expect(ok, f.p.Fchown(fd, uidA, groupS), "fchown")
		st := f.stat("f")
		f.check(st.UID == uidA && st.GID == groupS, "owner %d:%d, want %d:%d", st.UID, st.GID, uidA, groupS)
	}},
	{name: "root-creates-as-root", needs: needOwnership, run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.check(f.stat("f").UID == 0, "root's file is owned by %d", f.stat("f").UID)
	}},
}
