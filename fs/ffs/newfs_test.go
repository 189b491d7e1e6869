package ffs_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/internal/peer"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

func TestNewfsGeometries(t *testing.T) {
	for _, c := range []struct {
		name string
		size int64
		opts ffs.NewfsOptions
	}{
		{"ufs2-default-64m", 64 << 20, ffs.NewfsOptions{}},
		{"ufs1-default-64m", 64 << 20, ffs.NewfsOptions{Version: 1}},
		{"ufs2-be-4k", 16 << 20, ffs.NewfsOptions{BigEndian: true, BlockSize: 4096, FragmentSize: 512}},
		{"ufs1-be-32k", 256 << 20, ffs.NewfsOptions{Version: 1, BigEndian: true, BlockSize: 32768, FragmentSize: 4096}},
		{"ufs2-many-groups", 300 << 20, ffs.NewfsOptions{BlockSize: 4096, FragmentSize: 512}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := disk.NewMem(c.size, 512)
			if err := ffs.Newfs(d, c.opts); err != nil {
				t.Fatal(err)
			}
			assertClean(t, d.Bytes())
			info, err := ffs.Probe(d)
			if err != nil {
				t.Fatal(err)
			}
			if info.UFS2 != (c.opts.Version != 1) || info.BigEndian != c.opts.BigEndian || !info.Clean {
				t.Errorf("probe: %+v", info)
			}
			wantLoc := int64(65536)
			if c.opts.Version == 1 {
				wantLoc = 8192
			}
			if info.Superblock != wantLoc {
				t.Errorf("superblock at %d, want %d", info.Superblock, wantLoc)
			}
			// Mount it read-write in a kernel and use it.
			host := memhost.New(memhost.Options{})
			hf := host.AddFile("img", d.Bytes())
			k, err := rump.Init(rump.Options{Host: host})
			if err != nil {
				t.Fatal(err)
			}
			k.EtfsRegister("/dev/d", "img", rump.EtfsBlk)
			p := k.InitProc()
			p.Mkdir("/mnt", 0o755)
			if err := p.Mount("ffs", "/dev/d", "/mnt", 0, nil); err != nil {
				t.Fatal(err)
			}
			want := writeWorkload(t, p, "/mnt")
			if err := k.Halt(); err != nil {
				t.Fatal(err)
			}
			assertClean(t, hf.Bytes())
			// Read back read-only in a fresh kernel.
			host2 := memhost.New(memhost.Options{})
			host2.AddFile("img", hf.Bytes())
			k2, _ := rump.Init(rump.Options{Host: host2})
			defer k2.Halt()
			k2.EtfsRegister("/dev/d", "img", rump.EtfsBlk)
			p2 := k2.InitProc()
			p2.Mkdir("/mnt", 0o755)
			if err := p2.Mount("ffs", "/dev/d", "/mnt", rump.MNT_RDONLY, nil); err != nil {
				t.Fatal(err)
			}
			for name, data := range want {
				got, err := p2.ReadFile("/mnt/" + name)
				if err != nil || !bytes.Equal(got, data) {
					t.Errorf("%s: %d bytes, %v; want %d bytes", name, len(got), err, len(data))
				}
			}
		})
	}
}

