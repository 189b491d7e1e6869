package ffs

import (
	"fmt"
	"strings"

	"github.com/gorump/gorump/kern"
)

// Phase 1: every inode, its allocation bit and the blocks it claims.

// checkInodes reads every initialised inode of every group. It claims
// each inode's fragments in c.claimed, finding fragments claimed twice,
// and keeps what the later phases need in c.inodes and c.dirs. When it
// found fragments claimed twice, a second scan names every inode that
// shares them.
//
// A repair does what fsck_ffs -y does in pass 1 and, for the inodes it
// marks there, in pass 4: it clears the inodes that cannot be trusted
// (no file type, an impossible size, a bad block pointer, more than
// fsck_ffs's MAXDUP blocks shared with other inodes), clears partially
// allocated free inodes, and corrects di_blocks. Where fsck_ffs clears
// every inode sharing a block, the repair keeps them, as e2fsck does:
// the first in inode order keeps the block and the others get copies
// of it (see unshareAll), so that an intact file does not go with the
// damaged inode whose pointer landed in its blocks. Where fsck_ffs clears an inode with block pointers past the
// end of the file, the repair releases those pointers instead, finishing
// the truncation a crash interrupted; it does not claim them, so a block
// a truncation freed and another file took is not counted twice. It
// zeroes what follows a short symlink's target and nanoseconds out of
// range. The inode maps are left to phase 5.
func (c *checker) checkInodes() error {
	c.inodes = make([]inoInfo, c.ninodes)
	c.dirs = map[int64]*dirInfo{}
	c.dups = map[int64]bool{}
	c.inoLimit = make([]int64, c.sb.ncg)
	if err := c.scanInodes(false); err != nil {
		return err
	}
	if len(c.dups) > 0 {
		if err := c.scanInodes(true); err != nil {
			return err
		}
	}
	if c.repair {
		c.unshareAll()
		c.applyInodeFixes()
	}
	return c.ioErr
}

// countFiles counts the allocated inodes for the report.
func (c *checker) countFiles() {
	c.report.Files, c.report.Dirs = 0, 0
	for ino := range c.ninodes {
		if in := &c.inodes[ino]; in.allocated() {
			if in.isDir() {
				c.report.Dirs++
			} else {
				c.report.Files++
			}
		}
	}
}

// scanInodes walks the inode tables group by group. In the first scan
// it checks each inode; in the rescan it only looks for the fragments
// the first scan found claimed twice.
func (c *checker) scanInodes(rescan bool) error {
	sb := c.sb
	const chunkInodes = 256
	buf := make([]byte, chunkInodes*c.inodeSizeOf)
	for g := range sb.ncg {
		cg, err := c.f.readCG(g)
		if err != nil {
			cg = nil // phase 5 reports it
		}
		var imap []byte
		if cg != nil {
			imap = cg.inodeMap()
		}
		inited, limit := sb.ipg, sb.ipg
		if sb.ufs2 && cg != nil {
			inited, limit = c.initedInodes(g, cg, rescan)
		}
		if !rescan {
			c.inoLimit[g] = limit
		}
		table := (sb.cgStart(g) + sb.iblkno) << sb.fshift
		for first := int64(0); first < limit; first += chunkInodes {
			n := min(chunkInodes, limit-first)
			if err := c.f.readAt(buf[:n*c.inodeSizeOf], table+first*c.inodeSizeOf); err != nil {
				return err
			}
			for i := range n {
				ino := g*sb.ipg + first + i
				if ino < rootIno {
					continue
				}
				raw := buf[i*c.inodeSizeOf : (i+1)*c.inodeSizeOf]
				if first+i >= inited && !bit(imap, first+i) {
					// Never initialised, by cg_initediblk: whatever it
					// holds is no inode. A repair that raised the field
					// over it zeroes it, as the allocator would have.
					if c.repair && !rescan && !allZero(raw) {
						c.write(make([]byte, c.inodeSizeOf), table+(first+i)*c.inodeSizeOf)
					}
					continue
				}
				if rescan {
					c.rescanInode(ino, raw)
					continue
				}
				mapped := -1
				if imap != nil {
					mapped = 0
					if bit(imap, first+i) {
						mapped = 1
					}
				}
				if err := c.checkInode(ino, g, raw, mapped); err != nil {
					return err
				}
			}
		}
		if rescan || imap == nil {
			continue
		}
		for i := limit; i < sb.ipg; i++ {
			if bit(imap, i) && g*sb.ipg+i >= rootIno {
				c.mapFixed(c.problem(PhaseInodes, InodeMapMismatch, g*sb.ipg+i, g,
					"marked in use in the inode map, but beyond the %d initialised inodes of its group", limit))
			}
		}
	}
	return nil
}

