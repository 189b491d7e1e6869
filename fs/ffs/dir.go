package ffs

import (
	"bytes"
	"fmt"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/vfs"
)

// dirBlockSize is DIRBLKSIZ: directory entries never cross one.
const dirBlockSize = 512

// direntLen is DIRSIZ: the space an entry with a name of n bytes needs.
func direntLen(n int) int { return (8 + n + 1 + 3) &^ 3 }

// dirent is a parsed directory entry; off is its byte offset in the
// directory, which serves as its readdir cookie.
type dirent struct {
	ino    int64
	typ    uint8
	name   string
	off    int64
	reclen int64
}

// forEachEntry calls fn for each live entry of the directory from byte
// offset start, stopping when fn returns false. A malformed entry gives
// EIO.
func (n *node) forEachEntry(start int64, fn func(dirent) bool) error {
	f, ip := n.fs, n.ip
	if ip.size%dirBlockSize != 0 {
		return fmt.Errorf("ffs: directory %d: size %d: %w", n.ino, ip.size, errno.EIO)
	}
	chunk := make([]byte, dirBlockSize)
	for base := start &^ (dirBlockSize - 1); base < ip.size; base += dirBlockSize {
		if err := n.readData(chunk, base); err != nil {
			return err
		}
		for off := 0; off < dirBlockSize; {
			e := chunk[off:]
			ino := int64(f.sb.bo.Uint32(e[0:]))
			reclen := int(f.sb.bo.Uint16(e[4:]))
			typ, namlen := e[6], int(e[7])
			if reclen < 8 || reclen%4 != 0 || off+reclen > dirBlockSize || (ino != 0 && direntLen(namlen) > reclen) {
				return fmt.Errorf("ffs: directory %d: bad entry at %d: %w", n.ino, base+int64(off), errno.EIO)
			}
			if ino != 0 && base+int64(off) >= start {
				name := e[8 : 8+namlen]
				if namlen == 0 || bytes.IndexByte(name, '/') >= 0 || bytes.IndexByte(name, 0) >= 0 || ino >= f.sb.ncg*f.sb.ipg {
					return fmt.Errorf("ffs: directory %d: bad entry at %d: %w", n.ino, base+int64(off), errno.EIO)
				}
				if !fn(dirent{ino: ino, typ: typ, name: string(name), off: base + int64(off), reclen: int64(reclen)}) {
					return nil
				}
			}
			off += reclen
		}
	}
	return nil
}

// direntVType maps d_type (DT_*) to a vnode type.
func direntVType(t uint8) vfs.VType {
	switch t {
	case 8:
		return vfs.VREG
	case 4:
		return vfs.VDIR
	case 10:
		return vfs.VLNK
	case 2:
		return vfs.VCHR
	case 6:
		return vfs.VBLK
	case 1:
		return vfs.VFIFO
	case 12:
		return vfs.VSOCK
	}
	return vfs.VNON
}

// index builds the name-to-inode map of a directory once; the mount is
// read-only, so it never goes stale.
func (n *node) index() (map[string]int64, error) {
	n.dirOnce.Do(func() {
		m := map[string]int64{}
		n.dirErr = n.forEachEntry(0, func(d dirent) bool {
			m[d.name] = d.ino
			return true
		})
		n.dirIndex = m
	})
	return n.dirIndex, n.dirErr
}
