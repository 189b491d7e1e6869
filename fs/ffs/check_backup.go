package ffs

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// Backup superblocks. Every cylinder group holds a copy of the
// superblock at fs_sblkno fragments from its start. When the primary
// cannot be used, fsck_ffs falls back on a copy (with -b, the one named;
// without, those it computes from the disk label, the first that reads
// well), checks the file system with it and writes it back over the
// primary. Check does the same; a disk image has no label, so it scans
// the disk for the superblock magic and takes the first copy that holds
// up: it parses, it lies exactly where its own geometry puts a group's
// copy (away from the primary's place), and that group's block is a
// valid cylinder group with the right number.

// superblockSource is the superblock a check runs with.
type superblockSource struct {
	sb *superblock
	// from is the byte offset of the copy used in place of the primary,
	// or -1 when the primary was used; sb.loc is then where the primary
	// belongs, so that a repair writes the copy there. why says why the
	// primary was not used.
	from int64
	why  string
}

// chooseSuperblock finds the superblock a check runs with: the copy at
// byte offset alt if alt > 0, else the primary, else a backup.
func chooseSuperblock(d disk.Disk, alt int64) (*superblockSource, error) {
	if alt > 0 {
		sb, err := backupAt(d, alt)
		if err != nil {
			return nil, err
		}
		return &superblockSource{sb: sb, from: alt, why: "an alternate superblock was asked for"}, nil
	}
	sb, err := readSuperblock(d)
	if err == nil {
		if pl := primaryLoc(sb.raw, sb.bo, sb.ufs2); sb.loc != pl && copyGroup(sb, sb.loc) >= 0 {
			// The search took a group's copy (at 262144, say) for the
			// primary: the primary itself was not found.
			from := sb.loc
			sb.loc = pl
			markNotCleanRaw(sb)
			return &superblockSource{sb: sb, from: from, why: fmt.Sprintf("no usable superblock at %d", sb.loc)}, nil
		}
		if b := betterCopy(d, sb); b != nil {
			return b, nil
		}
		return &superblockSource{sb: sb, from: -1}, nil
	}
	src, berr := findBackup(d, err.Error())
	if berr != nil {
		return nil, err
	}
	return src, nil
}

// findBackup scans d for the first valid superblock copy of a group; why says what is wrong with the primary.
func findBackup(d disk.Disk, why string) (*superblockSource, error) {
	const chunk = 1 << 20
	size := d.Size()
	buf := make([]byte, chunk+superblockMagic+4) // chunks overlap by a magic's reach
	for base := int64(0); base+minSuperblock <= size; base += chunk {
		n := min(int64(len(buf)), size-base)
		if err := readBytes(d, buf[:n], base); err != nil {
			return nil, err
		}
		for o := int64(0); o < chunk && o+superblockMagic+4 <= n; o += 512 {
			m := buf[o+superblockMagic : o+superblockMagic+4]
			le, be := binary.LittleEndian.Uint32(m), binary.BigEndian.Uint32(m)
			if le != magicUFS1 && le != magicUFS2 && be != magicUFS1 && be != magicUFS2 {
				continue
			}
			if sb, err := backupAt(d, base+o); err == nil {
				return &superblockSource{sb: sb, from: base + o, why: why}, nil
			}
		}
	}
	return nil, fmt.Errorf("ffs: no valid superblock copy found: %w", errno.EFTYPE)
}

// backupAt reads and validates the superblock copy at byte offset off.
// The superblock it returns is marked not clean, and its loc is where
// the primary belongs.
func backupAt(d disk.Disk, off int64) (*superblock, error) {
	if off < 0 || off+minSuperblock > d.Size() {
		return nil, fmt.Errorf("ffs: superblock copy at %d: outside the disk: %w", off, errno.EINVAL)
	}
	buf := make([]byte, maxSuperblock)
	if err := readBytes(d, buf[:min(maxSuperblock, d.Size()-off)], off); err != nil {
		return nil, err
	}
	err := fmt.Errorf("ffs: no superblock magic at %d: %w", off, errno.EFTYPE)
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		magic := bo.Uint32(buf[superblockMagic:])
		if magic != magicUFS1 && magic != magicUFS2 {
			continue
		}
		var sb *superblock
		if sb, err = parseSuperblock(buf, bo, primaryLoc(buf, bo, magic == magicUFS2), d.Size()); err != nil {
			continue
		}
		g := copyGroup(sb, off)
		if g < 0 || off == sb.loc {
			err = fmt.Errorf("ffs: superblock at %d is not where its geometry puts a cylinder group's copy: %w", off, errno.EFTYPE)
			continue
		}
		if sb.cgsize < cgHeaderSize || sb.cgAddr(g)+sb.cgsize > d.Size() {
			err = fmt.Errorf("ffs: superblock copy at %d: no room for group %d's block: %w", off, g, errno.EFTYPE)
			continue
		}
		cg := make([]byte, sb.cgsize)
		if err = readBytes(d, cg, sb.cgAddr(g)); err != nil {
			return nil, err
		}
		if err = sb.checkCG(g, cg); err != nil {
			continue
		}
		markNotCleanRaw(sb)
		return sb, nil
	}
	return nil, err
}

