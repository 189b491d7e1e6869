package ffs

import (
	"fmt"

	"github.com/gorump/gorump/kern/errno"
)

// bmap returns the fragment address of logical block lbn of the file, or
// 0 for a hole. Every pointer it follows is checked against the file
// system's size.
func (f *fsys) bmap(ip *dinode, lbn int64) (int64, error) {
	sb := f.sb
	if lbn < 0 {
		return 0, errno.EINVAL
	}
	if lbn < ndaddr {
		return ip.db[lbn], nil
	}
	lbn -= ndaddr
	span := int64(1)
	for level := range niaddr {
		n := sb.nindir * span
		if lbn < n {
			return f.walkIndirect(ip.ib[level], level, span, lbn)
		}
		lbn -= n
		span = n
	}
	return 0, errno.EFBIG
}

// walkIndirect follows an indirect block of the given level (0: single),
// each of whose pointers covers span blocks, down to block lbn.
func (f *fsys) walkIndirect(addr int64, level int, span, lbn int64) (int64, error) {
	sb := f.sb
	ptr := int64(4)
	if sb.ufs2 {
		ptr = 8
	}
	var cell [8]byte
	for {
		if addr == 0 {
			return 0, nil
		}
		if addr < 0 || addr+sb.frag > sb.size {
			return 0, fmt.Errorf("ffs: indirect block %d outside the file system: %w", addr, errno.EIO)
		}
		idx := lbn / span
		lbn %= span
		if err := f.readAt(cell[:ptr], addr<<sb.fshift+idx*ptr); err != nil {
			return 0, err
		}
		if sb.ufs2 {
			addr = int64(sb.bo.Uint64(cell[:]))
		} else {
			addr = int64(int32(sb.bo.Uint32(cell[:])))
		}
		if level == 0 {
			if addr < 0 || addr >= sb.size {
				return 0, fmt.Errorf("ffs: data block %d outside the file system: %w", addr, errno.EIO)
			}
			return addr, nil
		}
		level--
		span /= sb.nindir
	}
}

// readAt reads len(p) bytes at byte offset off of the file system through
// the buffer cache.
func (f *fsys) readAt(p []byte, off int64) error {
	bs := int64(f.bc.BlockSize())
	for len(p) > 0 {
		blk, in := off/bs, off%bs
		b, err := f.bc.Get(blk)
		if err != nil {
			return fmt.Errorf("ffs: read at %d: %w", off, err)
		}
		n := copy(p, b.Data[in:])
		b.Release()
		p, off = p[n:], off+int64(n)
	}
	return nil
}

// writeAt writes p at byte offset off of the file system through the
// buffer cache; blocks it covers whole are not read first.
func (f *fsys) writeAt(p []byte, off int64) error {
	bs := int64(f.bc.BlockSize())
	for len(p) > 0 {
		blk, in := off/bs, off%bs
		if in == 0 && int64(len(p)) >= bs {
			if err := f.bc.Overwrite(blk, p[:bs]); err != nil {
				return fmt.Errorf("ffs: write at %d: %w", off, err)
			}
			p, off = p[bs:], off+bs
			continue
		}
		b, err := f.bc.Get(blk)
		if err != nil {
			return fmt.Errorf("ffs: write at %d: %w", off, err)
		}
		n := copy(b.Data[in:], p)
		b.MarkDirty()
		b.Release()
		p, off = p[n:], off+int64(n)
	}
	return nil
}

// zeroBlock is a block of zeroes for zeroAt to write from; nothing
// writes to it.
var zeroBlock [maxBlockSize]byte

// zeroAt writes n zero bytes (at most a block) at byte offset off of the
// file system through the buffer cache.
func (f *fsys) zeroAt(off, n int64) error {
	return f.writeAt(zeroBlock[:n], off)
}
