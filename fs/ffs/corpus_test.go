package ffs

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/vfs"
)

// TestRepairCorpus repairs a corpus of mangled images, made from a seed
// out of a few base images the driver wrote (UFS1 and UFS2, both byte
// orders, one with two cylinder groups): bit flips, boundary values in
// superblock, cylinder-group and inode fields, truncation, zeroed
// sectors, duplicated block pointers, bad directory entries and loops.
// Every image must, within a time bound, either be repaired to clean and
// then mount read-write, take a file created and removed, and check
// clean again; or be refused with a reason and left marked not clean
// (or with no superblock the driver can mount). A repair must keep
// every file whose inode and blocks the mangling did not touch, with
// its contents, and at its path when the directory entries and inodes
// on the way to it were not touched either.
//
// go test runs a sample (corpusSample images; 40 with -short);
// GORUMP_FFS_CORPUS=n runs n images, GORUMP_FFS_CORPUS_SEED another
// seed, GORUMP_FFS_CORPUS_FIRST=i from image i on (image i is the same
// for a seed whatever the count).
func TestRepairCorpus(t *testing.T) {
	n := corpusSample
	if testing.Short() {
		n = 40
	}
	if s := os.Getenv("GORUMP_FFS_CORPUS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatalf("GORUMP_FFS_CORPUS=%q: %v", s, err)
		}
	}
	seed := uint64(1)
	if s := os.Getenv("GORUMP_FFS_CORPUS_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("GORUMP_FFS_CORPUS_SEED=%q: %v", s, err)
		}
	}
	first := 0 // GORUMP_FFS_CORPUS_FIRST=i starts at image i, to replay one
	if s := os.Getenv("GORUMP_FFS_CORPUS_FIRST"); s != "" {
		var err error
		if first, err = strconv.Atoi(s); err != nil {
			t.Fatalf("GORUMP_FFS_CORPUS_FIRST=%q: %v", s, err)
		}
	}
	k := testKernel(t)
	bases := corpusBases(t, k)
	var st corpusStats
	start := time.Now()
	for i := first; i < first+n; i++ {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		b := bases[rng.IntN(len(bases))]
		img, what := b.mangle(rng)
		if !runCorpusImage(t, k, b, img, fmt.Sprintf("image %d (%s, %s)", i, b.name, what), &st) {
			break
		}
	}
	if st.failed >= 30 {
		t.Errorf("stopped after %d failed images", st.failed)
	}
	t.Logf("%d images in %v: %d repaired to clean, %d refused (%d by an error); files intact %d, kept %d; at intact paths %d, kept there %d",
		st.images, time.Since(start).Round(time.Millisecond), st.repaired, st.refused, st.refusedErr,
		st.intact, st.kept, st.intactPath, st.keptPath)
}

const corpusSample = 300

type corpusStats struct {
	images, repaired, refused, refusedErr int
	failed                                int // images that failed the test
	intact, kept, intactPath, keptPath    int
}

// corpusFile is what a base image holds at one inode.
type corpusFile struct {
	ino  int64
	path string
	desc string     // describe's answer
	bad  bool       // describe failed (a device)
	own  [][2]int64 // byte ranges of the inode and of its blocks
	way  [][2]int64 // the inodes and entry chunks on the way from the root
}

// corpusEntry is one directory entry of a base image.
type corpusEntry struct {
	at       int64 // byte address of the record
	dir, ino int64
	isDir    bool
}

type corpusBase struct {
	name    string
	img     []byte
	sb      *superblock
	files   []corpusFile
	entries []corpusEntry
	dirs    []int64 // directory inodes
	ptrs    []int64 // inodes with block pointers
}

var (
	corpusOnce  sync.Once
	corpusCache []*corpusBase
)

