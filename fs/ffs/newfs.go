package ffs

import (
	"encoding/binary"
	"fmt"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/kern/errno"
)

// NewfsOptions describe a file system to make. Zero fields take NetBSD
// newfs's defaults for the size.
type NewfsOptions struct {
	// Version is 1 (UFS1) or 2 (UFS2, the default).
	Version int
	// BigEndian writes the file system in big-endian byte order.
	BigEndian bool
	// BlockSize and FragmentSize in bytes (powers of two, at most 8
	// fragments a block).
	BlockSize, FragmentSize int64
	// Density is bytes of data space per inode.
	Density int64
	// MinFree is the percentage kept free for root.
	MinFree int64
	// Size limits the file system to fewer bytes than the disk holds.
	Size int64
	// VolumeName is stored in the superblock (UFS2).
	VolumeName string
	// Time is written as every timestamp (seconds since 1970); 0 means
	// the epoch, which keeps images reproducible.
	Time int64
	// ID seeds fs_id; two file systems made with the same options and ID
	// are byte-identical.
	ID uint32
}

// Newfs writes an empty file system on d, with a root directory, as
// NetBSD's newfs lays it out: superblock at 8192 (UFS1) or 65536 (UFS2),
// a copy of it in every cylinder group, the summary array in group 0,
// and UFS2 inode tables initialised lazily.
func Newfs(d disk.Disk, opts NewfsOptions) error {
	sb, err := newfsGeometry(d, opts)
	if err != nil {
		return err
	}
	return writeNewfs(d, sb, opts)
}

func newfsGeometry(d disk.Disk, opts NewfsOptions) (*superblock, error) {
	size := d.Size()
	if opts.Size > 0 {
		size = min(size, opts.Size)
	}
	version := opts.Version
	if version == 0 {
		version = 2
	}
	if version != 1 && version != 2 {
		return nil, fmt.Errorf("ffs: newfs: version %d: %w", version, errno.EINVAL)
	}
	bsize, fsize := opts.BlockSize, opts.FragmentSize
	if bsize == 0 {
		switch {
		case size < 20<<20:
			bsize = 4096
		case size < 1<<30:
			bsize = 8192
		case size < 128<<30:
			bsize = 16384
		default:
			bsize = 32768
		}
	}
	if fsize == 0 {
		fsize = max(bsize/8, 512)
	}
	sb := &superblock{ufs2: version == 2, bsize: bsize, fsize: fsize}
	sb.bo = binary.LittleEndian
	if opts.BigEndian {
		sb.bo = binary.BigEndian
	}
	var ok bool
	if sb.bshift, ok = log2(bsize); !ok || bsize < minBlockSize || bsize > maxBlockSize {
		return nil, fmt.Errorf("ffs: newfs: block size %d: %w", bsize, errno.EINVAL)
	}
	if sb.fshift, ok = log2(fsize); !ok || fsize < 512 || fsize > bsize || bsize/fsize > 8 || fsize < int64(d.SectorSize()) {
		return nil, fmt.Errorf("ffs: newfs: fragment size %d: %w", fsize, errno.EINVAL)
	}
	sb.frag = bsize / fsize
	sb.fragshift = sb.bshift - sb.fshift
	ptr := int64(4)
	sb.loc = 8192
	if sb.ufs2 {
		ptr = 8
		sb.loc = 65536
	}
	sb.nindir = bsize / ptr
	sb.inopb = bsize / sb.inodeSize()
	sb.sbsize = 2048
	sb.maxSymlinkLen = (ndaddr + niaddr) * ptr
	sb.contigSumSize = min(max(1, 65536/bsize), 16)
	sb.size = size >> sb.fshift
	roundFrag := func(n int64) int64 { return (n + sb.frag - 1) / sb.frag * sb.frag }
	sb.sblkno = roundFrag((sb.loc + maxSuperblock + fsize - 1) >> sb.fshift)
	sb.cblkno = sb.sblkno + roundFrag((maxSuperblock+fsize-1)>>sb.fshift)
	sb.iblkno = sb.cblkno + sb.frag
	density := opts.Density
	if density == 0 {
		density = 4 * fsize
	}
	// A group's maps must fit in its block with the header: the free map
	// takes a bit a fragment, the inode map a bit an inode, the cluster
	// map a bit a block.
	header := int64(168 + 4*(sb.contigSumSize+1) + 16)
	if !sb.ufs2 {
		header += 4 + 2 // one cylinder's rotational tables
	}
	fpg := ((bsize - header) * 8 * 8 / 10) / sb.frag * sb.frag
	for ; fpg > sb.frag; fpg -= sb.frag {
		ipg := roundInodes(fpg*fsize/density, sb.inopb)
		if header+ipg/8+fpg/8+fpg/sb.frag/8+8 <= bsize {
			break
		}
	}
	fpg = min(fpg, roundFrag(sb.size))
	sb.fpg = fpg
	sb.ipg = roundInodes(fpg*fsize/density, sb.inopb)
	sb.dblkno = sb.iblkno + roundFrag(sb.ipg*sb.inodeSize()/fsize)
	sb.ncg = (sb.size + fpg - 1) / fpg
	// The last group must at least hold its metadata and a block.
	if last := sb.size - (sb.ncg-1)*fpg; last < sb.dblkno+sb.frag {
		sb.ncg--
		sb.size = sb.ncg * fpg
	}
	if sb.ncg < 1 || sb.size < sb.dblkno+2*sb.frag {
		return nil, fmt.Errorf("ffs: newfs: %d bytes is too small: %w", size, errno.ENOSPC)
	}
	sb.cgsize = (header + sb.ipg/8 + fpg/8 + fpg/sb.frag/8 + 8 + fsize - 1) / fsize * fsize
	sb.csaddr = sb.dblkno // the summary array starts group 0's data
	sb.oldNspf = fsize / 512
	if !sb.ufs2 {
		sb.oldCpg, sb.oldNrpos = 1, 1
		sb.oldSpc = fpg * sb.oldNspf
		sb.oldNsect = sb.oldSpc
	}
	sb.volname = opts.VolumeName
	sb.time = opts.Time
	sb.clean = true
	return sb, nil
}

