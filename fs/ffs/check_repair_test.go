package ffs

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser/memhost"
	"github.com/gorump/gorump/vfs"
)

// testKernel boots a kernel on the in-memory host, for read-write
// mounts through New.
func testKernel(t testing.TB) *kern.Kernel {
	t.Helper()
	k, err := kern.Boot(kern.Config{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Halt() })
	return k
}

// nodeAt returns the node at path, following entries from the root.
func nodeAt(f vfs.FileSystem, path string) (vfs.Node, error) {
	n, err := f.Vget(f.Root())
	if err != nil {
		return nil, err
	}
	for _, name := range strings.Split(path, "/") {
		if name == "" {
			continue
		}
		ino, err := n.Lookup(name)
		if err != nil {
			return nil, err
		}
		if n, err = f.Vget(ino); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// describe returns what is at path: a file's contents, a symlink's
// target, or "dir".
func describe(f vfs.FileSystem, path string) (string, error) {
	n, err := nodeAt(f, path)
	if err != nil {
		return "", err
	}
	a, err := n.Attr()
	if err != nil {
		return "", err
	}
	switch a.Type {
	case vfs.VDIR:
		return "dir", nil
	case vfs.VLNK:
		s, err := n.Readlink()
		return "-> " + s, err
	}
	buf := make([]byte, a.Size)
	if _, err := n.Read(buf, 0); err != nil {
		return "", err
	}
	return string(buf), nil
}

var smallTreePaths = []string{"a", "link", "longlink", "dir", "dir/hard", "dir/big", "dir/sub"}

// assertRepaired checks the result of a repair of md: the report says
// it succeeded and gives every problem a fix; a new check finds nothing
// and the file system marked clean; the driver mounts it read-write and
// what it then writes checks clean too.
func assertRepaired(t *testing.T, k *kern.Kernel, md *disk.MemDisk, r *CheckReport) {
	t.Helper()
	if !r.Repaired {
		t.Fatalf("not repaired:\n%s", r)
	}
	for _, p := range r.Problems {
		if p.Fix == "" {
			t.Errorf("no fix for: %s", p)
		}
	}
	again, err := Check(md, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Clean() || !again.MarkedClean {
		t.Fatalf("after the repair (marked clean: %v):\n%s\nthe repair said:\n%s", again.MarkedClean, again, r)
	}
	v, err := New(k, md, false)
	if err != nil {
		t.Fatalf("read-write mount after the repair: %v", err)
	}
	root, err := v.Vget(v.Root())
	if err != nil {
		t.Fatal(err)
	}
	c, err := root.Create("after-repair", &vfs.NewNode{Type: vfs.VREG, Mode: 0o644})
	if err != nil {
		t.Fatalf("create after the repair: %v", err)
	}
	if _, err := c.Write(bytes.Repeat([]byte("z"), 10000), 0); err != nil {
		t.Fatal(err)
	}
	if err := v.Unmount(); err != nil {
		t.Fatal(err)
	}
	if after, err := Check(md, CheckOptions{}); err != nil || !after.Clean() || !after.MarkedClean {
		t.Fatalf("after writing to the repaired file system: %v\n%s", err, after)
	}
}

// TestCheckRepairsDamage repairs every damage of TestCheckFindsDamage on
// every base image: the repair must succeed (the geometry excepted, which
// it refuses to touch), answer the damage, and keep every path of the
// tree the damage did not take.
func TestCheckRepairsDamage(t *testing.T) {
	k := testKernel(t)
	for base, img := range damageBases(t) {
		pristine, err := New(nil, disk.NewMemFrom(img, 512), true)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range damageCases() {
			t.Run(base+"/"+tc.name, func(t *testing.T) {
				d := newDamage(t, img)
				tc.damage(d)
				md := disk.NewMemFrom(d.img, 512)
				r, err := Check(md, CheckOptions{Repair: true})
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s", r)
				if tc.want.kind == BadGeometry {
					// Nothing changes but the clean flag, which a repair
					// that failed clears.
					want := bytes.Clone(d.img)
					want[d.sb.loc+209] = 0
					if r.Repaired || r.Modified || !bytes.Equal(md.Bytes(), want) {
						t.Errorf("a repair with an untrustworthy geometry changed the image, or left it marked clean")
					}
					return
				}
				found := slices.ContainsFunc(r.Problems, func(p Problem) bool { return tc.want.match(d, p) && p.Fix != "" })
				if !found {
					t.Errorf("no fixed %s problem of kind %d", tc.want.phase, tc.want.kind)
				}
				assertRepaired(t, k, md, r)
				got, err := New(nil, md, true)
				if err != nil {
					t.Fatal(err)
				}
				for _, path := range smallTreePaths {
					if slices.Contains(tc.lost, path) {
						continue
					}
					want, _ := describe(pristine, path)
					if s, err := describe(got, path); err != nil || s != want {
						t.Errorf("%s: %.20q, %v after the repair; want %.20q", path, s, err, want)
					}
				}
			})
		}
	}
}

// TestCheckRepairReconnects checks where a repair puts what it
// reconnects: a dangling directory and an unreferenced file go to a new
// lost+found as "#inode", with their contents.
func TestCheckRepairReconnects(t *testing.T) {
	k := testKernel(t)
	img := loadImage(t, "small-ufs2.img.gz")
	pristine, err := New(nil, disk.NewMemFrom(img, 512), true)
	if err != nil {
		t.Fatal(err)
	}
	big, _ := describe(pristine, "dir/big")
	d := newDamage(t, img)
	sub, long := d.ino("dir/sub"), d.ino("longlink")
	d.put32(d.entry("dir", "sub"), 0)
	d.put32(d.entry("/", "longlink"), 0)
	md := disk.NewMemFrom(d.img, 512)
	r, err := Check(md, CheckOptions{Repair: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", r)
	assertRepaired(t, k, md, r)
	got, err := New(nil, md, true)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		fmt.Sprintf("lost+found/#%d", sub):  "dir",
		fmt.Sprintf("lost+found/#%d", long): "-> " + strings.Repeat("x", 100),
		"dir/big":                           big,
	} {
		if s, err := describe(got, path); err != nil || s != want {
			t.Errorf("%s: %.30q, %v; want %.30q", path, s, err, want)
		}
	}
	n, err := nodeAt(got, fmt.Sprintf("lost+found/#%d", sub))
	if err != nil {
		t.Fatal(err)
	}
	if dotdot, err := n.Lookup(".."); err != nil || int64(dotdot) != mustIno(t, got, "lost+found") {
		t.Errorf("the reconnected directory's '..' is %d, %v", dotdot, err)
	}
}

func mustIno(t *testing.T, f vfs.FileSystem, path string) int64 {
	t.Helper()
	n, err := nodeAt(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return int64(n.Ino())
}

// buildImage makes a file system with Newfs and fills it through the
// driver: fill gets the root directory.
func buildImage(t testing.TB, k *kern.Kernel, size int64, opts NewfsOptions, fill func(root vfs.Node)) *disk.MemDisk {
	t.Helper()
	md := disk.NewMem(size, 512)
	if err := Newfs(md, opts); err != nil {
		t.Fatal(err)
	}
	v, err := New(k, md, false)
	if err != nil {
		t.Fatal(err)
	}
	root, err := v.Vget(v.Root())
	if err != nil {
		t.Fatal(err)
	}
	fill(root)
	if err := v.Unmount(); err != nil {
		t.Fatal(err)
	}
	return md
}

// TestCheckRepairLostFoundGrows wipes the record headers of a directory
// of 400 files: the repair empties its chunks, rebuilds "." and "..",
// and reconnects every file into lost+found, which grows over fragments
// and blocks to hold them.
func TestCheckRepairLostFoundGrows(t *testing.T) {
	k := testKernel(t)
	for _, opts := range []NewfsOptions{
		{BlockSize: 4096, FragmentSize: 512},
		{Version: 1, BigEndian: true, BlockSize: 8192, FragmentSize: 1024},
	} {
		t.Run(fmt.Sprintf("ufs%d-%d", max(opts.Version, 2)%3, opts.BlockSize), func(t *testing.T) {
			const nfiles = 400
			md := buildImage(t, k, 8<<20, opts, func(root vfs.Node) {
				d, err := root.Mkdir("d", &vfs.NewNode{Mode: 0o755})
				if err != nil {
					t.Fatal(err)
				}
				for i := range nfiles {
					c, err := d.Create(fmt.Sprintf("file-with-a-longish-name-%03d", i), &vfs.NewNode{Type: vfs.VREG, Mode: 0o644})
					if err != nil {
						t.Fatal(err)
					}
					if _, err := c.Write([]byte(fmt.Sprint(i)), 0); err != nil {
						t.Fatal(err)
					}
				}
			})
			dmg := newDamage(t, md.Bytes())
			dir := dmg.node("d")
			for off := int64(0); off < dir.ip.size; off += dirBlockSize {
				addr, err := dmg.fs.bmap(dir.ip, off>>dmg.sb.bshift)
				if err != nil {
					t.Fatal(err)
				}
				clear(dmg.img[addr<<dmg.sb.fshift+off&(dmg.sb.bsize-1):][:8])
			}
			md = disk.NewMemFrom(dmg.img, 512)
			r, err := Check(md, CheckOptions{Repair: true, MaxProblems: 50})
			if err != nil {
				t.Fatal(err)
			}
			if !r.Repaired {
				t.Fatalf("not repaired:\n%s", r)
			}
			if again, err := Check(md, CheckOptions{}); err != nil || !again.Clean() {
				t.Fatalf("after the repair: %v\n%s", err, again)
			}
			got, err := New(nil, md, true)
			if err != nil {
				t.Fatal(err)
			}
			lf, err := nodeAt(got, "lost+found")
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			err = lf.ReadDir(0, func(e vfs.Dirent) bool {
				if e.Name != "." && e.Name != ".." {
					s, err := describe(got, "lost+found/"+e.Name)
					if err != nil {
						t.Errorf("%s: %v", e.Name, err)
					}
					seen[s] = true
				}
				return true
			})
			if err != nil {
				t.Fatal(err)
			}
			for i := range nfiles {
				if !seen[fmt.Sprint(i)] {
					t.Errorf("file %d is not in lost+found", i)
				}
			}
			if s, err := describe(got, "d"); err != nil || s != "dir" {
				t.Errorf("d: %q, %v", s, err)
			}
		})
	}
}

// TestCheckRepairMarksClean checks the clean flag: a consistent file
// system not marked clean is marked so without other change, and one
// marked clean is left alone.
func TestCheckRepairMarksClean(t *testing.T) {
	img := loadImage(t, "small-ufs1.img.gz")
	md := disk.NewMemFrom(img, 512)
	r, err := Check(md, CheckOptions{Repair: true})
	if err != nil || !r.Repaired || r.Modified || len(r.Problems) != 0 {
		t.Fatalf("clean image: %v\n%s", err, r)
	}
	sb, _ := readSuperblock(md)
	dirty := bytes.Clone(img)
	dirty[sb.loc+209] = 0
	md = disk.NewMemFrom(dirty, 512)
	r, err = Check(md, CheckOptions{Repair: true})
	if err != nil || !r.Repaired || !r.Modified || len(r.Problems) != 0 || r.MarkedClean {
		t.Fatalf("image not marked clean: %v\n%+v", err, r)
	}
	if !bytes.Equal(md.Bytes(), img) {
		t.Error("marking the image clean changed more than the clean flag")
	}
	ro := disk.NewMemFrom(dirty, 512)
	ro.SetReadOnly(true)
	if _, err := Check(ro, CheckOptions{Repair: true}); !errors.Is(err, errno.EROFS) {
		t.Errorf("repair of a read-only disk: %v, want EROFS", err)
	}
}

// TestCheckRepairIOError makes the n-th write of a repair fail, for
// every n: the repair must return the error, leave the file system
// marked not clean (or untouched), and a repair without failures must
// then finish the job.
func TestCheckRepairIOError(t *testing.T) {
	k := testKernel(t)
	d := newDamage(t, loadImage(t, "small-ufs2.img.gz"))
	d.put16(d.entry("dir", "hard")+4, 6)                     // malformed entry
	d.putPtr(d.ino("a"), 0, d.node("dir/big").ip.db[0])      // shared block
	d.put32(d.cg(0)+cgOffCs+4, d.get32(d.cg(0)+cgOffCs+4)-1) // cg counts
	for n := 0; ; n++ {
		md := disk.NewMemFrom(d.img, 512)
		writes := 0
		md.FailWhen(func(op disk.Op, _ int) bool {
			if op != disk.OpWrite {
				return false
			}
			writes++
			return writes > n
		})
		r, err := Check(md, CheckOptions{Repair: true})
		md.FailWhen(nil)
		if err == nil {
			if !r.Repaired {
				t.Fatalf("%d writes: not repaired:\n%s", n, r)
			}
			if n == 0 {
				t.Fatal("a repair that could not write succeeded")
			}
			t.Logf("a repair takes %d writes", writes)
			break
		}
		if info, perr := Probe(md); perr != nil || (info.Clean && !bytes.Equal(md.Bytes(), d.img)) {
			t.Fatalf("after the write %d failed: %v; the image is changed and marked clean", n+1, perr)
		}
		r, err = Check(md, CheckOptions{Repair: true})
		if err != nil {
			t.Fatalf("rerun after the write %d failed: %v", n+1, err)
		}
		assertRepaired(t, k, md, r)
		if n > 200 {
			t.Fatal("a repair of three damages takes more than 200 writes")
		}
	}
}

// FuzzRepair patches bytes of the small images anywhere and repairs
// them: the repair must never panic or hang, and what it says it
// repaired must check clean and mount read-write.
func FuzzRepair(f *testing.F) {
	imgs := [][]byte{loadImage(f, "small-ufs1.img.gz"), loadImage(f, "small-ufs2.img.gz")}
	f.Add(false, uint32(8192+48), []byte{0, 0x20})
	f.Add(true, uint32(48*512+96), []byte{0xff, 0x7f})                       // cg_freeoff
	f.Add(true, uint32(48*512+120), []byte{0xff, 0xff})                      // cg_initediblk
	f.Add(false, uint32(56*512+2*128+40), bytes.Repeat([]byte{0x41}, 60))    // the root's pointers
	f.Add(true, uint32(56*512+8*256+208), []byte{0x40, 0, 0, 0, 0, 0, 0, 0}) // an indirect pointer
	f.Add(false, uint32(65*512), bytes.Repeat([]byte{0xff}, 16))             // the root directory
	f.Add(true, uint32(56*512+2*256), []byte{0, 0x80})                       // the root's mode
	k := testKernel(f)
	f.Fuzz(func(t *testing.T, ufs2 bool, at uint32, patch []byte) {
		base := imgs[0]
		if ufs2 {
			base = imgs[1]
		}
		img := bytes.Clone(base)
		copy(img[int(at)%len(img):], patch)
		repairFuzzed(t, k, img)
	})
}

// repairFuzzed repairs a damaged image: the repair must not panic or
// hang, and what it says it repaired must check clean and mount.
func repairFuzzed(t *testing.T, k *kern.Kernel, img []byte) {
	withDeadlineAfter(t, 10*time.Second, "repairing the image", func() {
		md := disk.NewMemFrom(img, 512)
		r, err := Check(md, CheckOptions{Repair: true})
		if err != nil || !r.Repaired {
			return
		}
		again, err := Check(md, CheckOptions{})
		if err != nil || !again.Clean() {
			t.Errorf("repaired, but a check finds: %v\n%s\nthe repair:\n%s", err, again, r)
			return
		}
		// Journals, soft dependencies and unknown features keep the
		// driver to read-only mounts, repaired or not.
		sb, _ := readSuperblock(md)
		readOnly := sb.flags&(fsDoWAPBL|fsDoSoftDep|^knownFlags) != 0
		v, err := New(k, md, readOnly)
		if err != nil {
			t.Errorf("repaired, but the driver refuses the image (read-only %v): %v", readOnly, err)
			return
		}
		walkAll(v)
		if err := v.Unmount(); err != nil {
			t.Errorf("unmount: %v", err)
		}
	})
}

// treeImage builds a small image through the driver with a bit of
// everything: nested directories, files from empty to past the single
// indirect block, short and long symlinks, hard links and a device.
func treeImage(t testing.TB, k *kern.Kernel, opts NewfsOptions) []byte {
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	md := buildImage(t, k, 1<<20, opts, func(root vfs.Node) {
		dir := root
		for depth := range 3 {
			d, err := dir.Mkdir(fmt.Sprintf("d%d", depth), &vfs.NewNode{Mode: 0o755})
			must(err)
			for i, size := range []int{0, 10, 600, 5000, 60000} {
				c, err := d.Create(fmt.Sprintf("f%d", i), &vfs.NewNode{Type: vfs.VREG, Mode: 0o644})
				must(err)
				if size > 0 {
					_, err = c.Write(bytes.Repeat([]byte{byte('a' + i)}, size), 0)
					must(err)
				}
				if i == 2 {
					must(dir.Link(fmt.Sprintf("hard%d", depth), c))
				}
			}
			_, err = d.Symlink("s", "f1", &vfs.NewNode{Mode: 0o777})
			must(err)
			_, err = d.Symlink("long", strings.Repeat("x/", 80), &vfs.NewNode{Mode: 0o777})
			must(err)
			dir = d
		}
		_, err := root.Create("dev", &vfs.NewNode{Type: vfs.VCHR, Mode: 0o600, Rdev: 0x0102})
		must(err)
	})
	return md.Bytes()
}

// FuzzRepairTree damages an image the driver wrote, in two places, and
// repairs it, as FuzzRepair does with the makefs images.
func FuzzRepairTree(f *testing.F) {
	k := testKernel(f)
	imgs := [][]byte{treeImage(f, k, NewfsOptions{BlockSize: 4096, FragmentSize: 512}),
		treeImage(f, k, NewfsOptions{Version: 1, BigEndian: true, BlockSize: 4096, FragmentSize: 1024})}
	f.Add(false, uint32(0x11000), []byte{0}, uint32(0x12000), []byte{0xff})
	f.Add(true, uint32(0x2000+52), []byte{1, 2, 3}, uint32(0), []byte{})
	f.Fuzz(func(t *testing.T, ufs1 bool, at1 uint32, patch1 []byte, at2 uint32, patch2 []byte) {
		base := imgs[0]
		if ufs1 {
			base = imgs[1]
		}
		img := bytes.Clone(base)
		copy(img[int(at1)%len(img):], patch1)
		copy(img[int(at2)%len(img):], patch2)
		repairFuzzed(t, k, img)
	})
}

// TestCheckRepairSharedBlocks points a block pointer of one file at a
// block of another, a direct and an indirect one: fsck_ffs would clear
// both; the repair must keep the file whose blocks they are intact, and
// give the other a copy.
func TestCheckRepairSharedBlocks(t *testing.T) {
	k := testKernel(t)
	for _, tc := range []struct {
		name     string
		from, to string // the pointer of to takes from's
		slot     int
	}{
		{"direct", "d0/f4", "d0/f3", 0},
		{"indirect", "d0/f4", "d0/d1/f4", ndaddr},
		{"data-as-indirect", "d0/f3", "d0/d1/f4", ndaddr},
		{"itself", "d0/f4", "d0/f4", 1},
		{"indirect-as-data", "d0/f4", "d0/f1", 0}, // what lies under the shared indirect block must not be taken for free
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := treeImage(t, k, NewfsOptions{BlockSize: 4096, FragmentSize: 512})
			d := newDamage(t, img)
			from, to := d.node(tc.from), d.node(tc.to)
			v := from.ip.db[0]
			if tc.slot >= ndaddr || tc.name == "indirect-as-data" {
				v = from.ip.ib[0]
				if tc.name == "data-as-indirect" {
					v = from.ip.db[0]
				}
			}
			d.putPtr(to.ino, tc.slot, v)
			md := disk.NewMemFrom(d.img, 512)
			r, err := Check(md, CheckOptions{Repair: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s", r)
			assertRepaired(t, k, md, r)
			pristine, err := New(nil, disk.NewMemFrom(img, 512), true)
			if err != nil {
				t.Fatal(err)
			}
			got, err := New(nil, md, true)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := describe(pristine, tc.from)
			if s, err := describe(got, tc.from); err != nil || s != want {
				t.Errorf("%s, whose block was shared: %.20q, %v after the repair; want %.20q", tc.from, s, err, want)
			}
		})
	}
}
