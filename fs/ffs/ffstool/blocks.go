package ffstool

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// geometry is what the space a file takes depends on.
type geometry struct {
	bsize, fsize int64
	ufs2         bool
}

// FFS constants the estimate needs.
const (
	ndaddr       = 12  // direct block pointers in an inode
	dirBlockSize = 512 // DIRBLKSIZ: directory entries never cross one
)

func (g geometry) frag() int64 { return g.bsize / g.fsize }

// nindir is how many block pointers an indirect block holds.
func (g geometry) nindir() int64 {
	if g.ufs2 {
		return g.bsize / 8
	}
	return g.bsize / 4
}

// maxShortSymlink is the length from which a symlink's target is kept
// in a data block rather than in the inode.
func (g geometry) maxShortSymlink() int64 {
	if g.ufs2 {
		return 120
	}
	return 60
}

func (g geometry) inodeSize() int64 {
	if g.ufs2 {
		return 256
	}
	return 128
}

// fileFrags returns the fragments a file of size bytes takes when data
// sits in the logical blocks lbns (ascending): those blocks, the block
// holding the last byte (FFS always allocates it), the fragment tail of
// a file that ends in its direct blocks, and the indirect blocks.
func (g geometry) fileFrags(size int64, lbns []int64) int64 {
	if size <= 0 {
		return 0
	}
	last := (size - 1) / g.bsize
	if len(lbns) == 0 || lbns[len(lbns)-1] != last {
		lbns = append(lbns, last)
	}
	nin := g.nindir()
	base2 := ndaddr + nin
	base3 := base2 + nin*nin
	frag := g.frag()
	var frags int64
	var single, double, triple bool
	prev2, prev3a, prev3b := int64(-1), int64(-1), int64(-1)
	for _, lbn := range lbns {
		switch {
		case lbn < ndaddr:
			if lbn == last {
				frags += (size - lbn*g.bsize + g.fsize - 1) / g.fsize
				continue
			}
		case lbn < base2:
			single = true
		case lbn < base3:
			double = true
			if i := (lbn - base2) / nin; i != prev2 {
				prev2 = i
				frags += frag
			}
		default:
			triple = true
			r := lbn - base3
			if i := r / (nin * nin); i != prev3a {
				prev3a = i
				frags += frag
			}
			if i := r / nin; i != prev3b {
				prev3b = i
				frags += frag
			}
		}
		frags += frag
	}
	for _, top := range []bool{single, double, triple} {
		if top {
			frags += frag
		}
	}
	return frags
}

// allBlocks returns the logical blocks 0 to the last of a file of size
// bytes: a file without holes.
func (g geometry) allBlocks(size int64) []int64 {
	n := (size + g.bsize - 1) / g.bsize
	lbns := make([]int64, n)
	for i := range lbns {
		lbns[i] = int64(i)
	}
	return lbns
}

// direntLen is the bytes a directory entry with an n-byte name takes.
func direntLen(n int) int64 { return int64(8 + (n+4)&^3) }

// dirSize returns an upper bound on the size of a directory holding
// names, entered one after another: "." and ".." first, and no entry
// crossing a DIRBLKSIZ chunk.
func dirSize(names []string) int64 {
	chunks, used := int64(1), direntLen(1)+direntLen(2)
	for _, name := range names {
		l := direntLen(len(name))
		if used+l > dirBlockSize {
			chunks++
			used = 0
		}
		used += l
	}
	return chunks * dirBlockSize
}

// copyBufSize is how much of a source file is read at once.
const copyBufSize = 1 << 20

// dataRuns reads the host file f of size bytes and calls fn with every
// run of whole blocks (bsize bytes; the file's last block may be short)
// that hold a non-zero byte, at its offset. Blocks of zeroes, and the
// holes the host reports, are skipped: they become holes in the image,
// so that the image depends only on what the files hold and not on how
// the host stores them. buf is a multiple of bsize. A file that ends
// before size has changed under us: that is an error.
func dataRuns(f *os.File, size, bsize int64, buf []byte, fn func(off int64, p []byte) error) error {
	zero := make([]byte, bsize)
	for off := int64(0); off < size; {
		off = nextData(f, off, size) / bsize * bsize
		if off >= size {
			break
		}
		end := min((nextHole(f, off, size)+bsize-1)/bsize*bsize, size)
		if end <= off {
			end = min(off+bsize, size)
		}
		for off < end {
			p := buf[:min(int64(len(buf)), end-off)]
			n, err := f.ReadAt(p, off)
			if err == io.EOF && n == len(p) {
				err = nil
			}
			if err == io.EOF {
				return fmt.Errorf("%s: the file shrank while it was read", f.Name())
			}
			if err != nil {
				return err
			}
			// Hand over runs of non-zero blocks.
			start := -1
			for b := 0; b < len(p); b += int(bsize) {
				blk := p[b:min(b+int(bsize), len(p))]
				if bytes.Equal(blk, zero[:len(blk)]) {
					if start >= 0 {
						if err := fn(off+int64(start), p[start:b]); err != nil {
							return err
						}
						start = -1
					}
				} else if start < 0 {
					start = b
				}
			}
			if start >= 0 {
				if err := fn(off+int64(start), p[start:]); err != nil {
					return err
				}
			}
			off += int64(len(p))
		}
	}
	return nil
}