// corpusBases builds the base images once for the whole test binary.
func corpusBases(t *testing.T, k *kern.Kernel) []*corpusBase {
	corpusOnce.Do(func() {
		for _, o := range []NewfsOptions{
			{BlockSize: 4096, FragmentSize: 512},
			{BigEndian: true, BlockSize: 4096, FragmentSize: 1024},
			{Version: 1, BlockSize: 4096, FragmentSize: 512},
			{Version: 1, BigEndian: true, BlockSize: 4096, FragmentSize: 1024},
		} {
			name := fmt.Sprintf("ufs%d-%s-%d", 2-o.Version%2, map[bool]string{false: "le", true: "be"}[o.BigEndian], o.FragmentSize)
			corpusCache = append(corpusCache, newCorpusBase(t, name, treeImage(t, k, o)))
		}
		corpusCache = append(corpusCache, newCorpusBase(t, "ufs2-le-2cg", twoGroupImage(t, k, NewfsOptions{})))
	})
	if len(corpusCache) != 5 {
		t.Fatal("no base images")
	}
	return corpusCache
}

// newCorpusBase records what img holds: every inode reachable from the
// root with its contents and the bytes it lives in.
func newCorpusBase(t *testing.T, name string, img []byte) *corpusBase {
	v, err := New(nil, disk.NewMemFrom(img, 512), true)
	if err != nil {
		t.Fatal(err)
	}
	f := v.(*fsys)
	sb := f.sb
	b := &corpusBase{name: name, img: img, sb: sb}
	inodeRange := func(ino int64) [2]int64 { a := sb.inodeAddr(ino); return [2]int64{a, a + sb.inodeSize()} }
	// Walk the tree, recording each entry and, for each inode first
	// reached, the way to it.
	type item struct {
		n   *node
		way [][2]int64
		pre string
	}
	root, err := f.Vget(rootIno)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{rootIno: true}
	queue := []item{{root.(*node), [][2]int64{inodeRange(rootIno)}, ""}}
	b.files = append(b.files, corpusFile{ino: rootIno, path: "", desc: "dir", own: append([][2]int64{inodeRange(rootIno)}, blockRanges(f, root.(*node).ip)...)})
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		b.dirs = append(b.dirs, it.n.ino)
		var ents []dirent
		if err := it.n.forEachEntry(0, func(e dirent) bool { ents = append(ents, e); return true }); err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			addr, err := f.bmap(it.n.ip, e.off>>sb.bshift)
			if err != nil {
				t.Fatal(err)
			}
			at := addr<<sb.fshift + e.off&(sb.bsize-1)
			b.entries = append(b.entries, corpusEntry{at: at, dir: it.n.ino, ino: e.ino, isDir: e.typ == dtDir})
			if e.name == "." || e.name == ".." || seen[e.ino] {
				continue
			}
			seen[e.ino] = true
			cv, err := f.Vget(vfs.Ino(e.ino))
			if err != nil {
				t.Fatal(err)
			}
			c := cv.(*node)
			chunk := at &^ (dirBlockSize - 1)
			way := append(slices.Clone(it.way), [2]int64{chunk, chunk + dirBlockSize}, inodeRange(e.ino))
			path := it.pre + e.name
			desc, derr := describe(f, path)
			own := append([][2]int64{inodeRange(e.ino)}, blockRanges(f, c.ip)...)
			b.files = append(b.files, corpusFile{ino: e.ino, path: path, desc: desc, bad: derr != nil, own: own, way: way})
			if len(own) > 1 {
				b.ptrs = append(b.ptrs, e.ino)
			}
			if c.ip.mode&0o170000 == 0o040000 {
				queue = append(queue, item{c, way, path + "/"})
			}
		}
	}
	return b
}

