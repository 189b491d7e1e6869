package tmpfs_test

import (
	"strconv"
	"testing"

	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/memhost"
	"github.com/gorump/gorump/rumpuser/posix"
	"github.com/gorump/gorump/vfs/vfstest"
)

// boot starts a kernel on host with opts and halts it when t ends.
func boot(t *testing.T, host rumpuser.Host, opts rump.Options) *rump.Proc {
	t.Helper()
	opts.Host = host
	k, err := rump.Init(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := k.Halt(); err != nil {
			t.Errorf("halt: %v", err)
		}
	})
	return k.InitProc()
}

// mkdir makes dir as p or fails t.
func mkdir(t *testing.T, p *rump.Proc, dir string) {
	t.Helper()
	if err := p.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestConformance runs vfstest on tmpfs as the root file system of a
// kernel on the in-memory host, limited through the root's own size and
// inode options.
func TestConformance(t *testing.T) {
	newHost := func() rumpuser.Host { return memhost.New(memhost.Options{}) }
	vfstest.Run(t, vfstest.Config{
		New: func(t *testing.T) vfstest.Env {
			p := boot(t, newHost(), rump.Options{})
			mkdir(t, p, "/test")
			return vfstest.Env{Proc: p, Dir: "/test"}
		},
		NewLimited: func(t *testing.T, bytes, inodes int64) vfstest.Env {
			p := boot(t, newHost(), rump.Options{RootSize: bytes, RootInodes: inodes})
			mkdir(t, p, "/test")
			return vfstest.Env{Proc: p, Dir: "/test"}
		},
	})
}

// TestConformancePOSIX runs vfstest on a tmpfs mounted below the root of
// a kernel on the POSIX host, limited through the mount's options.
func TestConformancePOSIX(t *testing.T) {
	mount := func(t *testing.T, opts map[string]string) vfstest.Env {
		p := boot(t, posix.New(), rump.Options{})
		mkdir(t, p, "/mnt")
		if err := p.Mount("tmpfs", "", "/mnt", 0, opts); err != nil {
			t.Fatal(err)
		}
		return vfstest.Env{Proc: p, Dir: "/mnt"}
	}
	vfstest.Run(t, vfstest.Config{
		New: func(t *testing.T) vfstest.Env { return mount(t, nil) },
		NewLimited: func(t *testing.T, bytes, inodes int64) vfstest.Env {
			opts := map[string]string{}
			if bytes > 0 {
				opts["size"] = strconv.FormatInt(bytes, 10)
			}
			if inodes > 0 {
				opts["inodes"] = strconv.FormatInt(inodes, 10)
			}
			return mount(t, opts)
		},
	})
}