func roundInodes(n, inopb int64) int64 {
	n = max(n, inopb)
	return (n + inopb - 1) / inopb * inopb
}

// writeNewfs lays the file system out on d.
func writeNewfs(d disk.Disk, sb *superblock, opts NewfsOptions) error {
	bo := sb.bo
	cssize := (sb.ncg*16 + sb.fsize - 1) / sb.fsize * sb.fsize
	csFrags := cssize >> sb.fshift
	minfree := opts.MinFree
	if minfree == 0 {
		minfree = 5
	}
	// Zero the area before the first superblock copy: boot blocks and
	// whatever an old file system left.
	if err := writeZero(d, 0, sb.cgStart(0)<<sb.fshift+sb.dblkno<<sb.fshift); err != nil {
		return err
	}
	var total csumTotal
	dsize := int64(0)
	groups := make([][]byte, sb.ncg)
	for c := range sb.ncg {
		raw, cs := sb.buildCG(c, csFrags, opts.Time)
		groups[c] = raw
		total.ndir += cs.ndir
		total.nbfree += cs.nbfree
		total.nifree += cs.nifree
		total.nffree += cs.nffree
		frags := min(sb.fpg, sb.size-c*sb.fpg)
		dsize += frags - sb.dblkno
		if c > 0 {
			dsize += sb.sblkno // the space before a backup superblock is data
		}
	}
	dsize -= csFrags
	sb.cstotal = total
	raw := make([]byte, sb.sbsize)
	i32 := func(off int, v int64) { bo.PutUint32(raw[off:], uint32(int32(v))) }
	i64 := func(off int, v int64) { bo.PutUint64(raw[off:], uint64(v)) }
	i32(8, sb.sblkno)
	i32(12, sb.cblkno)
	i32(16, sb.iblkno)
	i32(20, sb.dblkno)
	i32(44, sb.ncg)
	i32(48, sb.bsize)
	i32(52, sb.fsize)
	i32(56, sb.frag)
	i32(60, minfree)
	i32(72, ^(sb.bsize - 1))
	i32(76, ^(sb.fsize - 1))
	i32(80, int64(sb.bshift))
	i32(84, int64(sb.fshift))
	i32(88, max(1, 65536/sb.bsize))
	i32(92, sb.bsize/4)
	i32(96, int64(sb.fragshift))
	i32(100, int64(sb.fshift)-9)
	i32(104, sb.sbsize)
	i32(116, sb.nindir)
	i32(120, sb.inopb)
	i32(144, int64(opts.ID))
	i32(148, int64(opts.ID)^0x5a5a5a5a)
	i32(156, cssize)
	i32(160, sb.cgsize)
	i32(184, sb.ipg)
	i32(188, sb.fpg)
	raw[211] = fsFlagsUpdated
	if !sb.ufs2 {
		i32(24, 0)  // old_cgoffset
		i32(28, -1) // old_cgmask
		i32(36, sb.size)
		i32(40, dsize)
		i32(68, 60) // rps
		i32(124, sb.oldNspf)
		i32(132, sb.oldNsect)
		i32(136, 1) // interleave
		i32(152, sb.csaddr)
		i32(168, sb.oldNsect)
		i32(172, sb.oldSpc)
		i32(176, sb.ncg)
		i32(180, sb.oldCpg)
		i32(1356, 1) // FS_DYNAMICPOSTBLFMT
		i32(1360, sb.oldNrpos)
	}
	i32(860, sb.bsize) // maxbsize
	i64(1000, sb.loc)
	i64(1080, sb.size)
	i64(1088, dsize)
	i64(1096, sb.csaddr)
	i32(1196, 16384) // avgfilesize
	i32(1200, 64)    // avgfpdir
	i32(1316, sb.contigSumSize)
	i32(1320, sb.maxSymlinkLen)
	i32(1324, inodeFormat44)
	bo.PutUint64(raw[1328:], uint64(sb.maxFileSize()-1))
	i64(1336, sb.bsize-1)
	i64(1344, sb.fsize-1)
	if sb.ufs2 {
		bo.PutUint32(raw[superblockMagic:], magicUFS2)
		copy(raw[680:712], sb.volname)
	} else {
		bo.PutUint32(raw[superblockMagic:], magicUFS1)
	}
	sb.raw = raw
	sb.wideTotals = true // fs_old_flags has FS_FLAGS_UPDATED
	sb.encode()
	if !sb.ufs2 {
		// A new UFS1 file system has its totals in the old copy as well,
		// for readers from before FS_FLAGS_UPDATED; only the wide copy is
		// kept up to date after this.
		t := sb.cstotal
		i32(192, t.ndir)
		i32(196, t.nbfree)
		i32(200, t.nifree)
		i32(204, t.nffree)
	}
	// Summary array, cylinder groups with their superblock copies, and
	// each group's first inode blocks.
	cs := make([]byte, cssize)
	for c := range sb.ncg {
		g := &cylGroup{sb: sb, c: c, raw: groups[c]}
		s := g.cs()
		b := cs[16*c:]
		bo.PutUint32(b, uint32(s.ndir))
		bo.PutUint32(b[4:], uint32(s.nbfree))
		bo.PutUint32(b[8:], uint32(s.nifree))
		bo.PutUint32(b[12:], uint32(s.nffree))
	}
	for c := range sb.ncg {
		start := sb.cgStart(c)
		if err := writeZero(d, (start+sb.sblkno)<<sb.fshift, (sb.dblkno-sb.sblkno)<<sb.fshift); err != nil {
			return err
		}
		copyRaw := raw
		if c > 0 {
			copyRaw = raw // backups are the same superblock
		}
		if err := writeBytes(d, copyRaw, (start+sb.sblkno)<<sb.fshift); err != nil {
			return err
		}
		if err := writeBytes(d, groups[c], sb.cgAddr(c)); err != nil {
			return err
		}
	}
	if err := writeBytes(d, raw, sb.loc); err != nil {
		return err
	}
	if err := writeBytes(d, cs, sb.csaddr<<sb.fshift); err != nil {
		return err
	}
	return sb.writeRoot(d, opts.Time, csFrags)
}

