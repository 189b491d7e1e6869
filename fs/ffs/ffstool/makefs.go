package ffstool

import (
	"fmt"
	"hash/fnv"
	"os"
	"strconv"
	"time"

	"github.com/gorump/gorump/fs/ffs"
)

// MakefsOptions describe the image Makefs makes. The zero value asks for
// what NetBSD's makefs -t ffs makes by default: UFS1, little-endian,
// 8192-byte blocks and 1024-byte fragments, sized to fit the tree.
type MakefsOptions struct {
	// Version is 1 (UFS1, the default, as for makefs) or 2 (UFS2).
	Version int
	// BigEndian writes the file system in big-endian byte order.
	BigEndian bool
	// BlockSize and FragmentSize in bytes; 0 means 8192 and 1024 (a
	// fragment size alone picks the block size, and the other way
	// round).
	BlockSize, FragmentSize int64
	// Density is bytes of data space per inode; 0 derives it from the
	// tree, so that the image has the inodes the tree needs and the
	// free inodes asked for.
	Density int64
	// MinFree is the percentage kept free for root (0 means 5); a
	// computed size keeps it free after the copy.
	MinFree int64

	// Size is the image size in bytes; 0 computes the smallest that
	// holds the tree with the free blocks and inodes asked for. MinSize
	// and MaxSize bound a computed size; a tree that needs more than
	// MaxSize is an error.
	Size, MinSize, MaxSize int64
	// FreeBlocks are whole blocks to leave free, in addition to
	// FreeBlocksPercent percent of the blocks the tree takes (makefs
	// -b). FreeFiles and FreeFilesPercent do the same for inodes
	// (makefs -f). They apply to a computed size.
	FreeBlocks, FreeBlocksPercent int64
	FreeFiles, FreeFilesPercent   int64

	// VolumeName is the volume label (UFS2 only).
	VolumeName string

	// Epoch is the time the image is made at, to the second: every
	// inode's change and birth time and the superblock's and cylinder
	// groups' times. It also
	// seeds inode generation numbers and the file-system id, so that
	// the same tree and epoch give the same bytes. The zero value takes
	// SOURCE_DATE_EPOCH from the environment, or else the current time.
	Epoch time.Time
	// ClampTimes sets access and modification times later than Epoch
	// to Epoch (makefs -T).
	ClampTimes bool

	// Progress, if set, is called as the build goes on, from the
	// goroutine that called Makefs.
	Progress func(Progress)
}

// Progress reports how far a build is.
type Progress struct {
	// Phase is "scan" while the tree is read to size the image (totals
	// not known yet), then "copy".
	Phase string
	// Entries and Bytes are done; TotalEntries and TotalBytes are the
	// whole tree's (the names below the root, and the sizes of its
	// regular files).
	Entries, TotalEntries int64
	Bytes, TotalBytes     int64
}

// Info describes a file system found on an image: ffs.Info.
type Info = ffs.Info

// MakefsResult describes the image Makefs made.
type MakefsResult struct {
	Info
	// Density is the bytes per inode the image was laid out with.
	Density int64
	// Epoch is the time the image was made at (whole seconds).
	Epoch time.Time
	// Counts of what the tree held: directories (the root included),
	// regular files, symlinks, FIFOs and device nodes, and names that
	// are further hard links to an inode already counted.
	Dirs, Files, Symlinks, Specials, HardLinks int64
	// FileBytes is the regular files' total size, each inode once.
	FileBytes int64
	// Skipped lists the paths FFS cannot hold (sockets), not copied.
	Skipped []string
}

// resolved are MakefsOptions with defaults applied.
type resolved struct {
	MakefsOptions
	minFree int64
	epoch   time.Time
	seed    uint64
	id      uint32
	clamp   bool
}

// Defaults as NetBSD's makefs has them.
const (
	defaultBlockSize    = 8192
	defaultFragmentSize = 1024
	defaultMinFree      = 5
)

