package ffs

import (
	"bytes"
	"fmt"
	"slices"
)

// Phases 2 to 4: the directory tree, from the entries of every directory.

// entryProblem records a problem with the entry at byte offset off of
// directory dir.
func (c *checker) entryProblem(k ProblemKind, dir, off int64, format string, args ...any) {
	c.add(Problem{Phase: PhaseNames, Kind: k, Ino: dir, CG: NoCG, Frag: NoFrag, Offset: off,
		Msg: fmt.Sprintf("entry at offset %d: ", off) + fmt.Sprintf(format, args...)})
}

// checkNames reads every directory (phase 2): each entry's format, "."
// and "..", and the inode each entry names. It counts the references to
// every inode and notes each directory's parent.
func (c *checker) checkNames() error {
	root := &c.inodes[rootIno]
	switch {
	case !root.allocated():
		c.problem(PhaseNames, BadRoot, rootIno, NoCG, "root inode unallocated")
	case !root.isDir():
		c.problem(PhaseNames, BadRoot, rootIno, NoCG, "root inode is not a directory (mode %#o)", root.mode)
	case c.dirs[rootIno] == nil || root.flags&inoDamaged != 0:
		c.problem(PhaseNames, BadRoot, rootIno, NoCG, "root directory damaged")
	default:
		c.rootOK = true
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
		if d.parent != 0 && d.dotdot != 0 && d.dotdot != d.parent {
			c.add(Problem{Phase: PhaseNames, Kind: BadDotDot, Ino: ino, CG: NoCG, Frag: NoFrag, Offset: NoOffset,
				Got: d.dotdot, Want: d.parent, Msg: fmt.Sprintf("'..' names inode %d, but the directory is in %d", d.dotdot, d.parent)})
		}
	}
	return nil
}

// checkDir reads one directory's entries.
func (c *checker) checkDir(ino int64, d *dirInfo) error {
	sb := c.sb
	switch {
	case d.size == 0:
		c.problem(PhaseNames, BadDirSize, ino, NoCG, "directory of size 0")
		return nil
	case d.size%dirBlockSize != 0:
		c.wrong(PhaseNames, BadDirSize, ino, NoCG, d.size, (d.size+dirBlockSize-1)&^(dirBlockSize-1), "directory size, not a multiple of %d,", dirBlockSize)
	}
	nblocks := (d.size + sb.bsize - 1) >> sb.bshift
	records := 0 // entries seen, in order, live or not
	next := int64(0)
	buf := make([]byte, sb.bsize)
	holeReported := false
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
		for off := int64(0); off < n; off += dirBlockSize {
			c.checkDirChunk(ino, d, buf[off:off+dirBlockSize], e.lbn<<sb.bshift+off, &records)
		}
	}
	if next != nblocks && !holeReported {
		c.problem(PhaseNames, DirHole, ino, NoCG, "hole at offset %d", next<<sb.bshift)
	}
	if records == 0 {
		c.entryProblem(BadDot, ino, 0, "missing '.'")
	}
	if records <= 1 {
		c.entryProblem(BadDotDot, ino, 0, "missing '..'")
	}
	return nil
}

// checkDirChunk checks the entries of one DIRBLKSIZ chunk that starts at
// byte base of directory ino. records counts the entries of the
// directory so far, for "." and "..".
func (c *checker) checkDirChunk(ino int64, d *dirInfo, chunk []byte, base int64, records *int) {
	bo := c.sb.bo
	for off := 0; off < dirBlockSize; {
		e := chunk[off:]
		at := base + int64(off)
		if off+direntHeaderSize > dirBlockSize {
			c.entryProblem(BadDirEntry, ino, at, "entry header crosses the end of the %d-byte chunk", dirBlockSize)
			return
		}
		target := int64(bo.Uint32(e[0:]))
		reclen := int(bo.Uint16(e[4:]))
		typ, namlen := e[6], int(e[7])
		if reclen < direntHeaderSize || reclen%4 != 0 || off+reclen > dirBlockSize {
			c.entryProblem(BadDirEntry, ino, at, "record length %d; the rest of the %d-byte chunk is skipped", reclen, dirBlockSize)
			return
		}
		off += reclen
		if target == 0 {
			*records++
			continue
		}
		if direntLen(namlen) > reclen || namlen == 0 || typ > 15 {
			c.entryProblem(BadDirEntry, ino, at, "name length %d, type %d in a record of %d bytes; the rest of the chunk is skipped", namlen, typ, reclen)
			return
		}
		name := e[8 : 8+namlen]
		if bytes.IndexByte(name, 0) >= 0 || bytes.IndexByte(name, '/') >= 0 || e[8+namlen] != 0 {
			c.entryProblem(BadDirEntry, ino, at, "name %q has a NUL or a slash, or no NUL after it; the rest of the chunk is skipped", name)
			return
		}
		c.checkEntry(ino, d, at, *records, target, typ, string(name))
		*records++
	}
}

