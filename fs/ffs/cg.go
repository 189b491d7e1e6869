package ffs

import (
	"fmt"

	"github.com/gorump/gorump/kern/errno"
)

// cgMagic is a cylinder group's magic number.
const cgMagic = 0x090255

// Offsets in struct cg.
const (
	cgOffMagic       = 4
	cgOffOldTime     = 8
	cgOffCgx         = 12
	cgOffNdblk       = 20
	cgOffCs          = 24 // ndir, nbfree, nifree, nffree (int32 each)
	cgOffRotor       = 40
	cgOffFrotor      = 44
	cgOffIrotor      = 48
	cgOffFrsum       = 52 // int32[8]
	cgOffOldBtotOff  = 84
	cgOffOldBOff     = 88
	cgOffIusedOff    = 92
	cgOffFreeOff     = 96
	cgOffNextFreeOff = 100
	cgOffClusterSum  = 104
	cgOffClusterOff  = 108
	cgOffNClusterBlk = 112
	cgOffNiblk       = 116
	cgOffInitedIblk  = 120
	cgOffTime        = 136
)

// cylGroup is a cylinder group block read into memory. Its accessors read
// and write the raw bytes in the file system's byte order, so writing it
// back is a plain copy.
type cylGroup struct {
	sb  *superblock
	c   int64
	raw []byte
	// dirty says raw changed since it was read or written.
	dirty bool
}

func (g *cylGroup) i32(off int) int64 { return int64(int32(g.sb.bo.Uint32(g.raw[off:]))) }
func (g *cylGroup) set32(off int, v int64) {
	g.sb.bo.PutUint32(g.raw[off:], uint32(int32(v)))
	g.dirty = true
}

// csum is a cylinder group's summary counts.
type csum struct{ ndir, nbfree, nifree, nffree int64 }

func (g *cylGroup) cs() csum {
	return csum{g.i32(cgOffCs), g.i32(cgOffCs + 4), g.i32(cgOffCs + 8), g.i32(cgOffCs + 12)}
}

func (g *cylGroup) setCs(s csum) {
	g.set32(cgOffCs, s.ndir)
	g.set32(cgOffCs+4, s.nbfree)
	g.set32(cgOffCs+8, s.nifree)
	g.set32(cgOffCs+12, s.nffree)
}

// ndblk returns how many fragments the group holds (the last group may
// be short).
func (g *cylGroup) ndblk() int64 { return g.i32(cgOffNdblk) }

// Bitmaps. In the inode map a set bit is an inode in use; in the free
// map a set bit is a free fragment; in the cluster map a set bit is a
// free block.

func bit(m []byte, i int64) bool { return m[i>>3]&(1<<(i&7)) != 0 }
func setBit(m []byte, i int64)   { m[i>>3] |= 1 << (i & 7) }
func clrBit(m []byte, i int64)   { m[i>>3] &^= 1 << (i & 7) }

func (g *cylGroup) inodeMap() []byte {
	off := g.i32(cgOffIusedOff)
	return g.raw[off : off+(g.sb.ipg+7)/8]
}

func (g *cylGroup) freeMap() []byte {
	off := g.i32(cgOffFreeOff)
	return g.raw[off : off+(g.sb.fpg+7)/8]
}

// clusterMap and clusterSum are present when the file system keeps
// cluster summaries (fs_contigsumsize > 0).
func (g *cylGroup) clusterMap() []byte {
	if g.sb.contigSumSize <= 0 {
		return nil
	}
	off := g.i32(cgOffClusterOff)
	return g.raw[off : off+(g.sb.fpg/g.sb.frag+7)/8]
}

// clusterSumAdd adds d to the count of free clusters of length n (capped
// at fs_contigsumsize); index 0 is unused, as in NetBSD.
func (g *cylGroup) clusterSumAdd(n, d int64) {
	if g.sb.contigSumSize <= 0 || n <= 0 {
		return
	}
	n = min(n, g.sb.contigSumSize)
	off := int(g.i32(cgOffClusterSum)) + 4*int(n)
	g.set32(off, g.i32(off)+d)
}

func (g *cylGroup) frsumAdd(n, d int64) {
	if n <= 0 || n >= g.sb.frag {
		return
	}
	off := cgOffFrsum + 4*int(n)
	g.set32(off, g.i32(off)+d)
}

// checkCG validates the header of a cylinder group so that the map
// accessors cannot slice outside raw.
func (sb *superblock) checkCG(c int64, raw []byte) error {
	bad := func(why string) error {
		return fmt.Errorf("ffs: cylinder group %d: %s: %w", c, why, errno.EIO)
	}
	g := &cylGroup{sb: sb, c: c, raw: raw}
	if sb.bo.Uint32(raw[cgOffMagic:]) != cgMagic {
		return bad("bad magic")
	}
	if g.i32(cgOffCgx) != c {
		return bad("wrong group number")
	}
	within := func(off, n int64) bool { return off >= 0 && n >= 0 && off+n <= int64(len(raw)) }
	if !within(g.i32(cgOffIusedOff), (sb.ipg+7)/8) || !within(g.i32(cgOffFreeOff), (sb.fpg+7)/8) {
		return bad("maps outside the block")
	}
	if sb.contigSumSize > 0 {
		if !within(g.i32(cgOffClusterOff), (sb.fpg/sb.frag+7)/8) || !within(g.i32(cgOffClusterSum), 4*(sb.contigSumSize+1)) {
			return bad("cluster maps outside the block")
		}
	}
	if n := g.ndblk(); n < 0 || n > sb.fpg {
		return bad("fragment count")
	}
	return nil
}

// cgAddr returns the byte address of cylinder group c's block.
func (sb *superblock) cgAddr(c int64) int64 { return (sb.cgStart(c) + sb.cblkno) << sb.fshift }

// readCG reads and checks cylinder group c.
func (f *fsys) readCG(c int64) (*cylGroup, error) {
	raw := make([]byte, f.sb.cgsize)
	if err := f.readAt(raw, f.sb.cgAddr(c)); err != nil {
		return nil, err
	}
	if err := f.sb.checkCG(c, raw); err != nil {
		return nil, err
	}
	return &cylGroup{sb: f.sb, c: c, raw: raw}, nil
}
