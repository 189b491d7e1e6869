package ffs

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/gorump/gorump/kern"
)

// What the repairs share: writing through the checker's cache, rewriting
// and clearing inodes, allocating an inode or fragments from what phase 1
// found free, and directory entries, lost+found included. A repair
// records an I/O error in c.ioErr and does nothing more once one
// happened; the phases return it.

// write writes p at byte offset off. Before the first write of a check
// it marks the file system not clean on the disk and syncs that, so a
// repair cut short leaves it to be checked again.
func (c *checker) write(p []byte, off int64) {
	if c.ioErr != nil {
		return
	}
	if !c.modified {
		c.modified = true
		if c.sb.clean {
			c.sb.clean = false
			c.sb.raw[209] = 0
			if err := c.f.writeAt(c.sb.raw, c.sb.loc); err != nil {
				c.fail(err)
				return
			}
			if err := c.f.bc.Sync(); err != nil {
				c.fail(err)
				return
			}
		}
	}
	if err := c.f.writeAt(p, off); err != nil {
		c.fail(err)
	}
}

// read reads len(p) bytes at byte offset off for a repair.
func (c *checker) read(p []byte, off int64) bool {
	if c.ioErr != nil {
		return false
	}
	if err := c.f.readAt(p, off); err != nil {
		c.fail(err)
		return false
	}
	return true
}

func (c *checker) fail(err error) {
	if c.ioErr == nil {
		c.ioErr = fmt.Errorf("ffs: check: repair: %w", err)
	}
}

// markClean marks the file system clean on the disk, clearing
// FS_NEEDSFSCK, unless it is so marked already, and reports whether it
// wrote.
func (c *checker) markClean() (bool, error) {
	sb := c.sb
	if sb.clean && sb.flags&fsNeedsFsck == 0 {
		return false, nil
	}
	sb.clean = true
	sb.flags &^= fsNeedsFsck
	sb.encode()
	sb.raw[sbOffOldFlags] &^= fsNeedsFsck
	if sb.raw[sbOffOldFlags]&fsFlagsUpdated != 0 {
		sb.bo.PutUint32(sb.raw[1312:], sb.bo.Uint32(sb.raw[1312:])&^fsNeedsFsck)
	}
	if err := c.f.writeAt(sb.raw, sb.loc); err != nil {
		return true, err
	}
	return true, c.f.bc.Sync()
}

// markNotClean leaves the file system marked not clean on the disk, at
// the end of a repair that did not succeed, so that the driver refuses
// to mount it read-write. When the check ran with a superblock copy, the
// copy goes over the primary, as fsck_ffs writes its alternate back.
func (c *checker) markNotClean() error {
	sb := c.sb
	cur := make([]byte, sb.sbsize)
	if err := c.f.readAt(cur, sb.loc); err != nil {
		return err
	}
	if c.src.from >= 0 {
		cur = bytes.Clone(sb.raw)
	} else if cur[209] == 0 {
		return nil
	}
	cur[209] = 0
	if err := c.f.writeAt(cur, sb.loc); err != nil {
		return err
	}
	return c.f.bc.Sync()
}

// abandon ends a repair that failed with err, leaving the file system
// marked not clean if the disk still lets it, and returns err.
func (c *checker) abandon(err error) error {
	_ = c.markNotClean() // the disk may be what failed
	return err
}

// fatalWhy returns what the setup phase found unusable in the geometry.
func (c *checker) fatalWhy() string {
	for i := len(c.report.Problems) - 1; i >= 0; i-- {
		if p := c.report.Problems[i]; p.Kind == BadGeometry {
			return p.Msg
		}
	}
	return "unknown"
}

// inodeFix is what phase 1 repairs in one inode. The fixes wait until
// the rescan for duplicate blocks has named every inode to clear.
type inodeFix struct {
	clear       bool  // zero the inode: it cannot be trusted
	trim        bool  // release the block pointers past the end of the file
	blocks      int64 // the di_blocks to set, or -1
	nsec        bool  // zero the nanoseconds that are out of range
	symlink     bool  // zero what follows a short symlink's target
	deviceSlots int64 // zero a device's pointer slots from this one on, if > 0
	shared      bool  // it shares blocks: unshareAll gives it copies
	sharedIdx   int   // the DupBlock problem's index
}

