package ffs

import (
	"encoding/binary"

	"github.com/gorump/gorump/kern/errno"
)

// Allocation of inodes, blocks and fragments in the cylinder groups, as
// sys/ufs/ffs/ffs_alloc.c does it: full blocks from the free map with the
// cluster map and summary kept in step, fragments carved from partly
// free blocks (found through the fragment summary frsum) before a full
// block is broken, and every count kept in three places: the group, the
// summary array at fs_csaddr, and the superblock's totals. All of it runs
// under fsys.mu.

// cgLocked returns cylinder group c, read once and kept in memory.
func (f *fsys) cgLocked(c int64) (*cylGroup, error) {
	if g, ok := f.cgs[c]; ok {
		return g, nil
	}
	g, err := f.readCG(c)
	if err != nil {
		return nil, err
	}
	f.cgs[c] = g
	return g, nil
}

// addCounts changes the counts of group g, the summary array and the
// superblock together.
func (f *fsys) addCounts(g *cylGroup, d csum) {
	cs := g.cs()
	cs.ndir += d.ndir
	cs.nbfree += d.nbfree
	cs.nifree += d.nifree
	cs.nffree += d.nffree
	g.setCs(cs)
	s := &f.csums[g.c]
	s.ndir += d.ndir
	s.nbfree += d.nbfree
	s.nifree += d.nifree
	s.nffree += d.nffree
	t := &f.sb.cstotal
	t.ndir += d.ndir
	t.nbfree += d.nbfree
	t.nifree += d.nifree
	t.nffree += d.nffree
	f.sbDirty = true
}

// blockFree reports whether the whole block starting at fragment rel of
// g is free.
func (f *fsys) blockFree(g *cylGroup, rel int64) bool {
	m := g.freeMap()
	for i := range f.sb.frag {
		if !bit(m, rel+i) {
			return false
		}
	}
	return true
}

// fragAcct adds cnt to frsum for each run of free fragments, shorter than
// a block, in the block starting at rel (ffs_fragacct).
func (f *fsys) fragAcct(g *cylGroup, rel int64, cnt int64) {
	m := g.freeMap()
	run := int64(0)
	for i := range f.sb.frag + 1 {
		if i < f.sb.frag && bit(m, rel+i) {
			run++
			continue
		}
		if run > 0 && run < f.sb.frag {
			g.frsumAdd(run, cnt)
		}
		run = 0
	}
}

// clusterAcct keeps the cluster map and summary in step with block blk
// (a block index in g) becoming free (cnt 1) or used (cnt -1).
func (f *fsys) clusterAcct(g *cylGroup, blk int64, cnt int64) {
	m := g.clusterMap()
	if m == nil {
		return
	}
	if cnt > 0 {
		setBit(m, blk)
	} else {
		clrBit(m, blk)
	}
	g.dirty = true
	limit := f.sb.contigSumSize
	nblk := g.ndblk() / f.sb.frag
	back := int64(0)
	for b := blk - 1; b >= 0 && back < limit && bit(m, b); b-- {
		back++
	}
	fwd := int64(0)
	for b := blk + 1; b < nblk && fwd < limit && bit(m, b); b++ {
		fwd++
	}
	g.clusterSumAdd(back+fwd+1, cnt)
	g.clusterSumAdd(back, -cnt)
	g.clusterSumAdd(fwd, -cnt)
}

// rotAcct keeps UFS1's per-cylinder free-block tables in step with the
// block at fragment rel becoming free (cnt 1) or used (cnt -1).
func (f *fsys) rotAcct(g *cylGroup, rel int64, cnt int64) {
	sb := f.sb
	if sb.ufs2 || sb.oldCpg <= 0 || sb.oldSpc <= 0 || sb.oldNsect <= 0 || sb.oldNrpos <= 0 || sb.oldNspf <= 0 {
		return
	}
	btot, boff := g.i32(cgOffOldBtotOff), g.i32(cgOffOldBOff)
	if btot <= 0 || boff <= 0 {
		return
	}
	sec := rel * sb.oldNspf
	cyl := sec / sb.oldSpc
	rpos := sec % sb.oldSpc % sb.oldNsect * sb.oldNrpos / sb.oldNsect
	if cyl >= sb.oldCpg || btot+4*cyl+4 > int64(len(g.raw)) || boff+2*(cyl*sb.oldNrpos+rpos)+2 > int64(len(g.raw)) {
		return
	}
	g.set32(int(btot+4*cyl), g.i32(int(btot+4*cyl))+cnt)
	off := int(boff + 2*(cyl*sb.oldNrpos+rpos))
	sb.bo.PutUint16(g.raw[off:], uint16(int16(sb.bo.Uint16(g.raw[off:]))+int16(cnt)))
}

// takeBlock marks the free block at rel of g used.
func (f *fsys) takeBlock(g *cylGroup, rel int64) {
	m := g.freeMap()
	for i := range f.sb.frag {
		clrBit(m, rel+i)
	}
	g.dirty = true
	f.clusterAcct(g, rel/f.sb.frag, -1)
	f.rotAcct(g, rel, -1)
	f.addCounts(g, csum{nbfree: -1})
	g.set32(cgOffRotor, rel)
}

