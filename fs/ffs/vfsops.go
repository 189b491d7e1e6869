package ffs

import (
	"fmt"

	"github.com/gorump/gorump/dev/bufcache"
	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/vfs"
)

// cacheBytes is the default buffer-cache size of a mount.
const cacheBytes = 32 << 20

// fsys is one mounted FFS.
type fsys struct {
	k  *kern.Kernel
	d  disk.Disk
	bc *bufcache.Cache
	sb *superblock
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
}

// Probe reads the superblock of d and describes the file system.
func Probe(d disk.Disk) (Info, error) {
	sb, err := readSuperblock(d)
	if err != nil {
		return Info{}, err
	}
	return Info{UFS2: sb.ufs2, BigEndian: sb.bo.Uint16([]byte{0, 1}) == 1, Superblock: sb.loc,
		BlockSize: sb.bsize, FragmentSize: sb.fsize, Size: sb.size << sb.fshift, CylGroups: sb.ncg,
		Inodes: sb.ncg * sb.ipg, Clean: sb.clean, VolumeName: sb.volname}, nil
}

// New mounts the FFS on d, read-only. k supplies the clock; it may be
// nil for tools that only read.
func New(k *kern.Kernel, d disk.Disk) (vfs.FileSystem, error) {
	sb, err := readSuperblock(d)
	if err != nil {
		return nil, err
	}
	bsize := int(sb.bsize)
	if bsize%d.SectorSize() != 0 {
		return nil, fmt.Errorf("ffs: block size %d on %d-byte sectors: %w", bsize, d.SectorSize(), errno.EFTYPE)
	}
	bc, err := bufcache.New(d, bsize, cacheBytes)
	if err != nil {
		return nil, err
	}
	f := &fsys{k: k, d: d, bc: bc, sb: sb}
	root, err := f.Vget(rootIno)
	if err != nil {
		return nil, fmt.Errorf("ffs: root directory: %w", err)
	}
	if root.(*node).ip.mode&kern.S_IFMT != kern.S_IFDIR {
		return nil, fmt.Errorf("ffs: root inode is not a directory: %w", errno.EFTYPE)
	}
	return f, nil
}

func init() {
	vfs.RegisterFS(vfs.Driver{Name: "ffs", Mount: mount})
}

func mount(args vfs.MountArgs) (vfs.FileSystem, error) {
	if args.Device == nil {
		return nil, fmt.Errorf("ffs: mount needs a block device: %w", errno.ENOTBLK)
	}
	if !args.ReadOnly {
		return nil, fmt.Errorf("ffs: read-write mounts are not supported yet: %w", errno.EROFS)
	}
	d, err := disk.FromFile(args.Device.File, 512, true)
	if err != nil {
		return nil, err
	}
	if args.Device.Offset != 0 || args.Device.Size != d.Size() {
		if d, err = disk.Slice(d, args.Device.Offset, args.Device.Size-args.Device.Size%512); err != nil {
			return nil, err
		}
	}
	return New(args.Kernel, d)
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
	free := sb.cstotal.nbfree*sb.frag + sb.cstotal.nffree
	return vfs.Statvfs{Bsize: uint64(sb.bsize), Frsize: uint64(sb.fsize), Iosize: uint64(sb.bsize),
		Blocks: uint64(sb.dsize), Bfree: uint64(max(free, 0)), Bavail: uint64(max(free, 0)),
		Files: uint64(sb.ncg * sb.ipg), Ffree: uint64(max(sb.cstotal.nifree, 0)), Favail: uint64(max(sb.cstotal.nifree, 0)),
		Namemax: 255}, nil
}

func (f *fsys) Sync(bool) error { return nil }
func (f *fsys) Unmount() error  { return nil }
