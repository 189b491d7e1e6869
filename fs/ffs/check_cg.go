package ffs

import (
	"bytes"
	"fmt"
	"strings"
)

// Phase 5: every cylinder group's header, maps and counts against what
// the inodes claim, then the summary array and the superblock's totals.

// checkCylGroups compares each group with the state phase 1 found: the
// free map must be the complement of the claimed fragments, the counts
// and summaries must follow from the maps.
//
// A repair first claims afresh what the inodes left after phases 1 to 4
// hold (cleared inodes give their blocks back, released pointers theirs),
// then rewrites every group that differs in the standard layout with its
// maps, counts, fragment and cluster summaries rebuilt, as fsck_ffs's
// pass 5 does (a group whose header is
// unreadable is rebuilt whole), and the summary array and superblock
// totals from the groups.
func (c *checker) checkCylGroups() error {
	sb := c.sb
	c.countFiles()
	if c.repair {
		c.claimAll()
		if c.ioErr != nil {
			return c.ioErr
		}
	}
	var total csum
	var csArray []byte
	csChanged := false
	if c.csValid {
		csArray = make([]byte, c.cssize)
		if err := c.f.readAt(csArray, sb.csaddr<<sb.fshift); err != nil {
			return err
		}
	}
	for g := range sb.ncg {
		want := c.expectedCG(g)
		total.ndir += want.cs.ndir
		total.nbfree += want.cs.nbfree
		total.nifree += want.cs.nifree
		total.nffree += want.cs.nffree
		c.report.FreeFrags += want.cs.nbfree*sb.frag + want.cs.nffree
		c.report.UsedFrags += want.ndblk - want.cs.nbfree*sb.frag - want.cs.nffree
		first := len(c.report.Problems)
		cg, err := c.f.readCG(g)
		if err != nil {
			c.problem(PhaseCylGroups, BadCGHeader, 0, g, "header rejected, maps not checked: %v", err)
			cg = nil
		} else {
			c.compareCG(cg, want)
		}
		if c.repair {
			c.rebuildCG(cg, want)
			for i := first; i < len(c.report.Problems); i++ {
				c.fixed(i, "group rebuilt")
			}
		}
		if csArray != nil {
			rec := csArray[g*csumSize:]
			i32 := func(i int) int64 { return int64(int32(sb.bo.Uint32(rec[4*i:]))) }
			got := csum{i32(0), i32(1), i32(2), i32(3)}
			if got != want.cs {
				i := c.problem(PhaseCylGroups, WrongCSArray, 0, g, "summary array entry at fragment %d is %s, should be %s",
					sb.csaddr, csumString(got), csumString(want.cs))
				if c.repair {
					for j, v := range []int64{want.cs.ndir, want.cs.nbfree, want.cs.nifree, want.cs.nffree} {
						sb.bo.PutUint32(rec[4*j:], uint32(v))
					}
					csChanged = true
					c.fixed(i, "set")
				}
			}
		}
	}
	if csChanged {
		c.write(csArray, sb.csaddr<<sb.fshift)
	}
	got := csum(sb.cstotal)
	if got != total {
		i := c.problem(PhaseCylGroups, WrongTotals, 0, NoCG, "superblock totals fs_cstotal are %s, should be %s", csumString(got), csumString(total))
		if c.repair {
			sb.cstotal = csumTotal(total)
			c.sbDirty = true
			c.fixed(i, "set")
		}
	}
	if c.repair && c.sbDirty {
		sb.encode()
		c.write(sb.raw, sb.loc)
	}
	return c.ioErr
}

// claimAll marks afresh the fragments that the metadata and the
// allocated inodes hold, for a repair's phase 5.
func (c *checker) claimAll() {
	c.markMetadata()
	raw := make([]byte, c.inodeSizeOf)
	for ino := int64(rootIno); ino < c.ninodes && c.ioErr == nil; ino++ {
		if !c.inodes[ino].allocated() {
			continue
		}
		if c.read(raw, c.sb.inodeAddr(ino)) {
			c.countFrags(ino, c.sb.parseInode(raw))
		}
	}
}

func csumString(s csum) string {
	return fmt.Sprintf("{ndir %d, nbfree %d, nifree %d, nffree %d}", s.ndir, s.nbfree, s.nifree, s.nffree)
}

// cgState is what a group should hold.
type cgState struct {
	g          int64
	ndblk      int64
	free       []byte // the free map
	inodes     []byte // the inode map
	clusters   []byte // the cluster map, when the file system keeps one
	cs         csum
	frsum      [8]int64
	clusterSum []int64 // index 1 to fs_contigsumsize
}

