package ffs

import (
	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/vfs"
)

// SetCacheBytes sets the buffer-cache size of the mounts made from now
// on, for tests that want the cache to evict, and returns a function
// that restores it.
func SetCacheBytes(n int64) (restore func()) {
	old := cacheBytes
	cacheBytes = n
	return func() { cacheBytes = old }
}

// PoisonFree fills every block of the FFS on d that its cylinder groups
// record as free, and the UFS2 inode blocks not yet initialised, with what a deleted file's indirect blocks would hold:
// pointers to the blocks of the inodes inos (the data and indirect
// blocks that hold what they are), over and over, and syncs d. A crash
// test uses it to make sure that nothing on the disk ever points at a
// block before what the block should hold is written: a stale indirect
// block would otherwise claim the blocks of those inodes, and fsck clear
// them.
func PoisonFree(d disk.Disk, inos []uint64) error {
	v, err := New(nil, d, true)
	if err != nil {
		return err
	}
	f := v.(*fsys)
	sb := f.sb
	var targets []int64
	for _, ino := range inos {
		n, err := f.Vget(vfs.Ino(ino))
		if err != nil {
			return err
		}
		ip := n.(*node).ip
		for lbn := int64(0); lbn < (ip.size+sb.bsize-1)>>sb.bshift; lbn++ {
			if a, err := f.bmap(ip, lbn); err == nil && a != 0 {
				targets = append(targets, a)
			}
		}
		for _, a := range ip.ib {
			if a != 0 {
				targets = append(targets, a)
			}
		}
	}
	if len(targets) == 0 {
		return nil
	}
	block := make([]byte, sb.bsize)
	ptr := f.ptrSize()
	for i := int64(0); i < sb.bsize/ptr; i++ {
		a := targets[i%int64(len(targets))]
		if sb.ufs2 {
			sb.bo.PutUint64(block[i*ptr:], uint64(a))
		} else {
			sb.bo.PutUint32(block[i*ptr:], uint32(a))
		}
	}
	inodes := make([]byte, sb.bsize)
	for i := range sb.inopb {
		ip := &dinode{mode: 0o100644, nlink: 1, size: ndaddr * sb.bsize, blocks: ndaddr * sb.bsize / 512}
		for j := range ip.db {
			ip.db[j] = targets[(int(i)*ndaddr+j)%len(targets)]
		}
		sb.encodeInode(ip, inodes[i*sb.inodeSize():(i+1)*sb.inodeSize()])
	}
	for c := range sb.ncg {
		g, err := f.readCG(c)
		if err != nil {
			return err
		}
		// UFS2 inode blocks not yet initialised hold what was there
		// before: say, the inodes of an older file system.
		for i := g.i32(cgOffInitedIblk); sb.ufs2 && i < sb.ipg; i += sb.inopb {
			if _, err := d.WriteAt(inodes, sb.inodeAddr(c*sb.ipg+i)); err != nil {
				return err
			}
		}
		for rel := int64(0); rel+sb.frag <= g.ndblk(); rel += sb.frag {
			if f.blockFree(g, rel) {
				if _, err := d.WriteAt(block, (c*sb.fpg+rel)<<sb.fshift); err != nil {
					return err
				}
			}
		}
	}
	return d.Sync()
}
