package ffs

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/kern/errno"
)

// Superblock magic numbers.
const (
	magicUFS1 = 0x011954
	magicUFS2 = 0x19540119
)

// Where NetBSD's superblock search looks, in its order.
var superblockOffsets = []int64{65536, 8192, 0, 262144}

// Flags in fs_flags.
const (
	fsDoSoftDep     = 0x02
	fsNeedsFsck     = 0x04
	fsFlagsUpdated  = 0x80
	fsDoWAPBL       = 0x100
	knownFlags      = 0x01 | fsDoSoftDep | fsNeedsFsck | 0x08 | 0x10 | 0x20 | 0x40 | fsFlagsUpdated | fsDoWAPBL | 0x200 | 0x400 | 0x800
	rootIno         = 2
	ndaddr          = 12 // direct block pointers in an inode
	niaddr          = 3  // indirect block pointers
	maxSuperblock   = 8192
	minSuperblock   = 1376 // sizeof(struct fs): NetBSD's mount refuses a smaller fs_sbsize
	inodeFormat44   = 2    // FS_44INODEFMT: 4.4BSD directory entries with a type
	minBlockSize    = 4096
	maxBlockSize    = 65536
	superblockMagic = 1372 // offset of fs_magic
)

// superblock holds what the driver needs of struct fs, in host order.
type superblock struct {
	bo   binary.ByteOrder
	ufs2 bool
	loc  int64 // byte offset it was found at

	sblkno, cblkno, iblkno, dblkno int64 // in fragments from the cg start
	oldCgOffset, oldCgMask         int32
	ncg                            int64
	bsize, fsize, frag             int64
	bshift, fshift, fragshift      uint
	sbsize                         int64
	nindir                         int64
	inopb                          int64
	ipg, fpg                       int64
	cgsize                         int64
	size, dsize                    int64 // in fragments
	csaddr                         int64
	maxSymlinkLen                  int64
	contigSumSize                  int64
	flags                          int32
	clean                          bool
	volname                        string
	minfree                        int64 // percent of the data blocks kept for the superuser
	cstotal                        csumTotal
	time                           int64
	// wideTotals says the totals live in the 64-bit fs_cstotal at 1008
	// alone: UFS2, and UFS1 with FS_FLAGS_UPDATED in fs_old_flags, where
	// NetBSD's kernel and fsck_ffs neither read nor update the old 32-bit
	// copy at 192. A UFS1 superblock from before that flag keeps only the
	// old copy.
	wideTotals bool
	// UFS1's rotational layout tables, still kept up to date in cylinder
	// groups: cylinders a group, sectors a cylinder and a track, and
	// rotational positions.
	oldCpg, oldSpc, oldNsect, oldNrpos, oldNspf int64
	// raw is the superblock as read, fs_sbsize bytes; encode writes the
	// fields the driver changes back into it.
	raw []byte
}

// encode stores the summary counts, time and clean flag into sb.raw.
func (sb *superblock) encode() {
	b, bo := sb.raw, sb.bo
	clean := byte(0)
	if sb.clean {
		clean = 1
	}
	b[209] = clean
	t := sb.cstotal
	if sb.wideTotals {
		bo.PutUint64(b[1008:], uint64(t.ndir))
		bo.PutUint64(b[1016:], uint64(t.nbfree))
		bo.PutUint64(b[1024:], uint64(t.nifree))
		bo.PutUint64(b[1032:], uint64(t.nffree))
	} else {
		bo.PutUint32(b[192:], uint32(t.ndir))
		bo.PutUint32(b[196:], uint32(t.nbfree))
		bo.PutUint32(b[200:], uint32(t.nifree))
		bo.PutUint32(b[204:], uint32(t.nffree))
	}
	bo.PutUint64(b[1072:], uint64(sb.time))
	if !sb.ufs2 {
		bo.PutUint32(b[32:], uint32(sb.time))
	}
}

type csumTotal struct{ ndir, nbfree, nifree, nffree int64 }

// reserved returns the fragments kept for the superuser, as NetBSD's
// freespace() reckons them from fs_minfree.
func (sb *superblock) reserved() int64 {
	return sb.dsize * min(max(sb.minfree, 0), 99) / 100
}

