package ffs_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gorump/gorump/internal/peer"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
	"github.com/gorump/gorump/vfs/vfstest"
)

// blankImage makes an empty FFS image with Debian's makefs.
func blankImage(t *testing.T, version int, order string, size string) []byte {
	makefs := peer.Require(t, "makefs", "makefs")
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "blank.img")
	out, err := exec.Command(makefs, "-t", "ffs", "-o", fmt.Sprintf("version=%d", version), "-B", order, "-s", size, "-f", "4000", img, empty).CombinedOutput()
	if err != nil {
		t.Fatalf("makefs: %v\n%s", err, out)
	}
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mountImage boots a kernel on the in-memory host with img as a block
// device and mounts it read-write on /mnt.
func mountImage(t *testing.T, img []byte) *rump.Proc {
	t.Helper()
	host := memhost.New(memhost.Options{})
	host.AddFile("ffs.img", img)
	k, err := rump.Init(rump.Options{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := k.Halt(); err != nil {
			t.Errorf("halt: %v", err)
		}
	})
	if err := k.EtfsRegister("/dev/ffs0", "ffs.img", rump.EtfsBlk); err != nil {
		t.Fatal(err)
	}
	p := k.InitProc()
	if err := p.Mkdir("/mnt", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := p.Mount("ffs", "/dev/ffs0", "/mnt", 0, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformance(t *testing.T) {
	for _, v := range []variant{{1, "le"}, {2, "be"}} {
		t.Run(v.String(), func(t *testing.T) {
			img := blankImage(t, v.version, v.order, "32m")
			small := blankImage(t, v.version, v.order, "4m")
			vfstest.Run(t, vfstest.Config{
				New: func(t *testing.T) vfstest.Env {
					return vfstest.Env{Proc: mountImage(t, img), Dir: "/mnt"}
				},
				NewLimited: func(t *testing.T, bytes, inodes int64) vfstest.Env {
					return limitedEnv(t, mountImage(t, small), bytes, inodes)
				},
				Caps: vfstest.Caps{NoBirthtime: v.version == 1},
			})
		})
	}
}

// limitedEnv fills the file system mounted on /mnt until about bytes of
// space and exactly inodes inodes are left (0: leave that one alone), and
// returns an empty directory on it. FFS sizes come in blocks and inode
// tables, so filler files do the limiting.
func limitedEnv(t *testing.T, p *rump.Proc, bytes, inodes int64) vfstest.Env {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(p.Mkdir("/mnt/.fill", 0o755))
	must(p.Mkdir("/mnt/test", 0o777))
	if inodes > 0 {
		for i := 0; ; i++ {
			st, err := p.Statvfs("/mnt")
			must(err)
			if int64(st.Ffree) <= inodes {
				if int64(st.Ffree) < inodes {
					t.Fatalf("only %d inodes free, %d wanted", st.Ffree, inodes)
				}
				break
			}
			must(p.WriteFile(fmt.Sprintf("/mnt/.fill/i%d", i), nil, 0o644))
		}
	}
	if bytes > 0 {
		st, err := p.Statvfs("/mnt")
		must(err)
		free := int64(st.Bfree * st.Frsize)
		if extra := free - bytes; extra > 0 {
			// Leave the limit in whole blocks: what FFS allocates.
			extra = (extra + int64(st.Bsize) - 1) / int64(st.Bsize) * int64(st.Bsize)
			must(p.WriteFile("/mnt/.fill/space", make([]byte, extra), 0o644))
		}
	}
	return vfstest.Env{Proc: p, Dir: "/mnt/test"}
}