// cgOrder returns the groups to try, starting at the preferred one.
func (f *fsys) cgOrder(pref int64) []int64 {
	n := f.sb.ncg
	pref = ((pref % n) + n) % n
	order := make([]int64, 0, n)
	for i := range n {
		order = append(order, (pref+i)%n)
	}
	return order
}

// allocBlock allocates a full block, near fragment address pref when it
// can, and returns its fragment address.
func (f *fsys) allocBlock(pref int64) (int64, error) {
	sb := f.sb
	for _, c := range f.cgOrder(pref / sb.fpg) {
		g, err := f.cgLocked(c)
		if err != nil {
			return 0, err
		}
		if g.cs().nbfree <= 0 {
			continue
		}
		nblk := g.ndblk() / sb.frag
		start := int64(0)
		if pref/sb.fpg == c {
			start = (pref % sb.fpg) / sb.frag
		} else if r := g.i32(cgOffRotor); r >= 0 {
			start = r / sb.frag
		}
		b := f.nextFreeBlock(g, start, nblk)
		if b < 0 {
			b = f.nextFreeBlock(g, 0, start)
		}
		if b >= 0 {
			rel := b * sb.frag
			f.takeBlock(g, rel)
			return c*sb.fpg + rel, nil
		}
	}
	return 0, errno.ENOSPC
}

// noneFree reports whether the free map m has no free fragment among the
// 64 from fragment rel, a multiple of 64: no block there is free, nor
// any run of fragments.
func noneFree(m []byte, rel int64) bool {
	i := rel >> 3
	return rel&63 == 0 && i+8 <= int64(len(m)) && binary.LittleEndian.Uint64(m[i:]) == 0
}

// nextFreeBlock returns the first wholly free block of g in [b, end), or
// -1; the same block as testing each in turn, found faster where the
// free map is full.
func (f *fsys) nextFreeBlock(g *cylGroup, b, end int64) int64 {
	m := g.freeMap()
	frag := f.sb.frag
	for b < end {
		if noneFree(m, b*frag) {
			b += 64 / frag
			continue
		}
		if f.blockFree(g, b*frag) {
			return b
		}
		b++
	}
	return -1
}

// allocFrags allocates n fragments (fewer than a block) inside one block
// and returns the address of the first.
func (f *fsys) allocFrags(pref, n int64) (int64, error) {
	sb := f.sb
	for _, c := range f.cgOrder(pref / sb.fpg) {
		g, err := f.cgLocked(c)
		if err != nil {
			return 0, err
		}
		cs := g.cs()
		if cs.nbfree <= 0 && cs.nffree < n {
			continue
		}
		if rel, ok := f.findFragRun(g, n); ok {
			blk := rel &^ (sb.frag - 1)
			f.fragAcct(g, blk, -1)
			m := g.freeMap()
			for i := range n {
				clrBit(m, rel+i)
			}
			g.dirty = true
			f.fragAcct(g, blk, 1)
			f.addCounts(g, csum{nffree: -n})
			g.set32(cgOffFrotor, rel)
			return c*sb.fpg + rel, nil
		}
		if cs.nbfree <= 0 {
			continue
		}
		addr, err := f.allocBlock(c * sb.fpg)
		if err != nil {
			return 0, err
		}
		// Keep the first n fragments; the rest of the block is free.
		f.freeFrags(addr+n, sb.frag-n)
		return addr, nil
	}
	return 0, errno.ENOSPC
}

// findFragRun finds n free fragments in a block of g that is not wholly
// free, preferring the smallest run that fits (as frsum says where).
func (f *fsys) findFragRun(g *cylGroup, n int64) (int64, bool) {
	sb := f.sb
	want := int64(0)
	for k := n; k < sb.frag; k++ {
		if g.i32(cgOffFrsum+4*int(k)) > 0 {
			want = k
			break
		}
	}
	if want == 0 {
		return 0, false
	}
	m := g.freeMap()
	nblk := g.ndblk() / sb.frag
	for b := int64(0); b < nblk; b++ {
		rel := b * sb.frag
		if noneFree(m, rel) {
			b += 64/sb.frag - 1
			continue
		}
		run := int64(0)
		for i := range sb.frag + 1 {
			if i < sb.frag && bit(m, rel+i) {
				run++
				continue
			}
			if run == want {
				return rel + i - run, true
			}
			run = 0
		}
	}
	return 0, false
}

// extendFrags grows the fragment run at addr from oldN to newN fragments
// in place, if the fragments after it are free and in the same block.
func (f *fsys) extendFrags(addr, oldN, newN int64) (bool, error) {
	sb := f.sb
	c, rel := addr/sb.fpg, addr%sb.fpg
	if (rel%sb.frag)+newN > sb.frag {
		return false, nil
	}
	g, err := f.cgLocked(c)
	if err != nil {
		return false, err
	}
	m := g.freeMap()
	for i := oldN; i < newN; i++ {
		if !bit(m, rel+i) {
			return false, nil
		}
	}
	blk := rel &^ (sb.frag - 1)
	f.fragAcct(g, blk, -1)
	for i := oldN; i < newN; i++ {
		clrBit(m, rel+i)
	}
	g.dirty = true
	f.fragAcct(g, blk, 1)
	f.addCounts(g, csum{nffree: -(newN - oldN)})
	return true, nil
}

