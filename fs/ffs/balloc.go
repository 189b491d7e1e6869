package ffs

import (
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// Block allocation for files (ffs_balloc) and truncation (ffs_truncate).
// The invariant they keep is FFS's: only a file's last block, and only
// when it is one of the direct blocks, may be a run of fragments shorter
// than a block, of fragroundup(size mod bsize) bytes; every other block is
// whole. All of it runs with the node's vnode lock held exclusively.

// lastLbn returns the logical block holding the last byte of a file of
// size bytes, or -1 for an empty file.
func (sb *superblock) lastLbn(size int64) int64 {
	if size <= 0 {
		return -1
	}
	return (size - 1) >> sb.bshift
}

// blkSize returns how many bytes block lbn of a file of size bytes holds
// on the disk (dblksize).
func (sb *superblock) blkSize(size, lbn int64) int64 {
	if lbn >= ndaddr || lbn < sb.lastLbn(size) {
		return sb.bsize
	}
	return sb.fragRoundup(size - lbn<<sb.bshift)
}

func (sb *superblock) fragRoundup(n int64) int64 { return (n + sb.fsize - 1) &^ (sb.fsize - 1) }

// blkPref suggests where block lbn should go: after the block before it,
// or at the inode's own group.
func (n *node) blkPref(lbn int64) int64 {
	sb := n.fs.sb
	if lbn > 0 && lbn-1 < ndaddr {
		if prev := n.ip.db[lbn-1]; prev != 0 {
			return prev + sb.frag
		}
	}
	return (n.ino / sb.ipg) * sb.fpg
}

// allocatingAs makes n's block allocations cred's until the returned
// function is called. The caller holds n exclusively.
func (n *node) allocatingAs(cred *kern.Cred) (restore func()) {
	old := n.allocCred
	n.allocCred = cred
	return func() { n.allocCred = old }
}

// mayAllocate refuses (ENOSPC) an allocation for n once the free space
// is down to the minfree reserve and n allocates for somebody other than
// the superuser: NetBSD's ffs_alloc and ffs_realloccg check freespace()
// against fs_minfree before every allocation, and kauth lets only root
// (KAUTH_SYSTEM_FS_RESERVEDSPACE) go on.
func (n *node) mayAllocate() error {
	if n.allocCred == nil || n.allocCred.IsRoot() {
		return nil
	}
	f := n.fs
	f.mu.Lock()
	t := f.sb.cstotal
	f.mu.Unlock()
	if t.nbfree*f.sb.frag+t.nffree-f.sb.reserved() <= 0 {
		return errno.ENOSPC
	}
	return nil
}

// allocRun allocates nbytes (a multiple of the fragment size, at most a
// block) near pref and zeroes it on the disk.
func (f *fsys) allocRun(pref, nbytes int64) (int64, error) {
	addr, err := f.allocUncleared(pref, nbytes)
	if err != nil {
		return 0, err
	}
	if err := f.zeroAt(addr<<f.sb.fshift, nbytes); err != nil {
		return 0, err
	}
	return addr, nil
}

// allocUncleared allocates like allocRun but leaves the contents as they
// are: for a data block that the caller overwrites whole right away, as
// NetBSD's ffs_balloc leaves out B_CLRBUF for a write covering the
// block. Zeroes written first would share the block's buffer with the
// data and reach the disk with it, never alone.
func (f *fsys) allocUncleared(pref, nbytes int64) (int64, error) {
	sb := f.sb
	f.mu.Lock()
	var addr int64
	var err error
	if nbytes == sb.bsize {
		addr, err = f.allocBlock(pref)
	} else {
		addr, err = f.allocFrags(pref, nbytes>>sb.fshift)
	}
	f.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return addr, nil
}

// freeRun frees nbytes at fragment address addr.
func (f *fsys) freeRun(addr, nbytes int64) error {
	sb := f.sb
	if addr == 0 || nbytes == 0 {
		return nil
	}
	f.mu.Lock()
	err := f.freeFrags(addr, nbytes>>sb.fshift)
	f.mu.Unlock()
	if err == nil && nbytes == sb.bsize && int64(f.bc.BlockSize()) == sb.bsize {
		f.bc.Invalidate((addr << sb.fshift) / sb.bsize)
	}
	return err
}

// growDirect makes direct block lbn hold newBytes instead of oldBytes
// (both fragment multiples): in place when the fragments after it are
// free, else by moving it. overwrite says the caller writes all of a
// new whole block right away.
func (n *node) growDirect(lbn, oldBytes, newBytes int64, overwrite bool) error {
	f, sb := n.fs, n.fs.sb
	if oldBytes < newBytes {
		if err := n.mayAllocate(); err != nil {
			return err
		}
	}
	addr := n.ip.db[lbn]
	if addr == 0 {
		alloc := f.allocRun
		if overwrite && newBytes == sb.bsize {
			alloc = f.allocUncleared
		}
		a, err := alloc(n.blkPref(lbn), newBytes)
		if err != nil {
			return err
		}
		n.ip.db[lbn] = a
		n.ip.blocks += newBytes / 512
		return nil
	}
	if oldBytes >= newBytes {
		return nil
	}
	f.mu.Lock()
	ok, err := f.extendFrags(addr, oldBytes>>sb.fshift, newBytes>>sb.fshift)
	f.mu.Unlock()
	if err != nil {
		return err
	}
	if ok {
		if err := f.zeroAt(addr<<sb.fshift+oldBytes, newBytes-oldBytes); err != nil {
			return err
		}
	} else {
		na, err := f.allocRun(addr, newBytes)
		if err != nil {
			return err
		}
		old := make([]byte, oldBytes)
		if err := f.readAt(old, addr<<sb.fshift); err != nil {
			return err
		}
		if err := f.writeAt(old, na<<sb.fshift); err != nil {
			return err
		}
		if err := f.freeRun(addr, oldBytes); err != nil {
			return err
		}
		n.ip.db[lbn] = na
	}
	n.ip.blocks += (newBytes - oldBytes) / 512
	return nil
}

// balloc makes sure block lbn of the file exists with room for a file of
// newSize bytes, and returns its fragment address. It first grows a
// fragment tail that is no longer last into a whole block. overwrite
// says the caller writes the whole of block lbn right away, so a block
// allocated for it need not be zeroed first.
func (n *node) balloc(lbn, newSize int64, overwrite bool) (int64, error) {
	sb := n.fs.sb
	oldSize := n.ip.size
	if oldL := sb.lastLbn(oldSize); oldL >= 0 && oldL < ndaddr && oldL < lbn {
		if cur := sb.blkSize(oldSize, oldL); cur < sb.bsize {
			if err := n.growDirect(oldL, cur, sb.bsize, false); err != nil {
				return 0, err
			}
		}
	}
	if lbn < ndaddr {
		need := sb.blkSize(max(newSize, oldSize), lbn)
		have := int64(0)
		if n.ip.db[lbn] != 0 {
			have = sb.blkSize(oldSize, lbn)
			if lbn > sb.lastLbn(oldSize) {
				have = sb.bsize // a whole block past the old end
			}
		}
		if have < need {
			if err := n.growDirect(lbn, have, need, overwrite); err != nil {
				return 0, err
			}
		}
		return n.ip.db[lbn], nil
	}
	return n.ballocIndirect(lbn, overwrite)
}

// ballocIndirect allocates block lbn (past the direct blocks) and any
// indirect blocks on the way to it; overwrite is balloc's.
func (n *node) ballocIndirect(lbn int64, overwrite bool) (int64, error) {
	f, sb := n.fs, n.fs.sb
	rel := lbn - ndaddr
	span := int64(1)
	level := 0
	for ; level < niaddr; level++ {
		if rel < sb.nindir*span {
			break
		}
		rel -= sb.nindir * span
		span *= sb.nindir
	}
	if level == niaddr {
		return 0, errno.EFBIG
	}
	pref := n.blkPref(lbn)
	if n.ip.ib[level] == 0 {
		if err := n.mayAllocate(); err != nil {
			return 0, err
		}
		a, err := f.allocIndirect(pref, sb.bsize)
		if err != nil {
			return 0, err
		}
		n.ip.ib[level] = a
		n.ip.blocks += sb.bsize / 512
	}
	addr := n.ip.ib[level]
	for l := level; ; l-- {
		idx := rel / span
		rel %= span
		ptrAddr := addr<<sb.fshift + idx*f.ptrSize()
		next, err := f.readPtr(ptrAddr)
		if err != nil {
			return 0, err
		}
		if next == 0 {
			if err := n.mayAllocate(); err != nil {
				return 0, err
			}
			alloc := f.allocRun // a data block
			if l > 0 {
				alloc = f.allocIndirect
			} else if overwrite {
				alloc = f.allocUncleared
			}
			if next, err = alloc(addr+sb.frag, sb.bsize); err != nil {
				return 0, err
			}
			if err := f.writePtr(ptrAddr, next); err != nil {
				return 0, err
			}
			n.ip.blocks += sb.bsize / 512
		}
		if l == 0 {
			return next, nil
		}
		addr = next
		span /= sb.nindir
	}
}

func (f *fsys) ptrSize() int64 {
	if f.sb.ufs2 {
		return 8
	}
	return 4
}

func (f *fsys) readPtr(off int64) (int64, error) {
	var b [8]byte
	if err := f.readAt(b[:f.ptrSize()], off); err != nil {
		return 0, err
	}
	if f.sb.ufs2 {
		return int64(f.sb.bo.Uint64(b[:])), nil
	}
	return int64(int32(f.sb.bo.Uint32(b[:]))), nil
}

func (f *fsys) writePtr(off, v int64) error {
	var b [8]byte
	if f.sb.ufs2 {
		f.sb.bo.PutUint64(b[:], uint64(v))
	} else {
		f.sb.bo.PutUint32(b[:], uint32(v))
	}
	return f.writeAt(b[:f.ptrSize()], off)
}

// truncate sets the file's size, freeing the blocks past it, shrinking a
// direct tail to the fragments it needs and zeroing the rest of the last
// block; growing a file allocates its new last block, as NetBSD does.
func (n *node) truncate(newSize int64) error {
	f, sb := n.fs, n.fs.sb
	oldSize := n.ip.size
	if newSize > sb.maxFileSize() {
		return errno.EFBIG
	}
	if newSize > oldSize {
		if _, err := n.balloc(sb.lastLbn(newSize), newSize, false); err != nil {
			return err
		}
		n.ip.size = newSize
		return nil
	}
	if newSize == oldSize {
		return nil
	}
	keep := sb.lastLbn(newSize) + 1 // blocks from here on go
	for lbn := keep; lbn < ndaddr; lbn++ {
		if a := n.ip.db[lbn]; a != 0 {
			size := sb.blkSize(oldSize, lbn)
			if err := f.freeRun(a, size); err != nil {
				return err
			}
			n.ip.db[lbn] = 0
			n.ip.blocks -= size / 512
		}
	}
	first := int64(ndaddr)
	span := int64(1)
	for level := range niaddr {
		cover := sb.nindir * span
		if a := n.ip.ib[level]; a != 0 && first+cover > keep {
			gone, err := n.freeTree(a, level, span, first, keep)
			if err != nil {
				return err
			}
			if gone {
				n.ip.ib[level] = 0
			}
		}
		first += cover
		span = cover
	}
	if newSize > 0 {
		last := sb.lastLbn(newSize)
		if last < ndaddr && n.ip.db[last] != 0 {
			have := sb.blkSize(oldSize, last)
			need := sb.blkSize(newSize, last)
			if need < have {
				if err := f.freeRun(n.ip.db[last]+need>>sb.fshift, have-need); err != nil {
					return err
				}
				n.ip.blocks -= (have - need) / 512
			}
		}
		// Zero the rest of the last block so a later extension reads
		// zeroes, not old data.
		if in := newSize & (sb.bsize - 1); in != 0 {
			addr, err := f.bmap(n.ip, last)
			if err != nil {
				return err
			}
			if addr != 0 {
				end := sb.blkSize(newSize, last)
				if err := f.zeroAt(addr<<sb.fshift+in, end-in); err != nil {
					return err
				}
			}
		}
	}
	n.ip.size = newSize
	return nil
}

// freeTree frees the blocks of the indirect block at addr (of the given
// level, each pointer covering span blocks, the first covering lbn first)
// from lbn keep on. It reports whether the indirect block itself went.
func (n *node) freeTree(addr int64, level int, span, first, keep int64) (bool, error) {
	f, sb := n.fs, n.fs.sb
	if addr < 0 || addr+sb.frag > sb.size {
		return false, errno.EIO
	}
	ptrs := sb.nindir
	all := first >= keep
	for i := range ptrs {
		lo := first + i*span
		if lo+span <= keep {
			continue
		}
		off := addr<<sb.fshift + i*f.ptrSize()
		child, err := f.readPtr(off)
		if err != nil {
			return false, err
		}
		if child == 0 {
			continue
		}
		gone := true
		if level > 0 {
			if gone, err = n.freeTree(child, level-1, span/sb.nindir, lo, keep); err != nil {
				return false, err
			}
		} else if err := f.freeRun(child, sb.bsize); err != nil {
			return false, err
		} else {
			n.ip.blocks -= sb.bsize / 512
		}
		if gone {
			if !all {
				if err := f.writePtr(off, 0); err != nil {
					return false, err
				}
			}
		}
	}
	if all {
		if err := f.freeRun(addr, sb.bsize); err != nil {
			return false, err
		}
		n.ip.blocks -= sb.bsize / 512
		return true, nil
	}
	return false, nil
}