// checkEntry checks one live entry, the n-th of its directory.
func (c *checker) checkEntry(dir int64, d *dirInfo, at int64, n int, target int64, typ uint8, name string) {
	switch {
	case n == 0 && name == ".":
		switch {
		case target != dir:
			c.entryProblem(BadDot, dir, at, "'.' names inode %d", target)
		case typ != dtDir:
			c.entryProblem(BadDot, dir, at, "'.' has type %d", typ)
			c.inodes[dir].refs++
		default:
			c.inodes[dir].refs++
		}
		return
	case n == 0:
		c.entryProblem(BadDot, dir, at, "missing '.': the first entry is %q", name)
		if name == ".." {
			c.entryProblem(BadDotDot, dir, at, "'..' is the first entry, not the second")
			return
		}
	case n == 1 && name == "..":
		d.dotdot = target
		if typ != dtDir {
			c.entryProblem(BadDotDot, dir, at, "'..' has type %d", typ)
		}
		if target < c.ninodes && c.inodes[target].allocated() {
			c.inodes[target].refs++
		}
		return
	case n == 1:
		c.entryProblem(BadDotDot, dir, at, "missing '..': the second entry is %q", name)
	}
	if name == "." || name == ".." {
		c.entryProblem(ExtraDot, dir, at, "extra %q entry naming inode %d", name, target)
		return
	}
	if target == whiteoutIno || typ == dtWht {
		if target != whiteoutIno || typ != dtWht {
			c.entryProblem(BadWhiteout, dir, at, "%q: inode %d with type %d: a whiteout needs inode %d and type %d", name, target, typ, whiteoutIno, dtWht)
		}
		return
	}
	if target >= c.ninodes {
		c.entryProblem(EntryOutOfRange, dir, at, "%q names inode %d; the last is %d", name, target, c.ninodes-1)
		return
	}
	in := &c.inodes[target]
	if !in.allocated() {
		c.entryProblem(EntryUnallocated, dir, at, "%q names unallocated inode %d", name, target)
		return
	}
	in.refs++
	if want := uint8(in.mode >> 12); validType(in.mode) && typ != want {
		c.add(Problem{Phase: PhaseNames, Kind: BadEntryType, Ino: dir, CG: NoCG, Frag: NoFrag, Offset: at, Got: int64(typ), Want: int64(want),
			Msg: fmt.Sprintf("entry at offset %d: %q has type %d, inode %d has type %d", at, name, typ, target, want)})
	}
	if td := c.dirs[target]; td != nil {
		if in.flags&inoParentSeen != 0 {
			c.entryProblem(ExtraDirLink, dir, at, "%q is an extra hard link to directory %d (already in %d)", name, target, td.parent)
			return
		}
		in.flags |= inoParentSeen
		td.parent = dir
	}
}

// checkConnectivity (phase 3) finds the directories the root does not
// reach, reporting only the top of each detached tree, and the files no
// entry names.
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
	for _, ino := range c.dirList {
		if !tops[ino] {
			continue
		}
		c.inodes[ino].flags |= inoUnreachable
		if p := c.dirs[ino].parent; p != 0 {
			c.problem(PhaseConnectivity, UnreachableDir, ino, NoCG, "directory in a loop of directories not reachable from the root")
		} else {
			c.problem(PhaseConnectivity, UnreachableDir, ino, NoCG, "directory not named by any entry")
		}
	}
	for ino := int64(rootIno); ino < c.ninodes; ino++ {
		if in := &c.inodes[ino]; in.allocated() && !in.isDir() && in.refs == 0 {
			in.flags |= inoUnreachable
			c.problem(PhaseConnectivity, UnreferencedFile, ino, NoCG, "file (mode %#o) not named by any entry", in.mode)
		}
	}
}

// checkLinks (phase 4) compares every inode's link count with the
// references phase 2 found, except those phase 3 reported, whose count a
// reconnection would change.
func (c *checker) checkLinks() {
	for ino := int64(rootIno); ino < c.ninodes; ino++ {
		in := &c.inodes[ino]
		if !in.allocated() || in.flags&inoUnreachable != 0 {
			continue
		}
		if int64(in.nlink) != int64(in.refs) {
			c.wrong(PhaseLinks, WrongLinkCount, ino, NoCG, int64(in.nlink), int64(in.refs), "link count")
		}
	}
}
