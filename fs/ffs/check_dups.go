package ffs

import (
	"slices"

	"github.com/gorump/gorump/kern"
)

// Blocks claimed by more than one inode. fsck_ffs clears every inode
// that shares one; a damaged pointer in one inode then takes an intact
// file with it. The repair instead keeps the block with the first
// claimant, in inode order, and gives every other claimant a copy, as
// e2fsck's pass 1b does: each file keeps the contents it had, and the
// damaged one is left to its other findings. An inode whose first scan
// stopped at too many shared blocks is cleared as fsck_ffs clears it,
// and so is one for which the disk has no room for the copies.

// unshareAll gives copies of the blocks they share to the inodes phase 1
// found sharing blocks and does not clear.
func (c *checker) unshareAll() {
	var inos []int64
	for ino, fx := range c.fixes {
		if fx.shared && !fx.clear {
			inos = append(inos, ino)
		}
	}
	slices.Sort(inos)
	// Phase 1 did not follow an indirect block another inode shares:
	// what lies under it must be claimed before copies take free space.
	raw := make([]byte, c.inodeSizeOf)
	for _, ino := range inos {
		if c.read(raw, c.sb.inodeAddr(ino)) {
			c.countFrags(ino, c.sb.parseInode(raw))
		}
	}
	kept := make([]byte, len(c.claimed))
	for _, ino := range inos {
		fx := c.fixes[ino]
		copies, ok := c.unshare(ino, kept)
		switch {
		case !ok:
			fx.clear = true
			c.fixed(fx.sharedIdx, "inode cleared: no room to copy the blocks it shares")
		case copies > 0:
			c.fixed(fx.sharedIdx, "given copies of %s that another inode keeps", plural(copies, "shared block"))
		default:
			c.fixed(fx.sharedIdx, "kept the shared blocks; the other inodes get copies or are cleared")
		}
	}
}

// unshare walks inode ino's block tree up to the end of the file: it
// keeps the extents that hold shared fragments no other inode kept
// (marking them in kept) and replaces the others by copies. It returns
// how many copies it made, and false when it ran out of room or the
// disk failed.
func (c *checker) unshare(ino int64, kept []byte) (int64, bool) {
	sb := c.sb
	raw := make([]byte, c.inodeSizeOf)
	addr := sb.inodeAddr(ino)
	if !c.read(raw, addr) {
		return 0, false
	}
	ip := sb.parseInode(raw)
	ifmt := uint32(ip.mode) & kern.S_IFMT
	if ifmt == kern.S_IFCHR || ifmt == kern.S_IFBLK || (ifmt == kern.S_IFLNK && ip.size < sb.maxSymlinkLen) {
		return 0, true
	}
	u := &unsharer{c: c, kept: kept, nblocks: (ip.size + sb.bsize - 1) >> sb.bshift}
	changed := false
	for i := range int64(ndaddr) {
		if ip.db[i] == 0 || i >= u.nblocks {
			continue
		}
		n := sb.frag
		if i == u.nblocks-1 && ip.size&(sb.bsize-1) != 0 {
			n = (ip.size&(sb.bsize-1) + sb.fsize - 1) >> sb.fshift
		}
		if p := u.extent(ip.db[i], n, -1, 0); p != ip.db[i] {
			ip.db[i], changed = p, true
		}
	}
	base, span := int64(ndaddr), int64(1)
	for level := range niaddr {
		span *= sb.nindir
		if ip.ib[level] != 0 && base < u.nblocks {
			if p := u.extent(ip.ib[level], sb.frag, level, base); p != ip.ib[level] {
				ip.ib[level], changed = p, true
			}
		}
		base += span
	}
	if u.failed || c.ioErr != nil {
		return u.copies, false
	}
	if changed {
		sb.encodeInode(ip, raw)
		c.write(raw, addr)
	}
	if d := c.dirs[ino]; d != nil && u.copies > 0 {
		// Phase 2 reads the directory through the extents phase 1 kept.
		d.blocks = nil
		w := &blockWalk{c: c, ino: ino, cg: ino / sb.ipg, size: ip.size, dir: d, mark: true}
		if err := w.walk(ip); err != nil {
			c.fail(err)
		}
	}
	return u.copies, c.ioErr == nil
}

// unsharer is the state of one unshare.
type unsharer struct {
	c       *checker
	kept    []byte
	nblocks int64
	copies  int64
	failed  bool
}

// extent handles the n fragments at p: a data extent when level < 0,
// else an indirect block of that level whose first block is lbn base.
// It returns the address the pointer to it must hold.
func (u *unsharer) extent(p, n int64, level int, base int64) int64 {
	c, sb := u.c, u.c.sb
	if u.failed || c.badExtent(p, n) != "" {
		return p // phase 1 cleared or released it
	}
	shared, taken := false, false
	for a := p; a < p+n; a++ {
		if c.dups[a] {
			shared = true
			taken = taken || bit(u.kept, a)
		}
	}
	np := p
	switch {
	case taken:
		if np = c.allocFrags(n); np < 0 {
			u.failed = true
			return p
		}
		buf := make([]byte, n<<sb.fshift)
		if !c.read(buf, p<<sb.fshift) {
			u.failed = true
			return p
		}
		c.write(buf, np<<sb.fshift)
		u.copies++
	case shared:
		for a := p; a < p+n; a++ {
			setBit(u.kept, a)
		}
	}
	if level < 0 {
		return np
	}
	// The pointers of an indirect block (or of its copy) are this
	// inode's to keep or to copy in turn.
	b := make([]byte, sb.bsize)
	if !c.read(b, np<<sb.fshift) {
		u.failed = true
		return np
	}
	span := int64(1)
	for range level {
		span *= sb.nindir
	}
	changed := false
	for j := range sb.nindir {
		q := c.ptrAt(b, j)
		lbn := base + j*span
		if q == 0 || lbn >= u.nblocks {
			continue
		}
		sub, subLevel := sb.frag, level-1
		if nq := u.extent(q, sub, subLevel, lbn); nq != q {
			c.setPtrAt(b, j, nq)
			changed = true
		}
	}
	if changed {
		c.write(b, np<<sb.fshift)
	}
	return np
}
