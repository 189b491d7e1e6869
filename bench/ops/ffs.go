package ops

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/internal/peer"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/posix"
)

// The FFS operations compare gorump's FFS driver with the host kernel's
// file system, both working in the scratch directory (Options.Dir, else
// os.TempDir()), so both end on the same host file system and disk. The
// gorump side makes an image file in a fresh directory there, boots a
// kernel on the POSIX host with the image as block device /dev/ffs0 and
// mounts it on /mnt; the host side works in a fresh directory next to it.
// Neither side drops the host's page cache: what gorump reads from its
// image, and what the host side reads, are warm host pages.

const (
	// ffsImageSize is the size of a newfs'd image: UFS2 with newfs's
	// defaults for it, 16 KiB blocks and 2 KiB fragments. The image is a
	// sparse host file.
	ffsImageSize = 1 << 30
	// ffsIOSize is the size of each read and write of the sequential
	// operations.
	ffsIOSize = 64 << 10
	// smallFileSize is the size of each file of the many-file operations.
	smallFileSize = 1 << 10
)

// ffsSizes are the sizes of the FFS operations.
type ffsSizes struct {
	seq int64 // bytes of the sequentially written and read file
	// The tree has dirs directories of perDir files each; the flat
	// directory holds as many files.
	dirs, perDir int
}

func (o Options) ffsSizes() ffsSizes {
	if o.Short {
		return ffsSizes{seq: 64 << 20, dirs: 20, perDir: 100}
	}
	return ffsSizes{seq: 256 << 20, dirs: 100, perDir: 100}
}

func ffsOps(o Options) []Op {
	z := o.ffsSizes()
	files := z.dirs * z.perDir
	newfs := func(b *testing.B) fsSide { return newfsSide(b, o) }
	host := func(b *testing.B) fsSide { return hostFSSide(b, o) }
	tree := func(cold bool) Op {
		name, doc := "FFSReadTree", "warm: one untimed walk first on both sides"
		if cold {
			name, doc = "FFSReadTreeCold", "gorump unmounts and remounts before each walk; the host side stays warm"
		}
		return Op{
			Name: name,
			Doc: fmt.Sprintf("walk a %dx%d tree of %d-byte files (readdir, open, read, close each): gorump: "+
				"a makefs -t ffs (UFS1) image of it mounted read-only, host: the source directory; %s", z.dirs, z.perDir, smallFileSize, doc),
			Items: int64(files), Unit: "files",
			Gorump: func(b *testing.B) {
				ffsReadTree(b, makefsSide(b, o, z), files, cold)
			},
			Host: func(b *testing.B) {
				ffsReadTree(b, hostTreeSide(b, o, z), files, cold)
			},
			Missing: missingMakefs,
		}
	}
	return []Op{
		ffsSided(Op{Name: "FFSSeqWrite",
			Doc: fmt.Sprintf("%d MiB written sequentially in %d KiB pwrites to a new file, then fsync: gorump: FFS on a "+
				"%d GiB image (UFS2, newfs defaults), host: the same pwrites over a plain host file in place, as the "+
				"image is written underneath", z.seq>>20, ffsIOSize>>10, ffsImageSize>>30),
			Bytes: z.seq}, newfs, host, func(b *testing.B, s fsSide) { ffsSeqWrite(b, s, z.seq) }),
		ffsSided(Op{Name: "FFSSeqRead",
			Doc: fmt.Sprintf("the %d MiB file read sequentially in %d KiB preads: gorump unmounts and remounts before "+
				"each pass (fresh buffer cache); both read warm host pages", z.seq>>20, ffsIOSize>>10),
			Bytes: z.seq}, newfs, host, func(b *testing.B, s fsSide) { ffsSeqRead(b, s, z.seq) }),
		ffsSided(Op{Name: "FFSCreateFlat",
			Doc: fmt.Sprintf("create, write %d bytes and close %d files in one new directory (no sync): gorump FFS "+
				"vs the host file system", smallFileSize, files),
			Items: int64(files), Unit: "files"}, newfs, host, func(b *testing.B, s fsSide) { ffsCreate(b, s, 0, files) }),
		ffsSided(Op{Name: "FFSCreateTree",
			Doc: fmt.Sprintf("the same %d files in a new %dx%d tree (the %d directories made in the timed loop)",
				files, z.dirs, z.perDir, z.dirs),
			Items: int64(files), Unit: "files"}, newfs, host, func(b *testing.B, s fsSide) { ffsCreate(b, s, z.dirs, z.perDir) }),
		tree(false),
		tree(true),
	}
}

