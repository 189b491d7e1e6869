package rump_test

import (
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

func boot(t testing.TB) *rump.Kernel {
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
	return k
}

func TestSmoke(t *testing.T) {
	k := boot(t)
	p := k.InitProc()
	if err := p.Mkdir("/a", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteFile("/a/f", []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := p.ReadFile("/a/f")
	if err != nil || string(b) != "hello" {
		t.Fatalf("read back %q, %v", b, err)
	}
	_, err = p.Stat("/nope")
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, errno.ENOENT) {
		t.Fatalf("stat missing: %v", err)
	}
	if err := p.Symlink("f", "/a/l"); err != nil {
		t.Fatal(err)
	}
	if err := p.Rename("/a/f", "/a/g"); err != nil {
		t.Fatal(err)
	}
	if err := p.Link("/a/g", "/a/h"); err != nil {
		t.Fatal(err)
	}
}

func TestFSTest(t *testing.T) {
	k := boot(t)
	p := k.InitProc()
	p.Mkdir("/d", 0o755)
	p.Mkdir("/d/sub", 0o755)
	p.WriteFile("/d/one", []byte("one"), 0o644)
	p.WriteFile("/d/sub/two", []byte("two two"), 0o600)
	p.Symlink("one", "/d/link")
	fsys, err := fs.Sub(k.FS(), "d")
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(fsys, "one", "sub/two", "sub"); err != nil {
		t.Fatal(err)
	}
}

// TestAtErrors checks that the *at methods report as the other path
// methods do: a *fs.PathError naming the call and the path, around the
// NetBSD errno.
func TestAtErrors(t *testing.T) {
	k := boot(t)
	p := k.InitProc()
	if err := p.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	dfd, err := p.Open("/d", rump.O_RDONLY|rump.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Mkdirat(dfd, "sub", 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = p.Fstatat(dfd, "nope", 0)
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Op != "fstatat" || pe.Path != "nope" || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("fstatat(d, nope) = %v; want a PathError for fstatat of nope, not found", err)
	}
	if err := p.Unlinkat(dfd+100, "sub", rump.AT_REMOVEDIR); !errors.Is(err, errno.EBADF) {
		t.Errorf("unlinkat(closed descriptor) = %v; want EBADF", err)
	}
	if err := p.Unlinkat(dfd, "sub", rump.AT_REMOVEDIR); err != nil {
		t.Errorf("unlinkat(d, sub, AT_REMOVEDIR) = %v", err)
	}
}