// expectedCG derives group g's maps and counts from the inodes and the
// claimed fragments, as fsck_ffs's pass 5 does.
func (c *checker) expectedCG(g int64) *cgState {
	sb := c.sb
	base := g * sb.fpg
	s := &cgState{g: g, ndblk: min(sb.fpg, sb.size-base),
		free: make([]byte, (sb.fpg+7)/8), inodes: make([]byte, (sb.ipg+7)/8)}
	s.cs.nifree = sb.ipg
	for i := range sb.ipg {
		ino := g*sb.ipg + i
		in := &c.inodes[ino]
		if ino < rootIno || in.allocated() {
			setBit(s.inodes, i)
			s.cs.nifree--
			if in.isDir() {
				s.cs.ndir++
			}
		}
	}
	for i := int64(0); i < s.ndblk; i += sb.frag {
		nfree := int64(0)
		for j := i; j < i+sb.frag; j++ {
			if !bit(c.claimed, base+j) {
				setBit(s.free, j)
				nfree++
			}
		}
		switch {
		case nfree == sb.frag:
			s.cs.nbfree++
		case nfree > 0:
			s.cs.nffree += nfree
			// Count the runs of free fragments by length.
			run := int64(0)
			for j := i; j <= i+sb.frag; j++ {
				if j < i+sb.frag && bit(s.free, j) {
					run++
					continue
				}
				if run > 0 {
					s.frsum[run]++
				}
				run = 0
			}
		}
	}
	if sb.contigSumSize > 0 {
		nclusters := s.ndblk / sb.frag
		s.clusters = make([]byte, (sb.fpg/sb.frag+7)/8)
		s.clusterSum = make([]int64, sb.contigSumSize+1)
		run := int64(0)
		for b := int64(0); b <= nclusters; b++ {
			if b < nclusters && c.blockFree(s.free, b) {
				setBit(s.clusters, b)
				run++
				continue
			}
			if run > 0 {
				s.clusterSum[min(run, sb.contigSumSize)]++
			}
			run = 0
		}
	}
	return s
}

// blockFree reports whether every fragment of block b of a free map is
// free.
func (c *checker) blockFree(free []byte, b int64) bool {
	for j := b * c.sb.frag; j < (b+1)*c.sb.frag; j++ {
		if !bit(free, j) {
			return false
		}
	}
	return true
}