// fsSide is one side of an FFS operation.
type fsSide struct {
	k   kernel
	dir string // where the operation works
	// host marks the host side, whose files are plain host files.
	host bool
	// remount empties the side's file-system caches where it can: the
	// gorump side unmounts and remounts its FFS (fresh buffer and vnode
	// caches); the host side drops nothing.
	remount func(b *testing.B)
}

// ffsSided makes op run body on the sides gorump and host make.
func ffsSided(op Op, gorump, host func(b *testing.B) fsSide, body func(b *testing.B, s fsSide)) Op {
	op.Gorump = func(b *testing.B) { body(b, gorump(b)) }
	op.Host = func(b *testing.B) { body(b, host(b)) }
	return op
}

// scratchDir makes a fresh directory under the scratch directory,
// removed when b ends.
func scratchDir(b *testing.B, o Options) string {
	b.Helper()
	dir, err := os.MkdirTemp(o.ScratchDir(), "gorump-bench-ffs-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// hostFSSide is the host side: a fresh host directory.
func hostFSSide(b *testing.B, o Options) fsSide {
	return fsSide{k: hostKernel{}, dir: scratchDir(b, o), host: true, remount: func(*testing.B) {}}
}

// newfsSide is the gorump side on an empty file system: a fresh image,
// newfs'd with the defaults, mounted read-write.
func newfsSide(b *testing.B, o Options) fsSide {
	b.Helper()
	img := filepath.Join(scratchDir(b, o), "ffs.img")
	f, err := os.Create(img)
	if err == nil {
		err = f.Truncate(ffsImageSize)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	hf, err := posix.New().Open(img, rumpuser.OpenRDWR|rumpuser.OpenBIO)
	if err != nil {
		b.Fatal(err)
	}
	d, err := disk.FromFile(hf, 512, false)
	if err == nil {
		err = ffs.Newfs(d, ffs.NewfsOptions{})
	}
	if cerr := hf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatalf("newfs %s: %v", img, err)
	}
	return mountFFS(b, img, 0)
}

// mountFFS boots a kernel on the POSIX host with host file img as block
// device /dev/ffs0 and mounts its FFS on /mnt with flags; the kernel
// halts when b ends.
func mountFFS(b *testing.B, img string, flags int) fsSide {
	b.Helper()
	k, err := rump.Init(rump.Options{})
	if err != nil {
		b.Fatalf("gorump: boot: %v", err)
	}
	b.Cleanup(func() {
		if err := k.Halt(); err != nil {
			b.Errorf("gorump: halt: %v", err)
		}
	})
	if err := k.EtfsRegister("/dev/ffs0", img, rump.EtfsBlk); err != nil {
		b.Fatal(err)
	}
	p := k.InitProc()
	if err := p.Mkdir("/mnt", 0o755); err != nil {
		b.Fatal(err)
	}
	mount := func(b *testing.B) {
		if err := p.Mount("ffs", "/dev/ffs0", "/mnt", flags, nil); err != nil {
			b.Fatalf("gorump: mount %s: %v", img, err)
		}
	}
	mount(b)
	return fsSide{k: gorumpKernel{p}, dir: "/mnt", remount: func(b *testing.B) {
		if err := p.Unmount("/mnt", 0); err != nil {
			b.Fatalf("gorump: unmount: %v", err)
		}
		mount(b)
	}}
}

// missingMakefs names makefs when it is not installed.
func missingMakefs() string {
	if _, err := exec.LookPath("makefs"); err != nil {
		return "makefs (Debian package makefs)"
	}
	return ""
}

// makefsSide is the gorump side of the tree reads: the shared tree's
// image, mounted read-only.
func makefsSide(b *testing.B, o Options, z ffsSizes) fsSide {
	b.Helper()
	t := sharedTree(b, o, z)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.img == "" {
		t.img = makefsImage(b, t.src, filepath.Join(t.dir, "tree.img"), z)
	}
	return mountFFS(b, t.img, rump.MNT_RDONLY)
}

// makefsImage makes an image of the host directory src at img with
// Debian's makefs (its default block and fragment sizes). The image is
// UFS1: Debian's makefs 20190105 loses an inode in UFS2 images of a tree
// with 100 directories or more (inode 103 is left zeroed but marked in
// use; ffs.Check reports it), which gorump rightly refuses to open (EIO).
func makefsImage(b *testing.B, src, img string, z ffsSizes) string {
	b.Helper()
	makefs := peer.Require(b, "makefs", "makefs")
	// makefs's own estimate can come out too small for many small
	// files, so give it room: about 4 KiB a file.
	size := max(32<<20, z.dirs*z.perDir*4<<10)
	peer.Run(b, makefs, "-t", "ffs", "-o", "version=1", "-s", fmt.Sprint(size), img, src)
	return img
}

// hostTreeSide is the host side of the tree reads: the shared tree, a
// host directory.
func hostTreeSide(b *testing.B, o Options, z ffsSizes) fsSide {
	b.Helper()
	t := sharedTree(b, o, z)
	return fsSide{k: hostKernel{}, dir: t.src, host: true, remount: func(*testing.B) {}}
}

// A tree fixture is the host directory tree the tree reads walk and its
// makefs image, made once per process (host file creation is slow on
// some hosts: tens of seconds for 10,000 files) and shared by every tree
// read with the same scratch directory and sizes until Cleanup.
type treeFixture struct {
	dir string // the fixture's own directory under the scratch directory
	src string // the tree

	mu  sync.Mutex // guards img
	img string     // the image, once made
}

var trees struct {
	mu sync.Mutex
	m  map[string]*treeFixture // by scratch directory and sizes
}

// sharedTree returns the tree fixture for o and z, making it on first
// use.
func sharedTree(b *testing.B, o Options, z ffsSizes) *treeFixture {
	b.Helper()
	key := fmt.Sprintf("%s %dx%d", o.ScratchDir(), z.dirs, z.perDir)
	trees.mu.Lock()
	defer trees.mu.Unlock()
	if t, ok := trees.m[key]; ok {
		return t
	}
	dir, err := os.MkdirTemp(o.ScratchDir(), "gorump-bench-tree-")
	if err != nil {
		b.Fatal(err)
	}
	t := &treeFixture{dir: dir, src: filepath.Join(dir, "tree")}
	if trees.m == nil {
		trees.m = map[string]*treeFixture{}
	}
	trees.m[key] = t
	buildTree(b, t.src, z)
	return t
}

// Cleanup removes what the operations made to share between benchmarks
// (the trees the tree reads walk). Call it once they have all run.
func Cleanup() {
	trees.mu.Lock()
	defer trees.mu.Unlock()
	for key, t := range trees.m {
		os.RemoveAll(t.dir)
		delete(trees.m, key)
	}
}

// buildTree writes the tree the tree reads walk at host directory dir.
func buildTree(b *testing.B, dir string, z ffsSizes) {
	b.Helper()
	data := pattern(smallFileSize)
	for _, d := range treeDirs(dir, z.dirs) {
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
		for _, f := range treeFiles(d, z.perDir) {
			if err := os.WriteFile(f, data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// treeDirs returns the paths of n directories under top, or just top for
// n 0.
func treeDirs(top string, n int) []string {
	if n == 0 {
		return []string{top}
	}
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = path.Join(top, fmt.Sprintf("d%03d", i))
	}
	return dirs
}

// treeFiles returns the paths of n files in dir.
func treeFiles(dir string, n int) []string {
	files := make([]string, n)
	for i := range files {
		files[i] = path.Join(dir, fmt.Sprintf("f%05d", i))
	}
	return files
}

// writeSeq writes size bytes to name in ffsIOSize pwrites from offset 0,
// then fsyncs and closes it. An existing file keeps its blocks.
func writeSeq(b *testing.B, k kernel, name string, size int64, buf []byte) {
	fd, err := k.OpenWrite(name)
	if err != nil {
		b.Fatalf("open %s: %v", name, err)
	}
	for off := int64(0); off < size; off += int64(len(buf)) {
		if n, err := k.Pwrite(fd, buf, off); err != nil || n != len(buf) {
			b.Fatalf("pwrite %s at %d: %d, %v", name, off, n, err)
		}
	}
	if err := k.Fsync(fd); err != nil {
		b.Fatalf("fsync %s: %v", name, err)
	}
	if err := k.Close(fd); err != nil {
		b.Fatalf("close %s: %v", name, err)
	}
}

// ffsSeqWrite writes a new file of size bytes each iteration on the
// gorump side, its blocks allocated afresh (the old file is unlinked,
// untimed). The host side overwrites its file in place instead: that is
// what happens to the gorump side's image underneath, whose host blocks
// exist once written. A first untimed pass writes those host blocks on
// both sides.
func ffsSeqWrite(b *testing.B, s fsSide, size int64) {
	name := path.Join(s.dir, "seq")
	buf := pattern(ffsIOSize)
	writeSeq(b, s.k, name, size, buf)
	b.SetBytes(size)
	for b.Loop() {
		if !s.host {
			b.StopTimer()
			if err := s.k.Unlink(name); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		writeSeq(b, s.k, name, size, buf)
	}
}

// ffsSeqRead reads a file of size bytes from start to end each
// iteration, after an untimed remount.
func ffsSeqRead(b *testing.B, s fsSide, size int64) {
	name := path.Join(s.dir, "seq")
	writeSeq(b, s.k, name, size, pattern(ffsIOSize))
	buf := make([]byte, ffsIOSize)
	b.SetBytes(size)
	for b.Loop() {
		b.StopTimer()
		s.remount(b)
		b.StartTimer()
		fd, err := s.k.OpenRead(name)
		if err != nil {
			b.Fatal(err)
		}
		for off := int64(0); off < size; off += int64(len(buf)) {
			if n, err := s.k.Pread(fd, buf, off); err != nil || n != len(buf) {
				b.Fatalf("pread at %d: %d, %v", off, n, err)
			}
		}
		if err := s.k.Close(fd); err != nil {
			b.Fatal(err)
		}
	}
}

// ffsCreate makes a new directory holding dirs directories of perDir
// files each (dirs 0: the files directly in it), writing smallFileSize
// bytes to each file; the tree is removed again untimed.
func ffsCreate(b *testing.B, s fsSide, dirs, perDir int) {
	top := path.Join(s.dir, "c")
	subdirs := treeDirs(top, dirs)
	var files []string
	for _, d := range subdirs {
		files = append(files, treeFiles(d, perDir)...)
	}
	data := pattern(smallFileSize)
	for b.Loop() {
		if err := s.k.Mkdir(top); err != nil {
			b.Fatal(err)
		}
		if dirs > 0 {
			for _, d := range subdirs {
				if err := s.k.Mkdir(d); err != nil {
					b.Fatal(err)
				}
			}
		}
		for _, f := range files {
			fd, err := s.k.Create(f)
			if err != nil {
				b.Fatalf("create %s: %v", f, err)
			}
			if n, err := s.k.Write(fd, data); err != nil || n != len(data) {
				b.Fatalf("write %s: %d, %v", f, n, err)
			}
			if err := s.k.Close(fd); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		for _, f := range files {
			if err := s.k.Unlink(f); err != nil {
				b.Fatal(err)
			}
		}
		if dirs > 0 {
			for _, d := range subdirs {
				if err := s.k.Rmdir(d); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := s.k.Rmdir(top); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// ffsReadTree walks the tree at s.dir, reading every file whole; cold
// remounts before each walk, untimed, and otherwise one untimed walk
// warms the caches first.
func ffsReadTree(b *testing.B, s fsSide, files int, cold bool) {
	buf := make([]byte, ffsIOSize)
	var walk func(dir string) int
	walk = func(dir string) int {
		ents, err := s.k.ReadDir(dir)
		if err != nil {
			b.Fatalf("readdir %s: %v", dir, err)
		}
		n := 0
		for _, e := range ents {
			name := path.Join(dir, e.Name)
			if e.Dir {
				n += walk(name)
				continue
			}
			fd, err := s.k.OpenRead(name)
			if err != nil {
				b.Fatalf("open %s: %v", name, err)
			}
			for {
				m, err := s.k.Read(fd, buf)
				if err != nil {
					b.Fatalf("read %s: %v", name, err)
				}
				if m == 0 {
					break
				}
			}
			if err := s.k.Close(fd); err != nil {
				b.Fatal(err)
			}
			n++
		}
		return n
	}
	if !cold {
		walk(s.dir)
	}
	for b.Loop() {
		if cold {
			b.StopTimer()
			s.remount(b)
			b.StartTimer()
		}
		if n := walk(s.dir); n != files {
			b.Fatalf("walked %d files, want %d", n, files)
		}
	}
}

// HostFSType returns the type of the host file system holding dir, as
// /proc/self/mountinfo names it ("ext4", "tmpfs"...), or "unknown".
func HostFSType(dir string) string {
	dir, err := filepath.Abs(dir)
	if err == nil {
		dir, err = filepath.EvalSymlinks(dir)
	}
	if err != nil {
		return "unknown"
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	best, typ := "", "unknown"
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options [optional...] - type source superoptions
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, f := range fields {
			if f == "-" {
				sep = i
				break
			}
		}
		if len(fields) < 5 || sep < 0 || sep+1 >= len(fields) {
			continue
		}
		mp := fields[4]
		under := mp == "/" || dir == mp || strings.HasPrefix(dir, mp+"/")
		if under && len(mp) >= len(best) {
			best, typ = mp, fields[sep+1]
		}
	}
	return typ
}
