package ffs

import (
	"bytes"
	"fmt"
	"slices"
)

// Phases 2 to 4: the directory tree, from the entries of every directory.

// entryProblem records a problem with the entry at byte offset off of
// directory dir.
func (c *checker) entryProblem(k ProblemKind, dir, off int64, format string, args ...any) int {
	return c.add(Problem{Phase: PhaseNames, Kind: k, Ino: dir, CG: NoCG, Frag: NoFrag, Offset: off,
		Msg: fmt.Sprintf("entry at offset %d: ", off) + fmt.Sprintf(format, args...)})
}

// checkNames reads every directory (phase 2): each entry's format, "."
// and "..", and the inode each entry names. It counts the references to
// every inode and notes each directory's parent.
//
// A repair does what fsck_ffs -y does in pass 2. Before reading entries
// it clears directories of size 0 (and those whose first block is a
// hole), rounds sizes up to whole DIRBLKSIZ chunks and cuts a directory
// short at its first hole ("ADJUST LENGTH"). It remakes a root that is
// missing or not a directory. In the entries, it empties a chunk whose
// first record is malformed and gives the rest of a chunk to the record
// before a malformed one ("SALVAGE"); it removes entries naming inodes
// out of range, unallocated or cleared, extra "." and ".." entries and
// extra hard links to a directory; it fixes d_type, "." and "..". Where
// fsck_ffs cannot fix a first chunk whose first two records are not "."
// and ".." ("CANNOT FIX, FIRST ENTRY IN DIRECTORY CONTAINS ..."), the
// repair rebuilds the chunk with "." and ".." first and the other entries
// after them, dropping those that no longer fit: what they named goes to
// lost+found in phase 3.
func (c *checker) checkNames() error {
	if c.repair {
		c.fixDirShapes()
	}
	root := &c.inodes[rootIno]
	i := -1
	switch {
	case !root.allocated():
		i = c.problem(PhaseNames, BadRoot, rootIno, NoCG, "root inode unallocated")
	case !root.isDir():
		i = c.problem(PhaseNames, BadRoot, rootIno, NoCG, "root inode is not a directory (mode %#o)", root.mode)
	case c.dirs[rootIno] == nil || root.flags&inoDamaged != 0:
		i = c.problem(PhaseNames, BadRoot, rootIno, NoCG, "root directory damaged")
	default:
		c.rootOK = true
	}
	if !c.rootOK && c.repair && c.remakeRoot() {
		c.rootOK = true
		c.fixed(i, "root directory remade")
	}
	if c.rootOK {
		c.dirs[rootIno].parent = rootIno
		root.flags |= inoParentSeen
	}
	for _, ino := range c.dirList {
		if err := c.checkDir(ino, c.dirs[ino]); err != nil {
			return err
		}
	}
	// With every parent known, each ".." must name its directory's.
	for _, ino := range c.dirList {
		d := c.dirs[ino]
		if d.parent == 0 || d.dotdot == d.parent {
			continue
		}
		if d.dotdot != 0 {
			i := c.add(Problem{Phase: PhaseNames, Kind: BadDotDot, Ino: ino, CG: NoCG, Frag: NoFrag, Offset: NoOffset,
				Got: d.dotdot, Want: d.parent, Msg: fmt.Sprintf("'..' names inode %d, but the directory is in %d", d.dotdot, d.parent)})
			if c.repair && c.setDotDot(ino, d.parent) {
				c.fixed(i, "set")
			}
		} else if c.repair {
			c.setDotDot(ino, d.parent) // a ".." the repair rebuilt
		}
	}
	return c.ioErr
}