// inodeSize returns the size of an on-disk inode.
func (sb *superblock) inodeSize() int64 {
	if sb.ufs2 {
		return 256
	}
	return 128
}

// cgStart returns the first fragment of cylinder group c.
func (sb *superblock) cgStart(c int64) int64 {
	base := sb.fpg * c
	if sb.ufs2 {
		return base
	}
	return base + int64(sb.oldCgOffset)*(c&^int64(sb.oldCgMask))
}

// inodeAddr returns the byte address of inode ino.
func (sb *superblock) inodeAddr(ino int64) int64 {
	c := ino / sb.ipg
	frag := sb.cgStart(c) + sb.iblkno + ((ino%sb.ipg)/sb.inopb)<<sb.fragshift
	return frag<<sb.fshift + (ino%sb.inopb)*sb.inodeSize()
}

func log2(n int64) (uint, bool) {
	if n <= 0 || n&(n-1) != 0 {
		return 0, false
	}
	var s uint
	for n > 1 {
		n >>= 1
		s++
	}
	return s, true
}

// readSuperblock searches d for a superblock and checks it.
func readSuperblock(d disk.Disk) (*superblock, error) {
	buf := make([]byte, maxSuperblock)
	var lastErr error = fmt.Errorf("ffs: no superblock found: %w", errno.EFTYPE)
	// A UFS1 file system with 64 KiB blocks has cylinder group 0's copy
	// of its superblock at 65536, where the search looks first: as
	// NetBSD's, the search passes over it to the primary at 8192, and
	// takes the copy only when it finds nothing else.
	var group0Copy *superblock
	for _, off := range superblockOffsets {
		if off+maxSuperblock > d.Size() {
			continue
		}
		if err := readBytes(d, buf, off); err != nil {
			return nil, err
		}
		for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			magic := bo.Uint32(buf[superblockMagic:])
			if magic != magicUFS1 && magic != magicUFS2 {
				continue
			}
			sb, err := parseSuperblock(buf, bo, off, d.Size())
			switch {
			case err != nil:
				lastErr = err
				continue
			case !sb.ufs2 && group0Copy == nil && (sb.cgStart(0)+sb.sblkno)<<sb.fshift == off:
				group0Copy = sb
				continue
			}
			return sb, nil
		}
	}
	if group0Copy != nil {
		return group0Copy, nil
	}
	return nil, lastErr
}

// readBytes reads len(p) bytes at any offset of a disk.
func readBytes(d disk.Disk, p []byte, off int64) error {
	ss := int64(d.SectorSize())
	start := off / ss * ss
	end := (off + int64(len(p)) + ss - 1) / ss * ss
	buf := make([]byte, end-start)
	if _, err := d.ReadAt(buf, start); err != nil {
		return err
	}
	copy(p, buf[off-start:])
	return nil
}