// fixFor returns the pending fixes of inode ino.
func (c *checker) fixFor(ino int64) *inodeFix {
	if c.fixes == nil {
		c.fixes = map[int64]*inodeFix{}
	}
	fx := c.fixes[ino]
	if fx == nil {
		fx = &inodeFix{blocks: -1}
		c.fixes[ino] = fx
	}
	return fx
}

// applyInodeFixes makes the fixes phase 1 decided on, in inode order.
func (c *checker) applyInodeFixes() {
	inos := make([]int64, 0, len(c.fixes))
	for ino := range c.fixes {
		inos = append(inos, ino)
	}
	slices.Sort(inos)
	for _, ino := range inos {
		fx := c.fixes[ino]
		if fx.clear {
			c.clearInode(ino)
			continue
		}
		c.updateInode(ino, func(ip *dinode) {
			if fx.trim {
				c.trimTree(ip)
			}
			for s := max(fx.deviceSlots, 1); fx.deviceSlots > 0 && s < ndaddr+niaddr; s++ {
				if s < ndaddr {
					ip.db[s] = 0
				} else {
					ip.ib[s-ndaddr] = 0
				}
			}
			if fx.symlink {
				clear(ip.shortLink[ip.size:])
			}
			if fx.blocks >= 0 {
				ip.blocks = fx.blocks
			}
			if fx.nsec {
				for _, t := range []*kern.Timespec{&ip.atime, &ip.mtime, &ip.ctime, &ip.birthtime} {
					if t.Nsec < 0 || t.Nsec >= 1e9 {
						t.Nsec = 0
					}
				}
			}
		})
	}
	c.fixes = nil
}

// updateInode reads inode ino, lets fn change it and writes it back.
func (c *checker) updateInode(ino int64, fn func(ip *dinode)) {
	sb := c.sb
	raw := make([]byte, c.inodeSizeOf)
	addr := sb.inodeAddr(ino)
	if !c.read(raw, addr) {
		return
	}
	ip := sb.parseInode(raw)
	fn(ip)
	sb.encodeInode(ip, raw)
	c.write(raw, addr)
}

// clearInode zeroes inode ino, as fsck_ffs's clri does, and forgets it.
// Its blocks become free when phase 5 rebuilds the maps.
func (c *checker) clearInode(ino int64) {
	c.write(make([]byte, c.inodeSizeOf), c.sb.inodeAddr(ino))
	c.inodes[ino] = inoInfo{}
	if c.dirs[ino] != nil {
		delete(c.dirs, ino)
		c.dirList = slices.DeleteFunc(c.dirList, func(x int64) bool { return x == ino })
	}
}

// trimTree releases the block pointers of ip past the blocks its size
// needs: the direct ones in ip, and those in indirect blocks, which are
// written back. Phase 1 checked every indirect block it keeps.
func (c *checker) trimTree(ip *dinode) {
	sb := c.sb
	nblocks := (ip.size + sb.bsize - 1) >> sb.bshift
	for i := max(nblocks, 0); i < ndaddr; i++ {
		ip.db[i] = 0
	}
	base, span := int64(ndaddr), int64(1)
	for level := range niaddr {
		span *= sb.nindir
		switch {
		case ip.ib[level] == 0:
		case base >= nblocks:
			ip.ib[level] = 0
		default:
			c.trimIndirect(ip.ib[level], level, base, nblocks)
		}
		base += span
	}
}

// trimIndirect releases the pointers of the indirect block at addr (of
// the given level, its first block at lbn base) to blocks from nblocks
// on.
func (c *checker) trimIndirect(addr int64, level int, base, nblocks int64) {
	sb := c.sb
	if c.badExtent(addr, sb.frag) != "" {
		return
	}
	b := make([]byte, sb.bsize)
	if !c.read(b, addr<<sb.fshift) {
		return
	}
	span := int64(1)
	for range level {
		span *= sb.nindir
	}
	changed := false
	for j := range sb.nindir {
		p := c.ptrAt(b, j)
		if p == 0 {
			continue
		}
		lo := base + j*span
		switch {
		case lo >= nblocks:
			c.setPtrAt(b, j, 0)
			changed = true
		case level > 0:
			c.trimIndirect(p, level-1, lo, nblocks)
		}
	}
	if changed {
		c.write(b, addr<<sb.fshift)
	}
}