// fixDirShapes is the part of a repair that runs before the entries are
// read: directories of size 0, sizes that are not whole chunks, holes.
func (c *checker) fixDirShapes() {
	sb := c.sb
	for _, ino := range slices.Clone(c.dirList) {
		d := c.dirs[ino]
		if d.size == 0 {
			c.clearLater(c.problem(PhaseNames, BadDirSize, ino, NoCG, "directory of size 0"), ino)
			c.applyInodeFixes()
			continue
		}
		if d.size%dirBlockSize != 0 {
			want := (d.size + dirBlockSize - 1) &^ (dirBlockSize - 1)
			i := c.wrong(PhaseNames, BadDirSize, ino, NoCG, d.size, want, "directory size, not a multiple of %d,", dirBlockSize)
			// The fragments of the last block cover the rounded size.
			d.size = want
			c.updateInode(ino, func(ip *dinode) { ip.size = want })
			c.fixed(i, "set")
		}
		nblocks := (d.size + sb.bsize - 1) >> sb.bshift
		hole := int64(0)
		for _, e := range d.blocks {
			if e.lbn != hole {
				break
			}
			hole++
		}
		switch {
		case hole >= nblocks:
		case hole == 0:
			c.clearLater(c.problem(PhaseNames, DirHole, ino, NoCG, "hole at offset 0"), ino)
			c.applyInodeFixes()
		default:
			i := c.problem(PhaseNames, DirHole, ino, NoCG, "hole at offset %d", hole<<sb.bshift)
			d.size = hole << sb.bshift
			d.blocks = slices.DeleteFunc(d.blocks, func(e dirExtent) bool { return e.lbn >= hole })
			c.updateInode(ino, func(ip *dinode) {
				ip.size = d.size
				c.trimTree(ip)
				ip.blocks = c.countFrags(ino, ip) << (sb.fshift - 9)
			})
			c.fixed(i, "length cut to %d", d.size)
		}
	}
}

// remakeRoot makes a new, empty root directory, clearing what inode 2
// held, as fsck_ffs's "ROOT INODE UNALLOCATED. ALLOCATE" and "ROOT
// INODE NOT DIRECTORY. REALLOCATE" do. Its entries are counted when
// phase 2 reads it.
func (c *checker) remakeRoot() bool {
	if c.inodes[rootIno].allocated() {
		c.clearInode(rootIno)
	}
	if !c.makeDir(rootIno, rootIno, 0o755) {
		return false
	}
	d := c.dirs[rootIno]
	c.inodes[rootIno].refs = 0
	d.dotdot, d.dotdotCounted = 0, false
	return c.ioErr == nil
}

// checkDir reads one directory's entries, writing back the blocks a
// repair changed.
func (c *checker) checkDir(ino int64, d *dirInfo) error {
	sb := c.sb
	if !c.repair { // a repair has fixed sizes and holes already
		switch {
		case d.size == 0:
			c.problem(PhaseNames, BadDirSize, ino, NoCG, "directory of size 0")
			return nil
		case d.size%dirBlockSize != 0:
			c.wrong(PhaseNames, BadDirSize, ino, NoCG, d.size, (d.size+dirBlockSize-1)&^(dirBlockSize-1), "directory size, not a multiple of %d,", dirBlockSize)
		}
	}
	nblocks := (d.size + sb.bsize - 1) >> sb.bshift
	next := int64(0)
	buf := make([]byte, sb.bsize)
	c.dirNames = map[string]bool{}
	holeReported, sawFirst := false, false
	for _, e := range d.blocks {
		if e.lbn != next && !holeReported {
			c.problem(PhaseNames, DirHole, ino, NoCG, "hole at offset %d", next<<sb.bshift)
			holeReported = true
		}
		next = e.lbn + 1
		n := min(e.frags<<sb.fshift, d.size-e.lbn<<sb.bshift) &^ (dirBlockSize - 1)
		if n <= 0 {
			continue
		}
		if err := c.f.readAt(buf[:n], e.addr<<sb.fshift); err != nil {
			return err
		}
		changed := false
		for off := int64(0); off < n; off += dirBlockSize {
			first := e.lbn == 0 && off == 0
			sawFirst = sawFirst || first
			if c.checkDirChunk(ino, d, buf[off:off+dirBlockSize], e.lbn<<sb.bshift+off, first) {
				changed = true
			}
		}
		if changed {
			c.write(buf[:n], e.addr<<sb.fshift)
		}
	}
	if next != nblocks && !holeReported {
		c.problem(PhaseNames, DirHole, ino, NoCG, "hole at offset %d", next<<sb.bshift)
	}
	if !sawFirst {
		c.entryProblem(BadDot, ino, 0, "missing '.'")
		c.entryProblem(BadDotDot, ino, 0, "missing '..'")
	}
	return nil
}

// dirRec is a record of a directory chunk; ino is 0 for a free one.
type dirRec struct {
	at     int // offset in the chunk
	ino    int64
	reclen int
	typ    uint8
	name   string
}