// compareCG reports how group cg differs from what it should hold.
func (c *checker) compareCG(cg *cylGroup, want *cgState) {
	sb, g := c.sb, want.g
	c.compareCGHeader(cg, want)

	// The inode map: phase 1 compared each inode's bit; what is left are
	// the reserved inodes 0 and 1 and the padding after fs_ipg.
	imap := cg.inodeMap()
	for i := range int64(len(imap) * 8) {
		if i < sb.ipg && g*sb.ipg+i >= rootIno {
			continue
		}
		if w := i < sb.ipg && bit(want.inodes, i); bit(imap, i) != w {
			c.problem(PhaseCylGroups, CGInodeMapBits, 0, g, "inode map bit %d is %v, should be %v", i, bit(imap, i), w)
		}
	}

	// The free map, fragment by fragment; one problem for each way it is
	// wrong, with the first fragment and the count.
	fmap := cg.freeMap()
	var usedMarkedFree, freeMarkedUsed, firstUMF, firstFMU int64
	for i := range int64(len(fmap) * 8) {
		got, w := bit(fmap, i), i < sb.fpg && bit(want.free, i)
		switch {
		case got && !w:
			if usedMarkedFree == 0 {
				firstUMF = i
			}
			usedMarkedFree++
		case !got && w:
			if freeMarkedUsed == 0 {
				firstFMU = i
			}
			freeMarkedUsed++
		}
	}
	base := g * sb.fpg
	if usedMarkedFree > 0 {
		c.fragProblem(PhaseCylGroups, FreeMapMismatch, 0, g, base+firstUMF,
			"free map marks %s free that are in use or outside the data area, the first %d", plural(usedMarkedFree, "fragment"), base+firstUMF)
	}
	if freeMarkedUsed > 0 {
		c.fragProblem(PhaseCylGroups, FreeMapMismatch, 0, g, base+firstFMU,
			"free map marks %s in use that are free, the first %d", plural(freeMarkedUsed, "fragment"), base+firstFMU)
	}

	if got := cg.cs(); got != want.cs {
		c.problem(PhaseCylGroups, WrongCGCounts, 0, g, "counts cg_cs are %s, should be %s", csumString(got), csumString(want.cs))
	}
	var frsum [8]int64
	for i := range frsum {
		frsum[i] = cg.i32(cgOffFrsum + 4*i)
	}
	if frsum != want.frsum {
		c.problem(PhaseCylGroups, WrongFragSum, 0, g, "free-run counts cg_frsum are %v, should be %v", frsum[1:], want.frsum[1:])
	}

	if want.clusters == nil {
		return
	}
	cmap := cg.clusterMap()
	var wrong, first int64
	for b := range int64(len(cmap) * 8) {
		if bit(cmap, b) != (b < sb.fpg/sb.frag && bit(want.clusters, b)) {
			if wrong == 0 {
				first = b
			}
			wrong++
		}
	}
	if wrong > 0 {
		c.fragProblem(PhaseCylGroups, ClusterMapBad, 0, g, base+first*sb.frag,
			"cluster map wrong for %s, the first at fragment %d", plural(wrong, "block"), base+first*sb.frag)
	}
	// Entry 0 is unused: it overlaps the end of the free map.
	sumOff := int(cg.i32(cgOffClusterSum))
	got := make([]int64, sb.contigSumSize+1)
	for i := 1; i < len(got); i++ {
		got[i] = cg.i32(sumOff + 4*i)
	}
	if !equalInts(got[1:], want.clusterSum[1:]) {
		c.problem(PhaseCylGroups, ClusterSumBad, 0, g, "cluster summary is %v, should be %v", got[1:], want.clusterSum[1:])
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// compareCGHeader checks the header fields fsck_ffs rebuilds: the sizes,
// the rotors, and the map offsets of the standard layout.
func (c *checker) compareCGHeader(cg *cylGroup, want *cgState) {
	sb, g := c.sb, want.g
	var bad []string
	field := func(name string, got, w int64) {
		if got != w {
			bad = append(bad, fmt.Sprintf("%s %d (should be %d)", name, got, w))
		}
	}
	i16 := func(off int) int64 { return int64(int16(sb.bo.Uint16(cg.raw[off:]))) }
	field("cg_ndblk", cg.ndblk(), want.ndblk)
	if r := cg.i32(cgOffRotor); r < 0 || r >= want.ndblk {
		bad = append(bad, fmt.Sprintf("cg_rotor %d outside the group", r))
	}
	if r := cg.i32(cgOffFrotor); r < 0 || r >= want.ndblk {
		bad = append(bad, fmt.Sprintf("cg_frotor %d outside the group", r))
	}
	if r := cg.i32(cgOffIrotor); r < 0 || r >= sb.ipg {
		bad = append(bad, fmt.Sprintf("cg_irotor %d outside the group", r))
	}
	l := c.layoutCG(g, want.ndblk)
	field("cg_nclusterblks", cg.i32(cgOffNClusterBlk), l.nclusters)
	if sb.ufs2 {
		field("cg_niblk", cg.i32(cgOffNiblk), sb.ipg)
		if n := cg.i32(cgOffInitedIblk); n < 0 || n > sb.ipg {
			bad = append(bad, fmt.Sprintf("cg_initediblk %d beyond the group's %d inodes", n, sb.ipg))
		}
	} else {
		field("cg_old_niblk", i16(18), sb.ipg)
		if l.ncyl >= 0 {
			field("cg_old_ncyl", i16(16), l.ncyl)
		}
		if !l.old {
			field("cg_old_btotoff", cg.i32(cgOffOldBtotOff), l.btot)
			field("cg_old_boff", cg.i32(cgOffOldBOff), l.boff)
		}
	}
	if !l.old {
		field("cg_iusedoff", cg.i32(cgOffIusedOff), l.iused)
		field("cg_freeoff", cg.i32(cgOffFreeOff), l.free)
		if sb.contigSumSize > 0 {
			field("cg_clustersumoff", cg.i32(cgOffClusterSum), l.clusterSum)
			field("cg_clusteroff", cg.i32(cgOffClusterOff), l.cluster)
		}
		field("cg_nextfreeoff", cg.i32(cgOffNextFreeOff), l.next)
	}
	if len(bad) > 0 {
		c.problem(PhaseCylGroups, BadCGHeader, 0, g, "header: %s", strings.Join(bad, ", "))
	}
}

// cgLayout is where a group's tables belong, as NetBSD's newfs and
// fsck_ffs lay them out: byte offsets in the group block, and the counts
// the header keeps of its cylinders (UFS1) and clusters.
type cgLayout struct {
	// old marks a UFS1 layout older than NetBSD 2.0, which is not
	// checked; the offsets are then a layout without rotational tables.
	old                                    bool
	btot, boff                             int64 // UFS1's rotational tables
	iused, free, clusterSum, cluster, next int64
	ncyl                                   int64 // UFS1's cg_old_ncyl; -1 when not checked
	nclusters                              int64
}

// layoutCG returns group g's layout; ndblk is how many fragments it has.
func (c *checker) layoutCG(g, ndblk int64) cgLayout {
	sb := c.sb
	l := cgLayout{iused: cgHeaderSize, ncyl: -1}
	if sb.contigSumSize > 0 {
		l.nclusters = ndblk / sb.frag
	}
	if !sb.ufs2 {
		if c.oldFlagsUpdated && c.oldCpg > 0 && sb.fpg/c.oldCpg > 0 {
			l.ncyl = c.oldCpg
			if g == sb.ncg-1 {
				l.ncyl = (ndblk + sb.fpg/c.oldCpg - 1) / (sb.fpg / c.oldCpg)
			}
		}
		if c.oldFlagsUpdated {
			l.btot, l.boff = cgHeaderSize, cgHeaderSize+c.oldCpg*4
			l.iused = l.boff + c.oldCpg*c.oldNrpos*2
		} else {
			l.old = true
		}
	}
	l.free = l.iused + (sb.ipg+7)/8
	l.next = l.free + (sb.fpg+7)/8
	if sb.contigSumSize > 0 {
		l.clusterSum = (l.next - 4 + 3) &^ 3
		l.cluster = l.clusterSum + (sb.contigSumSize+1)*4
		l.next = l.cluster + (sb.fpg/sb.frag+7)/8
	}
	return l
}

// rebuildCG writes group want.g as it should be, unless it is so
// already: old, the group as read (nil when its header was rejected),
// gives the fields a group does not derive from the maps, such as its
// times, and UFS1's rotational tables, which NetBSD no longer keeps up
// (makefs leaves them zero) and the checker leaves as they are.
func (c *checker) rebuildCG(old *cylGroup, want *cgState) {
	sb, g := c.sb, want.g
	raw := make([]byte, sb.cgsize)
	if old != nil {
		copy(raw, old.raw)
	} else {
		sb.bo.PutUint32(raw[cgOffOldTime:], uint32(sb.time))
		if sb.ufs2 {
			sb.bo.PutUint64(raw[cgOffTime:], uint64(sb.time))
		}
	}
	cg := &cylGroup{sb: sb, c: g, raw: raw}
	l := c.layoutCG(g, want.ndblk)
	if l.old && old != nil {
		// Keep the group's own layout, which readCG checked.
		l.btot, l.boff = old.i32(cgOffOldBtotOff), old.i32(cgOffOldBOff)
		l.iused, l.free, l.next = old.i32(cgOffIusedOff), old.i32(cgOffFreeOff), old.i32(cgOffNextFreeOff)
		l.clusterSum, l.cluster = old.i32(cgOffClusterSum), old.i32(cgOffClusterOff)
	}
	inside := func(off, n int64) bool { return off >= 0 && off+n <= int64(len(raw)) }
	if !inside(l.iused, (sb.ipg+7)/8) || !inside(l.free, (sb.fpg+7)/8) ||
		sb.contigSumSize > 0 && (!inside(l.clusterSum, 4*(sb.contigSumSize+1)) || !inside(l.cluster, (sb.fpg/sb.frag+7)/8)) {
		return // fs_cgsize has no room for the tables: left for a check to report
	}
	cg.set32(cgOffMagic, cgMagic)
	cg.set32(cgOffCgx, g)
	cg.set32(cgOffNdblk, want.ndblk)
	for _, r := range []struct {
		off   int
		limit int64
	}{{cgOffRotor, want.ndblk}, {cgOffFrotor, want.ndblk}, {cgOffIrotor, sb.ipg}} {
		if v := cg.i32(r.off); v < 0 || v >= r.limit {
			cg.set32(r.off, 0)
		}
	}
	cg.set32(cgOffNClusterBlk, l.nclusters)
	if sb.ufs2 {
		cg.set32(cgOffNiblk, sb.ipg)
		cg.set32(cgOffInitedIblk, c.inoLimit[g])
	} else {
		sb.bo.PutUint16(raw[18:], uint16(sb.ipg))
		if l.ncyl >= 0 {
			sb.bo.PutUint16(raw[16:], uint16(l.ncyl))
		}
		cg.set32(cgOffOldBtotOff, l.btot)
		cg.set32(cgOffOldBOff, l.boff)
	}
	cg.set32(cgOffIusedOff, l.iused)
	cg.set32(cgOffFreeOff, l.free)
	cg.set32(cgOffNextFreeOff, l.next)
	copy(cg.inodeMap(), want.inodes)
	copy(cg.freeMap(), want.free)
	cg.setCs(want.cs)
	for i, n := range want.frsum {
		cg.set32(cgOffFrsum+4*i, n)
	}
	if sb.contigSumSize > 0 {
		cg.set32(cgOffClusterSum, l.clusterSum)
		cg.set32(cgOffClusterOff, l.cluster)
		// Entry 0 of the summary overlaps the end of the free map.
		for i := int64(1); i <= sb.contigSumSize; i++ {
			cg.set32(int(l.clusterSum+4*i), want.clusterSum[i])
		}
		copy(cg.clusterMap(), want.clusters)
	}
	if old == nil || !bytes.Equal(raw, old.raw) {
		c.write(raw, sb.cgAddr(g))
	}
}