func parseSuperblock(b []byte, bo binary.ByteOrder, loc, diskSize int64) (*superblock, error) {
	i32 := func(off int) int64 { return int64(int32(bo.Uint32(b[off:]))) }
	i64 := func(off int) int64 { return int64(bo.Uint64(b[off:])) }
	sb := &superblock{bo: bo, loc: loc, ufs2: bo.Uint32(b[superblockMagic:]) == magicUFS2}
	bad := func(format string, args ...any) (*superblock, error) {
		return nil, fmt.Errorf("ffs: superblock at %d: %s: %w", loc, fmt.Sprintf(format, args...), errno.EFTYPE)
	}
	sb.sblkno, sb.cblkno, sb.iblkno, sb.dblkno = i32(8), i32(12), i32(16), i32(20)
	sb.oldCgOffset, sb.oldCgMask = int32(i32(24)), int32(i32(28))
	sb.ncg = i32(44)
	sb.bsize, sb.fsize, sb.frag = i32(48), i32(52), i32(56)
	sb.sbsize = i32(104)
	sb.nindir, sb.inopb = i32(116), i32(120)
	sb.cgsize = i32(160)
	sb.ipg, sb.fpg = i32(184), i32(188)
	sb.clean = b[209] != 0
	sb.minfree = i32(60)
	sb.maxSymlinkLen = i32(1320)
	sb.contigSumSize = i32(1316)
	sb.flags = int32(i32(1312))
	if b[211]&fsFlagsUpdated == 0 {
		sb.flags = int32(b[211]) // flags from before they moved
	}
	var ok bool
	if sb.bshift, ok = log2(sb.bsize); !ok || sb.bsize < minBlockSize || sb.bsize > maxBlockSize {
		return bad("block size %d", sb.bsize)
	}
	if sb.fshift, ok = log2(sb.fsize); !ok || sb.fsize < 512 || sb.fsize > sb.bsize || sb.bsize/sb.fsize > 8 {
		return bad("fragment size %d", sb.fsize)
	}
	if sb.frag != sb.bsize/sb.fsize {
		return bad("%d fragments a block", sb.frag)
	}
	sb.fragshift = sb.bshift - sb.fshift
	ptr := int64(4)
	if sb.ufs2 {
		ptr = 8
		sb.size, sb.dsize = i64(1080), i64(1088)
		sb.csaddr = i64(1096)
		sb.time = i64(1072)
		// UFS2 belongs at 65536; Debian's makefs puts it at 8192. Anywhere
		// else it must say it is there, or it is a stray copy.
		if loc != 65536 && loc != 8192 && i64(1000) != loc {
			return bad("records itself at %d", i64(1000))
		}
	} else {
		sb.size, sb.dsize = i32(36), i32(40)
		sb.csaddr = i32(152)
		sb.time = i32(32)
	}
	sb.wideTotals = sb.ufs2 || b[211]&fsFlagsUpdated != 0
	if sb.wideTotals {
		sb.cstotal = csumTotal{i64(1008), i64(1016), i64(1024), i64(1032)}
	} else {
		sb.cstotal = csumTotal{i32(192), i32(196), i32(200), i32(204)}
	}
	switch {
	case sb.nindir != sb.bsize/ptr:
		return bad("%d pointers an indirect block", sb.nindir)
	case sb.inopb != sb.bsize/sb.inodeSize():
		return bad("%d inodes a block", sb.inopb)
	case sb.ncg < 1 || sb.ipg < 1 || sb.fpg < sb.frag || sb.ipg%sb.inopb != 0:
		return bad("cylinder groups %d x (%d inodes, %d fragments)", sb.ncg, sb.ipg, sb.fpg)
	case sb.size < 1 || sb.size<<sb.fshift > diskSize:
		return bad("size %d fragments on a disk of %d bytes", sb.size, diskSize)
	case sb.sbsize < minSuperblock || sb.sbsize > maxSuperblock:
		return bad("superblock size %d", sb.sbsize)
	case sb.iblkno < 0 || sb.iblkno >= sb.fpg || sb.dblkno < sb.iblkno || sb.cblkno < 0:
		return bad("layout in a cylinder group")
	case sb.ncg > (sb.size+sb.fpg-1)/sb.fpg+1:
		return bad("%d cylinder groups for %d fragments", sb.ncg, sb.size)
	case sb.contigSumSize < 0 || sb.contigSumSize > 64:
		return bad("cluster summary size %d", sb.contigSumSize)
	case sb.cgsize < 1 || sb.cgsize > sb.bsize:
		return bad("cylinder group size %d", sb.cgsize)
	case sb.maxSymlinkLen < 0 || sb.maxSymlinkLen > (ndaddr+niaddr)*ptr:
		return bad("short symlink limit %d", sb.maxSymlinkLen)
	case i32(1324) != inodeFormat44:
		return bad("inode format %d (only 4.4BSD format is supported)", i32(1324))
	}
	if sb.ncg*sb.ipg > 1<<32 {
		return bad("%d inodes", sb.ncg*sb.ipg)
	}
	sb.volname = string(bytes.TrimRight(b[680:712], "\x00"))
	sb.oldCpg, sb.oldSpc, sb.oldNsect, sb.oldNrpos, sb.oldNspf = i32(180), i32(172), i32(168), i32(1360), i32(124)
	sb.raw = append([]byte(nil), b[:sb.sbsize]...)
	return sb, nil
}