// blockRanges returns the byte ranges of the blocks ip holds: data
// blocks (the fragments of a file's last one) and indirect blocks.
func blockRanges(f *fsys, ip *dinode) [][2]int64 {
	sb := f.sb
	ifmt := ip.mode & 0o170000
	if ifmt == 0o020000 || ifmt == 0o060000 || (ifmt == 0o120000 && ip.size < sb.maxSymlinkLen) {
		return nil
	}
	var rs [][2]int64
	nblocks := (ip.size + sb.bsize - 1) >> sb.bshift
	for i := range int64(ndaddr) {
		if ip.db[i] == 0 {
			continue
		}
		n := sb.bsize
		if i == nblocks-1 && ip.size&(sb.bsize-1) != 0 {
			n = sb.fragRoundup(ip.size & (sb.bsize - 1))
		}
		rs = append(rs, [2]int64{ip.db[i] << sb.fshift, ip.db[i]<<sb.fshift + n})
	}
	var indirect func(addr int64, level int)
	indirect = func(addr int64, level int) {
		rs = append(rs, [2]int64{addr << sb.fshift, addr<<sb.fshift + sb.bsize})
		buf := make([]byte, sb.bsize)
		if f.readAt(buf, addr<<sb.fshift) != nil {
			return
		}
		for j := range sb.nindir {
			var p int64
			if sb.ufs2 {
				p = int64(sb.bo.Uint64(buf[8*j:]))
			} else {
				p = int64(int32(sb.bo.Uint32(buf[4*j:])))
			}
			switch {
			case p == 0:
			case level == 0:
				rs = append(rs, [2]int64{p << sb.fshift, p<<sb.fshift + sb.bsize})
			default:
				indirect(p, level-1)
			}
		}
	}
	for level := range niaddr {
		if ip.ib[level] != 0 {
			indirect(ip.ib[level], level)
		}
	}
	return rs
}

// untouched reports whether none of the byte ranges rs changed between
// the base image and img.
func (b *corpusBase) untouched(img []byte, rs [][2]int64) bool {
	for _, r := range rs {
		if r[1] > int64(len(img)) || !bytes.Equal(img[r[0]:r[1]], b.img[r[0]:r[1]]) {
			return false
		}
	}
	return true
}

// Fields worth boundary values, by byte offset and width.
type field struct{ off, width int64 }

var (
	sbFields = []field{{8, 4}, {12, 4}, {16, 4}, {20, 4}, {24, 4}, {28, 4}, {36, 4}, {40, 4}, {44, 4}, {48, 4}, {52, 4},
		{56, 4}, {72, 4}, {84, 4}, {104, 4}, {116, 4}, {120, 4}, {152, 4}, {156, 4}, {160, 4}, {180, 4}, {184, 4},
		{188, 4}, {192, 4}, {200, 4}, {1000, 8}, {1008, 8}, {1080, 8}, {1088, 8}, {1096, 8}, {1312, 4}, {1316, 4},
		{1320, 4}, {1324, 4}, {1360, 4}, {superblockMagic, 4}, {209, 1}, {211, 1}, {864, 1}, {865, 1}}
	cgFields = []field{{cgOffMagic, 4}, {cgOffCgx, 4}, {16, 2}, {18, 2}, {cgOffNdblk, 4}, {cgOffCs, 4}, {cgOffCs + 4, 4},
		{cgOffCs + 8, 4}, {cgOffCs + 12, 4}, {cgOffRotor, 4}, {cgOffFrotor, 4}, {cgOffIrotor, 4}, {cgOffFrsum + 4, 4},
		{cgOffOldBtotOff, 4}, {cgOffOldBOff, 4}, {cgOffIusedOff, 4}, {cgOffFreeOff, 4}, {cgOffNextFreeOff, 4},
		{cgOffClusterSum, 4}, {cgOffClusterOff, 4}, {cgOffNClusterBlk, 4}, {cgOffNiblk, 4}, {cgOffInitedIblk, 4}}
	ufs2InodeFields = []field{{0, 2}, {2, 2}, {16, 8}, {24, 8}, {64, 4}, {88, 4}, {112, 8}, {120, 8}, {200, 8}, {208, 8}, {216, 8}}
	ufs1InodeFields = []field{{0, 2}, {2, 2}, {8, 8}, {20, 4}, {40, 4}, {44, 4}, {84, 4}, {88, 4}, {92, 4}, {104, 4}}
)

