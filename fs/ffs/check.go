package ffs

import (
	"fmt"
	"strings"

	"github.com/gorump/gorump/dev/bufcache"
	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/kern/errno"
)

// The consistency checker follows NetBSD's fsck_ffs, and repairs what it
// finds as fsck_ffs -y does. It is split by phase: check.go (the API, the
// checker's state and the setup phase on the superblock),
// check_inodes.go (phase 1: inodes and their block trees),
// check_names.go (phases 2 to 4: directory entries, connectivity and link
// counts) and check_cg.go (phase 5: cylinder groups and summaries);
// check_repair.go holds what the repairs share (rewriting inodes,
// allocating, directory entries, lost+found).
//
// A repair writes through the checker's buffer cache. Before its first
// write it marks the file system not clean on the disk and syncs, so that
// a repair cut short by an I/O error or a crash leaves a file system that
// the driver will not mount read-write and that a new check picks up; it
// marks the file system clean only after a check of the result finds
// nothing.

// CheckOptions controls Check.
type CheckOptions struct {
	// Repair asks Check to fix what it finds, answering yes to every
	// question as fsck_ffs -y does, and to mark the file system clean
	// once a check of the result finds nothing left to fix.
	Repair bool
	// MaxProblems caps how many problems the report records (1000 when
	// zero); CheckReport.Truncated says when the cap was reached.
	MaxProblems int
	// AltSuperblock, when positive, is the byte offset of a superblock
	// copy (a cylinder group's) to check the file system with instead of
	// the primary, as fsck_ffs -b names one. fsck_ffs -b counts in
	// 512-byte DEV_BSIZE sectors: -b N is AltSuperblock N*512 (newfs
	// prints the copies' sector numbers). When it is zero, Check uses the
	// primary superblock, and a copy it finds by itself when the primary
	// is unreadable or its geometry unusable. A check with a copy reports
	// it as a PrimarySuperblock problem; a repair writes the copy over the
	// primary.
	AltSuperblock int64
}

// Phase is a phase of the check, numbered as fsck_ffs numbers them.
type Phase int

// The phases, in the order they run.
const (
	PhaseSetup        Phase = iota // the superblock, its copies and the geometry
	PhaseInodes                    // 1: every inode and the blocks it claims
	PhaseNames                     // 2: directory entries from every directory
	PhaseConnectivity              // 3: everything reachable from the root
	PhaseLinks                     // 4: link counts against the references found
	PhaseCylGroups                 // 5: cylinder-group maps and summaries
)

var phaseNames = [...]string{"setup", "phase 1 (inodes and blocks)", "phase 2 (names)",
	"phase 3 (connectivity)", "phase 4 (link counts)", "phase 5 (cylinder groups)"}

func (p Phase) String() string {
	if p < 0 || int(p) >= len(phaseNames) {
		return fmt.Sprintf("phase %d", int(p))
	}
	return phaseNames[p]
}

// ProblemKind says what is wrong, so that a repair can be chosen for it.
type ProblemKind int

