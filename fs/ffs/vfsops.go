package ffs

import (
	"fmt"
	"sync"

	"github.com/gorump/gorump/dev/bufcache"
	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/vfs"
)

// cacheBytes is the buffer-cache size of a mount; a variable so that
// crash tests can make the cache evict.
var cacheBytes int64 = 32 << 20

// fsys is one mounted FFS.
type fsys struct {
	k  *kern.Kernel
	d  disk.Disk
	bc *bufcache.Cache
	sb *superblock
	ro bool

	// mu guards the allocation state: cylinder groups, the summary
	// array, the superblock's counts. It is taken inside vnode locks.
	mu      sync.Mutex
	cgs     map[int64]*cylGroup
	csums   []csum
	sbDirty bool
}

// Info describes a file system found on a disk.
type Info struct {
	UFS2         bool
	BigEndian    bool
	Superblock   int64 // byte offset of the superblock found
	BlockSize    int64
	FragmentSize int64
	Size         int64 // bytes
	CylGroups    int64
	Inodes       int64
	Clean        bool
	VolumeName   string
	// SuperblockCopies are the byte offsets of the cylinder groups'
	// copies of the superblock, other than the primary's own place: what
	// fsck_ffs -b (CheckOptions.AltSuperblock) can name.
	SuperblockCopies []int64
}

// Probe reads the superblock of d and describes the file system.
func Probe(d disk.Disk) (Info, error) {
	sb, err := readSuperblock(d)
	if err != nil {
		return Info{}, err
	}
	var copies []int64
	for c := range sb.ncg {
		if at := (sb.cgStart(c) + sb.sblkno) << sb.fshift; at != sb.loc {
			copies = append(copies, at)
		}
	}
	return Info{UFS2: sb.ufs2, BigEndian: sb.bo.Uint16([]byte{0, 1}) == 1, Superblock: sb.loc,
		BlockSize: sb.bsize, FragmentSize: sb.fsize, Size: sb.size << sb.fshift, CylGroups: sb.ncg,
		Inodes: sb.ncg * sb.ipg, Clean: sb.clean, VolumeName: sb.volname, SuperblockCopies: copies}, nil
}

// New mounts the FFS on d. k supplies the clock and may be nil for
// read-only tools. A read-write mount is refused (EROFS) for a file system
// that is not clean, has a WAPBL journal or soft dependencies, or carries
// feature flags this driver does not know: writing to it could lose what
// it holds.
func New(k *kern.Kernel, d disk.Disk, readOnly bool) (vfs.FileSystem, error) {
	sb, err := readSuperblock(d)
	if err != nil {
		return nil, err
	}
	bsize := int(sb.bsize)
	if bsize%d.SectorSize() != 0 {
		return nil, fmt.Errorf("ffs: block size %d on %d-byte sectors: %w", bsize, d.SectorSize(), errno.EFTYPE)
	}
	if !readOnly {
		switch {
		case d.ReadOnly():
			return nil, fmt.Errorf("ffs: the disk is read-only: %w", errno.EROFS)
		case sb.readWriteRefusal() != nil:
			return nil, sb.readWriteRefusal() // the checker reports the same (features.go)
		case !sb.clean || sb.flags&fsNeedsFsck != 0:
			return nil, fmt.Errorf("ffs: the file system is not clean; check it first: %w", errno.EROFS)
		case k == nil:
			return nil, fmt.Errorf("ffs: a read-write mount needs a kernel clock: %w", errno.EINVAL)
		}
	}
	bc, err := bufcache.New(d, bsize, cacheBytes)
	if err != nil {
		return nil, err
	}
	f := &fsys{k: k, d: d, bc: bc, sb: sb, ro: readOnly, cgs: map[int64]*cylGroup{}}
	root, err := f.Vget(rootIno)
	if err != nil {
		return nil, fmt.Errorf("ffs: root directory: %w", err)
	}
	if root.(*node).ip.mode&kern.S_IFMT != kern.S_IFDIR {
		return nil, fmt.Errorf("ffs: root inode is not a directory: %w", errno.EFTYPE)
	}
	if readOnly {
		return f, nil
	}
	if err := f.readCsums(); err != nil {
		return nil, err
	}
	// Mark the file system in use on the disk before changing anything,
	// so a crash leaves it marked for checking.
	sb.clean = false
	if err := f.writeSuperblock(); err != nil {
		return nil, err
	}
	if err := bc.Sync(); err != nil {
		return nil, err
	}
	return f, nil
}

// readCsums loads the per-group summary array at fs_csaddr.
func (f *fsys) readCsums() error {
	sb := f.sb
	raw := make([]byte, sb.ncg*16)
	if sb.csaddr <= 0 || sb.csaddr+((int64(len(raw))+sb.fsize-1)>>sb.fshift) > sb.size {
		return fmt.Errorf("ffs: summary area at %d: %w", sb.csaddr, errno.EFTYPE)
	}
	if err := f.readAt(raw, sb.csaddr<<sb.fshift); err != nil {
		return err
	}
	f.csums = make([]csum, sb.ncg)
	for c := range sb.ncg {
		b := raw[16*c:]
		f.csums[c] = csum{int64(int32(sb.bo.Uint32(b))), int64(int32(sb.bo.Uint32(b[4:]))),
			int64(int32(sb.bo.Uint32(b[8:]))), int64(int32(sb.bo.Uint32(b[12:])))}
	}
	return nil
}

