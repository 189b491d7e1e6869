package ffs

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/internal/peer"
)

// A corruptible image: the pristine image mounted read-only to find
// things by path, and a copy to damage.
type damage struct {
	t    *testing.T
	img  []byte // the copy being damaged
	fs   *fsys  // the pristine image
	sb   *superblock
	root *node
}

func newDamage(t *testing.T, pristine []byte) *damage {
	t.Helper()
	v, err := New(nil, disk.NewMemFrom(pristine, 512), true)
	if err != nil {
		t.Fatal(err)
	}
	f := v.(*fsys)
	root, err := f.Vget(rootIno)
	if err != nil {
		t.Fatal(err)
	}
	return &damage{t: t, img: bytes.Clone(pristine), fs: f, sb: f.sb, root: root.(*node)}
}

// node returns the pristine inode at path.
func (d *damage) node(path string) *node {
	d.t.Helper()
	n := d.root
	for _, name := range strings.Split(path, "/") {
		if name == "" {
			continue
		}
		ino, err := n.Lookup(name)
		if err != nil {
			d.t.Fatalf("%s: %v", path, err)
		}
		v, err := d.fs.Vget(ino)
		if err != nil {
			d.t.Fatalf("%s: %v", path, err)
		}
		n = v.(*node)
	}
	return n
}

func (d *damage) ino(path string) int64 { return d.node(path).ino }

// entry returns the byte address in the image of the entry name in the
// directory at dir.
func (d *damage) entry(dir, name string) int64 {
	d.t.Helper()
	n := d.node(dir)
	at := int64(-1)
	if err := n.forEachEntry(0, func(e dirent) bool {
		if e.name == name {
			at = e.off
		}
		return at < 0
	}); err != nil || at < 0 {
		d.t.Fatalf("%s/%s: not found (%v)", dir, name, err)
	}
	addr, err := d.fs.bmap(n.ip, at>>d.sb.bshift)
	if err != nil {
		d.t.Fatal(err)
	}
	return addr<<d.sb.fshift + at&(d.sb.bsize-1)
}

func (d *damage) put16(off int64, v int64) { d.sb.bo.PutUint16(d.img[off:], uint16(v)) }
func (d *damage) put32(off int64, v int64) { d.sb.bo.PutUint32(d.img[off:], uint32(v)) }
func (d *damage) get32(off int64) int64    { return int64(int32(d.sb.bo.Uint32(d.img[off:]))) }

// putPtr sets block pointer slot i (0-11 direct, 12-14 indirect) of an
// inode.
func (d *damage) putPtr(ino int64, i int, v int64) {
	off := d.sb.inodeAddr(ino)
	if d.sb.ufs2 {
		d.sb.bo.PutUint64(d.img[off+112+8*int64(i):], uint64(v))
	} else {
		d.put32(off+40+4*int64(i), v)
	}
}

func (d *damage) putBlocks(ino int64, v int64) {
	off := d.sb.inodeAddr(ino)
	if d.sb.ufs2 {
		d.sb.bo.PutUint64(d.img[off+24:], uint64(v))
	} else {
		d.put32(off+104, v)
	}
}

// cg returns the byte address of group g's block.
func (d *damage) cg(g int64) int64 { return d.sb.cgAddr(g) }

// flipFree flips fragment a's bit in its group's free map.
func (d *damage) flipFree(a int64) {
	g := a / d.sb.fpg
	off := d.cg(g) + d.get32(d.cg(g)+cgOffFreeOff)
	i := a - g*d.sb.fpg
	d.img[off+i/8] ^= 1 << (i % 8)
}

// firstFree returns the first free fragment of group 0.
func (d *damage) firstFree() int64 {
	off := d.cg(0) + d.get32(d.cg(0)+cgOffFreeOff)
	for i := range d.sb.fpg {
		if d.img[off+i/8]&(1<<(i%8)) != 0 {
			return i
		}
	}
	d.t.Fatal("no free fragment")
	return 0
}