// The kinds of problems, grouped by the phase that finds them.
const (
	// Setup.
	BadGeometry       ProblemKind = iota + 1 // the superblock's layout cannot be trusted; checking stopped
	BadSuperblock                            // a superblock value (summary area, data size) is wrong
	BadSuperblockCopy                        // a cylinder group's superblock copy disagrees with the primary

	// Phase 1.
	InodeMapMismatch // an inode's allocation bit disagrees with its mode
	PartialInode     // an unallocated inode has a size or block pointers
	UnknownType      // an allocated inode's type is no file type
	BadSize          // an impossible size
	BadInodeField    // another field out of range (a timestamp's nanoseconds)
	BadBlock         // a block pointer outside the file system, misaligned or inside metadata
	DupBlock         // fragments claimed by more than one inode, or twice by one
	BlockPastEOF     // a block pointer beyond what the size needs
	BadSymlink       // a short symlink with bytes after its target
	WrongBlockCount  // di_blocks differs from what the block tree holds

	// Phase 2.
	BadRoot          // the root inode is unallocated or not a directory
	BadDirSize       // a directory's size is zero or not a multiple of DIRBLKSIZ
	DirHole          // a directory has a hole
	BadDirEntry      // a malformed entry; the rest of its DIRBLKSIZ chunk is skipped
	BadDot           // "." missing, not first, or naming another inode
	BadDotDot        // ".." missing, not second, or naming another directory than the parent
	ExtraDot         // a "." or ".." entry after the first two
	EntryOutOfRange  // an entry names an inode number the file system does not have
	EntryUnallocated // an entry names an unallocated inode
	BadEntryType     // an entry's d_type differs from the inode's type
	ExtraDirLink     // a second entry names a directory
	BadWhiteout      // a whiteout entry without inode 1 and DT_WHT together

	// Phase 3.
	UnreachableDir   // a directory not reachable from the root (the top of a detached tree)
	UnreferencedFile // a file no directory entry names

	// Phase 4.
	WrongLinkCount // di_nlink differs from the references found

	// Phase 5.
	BadCGHeader     // a cylinder group's header is unreadable or has a wrong field
	FreeMapMismatch // fragments whose free bit is wrong
	CGInodeMapBits  // inode-map bits no inode accounts for (reserved inodes, padding)
	WrongCGCounts   // cg_cs differs from the maps
	WrongFragSum    // cg_frsum differs from the free map
	ClusterMapBad   // the cluster map differs from the free map
	ClusterSumBad   // the cluster summary differs from the cluster map
	WrongCSArray    // the summary array at fs_csaddr differs from the groups
	WrongTotals     // the superblock's fs_cstotal differs from the groups

	// Setup, added last so that the numbers above (which the ffs
	// command's JSON reports carry) stay as they were.
	PrimarySuperblock  // the primary superblock was not used: the check ran with a copy
	UnsupportedFeature // an fs_flags feature (journal, soft dependencies, unknown flags) that keeps the driver read-only

	// Phase 2, added last too.
	DupEntryName // a directory holds a name twice: only the first entry can be looked up
)

// NoCG, NoFrag and NoOffset mark a Problem's fields that do not apply.
const (
	NoCG     = -1
	NoFrag   = -1
	NoOffset = -1
)

// Problem is one inconsistency. The fields a repair needs are filled in
// where they apply: the inode (for a directory entry, the directory),
// the cylinder group, a fragment address, the entry's byte offset in its
// directory, and for a wrong value the value found and the one the
// checker derived.
type Problem struct {
	Phase     Phase
	Kind      ProblemKind
	Ino       int64 // 0 when no inode is concerned
	CG        int64 // NoCG when no cylinder group is concerned
	Frag      int64 // NoFrag when no fragment is concerned
	Offset    int64 // NoOffset unless a directory entry is concerned
	Got, Want int64
	Msg       string // one line
	// Fix says what a repair did about the problem: "" when nothing was
	// done (no repair was asked, or none was possible).
	Fix string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Phase.String())
	b.WriteString(": ")
	if p.Ino != 0 {
		fmt.Fprintf(&b, "inode %d: ", p.Ino)
	}
	if p.CG != NoCG {
		fmt.Fprintf(&b, "cg %d: ", p.CG)
	}
	b.WriteString(p.Msg)
	if p.Fix != "" {
		b.WriteString(" [fixed: ")
		b.WriteString(p.Fix)
		b.WriteByte(']')
	}
	return b.String()
}

// CheckReport is what Check found.
type CheckReport struct {
	UFS2, BigEndian bool
	// MarkedClean is the superblock's clean flag, as found.
	MarkedClean bool
	// Problems lists every inconsistency found, in phase order.
	Problems []Problem
	// Truncated says that more problems were found than MaxProblems.
	Truncated bool
	// What the file system holds, as the checker counted it.
	Files, Dirs int64 // allocated inodes other than directories, and directories
	UsedFrags   int64 // fragments in use, metadata included
	FreeFrags   int64 // free fragments, those of free blocks included

	// With CheckOptions.Repair: Modified says the repair wrote to the
	// disk; Repaired, that it left the file system consistent (a check
	// of the result found nothing) and marked clean; Passes, how many
	// check-and-repair passes it made. Where fsck_ffs asks for a rerun,
	// Check reruns by itself, up to three passes; Problems holds what
	// every pass found, and the counts above are those of the result.
	Modified, Repaired bool
	Passes             int
}

// Clean reports whether no problem was found.
func (r *CheckReport) Clean() bool { return len(r.Problems) == 0 && !r.Truncated }

// InPhase returns the problems found in phase p.
func (r *CheckReport) InPhase(p Phase) []Problem {
	var ps []Problem
	for _, q := range r.Problems {
		if q.Phase == p {
			ps = append(ps, q)
		}
	}
	return ps
}

