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

// index returns the name-to-inode map of a directory, built on first
// use. Lookups (under a shared vnode lock) may build it concurrently,
// hence dirMu; changes (under an exclusive lock) keep it current.
func (n *node) index() (map[string]int64, error) {
	n.dirMu.Lock()
	defer n.dirMu.Unlock()
	if n.dirIndex != nil {
		return n.dirIndex, nil
	}
	m := map[string]int64{}
	err := n.forEachEntry(0, func(d dirent) bool {
		m[d.name] = d.ino
		return true
	})
	if err != nil {
		return nil, err
	}
	n.dirIndex = m
	return m, nil
}

// Directory changes (ufs_lookup.c's direnter, dirremove and dirrewrite).
// They run with the directory's vnode lock held exclusively.

// dirTypeOf returns the d_type for a mode.
func dirTypeOf(mode uint16) uint8 { return vfs.VTypeOf(uint32(mode)).DirentType() }

// putEntry encodes an entry into b.
func (sb *superblock) putEntry(b []byte, ino int64, reclen int, typ uint8, name string) {
	sb.bo.PutUint32(b[0:], uint32(ino))
	sb.bo.PutUint16(b[4:], uint16(reclen))
	b[6], b[7] = typ, byte(len(name))
	n := copy(b[8:], name)
	clear(b[8+n : direntLen(len(name))])
}

// chunkAt reads the directory chunk holding byte off.
func (n *node) chunkAt(off int64) (int64, []byte, error) {
	base := off &^ (dirBlockSize - 1)
	chunk := make([]byte, dirBlockSize)
	return base, chunk, n.readData(chunk, base)
}

// writeChunk writes a directory chunk back in place.
func (n *node) writeChunk(base int64, chunk []byte) error {
	addr, err := n.fs.bmap(n.ip, base>>n.fs.sb.bshift)
	if err != nil {
		return err
	}
	if addr == 0 {
		return errno.EIO
	}
	return n.fs.writeAt(chunk, addr<<n.fs.sb.fshift+base&(n.fs.sb.bsize-1))
}

// editChunk reads the directory chunk holding byte off, lets edit change
// it (given the chunk and its offset in the directory), writes it back
// and keeps the slack table current.
func (n *node) editChunk(off int64, edit func(chunk []byte, base int64) error) error {
	base, chunk, err := n.chunkAt(off)
	if err != nil {
		return err
	}
	if err := edit(chunk, base); err != nil {
		return err
	}
	if err := n.writeChunk(base, chunk); err != nil {
		return err
	}
	n.noteChunk(base, chunk)
	return nil
}

// chunkSlack returns the most space a new entry could take in a chunk:
// the slack after some entry's name, or a whole free first slot.
func (sb *superblock) chunkSlack(chunk []byte) int {
	best := 0
	for off := 0; off < dirBlockSize; {
		e := chunk[off:]
		reclen := int(sb.bo.Uint16(e[4:]))
		if reclen < 8 || off+reclen > dirBlockSize {
			return 0 // damaged: never put anything here
		}
		used := 0
		if sb.bo.Uint32(e[0:]) != 0 {
			used = direntLen(int(e[7]))
		}
		best = max(best, reclen-used)
		off += reclen
	}
	return best
}

// slack returns the per-chunk free space of the directory, built on first
// use with one scan and kept current by every change after it, so that
// finding room for a name costs a walk over small integers rather than
// over the directory (NetBSD keeps a similar hint, i_diroff).
func (n *node) slack() ([]int, error) {
	if n.dirSlack != nil {
		return n.dirSlack, nil
	}
	sl := make([]int, 0, n.ip.size/dirBlockSize)
	chunk := make([]byte, dirBlockSize)
	for base := int64(0); base < n.ip.size; base += dirBlockSize {
		if err := n.readData(chunk, base); err != nil {
			return nil, err
		}
		sl = append(sl, n.fs.sb.chunkSlack(chunk))
	}
	n.dirSlack = sl
	return sl, nil
}

// noteChunk records a chunk's new contents in the slack table.
func (n *node) noteChunk(base int64, chunk []byte) {
	if n.dirSlack == nil {
		return
	}
	i := int(base / dirBlockSize)
	for len(n.dirSlack) <= i {
		n.dirSlack = append(n.dirSlack, 0)
	}
	n.dirSlack[i] = n.fs.sb.chunkSlack(chunk)
}