// initedInodes returns, for UFS2 group g, how many of its inodes its
// cg_initediblk says were initialised and how many the check reads. A
// value outside 0 to fs_ipg cannot be trusted: as fsck_ffs's pass 1
// does with a value over fs_ipg, every inode is read (phase 5 reports
// the field and rewrites it). A value below an inode that the inode map
// marks in use and that holds an allocated inode lost that inode: the
// check reads up to it, in whole inode blocks, and a repair raises the
// field; the inodes in between whose map bits are clear count as never
// initialised.
func (c *checker) initedInodes(g int64, cg *cylGroup, rescan bool) (inited, limit int64) {
	sb := c.sb
	n := cg.i32(cgOffInitedIblk)
	if n < 0 || n > sb.ipg {
		return sb.ipg, sb.ipg
	}
	imap := cg.inodeMap()
	raw := make([]byte, c.inodeSizeOf)
	for i := sb.ipg - 1; i >= n; i-- {
		if !bit(imap, i) || g*sb.ipg+i < rootIno {
			continue
		}
		if err := c.f.readAt(raw, sb.inodeAddr(g*sb.ipg+i)); err != nil {
			continue
		}
		if ip := sb.parseInode(raw); !validType(ip.mode) || ip.nlink <= 0 {
			continue
		}
		limit = min(sb.ipg, (i/sb.inopb+1)*sb.inopb)
		if !rescan {
			p := c.wrong(PhaseInodes, BadCGHeader, 0, g, n, limit, "cg_initediblk below inode %d, which is in use,", g*sb.ipg+i)
			if c.repair {
				c.fixed(p, "set in phase 5")
			}
		}
		return n, limit
	}
	return n, n
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// validType reports whether the type bits of mode name a file type.
func validType(mode uint16) bool {
	switch uint32(mode) & kern.S_IFMT {
	case kern.S_IFREG, kern.S_IFDIR, kern.S_IFLNK, kern.S_IFCHR, kern.S_IFBLK, kern.S_IFIFO, kern.S_IFSOCK:
		return true
	}
	return false
}

// mapFixed notes that phase 5 fixes problem i, when repairing.
func (c *checker) mapFixed(i int) {
	if c.repair {
		c.fixed(i, "rebuilt in phase 5")
	}
}

// clearLater marks inode ino to be cleared once phase 1 is done, for
// problem i.
func (c *checker) clearLater(i int, ino int64) {
	if c.repair {
		c.fixFor(ino).clear = true
		c.fixed(i, "inode cleared")
	}
}

// checkInode checks one inode; mapped is its inode-map bit (-1 when the
// group's map is unreadable).
func (c *checker) checkInode(ino, g int64, raw []byte, mapped int) error {
	sb := c.sb
	ip := sb.parseInode(raw)
	ifmt := uint32(ip.mode) & kern.S_IFMT
	if ifmt == 0 {
		if mapped == 1 {
			c.mapFixed(c.problem(PhaseInodes, InodeMapMismatch, ino, g, "unallocated (mode 0) but marked in use in the inode map"))
		}
		var set []string
		if ip.mode != 0 {
			set = append(set, fmt.Sprintf("mode %#o", ip.mode))
		}
		if ip.size != 0 {
			set = append(set, fmt.Sprintf("size %d", ip.size))
		}
		if ip.db != [ndaddr]int64{} || ip.ib != [niaddr]int64{} {
			set = append(set, "block pointers")
		}
		if len(set) > 0 {
			c.clearLater(c.problem(PhaseInodes, PartialInode, ino, g, "partially allocated: no file type, but %s", strings.Join(set, ", ")), ino)
		}
		return nil
	}
	in := &c.inodes[ino]
	in.mode, in.nlink = ip.mode, ip.nlink
	if mapped == 0 {
		c.mapFixed(c.problem(PhaseInodes, InodeMapMismatch, ino, g, "in use (mode %#o) but marked free in the inode map", ip.mode))
	}
	if !validType(ip.mode) {
		in.flags |= inoDamaged
		c.clearLater(c.problem(PhaseInodes, UnknownType, ino, g, "unknown file type %#o", ifmt), ino)
		return nil
	}
	if ip.size < 0 || ip.size > sb.maxFileSize() || (ifmt == kern.S_IFDIR && ip.size > maxDirSize) {
		in.flags |= inoDamaged
		c.clearLater(c.problem(PhaseInodes, BadSize, ino, g, "impossible size %d", ip.size), ino)
		return nil
	}
	for _, t := range []kern.Timespec{ip.atime, ip.mtime, ip.ctime, ip.birthtime} {
		if t.Nsec < 0 || t.Nsec >= 1e9 {
			i := c.problem(PhaseInodes, BadInodeField, ino, g, "timestamp with %d nanoseconds", t.Nsec)
			if c.repair {
				c.fixFor(ino).nsec = true
				c.fixed(i, "nanoseconds zeroed")
			}
			break
		}
	}
	var dir *dirInfo
	if ifmt == kern.S_IFDIR {
		dir = &dirInfo{size: ip.size}
		c.dirs[ino] = dir
		c.dirList = append(c.dirList, ino)
	}

	// Devices keep their number in db[0] and short symlinks their target
	// in the pointer area: neither has blocks.
	switch {
	case ifmt == kern.S_IFCHR || ifmt == kern.S_IFBLK:
		used := (ip.size+sb.bsize-1)>>sb.bshift + 1
		if c.pointersAfter(ip, used) {
			i := c.problem(PhaseInodes, BlockPastEOF, ino, g, "device with block pointers")
			if c.repair {
				c.fixFor(ino).deviceSlots = used
				c.fixed(i, "pointers zeroed")
			}
		}
		c.checkBlockCount(ino, g, ip, 0)
		return nil
	case ifmt == kern.S_IFLNK && ip.size < sb.maxSymlinkLen:
		if c.pointersAfter(ip, (ip.size+c.ptrs-1)/c.ptrs) {
			i := c.problem(PhaseInodes, BadSymlink, ino, g, "short symlink of %d bytes with data after its target", ip.size)
			if c.repair {
				c.fixFor(ino).symlink = true
				c.fixed(i, "zeroed after the target")
			}
		}
		c.checkBlockCount(ino, g, ip, 0)
		return nil
	}
	w := &blockWalk{c: c, ino: ino, cg: g, size: ip.size, dir: dir}
	if err := w.walk(ip); err != nil {
		return err
	}
	if w.pastEOF > 0 {
		i := c.problem(PhaseInodes, BlockPastEOF, ino, g, "%s beyond the end of the file (size %d), the first for block %d",
			plural(int64(w.pastEOF), "block pointer"), ip.size, w.firstPastEOF)
		if c.repair {
			c.fixFor(ino).trim = true
			c.fixed(i, "released")
		}
	}
	if !w.incomplete {
		c.checkBlockCount(ino, g, ip, w.frags)
	}
	return nil
}

// pointersAfter reports whether any of the 15 pointer slots from slot
// n on is set.
func (c *checker) pointersAfter(ip *dinode, n int64) bool {
	for s := max(n, 0); s < ndaddr+niaddr; s++ {
		var a int64
		if s < ndaddr {
			a = ip.db[s]
		} else {
			a = ip.ib[s-ndaddr]
		}
		if a != 0 {
			return true
		}
	}
	return false
}

// checkBlockCount compares di_blocks, in DEV_BSIZE units, with frags.
func (c *checker) checkBlockCount(ino, g int64, ip *dinode, frags int64) {
	if want := frags << (c.sb.fshift - 9); ip.blocks != want {
		i := c.wrong(PhaseInodes, WrongBlockCount, ino, g, ip.blocks, want, "block count di_blocks")
		if c.repair {
			c.fixFor(ino).blocks = want
			c.fixed(i, "set")
		}
	}
}

// blockWalk follows one inode's block tree.
type blockWalk struct {
	c      *checker
	ino    int64
	cg     int64
	size   int64
	dir    *dirInfo // where to note a directory's blocks
	rescan bool
	mark   bool // only mark the tree's fragments claimed and count them

	nblocks      int64 // blocks the size needs
	frags        int64 // fragments the tree holds
	bad, dup     int
	firstDup     int64
	pastEOF      int
	firstPastEOF int64
	incomplete   bool // the tree could not be followed whole
	stopped      bool
	bufs         [niaddr][]byte
}

func (w *blockWalk) walk(ip *dinode) error {
	sb := w.c.sb
	w.nblocks = (w.size + sb.bsize - 1) >> sb.bshift
	for i := range int64(ndaddr) {
		if ip.db[i] == 0 {
			continue
		}
		n := sb.frag
		if i == w.nblocks-1 && w.size&(sb.bsize-1) != 0 {
			// The last block of a small file is a run of fragments.
			n = (w.size&(sb.bsize-1) + sb.fsize - 1) >> sb.fshift
		}
		w.data(i, ip.db[i], n)
		if w.stopped {
			return nil
		}
	}
	base, span := int64(ndaddr), int64(1)
	for level := range niaddr {
		span *= sb.nindir // blocks under ib[level]
		if ip.ib[level] != 0 {
			if err := w.indirect(ip.ib[level], level, base); err != nil || w.stopped {
				return err
			}
		}
		base += span
	}
	return nil
}

// data claims the data block at lbn. A repair does not claim a block
// past the end of the file: it releases it.
func (w *blockWalk) data(lbn, addr, n int64) {
	if lbn >= w.nblocks {
		w.notePastEOF(lbn)
		if w.c.repair {
			return
		}
	}
	if ok, _ := w.claim(addr, n); ok && w.dir != nil && lbn < w.nblocks {
		w.dir.blocks = append(w.dir.blocks, dirExtent{lbn, addr, n})
	}
}

func (w *blockWalk) notePastEOF(lbn int64) {
	if w.pastEOF == 0 {
		w.firstPastEOF = lbn
	}
	w.pastEOF++
}

// indirect claims an indirect block of the given level (0: single) whose
// first block is lbn base, and follows it, unless it is not this inode's
// alone to follow.
func (w *blockWalk) indirect(addr int64, level int, base int64) error {
	sb := w.c.sb
	if base >= w.nblocks {
		w.notePastEOF(base)
		if w.c.repair {
			return nil
		}
	}
	inRange, fresh := w.claim(addr, sb.frag)
	if !inRange || !fresh {
		w.incomplete = true
		return nil
	}
	if w.bufs[level] == nil {
		w.bufs[level] = make([]byte, sb.bsize)
	}
	b := w.bufs[level]
	if err := w.c.f.readAt(b, addr<<sb.fshift); err != nil {
		return err
	}
	span := int64(1)
	for range level {
		span *= sb.nindir
	}
	for j := range sb.nindir {
		var p int64
		if sb.ufs2 {
			p = int64(sb.bo.Uint64(b[8*j:]))
		} else {
			p = int64(int32(sb.bo.Uint32(b[4*j:])))
		}
		if p == 0 {
			continue
		}
		lbn := base + j*span
		if level == 0 {
			w.data(lbn, p, sb.frag)
		} else if err := w.indirect(p, level-1, lbn); err != nil {
			return err
		}
		if w.stopped {
			return nil
		}
	}
	return nil
}

// claim takes n fragments from addr for the inode. It reports whether
// they are inside the file system's data areas, and whether no other
// claim had taken any of them.
func (w *blockWalk) claim(addr, n int64) (inRange, fresh bool) {
	c := w.c
	w.frags += n
	if w.mark {
		if c.badExtent(addr, n) != "" {
			return false, false
		}
		for a := addr; a < addr+n; a++ {
			setBit(c.claimed, a)
		}
		return true, true
	}
	if why := c.badExtent(addr, n); why != "" {
		if w.rescan {
			return false, false
		}
		w.bad++
		if w.bad > maxBadPerInode {
			c.clearLater(c.problem(PhaseInodes, BadBlock, w.ino, w.cg, "more than %d bad block pointers; the rest of the inode was not checked", maxBadPerInode), w.ino)
			w.stopped, w.incomplete = true, true
		} else {
			c.clearLater(c.fragProblem(PhaseInodes, BadBlock, w.ino, w.cg, addr, "block pointer %d (%d fragments) %s", addr, n, why), w.ino)
		}
		return false, false
	}
	fresh = true
	for a := addr; a < addr+n; a++ {
		switch {
		case w.rescan:
			if c.dups[a] {
				fresh = false
			}
		case bit(c.claimed, a):
			c.dups[a] = true
			fresh = false
		default:
			setBit(c.claimed, a)
		}
	}
	if !fresh {
		if w.dup == 0 {
			w.firstDup = addr
		}
		w.dup++
		if w.dup > maxDupPerInode && !w.rescan {
			w.stopped, w.incomplete = true, true
		}
	}
	return true, fresh
}

// badExtent says what is wrong with a run of n fragments from addr as a
// block pointer's target, or "" if nothing is.
func (c *checker) badExtent(addr, n int64) string {
	sb := c.sb
	switch {
	case addr < 0 || addr+n > sb.size:
		return "outside the file system"
	case n == sb.frag && addr%sb.frag != 0:
		return "not on a block boundary"
	case addr%sb.frag+n > sb.frag:
		return "crosses a block boundary"
	}
	for a := addr; a < addr+n; a++ {
		if c.isMeta(a) {
			return fmt.Sprintf("inside metadata of cylinder group %d", a/sb.fpg)
		}
	}
	return ""
}

// rescanInode looks for the fragments claimed twice in one inode's tree
// and reports the inode if it holds any.
func (c *checker) rescanInode(ino int64, raw []byte) {
	sb := c.sb
	in := &c.inodes[ino]
	if !in.allocated() || in.flags&inoDamaged != 0 {
		return
	}
	ip := sb.parseInode(raw)
	ifmt := uint32(ip.mode) & kern.S_IFMT
	if ifmt == kern.S_IFCHR || ifmt == kern.S_IFBLK || (ifmt == kern.S_IFLNK && ip.size < sb.maxSymlinkLen) {
		return
	}
	w := &blockWalk{c: c, ino: ino, cg: ino / sb.ipg, size: ip.size, rescan: true}
	if err := w.walk(ip); err != nil {
		return
	}
	if w.dup > 0 {
		more := ""
		if w.dup > maxDupPerInode {
			more = "at least "
		}
		i := c.fragProblem(PhaseInodes, DupBlock, ino, ino/sb.ipg, w.firstDup,
			"shares %s%s with other inodes or with itself, the first at fragment %d", more, plural(int64(w.dup), "block"), w.firstDup)
		if w.dup > maxDupPerInode {
			c.clearLater(i, ino) // its first scan stopped: its claims are not all known
		} else if c.repair {
			fx := c.fixFor(ino)
			fx.shared, fx.sharedIdx = true, i
		}
	}
}

// countFrags marks the fragments of inode ino's block tree claimed (up
// to the end of the file, for a repair) and returns how many it holds;
// devices and short symlinks hold none.
func (c *checker) countFrags(ino int64, ip *dinode) int64 {
	sb := c.sb
	ifmt := uint32(ip.mode) & kern.S_IFMT
	if ifmt == kern.S_IFCHR || ifmt == kern.S_IFBLK || (ifmt == kern.S_IFLNK && ip.size < sb.maxSymlinkLen) {
		return 0
	}
	w := &blockWalk{c: c, ino: ino, cg: ino / sb.ipg, size: ip.size, mark: true}
	if err := w.walk(ip); err != nil {
		c.fail(err)
	}
	return w.frags
}
