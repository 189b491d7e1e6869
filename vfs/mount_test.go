package vfs_test

import (
	"errors"
	"testing"

	_ "github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

func bootKernel(t *testing.T) (*rump.Kernel, *rump.Proc) {
	t.Helper()
	k, err := rump.Init(rump.Options{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := k.Halt(); err != nil {
			t.Errorf("halt: %v", err)
		}
	})
	return k, k.InitProc()
}

func wantErr(t *testing.T, what string, err error, want errno.Errno) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %s", what, err, want.Name())
	}
}

func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestMountCrossingAndDotDot(t *testing.T) {
	_, p := bootKernel(t)
	ok(t, "mkdir", p.Mkdir("/mnt", 0o755))
	ok(t, "hidden file", p.WriteFile("/mnt/hidden", []byte("under"), 0o644))
	ok(t, "mount", p.Mount("tmpfs", "", "/mnt", 0, nil))
	_, err := p.Stat("/mnt/hidden")
	wantErr(t, "covered file", err, errno.ENOENT)
	ok(t, "mkdir inside", p.Mkdir("/mnt/sub", 0o755))
	root, _ := p.Stat("/")
	up, err := p.Stat("/mnt/sub/../..")
	ok(t, "stat ../..", err)
	if up.Ino != root.Ino || up.Dev != root.Dev {
		t.Errorf("/mnt/sub/../.. is %d/%d, / is %d/%d", up.Dev, up.Ino, root.Dev, root.Ino)
	}
	mnt, _ := p.Stat("/mnt")
	if mnt.Dev == root.Dev {
		t.Error("the mount has the root's device number")
	}
	ok(t, "chdir", p.Chdir("/mnt/sub"))
	cwd, err := p.Getcwd()
	if err != nil || cwd != "/mnt/sub" {
		t.Errorf("getcwd %q, %v", cwd, err)
	}
	wantErr(t, "unmount with cwd inside", p.Unmount("/mnt", 0), errno.EBUSY)
	ok(t, "chdir /", p.Chdir("/"))
	wantErr(t, "rename across mounts", p.Rename("/mnt/sub", "/sub"), errno.EXDEV)
	ok(t, "file", p.WriteFile("/mnt/f", nil, 0o644))
	wantErr(t, "link across mounts", p.Link("/mnt/f", "/f"), errno.EXDEV)
	wantErr(t, "rmdir a mount point", p.Rmdir("/mnt"), errno.EBUSY)
	st, err := p.Statvfs("/mnt/sub")
	if err != nil || st.OnName != "/mnt" || st.FSType != "tmpfs" {
		t.Errorf("statvfs: %+v %v", st, err)
	}
	ok(t, "unmount", p.Unmount("/mnt", 0))
	b, err := p.ReadFile("/mnt/hidden")
	if err != nil || string(b) != "under" {
		t.Errorf("file under the mount point after unmount: %q %v", b, err)
	}
}