// freeFrags frees n fragments at addr (a whole block when n is a block
// and addr is aligned), merging them into a free block when that block
// becomes wholly free.
func (f *fsys) freeFrags(addr, n int64) error {
	sb := f.sb
	c, rel := addr/sb.fpg, addr%sb.fpg
	if addr <= 0 || c >= sb.ncg || n <= 0 || (rel%sb.frag)+n > sb.frag {
		return errno.EIO
	}
	g, err := f.cgLocked(c)
	if err != nil {
		return err
	}
	m := g.freeMap()
	blk := rel &^ (sb.frag - 1)
	if n == sb.frag {
		for i := range n {
			if bit(m, rel+i) {
				return errno.EIO // freeing a free block: the maps are damaged
			}
			setBit(m, rel+i)
		}
		g.dirty = true
		f.clusterAcct(g, blk/sb.frag, 1)
		f.rotAcct(g, blk, 1)
		f.addCounts(g, csum{nbfree: 1})
		return nil
	}
	f.fragAcct(g, blk, -1)
	for i := range n {
		if bit(m, rel+i) {
			f.fragAcct(g, blk, 1)
			return errno.EIO
		}
		setBit(m, rel+i)
	}
	g.dirty = true
	f.addCounts(g, csum{nffree: n})
	if f.blockFree(g, blk) {
		f.addCounts(g, csum{nffree: -sb.frag, nbfree: 1})
		f.clusterAcct(g, blk/sb.frag, 1)
		f.rotAcct(g, blk, 1)
	} else {
		f.fragAcct(g, blk, 1)
	}
	return nil
}

// allocInode allocates an inode, in the parent's group for files and in
// a group with many free inodes and few directories for directories
// (ffs_dirpref, simplified), and returns its number.
func (f *fsys) allocInode(parentIno int64, dir bool) (int64, error) {
	sb := f.sb
	pref := parentIno / sb.ipg
	if dir {
		avg := sb.cstotal.nifree / sb.ncg
		best, bestDirs := int64(-1), int64(1<<62)
		for c := range sb.ncg {
			s := f.csums[c]
			if s.nifree > 0 && s.nifree >= avg && s.ndir < bestDirs {
				best, bestDirs = c, s.ndir
			}
		}
		if best >= 0 {
			pref = best
		}
	}
	for _, c := range f.cgOrder(pref) {
		if f.csums[c].nifree <= 0 {
			continue
		}
		g, err := f.cgLocked(c)
		if err != nil {
			return 0, err
		}
		m := g.inodeMap()
		start := max(g.i32(cgOffIrotor), 0)
		for i := range sb.ipg {
			idx := (start + i) % sb.ipg
			if bit(m, idx) || c*sb.ipg+idx < rootIno {
				continue
			}
			if err := f.initInodes(g, idx); err != nil {
				return 0, err
			}
			setBit(m, idx)
			g.set32(cgOffIrotor, idx)
			d := csum{nifree: -1}
			if dir {
				d.ndir = 1
			}
			f.addCounts(g, d)
			return c*sb.ipg + idx, nil
		}
	}
	return 0, errno.ENOSPC
}

// initInodes zeroes the inode blocks of a UFS2 group up to inode idx if
// they were never initialised (UFS2 lays inode tables out lazily:
// cg_initediblk counts the initialised ones).
func (f *fsys) initInodes(g *cylGroup, idx int64) error {
	sb := f.sb
	if !sb.ufs2 {
		return nil
	}
	inited := g.i32(cgOffInitedIblk)
	if idx < inited {
		return nil
	}
	upTo := min(sb.ipg, (idx/sb.inopb+2)*sb.inopb)
	zero := make([]byte, (upTo-inited)*sb.inodeSize())
	addr := sb.inodeAddr(g.c*sb.ipg + inited)
	if err := f.writeAt(zero, addr); err != nil {
		return err
	}
	// On the disk before the group that counts them (see order.go).
	if err := f.flushBlocks(addr, int64(len(zero))); err != nil {
		return err
	}
	g.set32(cgOffInitedIblk, upTo)
	return nil
}

// freeInode returns inode ino to its group.
func (f *fsys) freeInode(ino int64, dir bool) error {
	sb := f.sb
	g, err := f.cgLocked(ino / sb.ipg)
	if err != nil {
		return err
	}
	m := g.inodeMap()
	idx := ino % sb.ipg
	if !bit(m, idx) {
		return errno.EIO
	}
	clrBit(m, idx)
	g.dirty = true
	d := csum{nifree: 1}
	if dir {
		d.ndir = -1
	}
	f.addCounts(g, d)
	return nil
}