// mangle returns a mangled copy of the base image and what was done.
func (b *corpusBase) mangle(rng *rand.Rand) ([]byte, string) {
	img := bytes.Clone(b.img)
	cut := len(img) // a truncation applies after the other manglings
	var what []string
	for range 1 + rng.IntN(3) {
		if rng.IntN(3) > 0 && len(what) > 0 {
			break
		}
		m, w := b.mangleOnce(rng, img)
		cut = min(cut, len(m))
		what = append(what, w)
	}
	return img[:cut], strings.Join(what, "; ")
}

// region returns the byte address and size of a random piece of
// metadata, or of the whole image.
func (b *corpusBase) region(rng *rand.Rand) (int64, int64, string) {
	sb := b.sb
	g := rng.Int64N(sb.ncg)
	switch rng.IntN(7) {
	case 0:
		return sb.loc, sb.sbsize, "superblock"
	case 1:
		return (sb.cgStart(g) + sb.sblkno) << sb.fshift, sb.sbsize, fmt.Sprintf("cg %d superblock copy", g)
	case 2:
		return sb.cgAddr(g), sb.cgsize, fmt.Sprintf("cg %d", g)
	case 3:
		f := b.files[rng.IntN(len(b.files))]
		return sb.inodeAddr(f.ino), sb.inodeSize(), fmt.Sprintf("inode %d", f.ino)
	case 4:
		e := b.entries[rng.IntN(len(b.entries))]
		return e.at &^ (dirBlockSize - 1), dirBlockSize, fmt.Sprintf("directory %d", e.dir)
	case 5:
		f := b.files[rng.IntN(len(b.files))]
		if len(f.own) > 1 {
			r := f.own[1+rng.IntN(len(f.own)-1)]
			return r[0], r[1] - r[0], fmt.Sprintf("a block of inode %d", f.ino)
		}
	}
	return 0, int64(len(b.img)), "anywhere"
}

func (b *corpusBase) put(img []byte, at, width, v int64) {
	if at < 0 || at+width > int64(len(img)) {
		return
	}
	bo := b.sb.bo
	switch width {
	case 1:
		img[at] = byte(v)
	case 2:
		bo.PutUint16(img[at:], uint16(v))
	case 4:
		bo.PutUint32(img[at:], uint32(v))
	default:
		bo.PutUint64(img[at:], uint64(v))
	}
}

func (b *corpusBase) get(img []byte, at, width int64) int64 {
	bo := b.sb.bo
	switch width {
	case 1:
		return int64(img[at])
	case 2:
		return int64(int16(bo.Uint16(img[at:])))
	case 4:
		return int64(int32(bo.Uint32(img[at:])))
	}
	return int64(bo.Uint64(img[at:]))
}

// boundary returns a boundary value for a field holding v.
func boundary(rng *rand.Rand, v int64) int64 {
	return []int64{0, 1, -1, 0x7fffffff, -0x80000000, 0xffff, 0x8000, v + 1, v - 1, v * 2, v / 2, 1 << 40}[rng.IntN(12)]
}