// The trees the damage cases expect, as in testdata/small-ufs*.img.gz:
//
//	a           "hello\n", two links
//	link        -> a (short symlink)
//	longlink    a 100-byte target
//	dir/hard    a hard link to a
//	dir/big     70000 bytes: direct blocks and a single indirect block
//	dir/sub/    an empty directory
func smallTree(t *testing.T) string {
	root := filepath.Join(t.TempDir(), "tree")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "dir", "sub"), 0o755))
	must(os.WriteFile(filepath.Join(root, "a"), []byte("hello\n"), 0o644))
	must(os.Link(filepath.Join(root, "a"), filepath.Join(root, "dir", "hard")))
	must(os.WriteFile(filepath.Join(root, "dir", "big"), bytes.Repeat([]byte("0123456789"), 7000), 0o644))
	must(os.Symlink("a", filepath.Join(root, "link")))
	must(os.Symlink(strings.Repeat("x", 100), filepath.Join(root, "longlink")))
	return root
}

// damageBases returns the images every damage case runs on: the two
// little-endian test images, and big-endian makefs images of the same
// tree when makefs is installed.
func damageBases(t *testing.T) map[string][]byte {
	bases := map[string][]byte{
		"ufs1-le": loadImage(t, "small-ufs1.img.gz"),
		"ufs2-le": loadImage(t, "small-ufs2.img.gz"),
	}
	makefs := peer.Require(t, "makefs", "makefs")
	tree := smallTree(t)
	for _, v := range []int{1, 2} {
		img := filepath.Join(t.TempDir(), "ffs.img")
		if out, err := exec.Command(makefs, "-t", "ffs", "-B", "be", "-o", fmt.Sprintf("version=%d,bsize=4096,fsize=512", v),
			"-s", "1m", img, tree).CombinedOutput(); err != nil {
			t.Fatalf("makefs: %v\n%s", err, out)
		}
		b, err := os.ReadFile(img)
		if err != nil {
			t.Fatal(err)
		}
		bases[fmt.Sprintf("ufs%d-be", v)] = b
	}
	return bases
}

// want is a problem a damage must cause: its phase and kind, and the
// inode or group it names when it names one.
type want struct {
	phase Phase
	kind  ProblemKind
	ino   string // path of the inode the problem names, "" for any
	cg    int64  // group the problem names, NoCG for any
}

func (w want) match(d *damage, p Problem) bool {
	return p.Phase == w.phase && p.Kind == w.kind && (w.ino == "" || p.Ino == d.ino(w.ino)) && (w.cg == NoCG || p.CG == w.cg)
}

// damageCase is one way to damage a base image: the problem it must
// cause, the consequences the report may list too, and the paths of the
// tree (see smallTree) that a repair may lose or move to lost+found.
type damageCase struct {
	name   string
	damage func(d *damage)
	want   want
	also   []want
	lost   []string
}