// buildCG makes cylinder group c: every fragment from the group's start
// to its data area is metadata, and group 0 also gives fragments to the
// summary array and the root directory; inodes 0, 1 and 2 are taken.
func (sb *superblock) buildCG(c, csFrags, now int64) ([]byte, csum) {
	bo := sb.bo
	raw := make([]byte, sb.cgsize)
	g := &cylGroup{sb: sb, c: c, raw: raw}
	frags := min(sb.fpg, sb.size-c*sb.fpg)
	g.set32(cgOffMagic, cgMagic)
	g.set32(cgOffCgx, c)
	g.set32(cgOffNdblk, frags)
	g.set32(cgOffOldTime, now)
	off := int64(168)
	if !sb.ufs2 {
		bo.PutUint16(raw[16:], uint16(sb.oldCpg))
		bo.PutUint16(raw[18:], uint16(sb.ipg))
		g.set32(cgOffOldBtotOff, off)
		off += 4 * sb.oldCpg
		g.set32(cgOffOldBOff, off)
		off += 2 * sb.oldCpg * sb.oldNrpos
	} else {
		g.set32(cgOffNiblk, sb.ipg)
		g.set32(cgOffInitedIblk, min(sb.ipg, 2*sb.inopb))
		bo.PutUint64(raw[cgOffTime:], uint64(now))
	}
	g.set32(cgOffIusedOff, off)
	off += (sb.ipg + 7) / 8
	g.set32(cgOffFreeOff, off)
	off += (sb.fpg + 7) / 8
	off = (off+3)&^3 - 4
	g.set32(cgOffClusterSum, off)
	off += 4 * (sb.contigSumSize + 1)
	g.set32(cgOffClusterOff, off)
	g.set32(cgOffNClusterBlk, frags/sb.frag)
	off += (sb.fpg/sb.frag + 7) / 8
	g.set32(cgOffNextFreeOff, off)
	g.setCs(csum{nifree: sb.ipg})
	if c == 0 {
		im := g.inodeMap()
		for i := range int64(rootIno + 1) {
			setBit(im, i)
		}
		g.setCs(csum{nifree: sb.ipg - rootIno - 1, ndir: 1})
	}
	// Free every fragment of the data area, block by block. Metadata is
	// the superblock copy, the group block and the inode table; in group
	// 0 everything before them too (boot area, primary superblock), and
	// the summary array and root directory after them. In other groups
	// the space before the superblock copy is data.
	metaStart := sb.sblkno
	used := sb.dblkno
	if c == 0 {
		metaStart = 0
		used += csFrags + sb.rootDirFrags()
	}
	m := g.freeMap()
	cs := g.cs()
	for rel := int64(0); rel+sb.frag <= frags; rel += sb.frag {
		if rel+sb.frag > metaStart && rel < sb.dblkno {
			continue
		}
		for i := range sb.frag {
			if rel+i >= used || rel < metaStart {
				setBit(m, rel+i)
			}
		}
		if rel >= used || rel < metaStart {
			cs.nbfree++
			if cm := g.clusterMap(); cm != nil {
				setBit(cm, rel/sb.frag)
			}
			rotAcctRaw(sb, g, rel, 1)
		} else if free := min(sb.frag, max(0, rel+sb.frag-used)); free > 0 {
			cs.nffree += free
			g.frsumAdd(free, 1)
		}
	}
	// The fragments of a last, partial block are free fragments, as
	// NetBSD's mkfs leaves them.
	if from := max(frags-frags%sb.frag, used); from < frags {
		for rel := from; rel < frags; rel++ {
			setBit(m, rel)
		}
		cs.nffree += frags - from
		g.frsumAdd(frags-from, 1)
	}
	g.setCs(cs)
	// Cluster summary: count runs of free blocks.
	if cm := g.clusterMap(); cm != nil {
		run := int64(0)
		nblk := frags / sb.frag
		for b := int64(0); b <= nblk; b++ {
			if b < nblk && bit(cm, b) {
				run++
				continue
			}
			g.clusterSumAdd(run, 1)
			run = 0
		}
	}
	return raw, cs
}