// primaryLoc returns where the primary superblock belongs for a
// superblock (a copy) in b: its fs_sblockloc when that is one of the
// two standard places, else SBLOCK_UFS2 or SBLOCK_UFS1.
func primaryLoc(b []byte, bo binary.ByteOrder, ufs2 bool) int64 {
	if loc := int64(bo.Uint64(b[1000:])); loc == 8192 || loc == 65536 {
		return loc
	}
	if ufs2 {
		return 65536
	}
	return 8192
}

// copyGroup returns the group whose superblock copy sb's geometry puts
// at byte offset off, or -1 when none does.
func copyGroup(sb *superblock, off int64) int64 {
	if off&(sb.fsize-1) != 0 {
		return -1
	}
	frag := off >> sb.fshift
	g0 := (frag - sb.sblkno) / sb.fpg
	for g := max(g0-1, 0); g <= g0+1 && g < sb.ncg; g++ {
		if sb.cgStart(g)+sb.sblkno == frag {
			return g
		}
	}
	return -1
}

// markNotCleanRaw marks a superblock not clean, in memory: a copy's
// clean flag says nothing of the file system now.
func markNotCleanRaw(sb *superblock) {
	sb.clean = false
	sb.raw[209] = 0
}

// geometryFields are the fields of struct fs that fsck_ffs compares
// between the primary superblock and its alternate, by byte offset.
var geometryFields = []struct {
	name string
	off  int
}{{"fs_sblkno", 8}, {"fs_cblkno", 12}, {"fs_iblkno", 16}, {"fs_dblkno", 20}, {"fs_ncg", 44},
	{"fs_bsize", 48}, {"fs_fsize", 52}, {"fs_frag", 56}, {"fs_bmask", sbOffBmask}, {"fs_fmask", sbOffFmask},
	{"fs_bshift", sbOffBshift}, {"fs_fshift", sbOffFshift}, {"fs_fragshift", sbOffFragshift},
	{"fs_fsbtodb", sbOffFsbtodb}, {"fs_sbsize", 104}, {"fs_nindir", 116}, {"fs_inopb", 120},
	{"fs_cssize", sbOffCssize}, {"fs_cgsize", 160}, {"fs_ipg", 184}, {"fs_fpg", 188}, {"fs_magic", superblockMagic}}

// differingFields names the geometry fields in which two superblocks in
// byte order bo differ.
func differingFields(a, b []byte, bo binary.ByteOrder) []string {
	var differ []string
	for _, fl := range geometryFields {
		if fl.off+4 <= len(a) && fl.off+4 <= len(b) && bo.Uint32(a[fl.off:]) != bo.Uint32(b[fl.off:]) {
			differ = append(differ, fl.name)
		}
	}
	return differ
}

// betterCopy looks at the copies in the first, second and last groups
// of a primary superblock that parsed: when one differs from it in its
// geometry, fsck_ffs takes the primary for bad; here the one that fits
// the disk better wins (fitScore), the primary on a tie. It returns the
// copy to use instead, or nil.
func betterCopy(d disk.Disk, sb *superblock) *superblockSource {
	primary := -1
	buf := make([]byte, sb.sbsize)
	for _, g := range []int64{0, 1, sb.ncg - 1} {
		off := (sb.cgStart(min(g, sb.ncg-1)) + sb.sblkno) << sb.fshift
		if off == sb.loc || off+sb.sbsize > d.Size() || readBytes(d, buf, off) != nil {
			continue
		}
		differ := differingFields(sb.raw, buf, sb.bo)
		if len(differ) == 0 {
			continue
		}
		alt, err := backupAt(d, off)
		if err != nil {
			continue
		}
		if primary < 0 {
			primary = fitScore(d, sb)
		}
		if fitScore(d, alt) > primary {
			return &superblockSource{sb: alt, from: off, why: fmt.Sprintf(
				"the primary superblock differs from the copy at byte %d in %s, and the copy fits the disk better",
				off, strings.Join(differ, ", "))}
		}
	}
	return nil
}

// fitScore says how well a superblock's geometry fits what the disk
// holds: a point for each of the first groups whose block is where it
// says, and more for a root inode that is a directory whose first entry
// is "." naming it.
func fitScore(d disk.Disk, sb *superblock) int {
	score := 0
	for g := range min(sb.ncg, 8) {
		if sb.cgsize < cgHeaderSize || sb.cgAddr(g)+sb.cgsize > d.Size() {
			break // checkCG needs a whole header
		}
		raw := make([]byte, sb.cgsize)
		if readBytes(d, raw, sb.cgAddr(g)) == nil && sb.checkCG(g, raw) == nil {
			score++
		}
	}
	raw := make([]byte, sb.inodeSize())
	if at := sb.inodeAddr(rootIno); at+int64(len(raw)) > d.Size() || readBytes(d, raw, at) != nil {
		return score
	}
	ip := sb.parseInode(raw)
	if uint32(ip.mode)&kern.S_IFMT != kern.S_IFDIR {
		return score
	}
	score += 2
	if a := ip.db[0]; a > 0 && a < sb.size {
		dot := make([]byte, 12)
		if readBytes(d, dot, a<<sb.fshift) == nil && sb.bo.Uint32(dot) == rootIno && dot[7] == 1 && dot[8] == '.' {
			score += 2
		}
	}
	return score
}