// TestNewfsReadByTSK has The Sleuth Kit read file systems newfs made and
// gorump filled, UFS1 and UFS2 (superblock at 65536), both byte orders.
func TestNewfsReadByTSK(t *testing.T) {
	fsstat := peer.Require(t, "fsstat", "sleuthkit")
	fls := peer.Require(t, "fls", "sleuthkit")
	icat := peer.Require(t, "icat", "sleuthkit")
	for _, opts := range []ffs.NewfsOptions{{Version: 1}, {Version: 2}, {Version: 2, BigEndian: true}} {
		d := disk.NewMem(32<<20, 512)
		if err := ffs.Newfs(d, opts); err != nil {
			t.Fatal(err)
		}
		host := memhost.New(memhost.Options{})
		hf := host.AddFile("img", d.Bytes())
		k, _ := rump.Init(rump.Options{Host: host})
		k.EtfsRegister("/dev/d", "img", rump.EtfsBlk)
		p := k.InitProc()
		p.Mkdir("/mnt", 0o755)
		if err := p.Mount("ffs", "/dev/d", "/mnt", 0, nil); err != nil {
			t.Fatal(err)
		}
		want := writeWorkload(t, p, "/mnt")
		k.Halt()
		path := filepath.Join(t.TempDir(), "img")
		os.WriteFile(path, hf.Bytes(), 0o644)
		out, err := exec.Command(fsstat, "-f", "ufs", path).CombinedOutput()
		if err != nil {
			t.Fatalf("fsstat %+v: %v\n%s", opts, err, out)
		}
		wantType := "UFS 2"
		if opts.Version == 1 {
			wantType = "UFS 1"
		}
		if !strings.Contains(string(out), wantType) {
			t.Errorf("fsstat %+v does not say %s:\n%s", opts, wantType, out)
		}
		tskAgrees(t, fls, icat, path, want)
	}
}

// assertClean fails t unless the checker finds img consistent.
func assertClean(t *testing.T, img []byte) {
	t.Helper()
	r, err := ffs.Check(disk.NewMemFrom(img, 512), ffs.CheckOptions{})
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if !r.Clean() {
		t.Fatalf("the checker finds problems:\n%s", r)
	}
}

// TestNewfsSizeSweep makes file systems of awkward sizes, where the last
// cylinder group ends in a partial block or is barely larger than its
// own metadata, over every block size, both versions and both byte
// orders: every one must check clean, and (but with -short) stay clean
// once filled.
func TestNewfsSizeSweep(t *testing.T) {
	geometries := []struct{ bsize, fsize int64 }{{4096, 512}, {8192, 1024}, {16384, 2048}, {32768, 4096}, {65536, 8192}, {16384, 16384}, {8192, 2048}}
	sizes := []int64{10001 << 10, 20001 << 10, 10240512, 4<<20 + 512, 8<<20 - 512, 33<<20 + 3*512}
	rng := rand.New(rand.NewPCG(8, 2026))
	for range 6 {
		sizes = append(sizes, (2<<20+rng.Int64N(38<<20))&^511)
	}
	if testing.Short() {
		sizes = []int64{10001 << 10, 4<<20 + 512} // the race run in CI
	}
	i := 0
	for _, g := range geometries {
		for _, size := range sizes {
			i++
			opts := ffs.NewfsOptions{Version: 1 + i%2, BigEndian: i%3 == 0, BlockSize: g.bsize, FragmentSize: g.fsize}
			name := fmt.Sprintf("ufs%d-%d-%d-%dB", opts.Version, g.bsize, g.fsize, size)
			t.Run(name, func(t *testing.T) {
				d := disk.NewMem(size, 512)
				if err := ffs.Newfs(d, opts); err != nil {
					if errors.Is(err, errno.ENOSPC) || errors.Is(err, errno.EINVAL) {
						t.Skipf("newfs refuses: %v", err)
					}
					t.Fatal(err)
				}
				assertClean(t, d.Bytes())
				if testing.Short() {
					return
				}
				// Fill it, so allocation reaches the last group, and check
				// what the driver made of it.
				host := memhost.New(memhost.Options{})
				hf := host.AddFile("img", d.Bytes())
				k, err := rump.Init(rump.Options{Host: host})
				if err != nil {
					t.Fatal(err)
				}
				defer k.Halt()
				k.EtfsRegister("/dev/d", "img", rump.EtfsBlk)
				p := k.InitProc()
				p.Mkdir("/mnt", 0o755)
				if err := p.Mount("ffs", "/dev/d", "/mnt", 0, nil); err != nil {
					t.Fatal(err)
				}
				if err := fillUntilFull(t, p, "/mnt/fill"); !errors.Is(err, errno.ENOSPC) {
					t.Fatalf("filling: %v, want ENOSPC", err)
				}
				if err := p.Unmount("/mnt", 0); err != nil {
					t.Fatal(err)
				}
				assertClean(t, hf.Bytes())
			})
		}
	}
}