// rotAcctRaw is fsys.rotAcct for a group being built.
func rotAcctRaw(sb *superblock, g *cylGroup, rel, cnt int64) {
	(&fsys{sb: sb}).rotAcct(g, rel, cnt)
}

// rootDirFrags is how many fragments the root directory's one chunk
// takes.
func (sb *superblock) rootDirFrags() int64 { return sb.fragRoundup(dirBlockSize) >> sb.fshift }

// writeRoot writes the root directory: its inode, and its chunk right
// after the summary array in group 0.
func (sb *superblock) writeRoot(d disk.Disk, now, csFrags int64) error {
	addr := sb.dblkno + csFrags
	chunk := make([]byte, sb.rootDirFrags()<<sb.fshift)
	sb.putEntry(chunk, rootIno, direntLen(1), 4, ".")
	sb.putEntry(chunk[direntLen(1):], rootIno, dirBlockSize-direntLen(1), 4, "..")
	if err := writeBytes(d, chunk, addr<<sb.fshift); err != nil {
		return err
	}
	t := kernTime(now)
	ip := &dinode{mode: 0o040755, nlink: 2, size: dirBlockSize, blocks: int64(len(chunk)) / 512,
		atime: t, mtime: t, ctime: t, birthtime: t, shortLink: make([]byte, 120)}
	ip.db[0] = addr
	buf := make([]byte, sb.inodeSize())
	sb.encodeInode(ip, buf)
	return writeBytes(d, buf, sb.inodeAddr(rootIno))
}

// writeBytes writes p at any byte offset of d (read-modify-write of the
// sectors it touches).
func writeBytes(d disk.Disk, p []byte, off int64) error {
	ss := int64(d.SectorSize())
	start := off / ss * ss
	end := (off + int64(len(p)) + ss - 1) / ss * ss
	buf := make([]byte, end-start)
	if start != off || end != off+int64(len(p)) {
		if _, err := d.ReadAt(buf, start); err != nil {
			return err
		}
	}
	copy(buf[off-start:], p)
	_, err := d.WriteAt(buf, start)
	return err
}

func writeZero(d disk.Disk, off, n int64) error {
	const chunk = 1 << 20
	zero := make([]byte, chunk)
	for n > 0 {
		m := min(n, chunk)
		if err := writeBytes(d, zero[:m], off); err != nil {
			return err
		}
		off, n = off+m, n-m
	}
	return nil
}