// damageCases are the damages TestCheckFindsDamage and
// TestCheckRepairsDamage apply, one at a time.
func damageCases() []damageCase {
	const anyCG = NoCG
	// A block that changes hands between used and free shows in every
	// map and count of phase 5.
	moved := []want{{PhaseCylGroups, FreeMapMismatch, "", 0}, {PhaseCylGroups, WrongCGCounts, "", 0},
		{PhaseCylGroups, WrongFragSum, "", 0}, {PhaseCylGroups, ClusterMapBad, "", 0}, {PhaseCylGroups, ClusterSumBad, "", 0},
		{PhaseCylGroups, WrongCSArray, "", 0}, {PhaseCylGroups, WrongTotals, "", anyCG}}
	return []damageCase{
		{"free-map bit of a used fragment", func(d *damage) { d.flipFree(d.node("a").ip.db[0]) },
			want{PhaseCylGroups, FreeMapMismatch, "", 0}, nil, nil},
		{"free-map bit of a free fragment", func(d *damage) { d.flipFree(d.firstFree()) },
			want{PhaseCylGroups, FreeMapMismatch, "", 0}, nil, nil},
		{"wrong link count", func(d *damage) { d.put16(d.sb.inodeAddr(d.ino("a"))+2, 3) },
			want{PhaseLinks, WrongLinkCount, "a", anyCG}, nil, nil},
		{"block claimed by two inodes", func(d *damage) {
			// a's fragment becomes big's first fragment; a's own is
			// left marked in use.
			d.putPtr(d.ino("a"), 0, d.node("dir/big").ip.db[0])
		}, want{PhaseInodes, DupBlock, "a", anyCG}, append([]want{{PhaseInodes, DupBlock, "dir/big", anyCG}}, moved...), []string{"a", "dir/hard", "dir/big"}},
		{"block claimed twice by one inode", func(d *damage) {
			big := d.node("dir/big")
			d.putPtr(big.ino, 1, big.ip.db[0])
		}, want{PhaseInodes, DupBlock, "dir/big", anyCG}, moved, []string{"dir/big"}},
		{"entry naming a free inode", func(d *damage) {
			d.put32(d.entry("/", "a"), d.sb.ipg-1) // the last inode of group 0 is free
		}, want{PhaseNames, EntryUnallocated, "/", anyCG}, []want{{PhaseLinks, WrongLinkCount, "a", anyCG}}, []string{"a"}},
		{"wrong cg nbfree", func(d *damage) { d.put32(d.cg(0)+cgOffCs+4, d.get32(d.cg(0)+cgOffCs+4)-1) },
			want{PhaseCylGroups, WrongCGCounts, "", 0}, nil, nil},
		{"wrong cstotal", func(d *damage) {
			// cs_nbfree of the 64-bit totals, which UFS1 with
			// FS_FLAGS_UPDATED keeps too.
			d.sb.bo.PutUint64(d.img[d.sb.loc+1016:], uint64(d.sb.cstotal.nbfree+5))
		}, want{PhaseCylGroups, WrongTotals, "", anyCG}, nil, nil},
		{"dangling directory", func(d *damage) { d.put32(d.entry("dir", "sub"), 0) },
			want{PhaseConnectivity, UnreachableDir, "dir/sub", anyCG}, nil, []string{"dir/sub"}},
		{"bad '..'", func(d *damage) { d.put32(d.entry("dir/sub", ".."), rootIno) },
			want{PhaseNames, BadDotDot, "dir/sub", anyCG}, []want{{PhaseLinks, WrongLinkCount, "/", anyCG}, {PhaseLinks, WrongLinkCount, "dir", anyCG}}, nil},
		{"bad '.'", func(d *damage) { d.put32(d.entry("dir", "."), d.ino("dir/sub")) },
			want{PhaseNames, BadDot, "dir", anyCG}, []want{{PhaseLinks, WrongLinkCount, "dir", anyCG}}, nil},
		{"wrong d_type", func(d *damage) { d.img[d.entry("dir", "big")+6] = 4 },
			want{PhaseNames, BadEntryType, "dir", anyCG}, nil, nil},
		{"malformed entry", func(d *damage) { d.put16(d.entry("dir", "hard")+4, 6) },
			want{PhaseNames, BadDirEntry, "dir", anyCG}, []want{{PhaseConnectivity, UnreachableDir, "", anyCG},
				{PhaseConnectivity, UnreferencedFile, "", anyCG}, {PhaseLinks, WrongLinkCount, "", anyCG}}, []string{"dir/hard", "dir/big", "dir/sub"}},
		{"unreferenced file", func(d *damage) { d.put32(d.entry("/", "longlink"), 0) },
			want{PhaseConnectivity, UnreferencedFile, "longlink", anyCG}, nil, []string{"longlink"}},
		{"wrong di_blocks", func(d *damage) { d.putBlocks(d.ino("dir/big"), 8) },
			want{PhaseInodes, WrongBlockCount, "dir/big", anyCG}, nil, nil},
		{"block pointer outside the file system", func(d *damage) { d.putPtr(d.ino("dir/big"), 3, d.sb.size+64) },
			want{PhaseInodes, BadBlock, "dir/big", anyCG}, moved, []string{"dir/big"}},
		{"block pointer into an inode table", func(d *damage) { d.putPtr(d.ino("dir/big"), 3, d.sb.iblkno) },
			want{PhaseInodes, BadBlock, "dir/big", anyCG}, moved, []string{"dir/big"}},
		{"block pointer past the end of the file", func(d *damage) {
			a := d.node("a")
			d.putPtr(a.ino, 5, d.sb.fpg-d.sb.frag) // the last block of group 0, free
		}, want{PhaseInodes, BlockPastEOF, "a", anyCG}, append([]want{{PhaseInodes, WrongBlockCount, "a", anyCG}}, moved...), nil},
		{"inode-map bit", func(d *damage) {
			off := d.cg(0) + d.get32(d.cg(0)+cgOffIusedOff)
			i := d.ino("dir/big")
			d.img[off+i/8] ^= 1 << (i % 8)
		}, want{PhaseInodes, InodeMapMismatch, "dir/big", anyCG}, nil, nil},
		{"frsum", func(d *damage) { d.put32(d.cg(0)+cgOffFrsum+4, d.get32(d.cg(0)+cgOffFrsum+4)+1) },
			want{PhaseCylGroups, WrongFragSum, "", 0}, nil, nil},
		{"cluster map", func(d *damage) {
			off := d.cg(0) + d.get32(d.cg(0)+cgOffClusterOff)
			d.img[off] ^= 1
		}, want{PhaseCylGroups, ClusterMapBad, "", 0}, nil, nil},
		{"cluster summary", func(d *damage) {
			off := d.cg(0) + d.get32(d.cg(0)+cgOffClusterSum) + 4
			d.put32(off, d.get32(off)+1)
		}, want{PhaseCylGroups, ClusterSumBad, "", 0}, nil, nil},
		{"summary array", func(d *damage) {
			off := d.sb.csaddr<<d.sb.fshift + 8 // group 0's nifree
			d.put32(off, d.get32(off)+1)
		}, want{PhaseCylGroups, WrongCSArray, "", 0}, nil, nil},
		{"cg header", func(d *damage) { d.put32(d.cg(0)+cgOffRotor, -5) },
			want{PhaseCylGroups, BadCGHeader, "", 0}, nil, nil},
		{"cg magic", func(d *damage) { d.put32(d.cg(0)+cgOffMagic, 0) },
			want{PhaseCylGroups, BadCGHeader, "", 0}, nil, nil},
		{"superblock copy", func(d *damage) {
			off := (d.sb.cgStart(0) + d.sb.sblkno) << d.sb.fshift
			d.put32(off+184, d.sb.ipg*2) // fs_ipg
		}, want{PhaseSetup, BadSuperblockCopy, "", 0}, nil, nil},
		{"partially allocated inode", func(d *damage) {
			d.putPtr(d.sb.ipg-1, 0, 100) // the last inode of group 0 is free
		}, want{PhaseInodes, PartialInode, "", anyCG}, nil, nil},
		{"unknown file type", func(d *damage) {
			off := d.sb.inodeAddr(d.ino("longlink"))
			d.put16(off, 0o170644)
		}, want{PhaseInodes, UnknownType, "longlink", anyCG}, moved, []string{"longlink"}},
		{"duplicate name", func(d *damage) {
			// Root's entry "link" becomes a second "a" (d_namlen 1).
			at := d.entry("/", "link")
			d.img[at+7] = 1
			copy(d.img[at+8:], "a\x00\x00\x00")
		}, want{PhaseNames, DupEntryName, "/", anyCG},
			[]want{{PhaseConnectivity, UnreferencedFile, "", anyCG}, {PhaseLinks, WrongLinkCount, "", anyCG}}, []string{"a", "link"}},
		{"geometry", func(d *damage) { d.put32(d.sb.loc+20, d.sb.iblkno) }, // fs_dblkno = fs_iblkno: a copy is used
			want{PhaseSetup, PrimarySuperblock, "", anyCG}, nil, nil},
		{"geometry-everywhere", func(d *damage) { // and in every copy
			d.put32(d.sb.loc+20, d.sb.iblkno)
			for g := range d.sb.ncg {
				d.put32((d.sb.cgStart(g)+d.sb.sblkno)<<d.sb.fshift+20, d.sb.iblkno)
			}
		}, want{PhaseSetup, BadGeometry, "", anyCG}, nil, nil},
	}
}