func TestMountErrors(t *testing.T) {
	k, p := bootKernel(t)
	ok(t, "mkdir", p.Mkdir("/m", 0o755))
	ok(t, "file", p.WriteFile("/file", nil, 0o644))
	wantErr(t, "mount on a file", p.Mount("tmpfs", "", "/file", 0, nil), errno.ENOTDIR)
	wantErr(t, "unknown type", p.Mount("nosuchfs", "", "/m", 0, nil), errno.EOPNOTSUPP)
	ok(t, "tmpfs takes its source as a label", p.Mount("tmpfs", "tmpfs", "/m", 0, nil))
	ok(t, "unmount", p.Unmount("/m", 0))
	wantErr(t, "ffs without a device", p.Mount("ffs", "", "/m", 0, nil), errno.ENOTBLK)
	wantErr(t, "ffs on a missing device", p.Mount("ffs", "/dev/none", "/m", 0, nil), errno.ENOENT)
	wantErr(t, "ffs on a plain file", p.Mount("ffs", "/file", "/m", 0, nil), errno.ENOTBLK)
	ok(t, "mount", p.Mount("tmpfs", "", "/m", 0, nil))
	wantErr(t, "mount twice", p.Mount("tmpfs", "", "/m", 0, nil), errno.EBUSY)
	wantErr(t, "unmount /", p.Unmount("/", 0), errno.EBUSY)
	ok(t, "mkdir inside", p.Mkdir("/m/d", 0o755))
	wantErr(t, "unmount a plain directory", p.Unmount("/m/d", 0), errno.EINVAL)
	user, err := k.NewProc()
	ok(t, "proc", err)
	ok(t, "setcred", user.SetCred(5, 5))
	wantErr(t, "mount as a user", user.Mount("tmpfs", "", "/m/d", 0, nil), errno.EPERM)
	wantErr(t, "unmount as a user", user.Unmount("/m", 0), errno.EPERM)
	// A submount keeps its parent busy.
	ok(t, "submount", p.Mount("tmpfs", "", "/m/d", 0, nil))
	wantErr(t, "unmount under a submount", p.Unmount("/m", 0), errno.EBUSY)
	ok(t, "unmount submount", p.Unmount("/m/d", 0))
	// An open file keeps it busy unless forced.
	fd, err := p.Open("/m/x", rump.O_CREAT|rump.O_RDWR, 0o644)
	ok(t, "open", err)
	wantErr(t, "unmount with an open file", p.Unmount("/m", 0), errno.EBUSY)
	ok(t, "forced unmount", p.Unmount("/m", rump.MNT_FORCE))
	_, err = p.Write(fd, []byte("still works"))
	ok(t, "write to a file of a forced unmount", err)
	ok(t, "close", p.Close(fd))
	if n := len(k.Mounts()); n != 1 {
		t.Errorf("%d mounts left, want 1", n)
	}
}

func TestReadOnlyMount(t *testing.T) {
	_, p := bootKernel(t)
	ok(t, "mkdir", p.Mkdir("/ro", 0o755))
	ok(t, "mount", p.Mount("tmpfs", "", "/ro", rump.MNT_RDONLY, nil))
	_, err := p.Open("/ro/f", rump.O_CREAT|rump.O_WRONLY, 0o644)
	wantErr(t, "create on a read-only mount", err, errno.EROFS)
	wantErr(t, "mkdir on a read-only mount", p.Mkdir("/ro/d", 0o755), errno.EROFS)
	wantErr(t, "chmod on a read-only mount", p.Chmod("/ro", 0o700), errno.EROFS)
}

func TestChrootConfinesDotDot(t *testing.T) {
	_, p := bootKernel(t)
	ok(t, "mkdir", p.Mkdir("/jail", 0o755))
	ok(t, "mkdir", p.Mkdir("/jail/in", 0o755))
	ok(t, "secret", p.WriteFile("/secret", []byte("x"), 0o600))
	c, err := p.Fork(rump.ForkCopyFD)
	ok(t, "fork", err)
	ok(t, "chroot", c.Chroot("/jail"))
	ok(t, "chdir", c.Chdir("/in"))
	_, err = c.Stat("/../../secret")
	wantErr(t, "escape by ..", err, errno.ENOENT)
	_, err = c.Stat("../../../secret")
	wantErr(t, "escape by relative ..", err, errno.ENOENT)
	cwd, err := c.Getcwd()
	if err != nil || cwd != "/in" {
		t.Errorf("getcwd in a chroot: %q %v", cwd, err)
	}
	if _, err := p.Stat("/jail/in"); err != nil {
		t.Error("the parent is affected by the child's chroot")
	}
}

func TestNulInPath(t *testing.T) {
	_, p := bootKernel(t)
	err := p.WriteFile("/a\x00b", nil, 0o644)
	wantErr(t, "create with a NUL in the name", err, errno.EINVAL)
	wantErr(t, "symlink to a target with a NUL", p.Symlink("x\x00y", "/l"), errno.EINVAL)
	if _, err := p.Stat("/a"); !errors.Is(err, errno.ENOENT) {
		t.Errorf("a NUL cut the name short: %v", err)
	}
}