// checkDirChunk checks the entries of one DIRBLKSIZ chunk that starts at
// byte base of directory ino; first says it is the directory's first
// chunk, which must start with "." and "..". It reports whether a repair
// changed the chunk.
func (c *checker) checkDirChunk(ino int64, d *dirInfo, chunk []byte, base int64, first bool) bool {
	recs, changed := c.parseChunk(ino, chunk, base)
	rest := recs
	if first {
		var dotsChanged bool
		rest, dotsChanged = c.checkDots(ino, d, chunk, base, recs)
		changed = changed || dotsChanged
	}
	for _, r := range rest {
		if r.ino == 0 {
			continue
		}
		if c.dirNames[r.name] && r.name != "." && r.name != ".." {
			// fsck_ffs lets such an entry be; but a lookup finds only
			// one of the two, and the other file is lost to its users.
			// A repair removes the later entry, so that phase 3 puts
			// the file it names in lost+found, unless another name
			// holds it.
			i := c.entryProblem(DupEntryName, ino, base+int64(r.at), "%q is in the directory already; this entry names inode %d", r.name, r.ino)
			if c.repair {
				c.fixed(i, "entry removed")
				c.sb.bo.PutUint32(chunk[r.at:], 0)
				changed = true
				continue
			}
		}
		c.dirNames[r.name] = true
		remove, typ := c.checkEntry(ino, d, base+int64(r.at), r.ino, r.typ, r.name)
		switch {
		case !c.repair:
		case remove:
			c.sb.bo.PutUint32(chunk[r.at:], 0)
			changed = true
		case typ != r.typ:
			chunk[r.at+6] = typ
			changed = true
		}
	}
	return changed
}

// parseChunk returns the records of a chunk up to the first malformed
// one, which it reports. A repair salvages the chunk as fsck_ffs does: a
// malformed first record makes the chunk one free record; a later one
// gives the rest of the chunk to the record before it.
func (c *checker) parseChunk(dir int64, chunk []byte, base int64) ([]dirRec, bool) {
	bo := c.sb.bo
	var recs []dirRec
	for off := 0; off < dirBlockSize; {
		e := chunk[off:]
		var why string
		if off+direntHeaderSize > dirBlockSize {
			why = fmt.Sprintf("entry header crosses the end of the %d-byte chunk", dirBlockSize)
		} else {
			target := int64(bo.Uint32(e[0:]))
			reclen := int(bo.Uint16(e[4:]))
			typ, namlen := e[6], int(e[7])
			switch {
			case reclen < direntHeaderSize || reclen%4 != 0 || off+reclen > dirBlockSize:
				why = fmt.Sprintf("record length %d; the rest of the %d-byte chunk is skipped", reclen, dirBlockSize)
			case target == 0:
				recs = append(recs, dirRec{at: off, reclen: reclen})
				off += reclen
				continue
			case direntLen(namlen) > reclen || namlen == 0 || typ > 15:
				why = fmt.Sprintf("name length %d, type %d in a record of %d bytes; the rest of the chunk is skipped", namlen, typ, reclen)
			default:
				name := e[8 : 8+namlen]
				if bytes.IndexByte(name, 0) < 0 && bytes.IndexByte(name, '/') < 0 && e[8+namlen] == 0 {
					recs = append(recs, dirRec{at: off, ino: target, reclen: reclen, typ: typ, name: string(name)})
					off += reclen
					continue
				}
				why = fmt.Sprintf("name %q has a NUL or a slash, or no NUL after it; the rest of the chunk is skipped", name)
			}
		}
		i := c.entryProblem(BadDirEntry, dir, base+int64(off), "%s", why)
		if !c.repair {
			return recs, false
		}
		if len(recs) == 0 {
			bo.PutUint32(chunk[0:], 0)
			bo.PutUint16(chunk[4:], dirBlockSize)
			chunk[6], chunk[7], chunk[8] = 0, 0, 0
			recs = []dirRec{{at: 0, reclen: dirBlockSize}}
			c.fixed(i, "chunk emptied")
		} else {
			last := &recs[len(recs)-1]
			last.reclen = dirBlockSize - last.at
			bo.PutUint16(chunk[last.at+4:], uint16(last.reclen))
			c.fixed(i, "rest of the chunk dropped")
		}
		return recs, true
	}
	return recs, false
}