func (b *corpusBase) mangleOnce(rng *rand.Rand, img []byte) ([]byte, string) {
	sb := b.sb
	switch rng.IntN(9) {
	case 0: // bit flips
		at, n, where := b.region(rng)
		flips := 1 + rng.IntN(8)
		for range flips {
			i := at + rng.Int64N(n)
			if i < int64(len(img)) {
				img[i] ^= 1 << rng.IntN(8)
			}
		}
		return img, fmt.Sprintf("%d bit flips in %s", flips, where)
	case 1, 2: // a boundary value in a field
		var base int64
		var fl field
		var where string
		switch rng.IntN(4) {
		case 0:
			base, fl, where = sb.loc, sbFields[rng.IntN(len(sbFields))], "superblock"
		case 1:
			g := rng.Int64N(sb.ncg)
			base, fl, where = sb.cgAddr(g), cgFields[rng.IntN(len(cgFields))], fmt.Sprintf("cg %d", g)
		default:
			f := b.files[rng.IntN(len(b.files))]
			fields := ufs1InodeFields
			if sb.ufs2 {
				fields = ufs2InodeFields
			}
			base, fl, where = sb.inodeAddr(f.ino), fields[rng.IntN(len(fields))], fmt.Sprintf("inode %d", f.ino)
		}
		v := boundary(rng, b.get(img, base+fl.off, fl.width))
		b.put(img, base+fl.off, fl.width, v)
		return img, fmt.Sprintf("%s field at %d set to %d", where, fl.off, v)
	case 3: // truncation
		n := int64(len(img)) / 512
		keep := (n/8 + rng.Int64N(n-n/8)) * 512
		return img[:keep], fmt.Sprintf("truncated to %d bytes", keep)
	case 4: // zeroed sectors
		at, n, where := b.region(rng)
		sectors := 1 + rng.IntN(3)
		for range sectors {
			s := (at + rng.Int64N(n)) &^ 511
			if s+512 <= int64(len(img)) {
				clear(img[s : s+512])
			}
		}
		return img, fmt.Sprintf("%d sectors zeroed in %s", sectors, where)
	case 5: // a block pointer copied into another inode
		if len(b.ptrs) < 2 {
			break
		}
		from, to := b.ptrs[rng.IntN(len(b.ptrs))], b.ptrs[rng.IntN(len(b.ptrs))]
		width, slots, off := int64(4), int64(ndaddr+niaddr), int64(40)
		if sb.ufs2 {
			width, off = 8, 112
		}
		src := sb.inodeAddr(from) + off + width*rng.Int64N(slots)
		dst := sb.inodeAddr(to) + off + width*rng.Int64N(slots)
		copy(img[dst:dst+width], img[src:src+width])
		return img, fmt.Sprintf("a block pointer of inode %d copied into inode %d", from, to)
	case 6, 7: // a bad directory entry
		e := b.entries[rng.IntN(len(b.entries))]
		switch rng.IntN(5) {
		case 0:
			v := []int64{0, 1, 3, rng.Int64N(sb.ncg * sb.ipg), sb.ncg * sb.ipg, -1}[rng.IntN(6)]
			b.put(img, e.at, 4, v)
			return img, fmt.Sprintf("entry in directory %d names inode %d", e.dir, v)
		case 1:
			v := []int64{0, 1, 4, 6, 12, 508, 512, 513, 1024, b.get(img, e.at+4, 2) + 4}[rng.IntN(10)]
			b.put(img, e.at+4, 2, v)
			return img, fmt.Sprintf("entry in directory %d with reclen %d", e.dir, v)
		case 2:
			v := []int64{0, 1, 255, 100}[rng.IntN(4)]
			img[e.at+7] = byte(v)
			return img, fmt.Sprintf("entry in directory %d with namlen %d", e.dir, v)
		case 3:
			img[e.at+6] = byte(rng.IntN(16))
			return img, fmt.Sprintf("entry in directory %d with type %d", e.dir, img[e.at+6])
		default:
			img[e.at+8] = []byte{'/', 0, '.'}[rng.IntN(3)]
			return img, fmt.Sprintf("entry in directory %d with a bad name", e.dir)
		}
	case 8: // a loop: an entry names a directory above its own
		e := b.entries[rng.IntN(len(b.entries))]
		d := b.dirs[rng.IntN(len(b.dirs))]
		b.put(img, e.at, 4, d)
		img[e.at+6] = dtDir
		return img, fmt.Sprintf("entry in directory %d names directory %d", e.dir, d)
	}
	return img, "nothing"
}