// TestCheckFindsDamage damages each base image in one way at a time and
// checks that the report names the damage in the right phase, and
// nothing but the damage and what follows from it.
func TestCheckFindsDamage(t *testing.T) {
	cases := damageCases()
	for base, img := range damageBases(t) {
		if r, err := Check(disk.NewMemFrom(img, 512), CheckOptions{}); err != nil || !r.Clean() {
			t.Fatalf("%s: base image not clean: %v\n%s", base, err, r)
		}
		for _, tc := range cases {
			t.Run(base+"/"+tc.name, func(t *testing.T) {
				d := newDamage(t, img)
				tc.damage(d)
				r, err := Check(disk.NewMemFrom(d.img, 512), CheckOptions{})
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s", r)
				found := false
				for _, p := range r.Problems {
					if tc.want.match(d, p) {
						found = true
						continue
					}
					expected := false
					for _, w := range tc.also {
						expected = expected || w.match(d, p)
					}
					if !expected {
						t.Errorf("unexpected: %s", p)
					}
				}
				if !found || r.Clean() {
					t.Errorf("no %s problem of kind %d for %q in:\n%s", tc.want.phase, tc.want.kind, tc.want.ino, r)
				}
			})
		}
	}
}

func TestCheckRejectsBlankDisk(t *testing.T) {
	if _, err := Check(disk.NewMem(1<<20, 512), CheckOptions{}); err == nil {
		t.Error("checked a blank disk")
	}
}