// checkDots checks the first two records of a directory's first chunk,
// which must be "." and "..", and returns the records left to check as
// ordinary entries, and whether a repair changed the chunk.
func (c *checker) checkDots(dir int64, d *dirInfo, chunk []byte, base int64, recs []dirRec) ([]dirRec, bool) {
	changed := false
	provisional := false // ".." names the root until its parent is known
	okDot := len(recs) > 0 && recs[0].ino != 0 && recs[0].name == "."
	okDotDot := len(recs) > 1 && recs[1].ino != 0 && recs[1].name == ".."
	if c.repair && (!okDot || !okDotDot) {
		var why []string
		if !okDot {
			why = append(why, "missing '.'")
		}
		if !okDotDot {
			why = append(why, "missing '..'")
		}
		var dropped int
		recs, dropped, provisional = c.rebuildDots(dir, chunk, recs)
		fix := "'.' and '..' put first"
		if dropped > 0 {
			fix += fmt.Sprintf(", %s dropped for room", plural(int64(dropped), "entry"))
		}
		for _, w := range why {
			k := BadDot
			if w == "missing '..'" {
				k = BadDotDot
			}
			c.fixed(c.entryProblem(k, dir, base, "%s", w), "%s", fix)
		}
		changed = true
	}
	var rest []dirRec
	// ".": a self reference.
	switch {
	case len(recs) == 0 || recs[0].ino == 0:
		c.entryProblem(BadDot, dir, base, "missing '.'")
	case recs[0].name == ".":
		r := recs[0]
		switch {
		case r.ino != dir:
			i := c.entryProblem(BadDot, dir, base+int64(r.at), "'.' names inode %d", r.ino)
			if c.repair {
				c.sb.bo.PutUint32(chunk[r.at:], uint32(dir))
				chunk[r.at+6] = dtDir
				c.inodes[dir].refs++
				changed = true
				c.fixed(i, "set")
			}
		case r.typ != dtDir:
			i := c.entryProblem(BadDot, dir, base+int64(r.at), "'.' has type %d", r.typ)
			if c.repair {
				chunk[r.at+6] = dtDir
				changed = true
				c.fixed(i, "set")
			}
			c.inodes[dir].refs++
		default:
			c.inodes[dir].refs++
		}
	case recs[0].name == "..":
		c.entryProblem(BadDot, dir, base, "missing '.': the first entry is %q", recs[0].name)
		c.entryProblem(BadDotDot, dir, base, "'..' is the first entry, not the second")
	default:
		c.entryProblem(BadDot, dir, base, "missing '.': the first entry is %q", recs[0].name)
		rest = append(rest, recs[0])
	}
	// "..": the parent.
	switch {
	case len(recs) < 2 || recs[1].ino == 0:
		c.entryProblem(BadDotDot, dir, base, "missing '..'")
	case recs[1].name == "..":
		r := recs[1]
		if provisional {
			break // not counted: phase 2 or 3 points it at the parent
		}
		d.dotdot = r.ino
		if r.typ != dtDir {
			i := c.entryProblem(BadDotDot, dir, base+int64(r.at), "'..' has type %d", r.typ)
			if c.repair {
				chunk[r.at+6] = dtDir
				changed = true
				c.fixed(i, "set")
			}
		}
		if r.ino < c.ninodes && c.inodes[r.ino].allocated() {
			c.inodes[r.ino].refs++
			d.dotdotCounted = true
		}
	default:
		c.entryProblem(BadDotDot, dir, base+int64(recs[1].at), "missing '..': the second entry is %q", recs[1].name)
		rest = append(rest, recs[1])
	}
	if len(recs) > 2 {
		rest = append(rest, recs[2:]...)
	}
	return rest, changed
}

