package ffs

// Crash safety: the order in which metadata reaches the disk.
//
// The driver writes through the buffer cache, which puts blocks on the
// disk lazily, in block order, at Sync or on eviction. After a crash,
// any subset of those writes may be missing, and the checker (fsck) must
// be able to repair what is left without losing what was synced. Most
// metadata can be lost in any combination: fsck rebuilds the cylinder
// groups from the inodes, removes entries that name free inodes,
// reconnects inodes that no entry names, and fixes link counts. What it
// cannot undo is a pointer to a block whose contents were never written:
// a block allocated as an indirect block still holds what its last owner
// left, maybe the pointers of a deleted file's indirect block, and fsck
// would take them for the new owner's, find blocks claimed twice and
// clear every inode that claims them, synced files included.
//
// So, as classic FFS does without soft updates, some writes are
// synchronous (Buf.Write, one disk write each, no cache flush), made
// before the change that depends on them:
//   - a new indirect block is zeroed on the disk before anything points
//     at it (ffs_balloc's synchronous write of new indirect blocks);
//   - UFS2 inode blocks are zeroed on the disk before the cylinder group
//     that counts them initialised is written, so fsck never reads stale
//     bytes as inodes.
//
// Fsync syncs the whole file system, so a file's data and every
// metadata change before it are on the disk when it returns.

// flushBlocks puts the cached blocks holding bytes [off, off+n) of the
// file system on the disk now.
func (f *fsys) flushBlocks(off, n int64) error {
	bs := int64(f.bc.BlockSize())
	for blk := off / bs; blk*bs < off+n; blk++ {
		b, err := f.bc.Get(blk)
		if err != nil {
			return err
		}
		err = b.Write()
		b.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// allocIndirect allocates a block for an indirect block near pref and
// zeroes it on the disk before returning it, so that nothing can point
// at stale pointers.
func (f *fsys) allocIndirect(pref, nbytes int64) (int64, error) {
	addr, err := f.allocRun(pref, nbytes)
	if err != nil {
		return 0, err
	}
	if err := f.flushBlocks(addr<<f.sb.fshift, nbytes); err != nil {
		return 0, err
	}
	return addr, nil
}