func (c *checker) ptrAt(b []byte, j int64) int64 {
	if c.sb.ufs2 {
		return int64(c.sb.bo.Uint64(b[8*j:]))
	}
	return int64(int32(c.sb.bo.Uint32(b[4*j:])))
}

func (c *checker) setPtrAt(b []byte, j, v int64) {
	if c.sb.ufs2 {
		c.sb.bo.PutUint64(b[8*j:], uint64(v))
	} else {
		c.sb.bo.PutUint32(b[4*j:], uint32(v))
	}
}

// allocFrags takes n free fragments inside one block (a whole free block
// when n is a block) from those phase 1 found unclaimed, and returns the
// first, or -1 when there is no such run.
func (c *checker) allocFrags(n int64) int64 {
	sb := c.sb
	for blk := int64(0); blk+sb.frag <= sb.size; blk += sb.frag {
		run := int64(0)
		for i := range sb.frag {
			if bit(c.claimed, blk+i) {
				run = 0
				continue
			}
			run++
			if run == n {
				first := blk + i + 1 - n
				for a := first; a < first+n; a++ {
					setBit(c.claimed, a)
				}
				return first
			}
		}
	}
	return -1
}

// allocInode finds a free inode among those the check read, or returns
// -1.
func (c *checker) allocInode() int64 {
	for ino := int64(rootIno + 1); ino < c.ninodes; ino++ {
		if !c.inodes[ino].allocated() && ino%c.sb.ipg < c.inoLimit[ino/c.sb.ipg] {
			return ino
		}
	}
	return -1
}

// makeDir writes directory ino, empty but for "." and "..", with one
// DIRBLKSIZ chunk in new fragments, and records it. The caller enters
// it in parent. It reports false when no fragment is free.
func (c *checker) makeDir(ino, parent int64, perm uint16) bool {
	sb := c.sb
	nfrags := sb.fragRoundup(dirBlockSize) >> sb.fshift
	addr := c.allocFrags(nfrags)
	if addr < 0 {
		return false
	}
	block := make([]byte, nfrags<<sb.fshift)
	sb.putEntry(block, ino, direntLen(1), dtDir, ".")
	sb.putEntry(block[direntLen(1):], parent, dirBlockSize-direntLen(1), dtDir, "..")
	c.write(block, addr<<sb.fshift)
	t := kernTime(sb.time)
	ip := &dinode{mode: uint16(kern.S_IFDIR) | perm, nlink: 2, size: dirBlockSize, blocks: nfrags << (sb.fshift - 9),
		atime: t, mtime: t, ctime: t, birthtime: t, shortLink: make([]byte, (ndaddr+niaddr)*c.ptrs)}
	ip.db[0] = addr
	raw := make([]byte, c.inodeSizeOf)
	sb.encodeInode(ip, raw)
	c.write(raw, sb.inodeAddr(ino))
	c.inodes[ino] = inoInfo{mode: ip.mode, nlink: 2, refs: 1, flags: inoParentSeen} // its "."
	c.inodes[parent].refs++                                                         // its ".."
	c.dirs[ino] = &dirInfo{size: dirBlockSize, blocks: []dirExtent{{0, addr, nfrags}}, parent: parent, dotdot: parent, dotdotCounted: true}
	i, _ := slices.BinarySearch(c.dirList, ino)
	c.dirList = slices.Insert(c.dirList, i, ino)
	return true
}

// addLink adds to the link count of inode ino, on the disk and in
// c.inodes.
func (c *checker) addLink(ino int64, d int16) {
	c.updateInode(ino, func(ip *dinode) { ip.nlink += d })
	c.inodes[ino].nlink += d
}