// rebuildDots rewrites a directory's first chunk as "." and "..", then
// the chunk's other live entries as far as they fit. ".." keeps what a
// ".." record of the chunk named; without one it names the root, to be
// pointed at the parent later, and provisional says so. It returns the
// new records and how many entries were dropped.
func (c *checker) rebuildDots(dir int64, chunk []byte, recs []dirRec) (out []dirRec, dropped int, provisional bool) {
	sb := c.sb
	dotdot := int64(0)
	var keep []dirRec
	for _, r := range recs {
		switch {
		case r.ino == 0:
		case r.name == "..":
			if dotdot == 0 && r.ino < c.ninodes {
				dotdot = r.ino
			}
		case r.name != ".":
			keep = append(keep, r)
		}
	}
	if dotdot == 0 {
		dotdot, provisional = rootIno, true
	}
	clear(chunk)
	dot := direntLen(1)
	sb.putEntry(chunk, dir, dot, dtDir, ".")
	out = []dirRec{{at: 0, ino: dir, reclen: dot, typ: dtDir, name: "."}, {at: dot, ino: dotdot, reclen: direntLen(2), typ: dtDir, name: ".."}}
	off := dot + direntLen(2)
	for _, r := range keep {
		n := direntLen(len(r.name))
		if off+n > dirBlockSize {
			dropped++
			continue
		}
		out = append(out, dirRec{at: off, ino: r.ino, reclen: n, typ: r.typ, name: r.name})
		off += n
	}
	out[len(out)-1].reclen = dirBlockSize - out[len(out)-1].at
	for _, r := range out {
		sb.putEntry(chunk[r.at:], r.ino, r.reclen, r.typ, r.name)
	}
	return out, dropped, provisional
}

// checkEntry checks one live entry other than the first chunk's "." and
// "..". For a repair it says whether to remove the entry, and the d_type
// the entry should have.
func (c *checker) checkEntry(dir int64, d *dirInfo, at int64, target int64, typ uint8, name string) (remove bool, newType uint8) {
	removed := func(i int) (bool, uint8) {
		if c.repair {
			c.fixed(i, "entry removed")
		}
		return c.repair, typ
	}
	if name == "." || name == ".." {
		return removed(c.entryProblem(ExtraDot, dir, at, "extra %q entry naming inode %d", name, target))
	}
	whiteoutFixed := false
	if target == whiteoutIno || typ == dtWht {
		if target == whiteoutIno && typ == dtWht {
			return false, typ
		}
		i := c.entryProblem(BadWhiteout, dir, at, "%q: inode %d with type %d: a whiteout needs inode %d and type %d", name, target, typ, whiteoutIno, dtWht)
		if target == whiteoutIno {
			if c.repair {
				c.fixed(i, "type set")
			}
			return false, dtWht
		}
		// A whiteout type on an inode: the entry is checked as any other,
		// and a repair gives it the inode's type.
		whiteoutFixed = true
		defer func() {
			if c.repair && !remove {
				c.fixed(i, "type set")
			}
		}()
	}
	if target >= c.ninodes {
		return removed(c.entryProblem(EntryOutOfRange, dir, at, "%q names inode %d; the last is %d", name, target, c.ninodes-1))
	}
	in := &c.inodes[target]
	if !in.allocated() {
		return removed(c.entryProblem(EntryUnallocated, dir, at, "%q names unallocated inode %d", name, target))
	}
	td := c.dirs[target]
	extra := td != nil && in.flags&inoParentSeen != 0
	if extra && c.repair {
		return removed(c.entryProblem(ExtraDirLink, dir, at, "%q is an extra hard link to directory %d (already in %d)", name, target, td.parent))
	}
	in.refs++
	newType = typ
	if want := uint8(in.mode >> 12); validType(in.mode) && typ != want {
		newType = want
		if !whiteoutFixed {
			i := c.add(Problem{Phase: PhaseNames, Kind: BadEntryType, Ino: dir, CG: NoCG, Frag: NoFrag, Offset: at, Got: int64(typ), Want: int64(want),
				Msg: fmt.Sprintf("entry at offset %d: %q has type %d, inode %d has type %d", at, name, typ, target, want)})
			if c.repair {
				c.fixed(i, "set")
			}
		}
	}
	if td != nil {
		if extra {
			c.entryProblem(ExtraDirLink, dir, at, "%q is an extra hard link to directory %d (already in %d)", name, target, td.parent)
			return false, newType
		}
		in.flags |= inoParentSeen
		td.parent = dir
	}
	if dir == rootIno && name == "lost+found" {
		c.rootLF = target
	}
	return false, newType
}