// TestCheckMaxProblems damages every inode-map bit and checks that the
// report stops at the cap and says so.
func TestCheckMaxProblems(t *testing.T) {
	d := newDamage(t, loadImage(t, "small-ufs1.img.gz"))
	off := d.cg(0) + d.get32(d.cg(0)+cgOffFreeOff)
	for i := range d.sb.fpg / 8 {
		d.img[off+i] ^= 0xff
	}
	for ino := int64(rootIno); ino < d.sb.ipg; ino++ {
		d.put16(d.sb.inodeAddr(ino)+2, 40) // every link count
	}
	r, err := Check(disk.NewMemFrom(d.img, 512), CheckOptions{MaxProblems: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) != 3 || !r.Truncated || r.Clean() {
		t.Errorf("%d problems, truncated %v:\n%s", len(r.Problems), r.Truncated, r)
	}
}

// FuzzCheck patches bytes of the small images anywhere and checks them:
// the checker must never panic or hang, whatever it reports.
func FuzzCheck(f *testing.F) {
	imgs := [][]byte{loadImage(f, "small-ufs1.img.gz"), loadImage(f, "small-ufs2.img.gz")}
	f.Add(false, uint32(8192+48), []byte{0, 0x20})
	f.Add(true, uint32(8192+1372), []byte{1})
	f.Add(false, uint32(48*512+96), []byte{0xff, 0x7f}) // cg_freeoff
	f.Add(true, uint32(48*512+120), []byte{0xff, 0xff}) // cg_initediblk
	f.Add(false, uint32(56*512+2*128+40), bytes.Repeat([]byte{0x41}, 60))
	f.Add(true, uint32(56*512+8*256+208), []byte{0x40, 0, 0, 0, 0, 0, 0, 0}) // an indirect pointer
	f.Add(false, uint32(65*512), bytes.Repeat([]byte{0xff}, 16))             // the root directory
	f.Fuzz(func(t *testing.T, ufs2 bool, at uint32, patch []byte) {
		base := imgs[0]
		if ufs2 {
			base = imgs[1]
		}
		img := bytes.Clone(base)
		copy(img[int(at)%len(img):], patch)
		withDeadline(t, "checking the image", func() {
			r, err := Check(disk.NewMemFrom(img, 512), CheckOptions{})
			if err == nil && r.Clean() {
				// What the checker passes, the driver must mount.
				if _, err := New(nil, disk.NewMemFrom(img, 512), true); err != nil {
					t.Errorf("clean report, but the driver refuses the image: %v", err)
				}
			}
		})
	})
}