// runCorpusImage repairs one mangled image and checks the outcome. It
// reports false when the test should stop (too many failures).
func runCorpusImage(t *testing.T, k *kern.Kernel, b *corpusBase, img []byte, name string, st *corpusStats) bool {
	t.Helper()
	st.images++
	failed := false
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s: %s", name, fmt.Sprintf(format, args...))
		if !failed {
			failed = true
			st.failed++
		}
	}
	img = img[:len(img)&^511]
	md := disk.NewMemFrom(img, 512)
	var r *CheckReport
	var err error
	withDeadlineAfter(t, 20*time.Second, name+": repair", func() {
		r, err = Check(md, CheckOptions{Repair: true})
	})
	if err != nil || !r.Repaired {
		st.refused++
		if err != nil {
			st.refusedErr++
		} else if len(r.Problems) == 0 {
			fail("not repaired, without a reason:\n%s", r)
		}
		if info, perr := Probe(md); perr == nil && info.Clean {
			fail("refused (%v), but left marked clean:\n%s", err, r)
		}
		if v, merr := New(k, md, false); merr == nil {
			fail("refused (%v), but the driver mounts it read-write", err)
			_ = v.Unmount()
		}
		return st.failed < 30
	}
	st.repaired++
	withDeadlineAfter(t, 20*time.Second, name+": after the repair", func() {
		again, err := Check(md, CheckOptions{})
		if err != nil || !again.Clean() || !again.MarkedClean {
			fail("repaired, but a check finds: %v\n%s\nthe repair:\n%s", err, again, r)
			return
		}
		v, err := New(k, md, false)
		if err != nil {
			fail("repaired, but the read-write mount fails: %v\n%s", err, r)
			return
		}
		if err := createAndRemove(v); err != nil {
			fail("repaired, but %v\n%s", err, r)
		}
		if err := v.Unmount(); err != nil {
			fail("unmount: %v", err)
		}
		if again, err := Check(md, CheckOptions{}); err != nil || !again.Clean() || !again.MarkedClean {
			fail("after a file was created and removed: %v\n%s", err, again)
		}
		b.checkKept(md, img, r, st, fail)
	})
	return st.failed < 30
}

// createAndRemove creates a file in the root, writes to it and removes
// it.
func createAndRemove(v vfs.FileSystem) error {
	root, err := v.Vget(v.Root())
	if err != nil {
		return fmt.Errorf("root: %w", err)
	}
	c, err := root.Create("corpus-probe", &vfs.NewNode{Type: vfs.VREG, Mode: 0o644})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if _, err := c.Write(bytes.Repeat([]byte("p"), 9000), 0); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if err := root.Remove("corpus-probe", c); err != nil {
		return fmt.Errorf("remove: %w", err)
	}
	if c.Inactive() { // the last reference goes, as the vnode cache would let it
		if err := c.Reclaim(); err != nil {
			return fmt.Errorf("reclaim: %w", err)
		}
	}
	return nil
}

// checkKept checks that the repaired image keeps every file whose inode
// and blocks the mangling left alone, and at its path when the way to it
// was left alone too.
func (b *corpusBase) checkKept(md *disk.MemDisk, img []byte, r *CheckReport, st *corpusStats, fail func(string, ...any)) {
	v, err := New(nil, md, true)
	if err != nil {
		fail("read-only mount after the repair: %v", err)
		return
	}
	paths, err := treePaths(v)
	if err != nil {
		fail("walking the repaired tree: %v", err)
		return
	}
	for _, f := range b.files {
		if !b.untouched(img, f.own) {
			continue
		}
		st.intact++
		p, ok := paths[f.ino]
		if !ok {
			fail("the repair lost inode %d (%s), intact:\n%s", f.ino, f.path, r)
			continue
		}
		if desc, err := describe(v, p); desc != f.desc || (err != nil) != f.bad {
			fail("inode %d (%s) holds %.20q (%d bytes) after the repair, want %.20q (%d bytes) (%v):\n%s", f.ino, p, desc, len(desc), f.desc, len(f.desc), err, r)
			continue
		}
		st.kept++
		if !b.untouched(img, f.way) {
			continue
		}
		st.intactPath++
		n, err := nodeAt(v, f.path)
		if err != nil || int64(n.Ino()) != f.ino {
			fail("%s no longer names inode %d (%v); the way to it is intact:\n%s", f.path, f.ino, err, r)
			continue
		}
		st.keptPath++
	}
}