// resolve applies defaults and checks what can be checked before the
// tree is read.
func (o MakefsOptions) resolve() (*resolved, error) {
	r := &resolved{MakefsOptions: o, minFree: o.MinFree, clamp: o.ClampTimes}
	if r.Version == 0 {
		r.Version = 1
	}
	if r.Version != 1 && r.Version != 2 {
		return nil, badOption("version %d: want 1 or 2", r.Version)
	}
	switch {
	case r.BlockSize == 0 && r.FragmentSize == 0:
		r.BlockSize, r.FragmentSize = defaultBlockSize, defaultFragmentSize
	case r.FragmentSize == 0:
		r.FragmentSize = max(r.BlockSize/8, 512)
	case r.BlockSize == 0:
		r.BlockSize = max(r.FragmentSize, min(8*r.FragmentSize, defaultBlockSize))
	}
	if err := checkGeometry(r.BlockSize, r.FragmentSize); err != nil {
		return nil, err
	}
	if r.minFree == 0 {
		r.minFree = defaultMinFree
	}
	if r.minFree < 0 || r.minFree > 99 {
		return nil, badOption("minfree %d%%: want 1 to 99", r.minFree)
	}
	for _, v := range []struct {
		name string
		n    int64
	}{{"density", r.Density}, {"size", r.Size}, {"minimum size", r.MinSize}, {"maximum size", r.MaxSize},
		{"free blocks", r.FreeBlocks}, {"free blocks percentage", r.FreeBlocksPercent},
		{"free files", r.FreeFiles}, {"free files percentage", r.FreeFilesPercent}} {
		if v.n < 0 {
			return nil, badOption("%s %d is negative", v.name, v.n)
		}
	}
	r.Size -= r.Size % 512 // whole sectors
	if r.MaxSize > 0 && r.MinSize > r.MaxSize {
		return nil, badOption("minimum size %d is above the maximum size %d", r.MinSize, r.MaxSize)
	}
	if r.VolumeName != "" && r.Version != 2 {
		return nil, badOption("a volume name needs UFS2 (version 2)")
	}
	if len(r.VolumeName) > 31 {
		return nil, badOption("volume name %q: at most 31 bytes", r.VolumeName)
	}
	epoch, err := Epoch(o.Epoch)
	if err != nil {
		return nil, err
	}
	// Newfs stores whole seconds; so must every other timestamp.
	r.epoch = epoch.Truncate(time.Second)
	h := fnv.New64a()
	fmt.Fprintf(h, "gorump ffs makefs %d", r.epoch.Unix())
	r.seed = h.Sum64()
	r.id = uint32(r.seed>>32) ^ uint32(r.seed)
	return r, nil
}

func pow2(n int64) bool { return n > 0 && n&(n-1) == 0 }

// Epoch returns t unless it is the zero time, then the time
// SOURCE_DATE_EPOCH gives (seconds since 1970), then the current time.
// A SOURCE_DATE_EPOCH that is not a count of seconds is an error, as the
// reproducible-builds specification asks.
func Epoch(t time.Time) (time.Time, error) {
	if !t.IsZero() {
		return t, nil
	}
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil || sec < 0 {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q is not a count of seconds since 1970", v)
		}
		return time.Unix(sec, 0), nil
	}
	return time.Now().Round(0), nil
}

// maxBuildTries bounds rebuilds with a larger size when a computed size
// proves too small.
const maxBuildTries = 4

// Makefs makes an FFS image at imagePath holding the tree at srcDir, as
// NetBSD's makefs -t ffs does: directories, regular files (blocks of
// zeroes become holes), symlinks, hard links (one inode), FIFOs and
// device nodes, with their modes (set-id and sticky bits included),
// owners and access and modification times. Sockets are skipped. The
// tree is walked in sorted order and copied through a gorump kernel on
// an in-memory host whose clock stands at the epoch, so the same tree
// and epoch give a byte-identical image. The image is written to its
// file as it is built, in memory that does not grow with the image; a
// regular file gets holes where the image is zero. An existing file is
// emptied first; a failed build removes the file if Makefs created it.
func Makefs(imagePath, srcDir string, opts MakefsOptions) (*MakefsResult, error) {
	res, err := makefs(imagePath, srcDir, opts)
	if err != nil {
		return nil, wrapOp("makefs", "", err)
	}
	return res, nil
}