// writeSuperblock puts the superblock in the buffer cache.
func (f *fsys) writeSuperblock() error {
	if f.k != nil {
		f.sb.time = f.k.Now().Sec
	}
	f.sb.encode()
	return f.writeAt(f.sb.raw, f.sb.loc)
}

// flushMeta writes the dirty cylinder groups, the summary array and the
// superblock into the buffer cache.
func (f *fsys) flushMetaLocked() error {
	sb := f.sb
	for _, g := range f.cgs {
		if !g.dirty {
			continue
		}
		if f.k != nil {
			now := f.k.Now().Sec
			g.set32(cgOffOldTime, now)
			if sb.ufs2 {
				sb.bo.PutUint64(g.raw[cgOffTime:], uint64(now))
			}
		}
		if err := f.writeAt(g.raw, sb.cgAddr(g.c)); err != nil {
			return err
		}
		g.dirty = false
	}
	if !f.sbDirty {
		return nil
	}
	raw := make([]byte, sb.ncg*16)
	for c, s := range f.csums {
		b := raw[16*c:]
		sb.bo.PutUint32(b, uint32(s.ndir))
		sb.bo.PutUint32(b[4:], uint32(s.nbfree))
		sb.bo.PutUint32(b[8:], uint32(s.nifree))
		sb.bo.PutUint32(b[12:], uint32(s.nffree))
	}
	if err := f.writeAt(raw, sb.csaddr<<sb.fshift); err != nil {
		return err
	}
	if err := f.writeSuperblock(); err != nil {
		return err
	}
	f.sbDirty = false
	return nil
}

func init() {
	vfs.RegisterFS(vfs.Driver{Name: "ffs", Mount: mount, NeedsDevice: true})
}

func mount(args vfs.MountArgs) (vfs.FileSystem, error) {
	if args.Device == nil {
		return nil, fmt.Errorf("ffs: mount needs a block device: %w", errno.ENOTBLK)
	}
	d, err := disk.FromFile(args.Device.File, 512, args.ReadOnly || args.Device.ReadOnly)
	if err != nil {
		return nil, err
	}
	if args.Device.Offset != 0 || args.Device.Size != d.Size() {
		if d, err = disk.Slice(d, args.Device.Offset, args.Device.Size-args.Device.Size%512); err != nil {
			return nil, err
		}
	}
	return New(args.Kernel, d, args.ReadOnly)
}

func (f *fsys) Root() vfs.Ino { return rootIno }

// Vget reads inode ino and checks it.
func (f *fsys) Vget(ino vfs.Ino) (vfs.Node, error) {
	sb := f.sb
	if ino < rootIno || int64(ino) >= sb.ncg*sb.ipg {
		return nil, errno.ENOENT
	}
	buf := make([]byte, sb.inodeSize())
	if err := f.readAt(buf, sb.inodeAddr(int64(ino))); err != nil {
		return nil, err
	}
	ip := sb.parseInode(buf)
	if err := sb.checkInode(int64(ino), ip); err != nil {
		return nil, err
	}
	if ip.mode == 0 || ip.nlink == 0 {
		return nil, fmt.Errorf("ffs: inode %d is free: %w", ino, errno.EIO)
	}
	return &node{fs: f, ino: int64(ino), ip: ip}, nil
}

func (f *fsys) Statvfs() (vfs.Statvfs, error) {
	sb := f.sb
	f.mu.Lock() // allocation changes the totals
	t := sb.cstotal
	f.mu.Unlock()
	// As NetBSD's ffs_statvfs: the minfree reserve is counted free but
	// not available, and inodes 0 and 1, never handed out, are no files.
	free := max(t.nbfree*sb.frag+t.nffree, 0)
	resvd := sb.reserved()
	return vfs.Statvfs{Bsize: uint64(sb.bsize), Frsize: uint64(sb.fsize), Iosize: uint64(sb.bsize),
		Blocks: uint64(sb.dsize), Bfree: uint64(free), Bavail: uint64(max(free-resvd, 0)), Bresvd: uint64(resvd),
		Files: uint64(sb.ncg*sb.ipg - rootIno), Ffree: uint64(max(t.nifree, 0)), Favail: uint64(max(t.nifree, 0)),
		Namemax: 255}, nil
}

// Sync writes the metadata and every dirty buffer and flushes the disk.
func (f *fsys) Sync(bool) error {
	if f.ro {
		return nil
	}
	f.mu.Lock()
	err := f.flushMetaLocked()
	f.mu.Unlock()
	if err != nil {
		return err
	}
	return f.bc.Sync()
}

// Unmount syncs and, once everything is on the disk, marks the file
// system clean.
func (f *fsys) Unmount() error {
	if f.ro {
		return nil
	}
	if err := f.Sync(true); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sb.clean = true
	if err := f.writeSuperblock(); err != nil {
		return err
	}
	return f.bc.Sync()
}