// dirSlot is a record found in a directory chunk.
type dirSlot struct {
	addr   int64 // byte address of the chunk on the disk
	at     int   // offset of the record in the chunk
	chunk  []byte
	ino    int64
	reclen int
	name   string
}

// forEachRecord calls fn for each record of directory d's chunks,
// stopping when fn returns true; fn may change the chunk, and writes it
// back itself. A malformed record ends its chunk.
func (c *checker) forEachRecord(d *dirInfo, fn func(s *dirSlot) bool) {
	sb := c.sb
	for _, e := range d.blocks {
		n := min(e.frags<<sb.fshift, d.size-e.lbn<<sb.bshift) &^ (dirBlockSize - 1)
		for off := int64(0); off < n; off += dirBlockSize {
			chunk := make([]byte, dirBlockSize)
			addr := e.addr<<sb.fshift + off
			if !c.read(chunk, addr) {
				return
			}
			for at := 0; at+direntHeaderSize <= dirBlockSize; {
				reclen := int(sb.bo.Uint16(chunk[at+4:]))
				if reclen < direntHeaderSize || reclen%4 != 0 || at+reclen > dirBlockSize {
					break
				}
				s := &dirSlot{addr: addr, at: at, chunk: chunk, ino: int64(sb.bo.Uint32(chunk[at:])), reclen: reclen}
				if namlen := int(chunk[at+7]); s.ino != 0 && direntLen(namlen) <= reclen {
					s.name = string(chunk[at+8 : at+8+namlen])
				}
				if fn(s) {
					return
				}
				at += reclen
			}
		}
	}
}

// addEntry enters name for inode target of type typ in directory dir:
// in the slack of a record when one has room, else in a new chunk at the
// end. It reports whether it could.
func (c *checker) addEntry(dir int64, name string, target int64, typ uint8) bool {
	sb := c.sb
	d := c.dirs[dir]
	if d == nil {
		return false
	}
	need := direntLen(len(name))
	done := false
	c.forEachRecord(d, func(s *dirSlot) bool {
		used := 0
		if s.ino != 0 {
			used = direntLen(int(s.chunk[s.at+7]))
		}
		if s.reclen-used < need {
			return false
		}
		if used > 0 {
			sb.bo.PutUint16(s.chunk[s.at+4:], uint16(used))
		}
		sb.putEntry(s.chunk[s.at+used:], target, s.reclen-used, typ, name)
		c.write(s.chunk, s.addr)
		done = true
		return true
	})
	if done || c.ioErr != nil {
		return done
	}
	return c.growDir(dir, d, name, target, typ)
}

// growDir adds a DIRBLKSIZ chunk holding one entry at the end of
// directory dir: in the fragments its last block has, or by growing
// that block's fragments (moving them when the next ones are taken), or
// in a new direct block. Directories past the direct blocks do not grow.
func (c *checker) growDir(dir int64, d *dirInfo, name string, target int64, typ uint8) bool {
	sb := c.sb
	size := d.size
	lbn, in := size>>sb.bshift, size&(sb.bsize-1)
	// The blocks must run without holes to the end: the chunk goes in
	// the last block when it is partly used, else in a new one.
	lastLbn := lbn
	if in == 0 {
		lastLbn = lbn - 1
	}
	if lbn >= ndaddr || int64(len(d.blocks)) != lastLbn+1 || (len(d.blocks) > 0 && d.blocks[len(d.blocks)-1].lbn != lastLbn) {
		return false
	}
	chunk := make([]byte, dirBlockSize)
	sb.putEntry(chunk, target, dirBlockSize, typ, name)
	var at int64 // byte address of the new chunk
	newBlocks := int64(0)
	if in != 0 {
		last := &d.blocks[len(d.blocks)-1]
		have := last.frags << sb.fshift
		if in+dirBlockSize > have {
			need := sb.fragRoundup(in + dirBlockSize)
			addr := c.allocFrags(need >> sb.fshift)
			if addr < 0 {
				return false
			}
			old := make([]byte, have)
			if !c.read(old, last.addr<<sb.fshift) {
				return false
			}
			moved := append(old, make([]byte, need-have)...)
			c.write(moved, addr<<sb.fshift)
			newBlocks = (need - have) >> 9
			last.addr, last.frags = addr, need>>sb.fshift
		}
		at = last.addr<<sb.fshift + in
	} else {
		nfrags := sb.fragRoundup(dirBlockSize) >> sb.fshift
		addr := c.allocFrags(nfrags)
		if addr < 0 {
			return false
		}
		c.write(make([]byte, nfrags<<sb.fshift), addr<<sb.fshift)
		d.blocks = append(d.blocks, dirExtent{lbn, addr, nfrags})
		newBlocks = nfrags << (sb.fshift - 9)
		at = addr << sb.fshift
	}
	c.write(chunk, at)
	last := d.blocks[len(d.blocks)-1]
	d.size += dirBlockSize
	c.updateInode(dir, func(ip *dinode) {
		ip.db[lbn] = last.addr
		ip.size = d.size
		ip.blocks += newBlocks
	})
	return c.ioErr == nil
}