func makefs(imagePath, srcDir string, opts MakefsOptions) (res *MakefsResult, err error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	t, err := scanTree(srcDir)
	if err != nil {
		return nil, err
	}
	g := geometry{bsize: o.BlockSize, fsize: o.FragmentSize, ufs2: o.Version == 2}
	pc := &progressCounter{fn: o.Progress, p: Progress{Phase: "scan"}}
	newfs := ffs.NewfsOptions{Version: o.Version, BigEndian: o.BigEndian, BlockSize: o.BlockSize,
		FragmentSize: o.FragmentSize, Density: o.Density, MinFree: o.minFree, VolumeName: o.VolumeName,
		Time: o.epoch.Unix(), ID: o.id}
	computed := o.Size == 0
	if computed {
		n, err := estimate(t, g, pc.bytes)
		if err != nil {
			return nil, err
		}
		newfs.Size, newfs.Density, err = computeSize(sizing{need: n, geometry: g, base: newfs, minFree: o.minFree,
			freeFrags:  o.FreeBlocks*g.frag() + o.FreeBlocksPercent*n.frags/100,
			freeInodes: o.FreeFiles + o.FreeFilesPercent*n.inodes/100,
			minSize:    o.MinSize, maxSize: o.MaxSize})
		if err != nil {
			return nil, err
		}
	} else {
		newfs.Size = o.Size
		if newfs.Density, err = densityFor(newfs, t.inodes); err != nil {
			return nil, err
		}
	}
	out, created, err := openOutput(imagePath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", imagePath, unwrapPath(err))
	}
	defer func() {
		if cerr := out.closeFile(); err == nil && cerr != nil {
			res, err = nil, cerr
		}
		if err != nil && created {
			os.Remove(imagePath)
		}
	}()
	for try := 1; ; try++ {
		pc.reset(Progress{Phase: "copy", TotalEntries: t.entries, TotalBytes: t.fileBytes})
		err := build(t, o, g, newfs, pc, out)
		if err == nil {
			if err := out.finish(); err != nil {
				return nil, err
			}
			break
		}
		if !isNoSpace(err) {
			return nil, err
		}
		if !computed {
			return nil, fmt.Errorf("size %d bytes: the tree does not fit", newfs.Size)
		}
		if try == maxBuildTries || (o.MaxSize > 0 && newfs.Size >= o.MaxSize) {
			return nil, fmt.Errorf("the tree did not fit in the %d bytes computed for it: %w", newfs.Size, err)
		}
		// The estimate fell short: grow by a quarter and build again.
		grown := (newfs.Size + newfs.Size/4 + o.BlockSize - 1) / o.BlockSize * o.BlockSize
		if o.MaxSize > 0 {
			grown = min(grown, o.MaxSize)
		}
		if o.Density == 0 {
			newfs.Density = newfs.Density * newfs.Size / grown
		}
		newfs.Size = grown
	}
	d, err := openFileDisk(imagePath, true)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	info, err := ffs.Probe(d)
	if err != nil {
		return nil, fmt.Errorf("reading back %s: %w", imagePath, err)
	}
	return &MakefsResult{Info: info, Density: newfs.Density, Epoch: o.epoch,
		Dirs: t.dirs, Files: t.files, Symlinks: t.symlinks, Specials: t.specials, HardLinks: t.hardLinks,
		FileBytes: t.fileBytes, Skipped: t.skipped}, nil
}

// densityFor returns the density for an image of a given size: the one
// asked for, else newfs's default unless that leaves fewer inodes than
// the tree needs, else one that gives enough.
func densityFor(opts ffs.NewfsOptions, inodes int64) (int64, error) {
	if opts.Density != 0 {
		return opts.Density, nil
	}
	l, err := probeLayout(opts)
	if isNoSpace(err) {
		return 0, tooSmall(opts.Size)
	}
	if err != nil {
		return 0, fmt.Errorf("size %d bytes: %w", opts.Size, err)
	}
	if l.freeInodes >= inodes {
		return 0, nil
	}
	return max(opts.Size/(inodes+4), 1), nil
}

// progressCounter feeds Progress.
type progressCounter struct {
	fn func(Progress)
	p  Progress
}

func (c *progressCounter) reset(p Progress) {
	c.p = p
	c.report()
}

func (c *progressCounter) entry() {
	c.p.Entries++
	c.report()
}

func (c *progressCounter) bytes(n int64) {
	c.p.Bytes += n
	c.report()
}

func (c *progressCounter) report() {
	if c != nil && c.fn != nil {
		c.fn(c.p)
	}
}