// dirEnter adds name for inode ino: into the slack of an existing entry
// when one has room, else in a new chunk at the end of the directory.
func (n *node) dirEnter(name string, ino int64, typ uint8) error {
	sb := n.fs.sb
	need := direntLen(len(name))
	sl, err := n.slack()
	if err != nil {
		return err
	}
	ci := -1
	for i, free := range sl {
		if free >= need {
			ci = i
			break
		}
	}
	if ci < 0 {
		base := n.ip.size
		chunk := make([]byte, dirBlockSize)
		sb.putEntry(chunk, ino, dirBlockSize, typ, name)
		if _, err := n.writeData(chunk, base); err != nil {
			return err
		}
		n.noteChunk(base, chunk)
	} else {
		err := n.editChunk(int64(ci)*dirBlockSize, func(chunk []byte, base int64) error {
			for off := 0; off < dirBlockSize; {
				e := chunk[off:]
				reclen := int(sb.bo.Uint16(e[4:]))
				if reclen < 8 || off+reclen > dirBlockSize {
					return fmt.Errorf("ffs: directory %d: bad entry at %d: %w", n.ino, base+int64(off), errno.EIO)
				}
				switch {
				case sb.bo.Uint32(e[0:]) == 0 && reclen >= need:
					sb.putEntry(e, ino, reclen, typ, name)
					return nil
				case sb.bo.Uint32(e[0:]) != 0 && reclen-direntLen(int(e[7])) >= need:
					keep := direntLen(int(e[7]))
					sb.bo.PutUint16(e[4:], uint16(keep))
					sb.putEntry(e[keep:], ino, reclen-keep, typ, name)
					return nil
				}
				off += reclen
			}
			return fmt.Errorf("ffs: directory %d: no room where the slack table said: %w", n.ino, errno.EIO)
		})
		if err != nil {
			return err
		}
	}
	if n.dirIndex != nil {
		n.dirIndex[name] = ino
	}
	return nil
}

// forEachSlot calls fn for every slot of the directory, free ones
// included (a free slot is a chunk's first entry with inode 0), with the
// slot's name bytes, valid only during the call.
func (n *node) forEachSlot(fn func(d dirent, name []byte) bool) error {
	f, ip := n.fs, n.ip
	chunk := make([]byte, dirBlockSize)
	for base := int64(0); base < ip.size; base += dirBlockSize {
		if err := n.readData(chunk, base); err != nil {
			return err
		}
		for off := 0; off < dirBlockSize; {
			e := chunk[off:]
			reclen := int(f.sb.bo.Uint16(e[4:]))
			if reclen < 8 || reclen%4 != 0 || off+reclen > dirBlockSize || 8+int(e[7]) > reclen {
				return fmt.Errorf("ffs: directory %d: bad entry at %d: %w", n.ino, base+int64(off), errno.EIO)
			}
			d := dirent{ino: int64(f.sb.bo.Uint32(e[0:])), typ: e[6], off: base + int64(off), reclen: int64(reclen)}
			var name []byte
			if d.ino != 0 {
				name = e[8 : 8+int(e[7])]
			}
			if !fn(d, name) {
				return nil
			}
			off += reclen
		}
	}
	return nil
}

// dirRemove removes entry name: the space goes to the entry before it in
// its chunk, or, for a chunk's first entry, the slot is marked free.
func (n *node) dirRemove(name string) error {
	sb := n.fs.sb
	var prev, at int64 = -1, -1
	err := n.forEachSlot(func(d dirent, dname []byte) bool {
		if d.off%dirBlockSize == 0 {
			prev = -1
		}
		if d.ino != 0 && string(dname) == name {
			at = d.off
			return false
		}
		prev = d.off
		return true
	})
	if err != nil {
		return err
	}
	if at < 0 {
		return errno.ENOENT
	}
	err = n.editChunk(at, func(chunk []byte, base int64) error {
		e := chunk[at-base:]
		if prev < 0 {
			sb.bo.PutUint32(e[0:], 0)
		} else {
			p := chunk[prev-base:]
			sb.bo.PutUint16(p[4:], sb.bo.Uint16(p[4:])+sb.bo.Uint16(e[4:]))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n.dirIndex != nil {
		delete(n.dirIndex, name)
	}
	return nil
}

// dirRewrite points entry name at another inode, as rename over an
// existing name and a moved directory's ".." need.
func (n *node) dirRewrite(name string, ino int64, typ uint8) error {
	sb := n.fs.sb
	at := int64(-1)
	err := n.forEachEntry(0, func(d dirent) bool {
		if d.name == name {
			at = d.off
			return false
		}
		return true
	})
	if err != nil {
		return err
	}
	if at < 0 {
		return errno.ENOENT
	}
	err = n.editChunk(at, func(chunk []byte, base int64) error {
		e := chunk[at-base:]
		sb.bo.PutUint32(e[0:], uint32(ino))
		e[6] = typ
		return nil
	})
	if err != nil {
		return err
	}
	if n.dirIndex != nil {
		n.dirIndex[name] = ino
	}
	return nil
}

// dirEmpty reports whether the directory holds only "." and "..".
func (n *node) dirEmpty() (bool, error) {
	empty := true
	err := n.forEachEntry(0, func(d dirent) bool {
		if d.name != "." && d.name != ".." {
			empty = false
			return false
		}
		return true
	})
	return empty, err
}