func (r *CheckReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d files, %d directories, %d fragments used, %d free", r.Files, r.Dirs, r.UsedFrags, r.FreeFrags)
	if r.Clean() {
		b.WriteString(": clean\n")
		return b.String()
	}
	fmt.Fprintf(&b, ": %d problems\n", len(r.Problems))
	for _, p := range r.Problems {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	if r.Truncated {
		b.WriteString("(more problems not recorded)\n")
	}
	switch {
	case r.Repaired:
		fmt.Fprintf(&b, "repaired (passes: %d) and marked clean\n", r.Passes)
	case r.Passes > 0:
		fmt.Fprintf(&b, "NOT repaired (passes: %d)\n", r.Passes)
	}
	return b.String()
}

// Limits that keep a damaged image from taking unbounded time.
const (
	defaultMaxProblems = 1000
	maxBadPerInode     = 10 // fsck_ffs's MAXBAD
	maxDupPerInode     = 10 // fsck_ffs's MAXDUP
	maxDirSize         = 0x7fffffff
	checkCacheBytes    = 8 << 20
	csumSize           = 16 // struct csum: four int32
	maxRepairPasses    = 3
)

// Check verifies the FFS on d the way NetBSD's fsck_ffs does, in its
// phases, and reports every inconsistency it finds. Without opts.Repair
// it changes nothing. With it, it repairs what it finds, as fsck_ffs -y
// does, checks the result again (repairing again if need be) and marks
// the file system clean when the result is consistent; the report says
// what each problem's fix was and whether the repair succeeded. A repair
// that does not succeed leaves the file system marked not clean, so that
// the driver will not mount it read-write.
//
// When the primary superblock cannot be used, Check uses a copy (see
// CheckOptions.AltSuperblock). What keeps the driver from mounting the
// file system read-write, such as a WAPBL journal, is a problem too: a
// repair clears what fsck_ffs -y clears (unknown flags, a journal whose
// fields are invalid), and refuses to write to a file system whose
// journal it would have to replay first.
// It returns an error, and no report, when d holds no FFS superblock or
// copy, or the disk fails a read or a write (the file system is then
// left marked not clean), or when a repair is asked of a read-only disk.
func Check(d disk.Disk, opts CheckOptions) (*CheckReport, error) {
	if opts.Repair && d.ReadOnly() {
		return nil, fmt.Errorf("ffs: check: repair of a read-only disk: %w", errno.EROFS)
	}
	src, err := chooseSuperblock(d, opts.AltSuperblock)
	if err != nil {
		return nil, err
	}
	// A primary superblock whose geometry cannot be trusted is set
	// aside for a copy, as fsck_ffs does when its primary fails.
	backup := func(c *checker) *superblockSource {
		if !c.fatal || src.from >= 0 || opts.AltSuperblock > 0 {
			return nil
		}
		b, err := findBackup(d, "the primary superblock's geometry is unusable: "+c.fatalWhy())
		if err != nil {
			return nil
		}
		if bc, err := newChecker(d, b, opts, false); err != nil || !bc.checkSetup() {
			return nil // no better
		}
		return b
	}
	if !opts.Repair {
		c, err := newChecker(d, src, opts, false)
		if err != nil {
			return nil, err
		}
		if err := c.run(); err != nil {
			return nil, err
		}
		if b := backup(c); b != nil {
			bc, err := newChecker(d, b, opts, false)
			if err == nil && bc.run() == nil {
				return bc.report, nil
			}
		}
		return c.report, nil
	}
	report := &CheckReport{}
	var c *checker
	for pass := 1; pass <= maxRepairPasses; pass++ {
		if pass > 1 {
			// The first pass wrote a copy it used over the primary.
			if src, err = chooseSuperblock(d, 0); err != nil {
				return nil, err
			}
		}
		if c, err = newChecker(d, src, opts, true); err != nil {
			return nil, err
		}
		if pass == 1 {
			report.UFS2, report.BigEndian, report.MarkedClean = c.report.UFS2, c.report.BigEndian, c.report.MarkedClean
		}
		if c.sb.flags&fsDoWAPBL != 0 && c.sb.journalValid() {
			// fsck_ffs replays the journal before it checks, and this
			// checker cannot: it checks without writing, and leaves the
			// file system marked not clean.
			c.repair = false
			if err := c.run(); err != nil {
				return nil, c.abandon(err)
			}
			report.Passes = pass
			report.merge(c.report)
			return report, c.markNotClean()
		}
		if err := c.run(); err != nil {
			return nil, c.abandon(err)
		}
		if b := backup(c); b != nil && pass == 1 {
			src, pass = b, 0 // the setup phase wrote nothing: start again with the copy
			continue
		}
		if err := c.f.bc.Sync(); err != nil {
			return nil, c.abandon(err)
		}
		report.Passes = pass
		report.Modified = report.Modified || c.modified
		report.merge(c.report)
		if c.fatal {
			return report, c.markNotClean() // the geometry cannot be trusted: nothing was repaired
		}
		// What a pass that found nothing left is consistent; anything
		// else is checked again from the disk.
		v := c
		if len(c.report.Problems) > 0 || c.report.Truncated || c.modified {
			vsrc, err := chooseSuperblock(d, 0)
			if err != nil {
				return nil, c.abandon(err)
			}
			if v, err = newChecker(d, vsrc, opts, false); err != nil {
				return nil, c.abandon(err)
			}
			if err := v.run(); err != nil {
				return nil, c.abandon(err)
			}
			if !v.report.Clean() {
				if !c.modified {
					break // nothing this pass could fix
				}
				continue
			}
		}
		wrote, err := v.markClean()
		if err != nil {
			return nil, err
		}
		report.Modified = report.Modified || wrote
		report.Repaired = true
		return report, nil
	}
	return report, c.markNotClean()
}

// merge adds what one pass found to a repair's report; the counts are
// those of the last pass.
func (r *CheckReport) merge(p *CheckReport) {
	r.Problems = append(r.Problems, p.Problems...)
	r.Truncated = r.Truncated || p.Truncated
	r.Files, r.Dirs, r.UsedFrags, r.FreeFrags = p.Files, p.Dirs, p.UsedFrags, p.FreeFrags
}

// newChecker sets up a check of d with the superblock src.
func newChecker(d disk.Disk, src *superblockSource, opts CheckOptions, repair bool) (*checker, error) {
	sb := src.sb
	if sb.bsize%int64(d.SectorSize()) != 0 {
		return nil, fmt.Errorf("ffs: block size %d on %d-byte sectors: %w", sb.bsize, d.SectorSize(), errno.EFTYPE)
	}
	bc, err := bufcache.New(d, int(sb.bsize), checkCacheBytes)
	if err != nil {
		return nil, err
	}
	c := &checker{
		f:           &fsys{d: d, bc: bc, sb: sb},
		sb:          sb,
		src:         src,
		repair:      repair,
		maxProblems: opts.MaxProblems,
		report: &CheckReport{UFS2: sb.ufs2, BigEndian: sb.bo.Uint16([]byte{0, 1}) == 1,
			MarkedClean: sb.clean && sb.flags&fsNeedsFsck == 0},
	}
	if c.maxProblems <= 0 {
		c.maxProblems = defaultMaxProblems
	}
	return c, nil
}

// checker is the state of one Check.
type checker struct {
	f           *fsys
	sb          *superblock
	src         *superblockSource
	report      *CheckReport
	maxProblems int

	// Repair state: whether to repair, whether anything was written,
	// the first write or read error of a repair (which ends it), and
	// whether the setup phase found the geometry unusable.
	repair   bool
	modified bool
	ioErr    error
	fatal    bool
	sbDirty  bool // the superblock needs writing at the end of phase 5
	fixes    map[int64]*inodeFix
	inoLimit []int64 // inodes read in each group (UFS2: cg_initediblk)
	lf       int64   // lost+found, once found or made; -1 when it cannot be had
	rootLF   int64   // what root's entry "lost+found" names, 0 if none

	// From the superblock, beyond what the driver keeps.
	cssize            int64
	csValid           bool // the summary area lies in a data area
	oldCpg, oldNrpos  int64
	oldFlagsUpdated   bool
	ninodes           int64
	inodeSizeOf, ptrs int64 // bytes of an inode and of a block pointer

	claimed []byte // a bit per fragment: metadata or claimed by an inode
	dups    map[int64]bool
	inodes  []inoInfo
	dirs    map[int64]*dirInfo
	dirList []int64 // directory inodes, ascending
	rootOK  bool
	// dirNames are the names met so far in the directory phase 2 reads.
	dirNames map[string]bool
}

// inoInfo is what the later phases need of an inode.
type inoInfo struct {
	mode  uint16 // 0 when unallocated
	flags uint8
	nlink int16
	refs  int32 // directory entries naming it, "." and ".." included
}

const (
	inoDamaged     uint8 = 1 << iota // phase 1 found its type or size unusable
	inoUnreachable                   // phase 3 reported it
	inoParentSeen                    // a directory named by an entry already
)

func (i *inoInfo) allocated() bool { return i.mode != 0 }
func (i *inoInfo) isDir() bool     { return i.mode&0o170000 == 0o040000 }

// dirInfo is what phase 2 needs of a directory.
type dirInfo struct {
	size   int64
	blocks []dirExtent // data blocks in file order
	parent int64       // the directory whose entry names it; 0 if none
	dotdot int64       // what ".." names; 0 if missing
	// dotdotCounted says that the reference ".." makes was counted in
	// the refs of what it names.
	dotdotCounted bool
}

// dirExtent is one data block of a directory.
type dirExtent struct{ lbn, addr, frags int64 }

// add records a problem, unless the cap is reached, and returns its
// index in the report, or -1.
func (c *checker) add(p Problem) int {
	if len(c.report.Problems) >= c.maxProblems {
		c.report.Truncated = true
		return -1
	}
	c.report.Problems = append(c.report.Problems, p)
	return len(c.report.Problems) - 1
}

// fixed records what the repair did about problem i (an index from add).
func (c *checker) fixed(i int, format string, args ...any) {
	if i >= 0 && c.ioErr == nil {
		c.report.Problems[i].Fix = fmt.Sprintf(format, args...)
	}
}

// problem records a problem about an inode or a group.
func (c *checker) problem(ph Phase, k ProblemKind, ino, cg int64, format string, args ...any) int {
	return c.add(Problem{Phase: ph, Kind: k, Ino: ino, CG: cg, Frag: NoFrag, Offset: NoOffset, Msg: fmt.Sprintf(format, args...)})
}

// fragProblem records a problem about a fragment.
func (c *checker) fragProblem(ph Phase, k ProblemKind, ino, cg, frag int64, format string, args ...any) int {
	return c.add(Problem{Phase: ph, Kind: k, Ino: ino, CG: cg, Frag: frag, Offset: NoOffset, Msg: fmt.Sprintf(format, args...)})
}

// wrong records a wrong value.
func (c *checker) wrong(ph Phase, k ProblemKind, ino, cg int64, got, want int64, format string, args ...any) int {
	return c.add(Problem{Phase: ph, Kind: k, Ino: ino, CG: cg, Frag: NoFrag, Offset: NoOffset, Got: got, Want: want,
		Msg: fmt.Sprintf(format, args...) + fmt.Sprintf(" is %d, should be %d", got, want)})
}

func (c *checker) run() error {
	if !c.checkSetup() {
		c.fatal = true
		return nil
	}
	if err := c.checkInodes(); err != nil {
		return err
	}
	if err := c.checkNames(); err != nil {
		return err
	}
	c.checkConnectivity()
	c.checkLinks()
	if c.ioErr != nil {
		return c.ioErr
	}
	if err := c.checkCylGroups(); err != nil {
		return err
	}
	return c.ioErr
}

// Offsets in struct fs that only the checker reads.
const (
	sbOffBmask       = 72
	sbOffFmask       = 76
	sbOffBshift      = 80
	sbOffFshift      = 84
	sbOffFragshift   = 96
	sbOffFsbtodb     = 100
	sbOffCssize      = 156
	sbOffOldCpg      = 180
	sbOffOldFlags    = 211
	sbOffOldNrpos    = 1360
	dtDir            = 4
	dtWht            = 14
	whiteoutIno      = 1
	direntHeaderSize = 8
	cgHeaderSize     = 168 // struct cg up to cg_space, where the maps begin
)

// checkSetup checks the superblock: first that its geometry lets the
// other phases address every group, inode and fragment safely (if not,
// it reports why and returns false), then the values the geometry does
// not depend on, and the superblock copies.
func (c *checker) checkSetup() bool {
	sb := c.sb
	if c.src.from >= 0 {
		i := c.problem(PhaseSetup, PrimarySuperblock, 0, NoCG, "%s; using the superblock copy at byte %d (fsck_ffs -b %d)",
			c.src.why, c.src.from, c.src.from/512)
		if c.repair {
			c.sbDirty = true
			c.fixed(i, "primary superblock at byte %d rewritten from the copy", sb.loc)
		}
	}
	c.checkFeatures()
	raw := make([]byte, sb.sbsize)
	if c.src.from >= 0 {
		copy(raw, sb.raw) // the copy stands in for the primary
	} else if err := c.f.readAt(raw, sb.loc); err != nil {
		c.problem(PhaseSetup, BadGeometry, 0, NoCG, "superblock unreadable: %v", err)
		return false
	}
	i32 := func(off int) int64 { return int64(int32(sb.bo.Uint32(raw[off:]))) }
	if len(raw) < maxSuperblock {
		// parseSuperblock read 8192 bytes; fields past sbsize are zero.
		raw = append(raw, make([]byte, maxSuperblock-len(raw))...)
	}
	c.cssize = i32(sbOffCssize)
	c.oldCpg, c.oldNrpos = i32(sbOffOldCpg), i32(sbOffOldNrpos)
	c.oldFlagsUpdated = raw[sbOffOldFlags]&fsFlagsUpdated != 0
	c.inodeSizeOf, c.ptrs = sb.inodeSize(), 4
	if sb.ufs2 {
		c.ptrs = 8
	}
	fatal := func(format string, args ...any) bool {
		c.problem(PhaseSetup, BadGeometry, 0, NoCG, format, args...)
		return false
	}
	frags := func(bytes int64) int64 { return (bytes + sb.fsize - 1) >> sb.fshift }
	switch {
	case sb.sblkno < 0 || sb.sblkno+frags(sb.sbsize) > sb.cblkno:
		return fatal("superblock copy at fragment %d overlaps the cylinder group block at %d", sb.sblkno, sb.cblkno)
	case sb.cgsize < cgHeaderSize:
		return fatal("cylinder group size %d smaller than its header", sb.cgsize)
	case sb.cblkno+frags(sb.cgsize) > sb.iblkno:
		return fatal("cylinder group block at fragment %d overlaps the inode table at %d", sb.cblkno, sb.iblkno)
	case sb.iblkno+sb.ipg/sb.inopb*sb.frag > sb.dblkno:
		return fatal("inode table at fragment %d (%d inodes) overlaps the data area at %d", sb.iblkno, sb.ipg, sb.dblkno)
	case sb.fpg%sb.frag != 0:
		return fatal("%d fragments a group, not whole blocks", sb.fpg)
	case sb.dblkno > sb.fpg:
		return fatal("data area at fragment %d beyond the group's %d fragments", sb.dblkno, sb.fpg)
	case (sb.ncg-1)*sb.fpg >= sb.size || sb.ncg*sb.fpg < sb.size:
		return fatal("%d cylinder groups of %d fragments for %d fragments", sb.ncg, sb.fpg, sb.size)
	case c.layoutCG(0, sb.fpg).next > sb.cgsize:
		return fatal("cylinder group size %d cannot hold the maps of %d inodes and %d fragments", sb.cgsize, sb.ipg, sb.fpg)
	}
	for g := range sb.ncg {
		start := sb.cgStart(g)
		if start < g*sb.fpg || start+sb.dblkno > min(sb.size, (g+1)*sb.fpg) {
			return fatal("cylinder group %d's metadata (fragments %d to %d) outside the group", g, start, start+sb.dblkno)
		}
	}
	c.ninodes = sb.ncg * sb.ipg

	// fs_maxsymlinklen: fsck_ffs corrects it in memory before it checks
	// an inode, so that short symlinks are not taken for block pointers.
	if want := (ndaddr + niaddr) * c.ptrs; sb.maxSymlinkLen != want {
		i := c.wrong(PhaseSetup, BadSuperblock, 0, NoCG, sb.maxSymlinkLen, want, "short symlink limit fs_maxsymlinklen")
		sb.maxSymlinkLen = want
		if c.repair {
			sb.bo.PutUint32(sb.raw[1320:], uint32(want))
			c.sbDirty = true
			c.fixed(i, "set")
		}
	}

	// The summary area: fs_cssize bytes of struct csum at fs_csaddr,
	// in some group's data area.
	if want := fragRoundup(sb, sb.ncg*csumSize); c.cssize != want {
		i := c.wrong(PhaseSetup, BadSuperblock, 0, NoCG, c.cssize, want, "summary area size fs_cssize")
		if c.repair {
			c.cssize = want
			sb.bo.PutUint32(sb.raw[sbOffCssize:], uint32(want))
			c.sbDirty = true
			c.fixed(i, "set")
		}
	}
	c.checkCsaddr()
	csFrags := frags(c.cssize)
	if g := sb.csaddr / max(sb.fpg, 1); c.cssize < sb.ncg*csumSize || sb.csaddr < 0 || sb.csaddr+csFrags > sb.size ||
		g >= sb.ncg || sb.csaddr < sb.cgStart(g)+sb.dblkno || sb.csaddr+csFrags > (g+1)*sb.fpg {
		c.problem(PhaseSetup, BadSuperblock, 0, NoCG, "summary area of %d bytes at fragment %d is not inside a data area", c.cssize, sb.csaddr)
	} else {
		c.csValid = true
	}

	reserved := c.markMetadata()
	if want := sb.size - reserved; sb.dsize != want {
		i := c.wrong(PhaseSetup, BadSuperblock, 0, NoCG, sb.dsize, want, "data fragments fs_dsize")
		if c.repair {
			sb.dsize = want
			if sb.ufs2 {
				sb.bo.PutUint64(sb.raw[1088:], uint64(want))
			} else {
				sb.bo.PutUint32(sb.raw[40:], uint32(want))
			}
			c.sbDirty = true
			c.fixed(i, "set")
		}
	}
	return c.checkSuperblockCopies(raw)
}

// markMetadata starts c.claimed afresh with the metadata fragments
// marked as fsck_ffs marks them: in group 0 from its base, in the others
// from the superblock copy, up to the data area; then the summary area,
// and the fragments past the end of the file system in its last block.
// It returns how many fragments of the file system that is.
func (c *checker) markMetadata() int64 {
	sb := c.sb
	c.claimed = make([]byte, (sb.size+sb.frag+7)/8)
	reserved := int64(0)
	for g := range sb.ncg {
		lo, hi := sb.cgStart(g)+sb.sblkno, sb.cgStart(g)+sb.dblkno
		if g == 0 {
			lo = 0
		}
		for a := lo; a < hi; a++ {
			setBit(c.claimed, a)
		}
		reserved += hi - lo
	}
	if c.csValid {
		csFrags := (c.cssize + sb.fsize - 1) >> sb.fshift
		for a := sb.csaddr; a < sb.csaddr+csFrags; a++ {
			setBit(c.claimed, a)
		}
		reserved += csFrags
	}
	for a := sb.size; a%sb.frag != 0; a++ {
		setBit(c.claimed, a)
	}
	return reserved
}

// plural says "1 block" or "2 blocks".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// fragRoundup rounds a byte count up to whole fragments.
func fragRoundup(sb *superblock, n int64) int64 { return (n + sb.fsize - 1) &^ (sb.fsize - 1) }

// checkSuperblockCopies compares the copy in every group with the
// primary, field by field over what describes the geometry (the fields
// NetBSD's fsck_ffs compares). A repair rewrites the copies that differ
// from the primary, unless most copies differ from it: then the primary
// is suspect, and, as fsck_ffs does when the primary and its first
// alternate disagree, the repair goes no further (it reports false).
func (c *checker) checkSuperblockCopies(primary []byte) bool {
	sb := c.sb
	buf := make([]byte, sb.sbsize)
	type copyFix struct {
		i   int
		off int64
	}
	var fixes []copyFix
	copies := 0
	for g := range sb.ncg {
		off := (sb.cgStart(g) + sb.sblkno) << sb.fshift
		if off == sb.loc {
			continue
		}
		copies++
		i := -1
		if err := c.f.readAt(buf, off); err != nil {
			i = c.problem(PhaseSetup, BadSuperblockCopy, 0, g, "superblock copy unreadable: %v", err)
		} else {
			differ := differingFields(primary, buf, sb.bo)
			if len(differ) == 0 {
				continue
			}
			i = c.problem(PhaseSetup, BadSuperblockCopy, 0, g, "superblock copy at fragment %d differs from the primary in %s",
				sb.cgStart(g)+sb.sblkno, strings.Join(differ, ", "))
		}
		fixes = append(fixes, copyFix{i, off})
	}
	if !c.repair {
		return true
	}
	if copies >= 2 && 2*len(fixes) > copies {
		c.problem(PhaseSetup, BadGeometry, 0, NoCG, "the primary superblock differs from %d of its %d copies; not repairing", len(fixes), copies)
		return false
	}
	for _, fx := range fixes {
		c.write(sb.raw, fx.off)
		c.fixed(fx.i, "rewritten from the primary")
	}
	return true
}

// isMeta reports whether fragment a is metadata: a group's superblock
// copy, group block or inode table, or the summary area.
func (c *checker) isMeta(a int64) bool {
	sb := c.sb
	g := a / sb.fpg
	if g >= sb.ncg {
		return true
	}
	lo, hi := sb.cgStart(g)+sb.sblkno, sb.cgStart(g)+sb.dblkno
	if g == 0 {
		lo = 0
	}
	if a >= lo && a < hi {
		return true
	}
	return c.csValid && a >= sb.csaddr && a < sb.csaddr+(c.cssize+sb.fsize-1)>>sb.fshift
}

// checkFeatures reports what in fs_flags keeps the driver from mounting
// the file system read-write (featureBlockers). A repair does what
// fsck_ffs -y does: it clears unknown flags ("UNKNOWN FLAGS ... CLEAR"),
// and clears FS_DOWAPBL from a superblock whose journal fields are
// invalid ("CLEARING EXISTING JOURNAL"). A valid journal fsck_ffs
// replays, which this checker cannot do: Check does not repair such a
// file system. Soft dependencies fsck_ffs leaves as they are, and so
// does the repair: such a file system stays unrepaired for this driver.
func (c *checker) checkFeatures() {
	sb := c.sb
	for _, b := range sb.featureBlockers() {
		i := c.problem(PhaseSetup, UnsupportedFeature, 0, NoCG, "%s; the driver mounts it read-only only", b.why)
		if !c.repair {
			continue
		}
		switch {
		case b.flags == fsDoWAPBL && !sb.journalValid():
			version, loc := sb.raw[sbOffJournalVersion], sb.raw[sbOffJournalLocation]
			sb.setFlags(sb.flags &^ fsDoWAPBL)
			if loc != journalLocEndPart && loc != journalLocInFS {
				sb.raw[sbOffJournalLocation] = 0
			}
			c.sbDirty = true
			c.fixed(i, "journal fields invalid (version %d, location %d): journal flag cleared, as fsck_ffs does", version, loc)
		case b.flags != fsDoWAPBL && b.flags != fsDoSoftDep:
			sb.setFlags(sb.flags &^ b.flags)
			c.sbDirty = true
			c.fixed(i, "cleared")
		}
	}
}

// checkCsaddr compares fs_csaddr with the superblock copy in group 0
// (or 1): newfs puts the summary area at the start of a group's data
// area, and when the primary's address is not there but the copy's is,
// the primary's is damaged. Writing the summary array there would
// overwrite a file's block, so the check takes the copy's value.
func (c *checker) checkCsaddr() {
	sb := c.sb
	atDataStart := func(a int64) bool {
		g := a / max(sb.fpg, 1)
		return a >= 0 && g < sb.ncg && a == sb.cgStart(g)+sb.dblkno
	}
	if atDataStart(sb.csaddr) {
		return
	}
	buf := make([]byte, sb.sbsize)
	for _, g := range []int64{0, 1} {
		off := (sb.cgStart(min(g, sb.ncg-1)) + sb.sblkno) << sb.fshift
		if off == sb.loc || c.f.readAt(buf, off) != nil || len(differingFields(sb.raw, buf, sb.bo)) > 0 {
			continue
		}
		alt := int64(int32(sb.bo.Uint32(buf[152:])))
		if sb.ufs2 {
			alt = int64(sb.bo.Uint64(buf[1096:]))
		}
		if !atDataStart(alt) {
			continue
		}
		i := c.wrong(PhaseSetup, BadSuperblock, 0, NoCG, sb.csaddr, alt, "summary area address fs_csaddr (the copy at byte %d has it at a data area's start)", off)
		sb.csaddr = alt
		if c.repair {
			if sb.ufs2 {
				sb.bo.PutUint64(sb.raw[1096:], uint64(alt))
			} else {
				sb.bo.PutUint32(sb.raw[152:], uint32(alt))
			}
			c.sbDirty = true
			c.fixed(i, "set from the copy")
		}
		return
	}
}