// setEntry points the first live entry of directory dir that match
// accepts at inode target with type typ, or removes it when target is
// 0. It reports whether it found one.
func (c *checker) setEntry(dir int64, match func(s *dirSlot) bool, target int64, typ uint8) bool {
	d := c.dirs[dir]
	if d == nil {
		return false
	}
	found := false
	c.forEachRecord(d, func(s *dirSlot) bool {
		if s.ino == 0 || s.name == "" || !match(s) {
			return false
		}
		c.sb.bo.PutUint32(s.chunk[s.at:], uint32(target))
		if target != 0 {
			s.chunk[s.at+6] = typ
		}
		c.write(s.chunk, s.addr)
		found = true
		return true
	})
	return found
}

// setDotDot points directory dir's ".." at parent and moves the
// reference it counted.
func (c *checker) setDotDot(dir, parent int64) bool {
	d := c.dirs[dir]
	if !c.setEntry(dir, func(s *dirSlot) bool { return s.name == ".." }, parent, dtDir) {
		return false
	}
	if d.dotdotCounted {
		c.inodes[d.dotdot].refs--
	}
	c.inodes[parent].refs++
	d.dotdot, d.dotdotCounted = parent, true
	return true
}

// lostFound returns root's lost+found directory, making it if there is
// none (or, if the name is taken by something else, making a new one and
// pointing the name at it, as fsck_ffs does), or -1 when that cannot be
// done.
func (c *checker) lostFound() int64 {
	if c.lf != 0 {
		return c.lf
	}
	c.lf = -1
	if !c.rootOK || c.dirs[rootIno] == nil {
		return -1
	}
	const name = "lost+found"
	old := c.rootLF
	if old != 0 && c.dirs[old] != nil && c.dirs[old].parent == rootIno && c.inodes[old].flags&inoDamaged == 0 {
		c.lf = old
		return old
	}
	ino := c.allocInode()
	if ino < 0 || !c.makeDir(ino, rootIno, 0o700) {
		return -1
	}
	if old != 0 {
		if !c.setEntry(rootIno, func(s *dirSlot) bool { return s.name == name }, ino, dtDir) {
			return -1
		}
		c.inodes[old].refs--
	} else if !c.addEntry(rootIno, name, ino, dtDir) {
		return -1
	}
	c.inodes[ino].refs++
	c.addLink(rootIno, 1)
	c.rootLF = ino
	c.lf = ino
	return ino
}

// reconnect enters inode ino in lost+found as "#ino", as fsck_ffs's
// linkup does; a directory's ".." then names lost+found. It reports
// whether it could.
func (c *checker) reconnect(ino int64) bool {
	lf := c.lostFound()
	if lf < 0 || c.ioErr != nil {
		return false
	}
	in := &c.inodes[ino]
	if !c.addEntry(lf, fmt.Sprintf("#%d", ino), ino, uint8(in.mode>>12)) {
		return false
	}
	in.refs++
	in.flags &^= inoUnreachable
	if d := c.dirs[ino]; d != nil {
		d.parent = lf
		c.setDotDot(ino, lf)
		c.addLink(lf, 1)
	}
	return c.ioErr == nil
}