// checkConnectivity (phase 3) finds the directories the root does not
// reach, reporting only the top of each detached tree, and the files no
// entry names.
//
// A repair reconnects each top into lost+found under "#inode", making
// lost+found in the root if there is none, as fsck_ffs's linkup does;
// for a loop of directories, the entry naming the top in the loop goes.
// A file no entry names is cleared if its link count was 0 (a removal
// that did not finish) and reconnected otherwise, or cleared when
// lost+found has no room, as fsck_ffs -y does.
func (c *checker) checkConnectivity() {
	if !c.rootOK {
		return
	}
	// Children by parent; then everything the root reaches.
	kids := map[int64][]int64{}
	for _, ino := range c.dirList {
		if p := c.dirs[ino].parent; p != 0 && ino != rootIno {
			kids[p] = append(kids[p], ino)
		}
	}
	reached := map[int64]bool{rootIno: true}
	queue := []int64{rootIno}
	for len(queue) > 0 {
		ino := queue[0]
		queue = queue[1:]
		for _, k := range kids[ino] {
			if !reached[k] {
				reached[k] = true
				queue = append(queue, k)
			}
		}
	}
	// The top of a detached tree has no parent, or is the least inode of
	// a cycle of parents.
	tops := map[int64]bool{}
	done := map[int64]bool{}
	for _, ino := range c.dirList {
		if reached[ino] || done[ino] {
			continue
		}
		var chain []int64
		onChain := map[int64]bool{}
		cur := ino
		for !reached[cur] && !done[cur] && !onChain[cur] {
			chain = append(chain, cur)
			onChain[cur] = true
			p := c.dirs[cur].parent
			if p == 0 {
				tops[cur] = true
				break
			}
			cur = p
		}
		if onChain[cur] && c.dirs[cur].parent != 0 {
			i := slices.Index(chain, cur)
			tops[slices.Min(chain[i:])] = true
		}
		for _, x := range chain {
			done[x] = true
		}
	}
	if c.repair && c.needLostFound(tops) {
		c.lostFound()
	}
	for _, ino := range slices.Clone(c.dirList) {
		if !tops[ino] {
			continue
		}
		c.inodes[ino].flags |= inoUnreachable
		var i int
		p := c.dirs[ino].parent
		if p != 0 {
			i = c.problem(PhaseConnectivity, UnreachableDir, ino, NoCG, "directory in a loop of directories not reachable from the root")
		} else {
			i = c.problem(PhaseConnectivity, UnreachableDir, ino, NoCG, "directory not named by any entry")
		}
		if !c.repair {
			continue
		}
		if p != 0 && c.setEntry(p, func(s *dirSlot) bool { return s.ino == ino && s.name != "." && s.name != ".." }, 0, 0) {
			c.inodes[ino].refs--
		}
		if c.reconnect(ino) {
			c.fixed(i, "reconnected to lost+found as #%d", ino)
		}
	}
	for ino := int64(rootIno); ino < c.ninodes; ino++ {
		in := &c.inodes[ino]
		if !in.allocated() || in.isDir() || in.refs != 0 {
			continue
		}
		in.flags |= inoUnreachable
		i := c.problem(PhaseConnectivity, UnreferencedFile, ino, NoCG, "file (mode %#o) not named by any entry", in.mode)
		switch {
		case !c.repair:
		case in.nlink <= 0:
			c.clearInode(ino)
			c.fixed(i, "cleared (link count 0)")
		case c.reconnect(ino):
			c.fixed(i, "reconnected to lost+found as #%d", ino)
		default:
			c.clearInode(ino)
			c.fixed(i, "cleared (no room in lost+found)")
		}
	}
}

// needLostFound reports whether phase 3 has anything to reconnect.
func (c *checker) needLostFound(tops map[int64]bool) bool {
	if len(tops) > 0 {
		return true
	}
	for ino := int64(rootIno); ino < c.ninodes; ino++ {
		if in := &c.inodes[ino]; in.allocated() && !in.isDir() && in.refs == 0 && in.nlink > 0 {
			return true
		}
	}
	return false
}

// checkLinks (phase 4) compares every inode's link count with the
// references phase 2 found, except those phase 3 reported and did not
// reconnect, whose count a reconnection would change. A repair sets the
// link count to the references found ("ADJUST").
func (c *checker) checkLinks() {
	for ino := int64(rootIno); ino < c.ninodes; ino++ {
		in := &c.inodes[ino]
		if !in.allocated() || in.flags&inoUnreachable != 0 {
			continue
		}
		if int64(in.nlink) != int64(in.refs) {
			i := c.wrong(PhaseLinks, WrongLinkCount, ino, NoCG, int64(in.nlink), int64(in.refs), "link count")
			if c.repair && in.refs <= linkMax {
				c.addLink(ino, int16(in.refs)-in.nlink)
				c.fixed(i, "set")
			}
		}
	}
}
