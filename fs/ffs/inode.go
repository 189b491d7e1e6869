package ffs

import (
	"fmt"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// dinode is an on-disk inode, UFS1 or UFS2, in host order.
type dinode struct {
	mode      uint16
	nlink     int16
	uid, gid  uint32
	size      int64
	blocks    int64 // in 512-byte units
	atime     kern.Timespec
	mtime     kern.Timespec
	ctime     kern.Timespec
	birthtime kern.Timespec
	flags     uint32
	gen       uint32
	db        [ndaddr]int64
	ib        [niaddr]int64
	shortLink []byte // the db/ib area, for short symlinks
}

// parseInode decodes the inode in b (inodeSize bytes).
func (sb *superblock) parseInode(b []byte) *dinode {
	bo := sb.bo
	ip := &dinode{mode: bo.Uint16(b[0:]), nlink: int16(bo.Uint16(b[2:]))}
	if sb.ufs2 {
		ip.uid, ip.gid = bo.Uint32(b[4:]), bo.Uint32(b[8:])
		ip.size = int64(bo.Uint64(b[16:]))
		ip.blocks = int64(bo.Uint64(b[24:]))
		ip.atime = kern.Timespec{Sec: int64(bo.Uint64(b[32:])), Nsec: int64(int32(bo.Uint32(b[68:])))}
		ip.mtime = kern.Timespec{Sec: int64(bo.Uint64(b[40:])), Nsec: int64(int32(bo.Uint32(b[64:])))}
		ip.ctime = kern.Timespec{Sec: int64(bo.Uint64(b[48:])), Nsec: int64(int32(bo.Uint32(b[72:])))}
		ip.birthtime = kern.Timespec{Sec: int64(bo.Uint64(b[56:])), Nsec: int64(int32(bo.Uint32(b[76:])))}
		ip.gen = bo.Uint32(b[80:])
		ip.flags = bo.Uint32(b[88:])
		for i := range ndaddr {
			ip.db[i] = int64(bo.Uint64(b[112+8*i:]))
		}
		for i := range niaddr {
			ip.ib[i] = int64(bo.Uint64(b[208+8*i:]))
		}
		ip.shortLink = b[112:232]
	} else {
		ip.size = int64(bo.Uint64(b[8:]))
		ip.atime = kern.Timespec{Sec: int64(int32(bo.Uint32(b[16:]))), Nsec: int64(int32(bo.Uint32(b[20:])))}
		ip.mtime = kern.Timespec{Sec: int64(int32(bo.Uint32(b[24:]))), Nsec: int64(int32(bo.Uint32(b[28:])))}
		ip.ctime = kern.Timespec{Sec: int64(int32(bo.Uint32(b[32:]))), Nsec: int64(int32(bo.Uint32(b[36:])))}
		for i := range ndaddr {
			ip.db[i] = int64(int32(bo.Uint32(b[40+4*i:])))
		}
		for i := range niaddr {
			ip.ib[i] = int64(int32(bo.Uint32(b[88+4*i:])))
		}
		ip.flags = bo.Uint32(b[100:])
		ip.blocks = int64(int32(bo.Uint32(b[104:])))
		ip.gen = bo.Uint32(b[108:])
		ip.uid, ip.gid = bo.Uint32(b[112:]), bo.Uint32(b[116:])
		ip.shortLink = b[40:100]
	}
	ip.shortLink = append([]byte(nil), ip.shortLink...)
	return ip
}

// check rejects an inode no driver code may trust: a negative size, a
// nanosecond field out of range, or block pointers outside the file
// system.
func (sb *superblock) checkInode(ino int64, ip *dinode) error {
	bad := func(why string) error {
		return fmt.Errorf("ffs: inode %d: %s: %w", ino, why, errno.EIO)
	}
	if ip.mode == 0 {
		return nil // a free inode: nothing else matters
	}
	if ip.size < 0 || ip.size > sb.maxFileSize() {
		return bad("size")
	}
	if ip.nlink < 0 {
		return bad("link count")
	}
	for _, t := range []kern.Timespec{ip.atime, ip.mtime, ip.ctime, ip.birthtime} {
		if t.Nsec < 0 || t.Nsec >= 1e9 {
			return bad("timestamp")
		}
	}
	switch ip.mode & kern.S_IFMT {
	case kern.S_IFCHR, kern.S_IFBLK, kern.S_IFIFO, kern.S_IFSOCK:
		return nil // no blocks: a device keeps its number in db[0]
	}
	if sb.isShortSymlink(ip) {
		return nil
	}
	for _, a := range ip.db {
		if a < 0 || a >= sb.size {
			return bad("block pointer")
		}
	}
	for _, a := range ip.ib {
		if a < 0 || a >= sb.size {
			return bad("indirect pointer")
		}
	}
	return nil
}

// isShortSymlink reports whether ip keeps its target in the inode.
func (sb *superblock) isShortSymlink(ip *dinode) bool {
	return ip.mode&kern.S_IFMT == kern.S_IFLNK && ip.size < sb.maxSymlinkLen && ip.blocks == 0
}

// maxFileSize is the largest size the block tree can address.
func (sb *superblock) maxFileSize() int64 {
	blocks := int64(ndaddr)
	n := sb.nindir
	for range niaddr {
		blocks += n
		if n > (1<<62)/sb.nindir {
			break
		}
		n *= sb.nindir
	}
	if blocks > (1<<62)>>sb.bshift {
		return 1 << 62
	}
	return blocks << sb.bshift
}

// encodeInode writes ip into b (inodeSize bytes, holding the inode as it
// was, so fields the driver does not keep are preserved).
func (sb *superblock) encodeInode(ip *dinode, b []byte) {
	bo := sb.bo
	bo.PutUint16(b[0:], ip.mode)
	bo.PutUint16(b[2:], uint16(ip.nlink))
	if sb.ufs2 {
		bo.PutUint32(b[4:], ip.uid)
		bo.PutUint32(b[8:], ip.gid)
		bo.PutUint32(b[12:], uint32(sb.bsize))
		bo.PutUint64(b[16:], uint64(ip.size))
		bo.PutUint64(b[24:], uint64(ip.blocks))
		bo.PutUint64(b[32:], uint64(ip.atime.Sec))
		bo.PutUint64(b[40:], uint64(ip.mtime.Sec))
		bo.PutUint64(b[48:], uint64(ip.ctime.Sec))
		bo.PutUint64(b[56:], uint64(ip.birthtime.Sec))
		bo.PutUint32(b[64:], uint32(ip.mtime.Nsec))
		bo.PutUint32(b[68:], uint32(ip.atime.Nsec))
		bo.PutUint32(b[72:], uint32(ip.ctime.Nsec))
		bo.PutUint32(b[76:], uint32(ip.birthtime.Nsec))
		bo.PutUint32(b[80:], ip.gen)
		bo.PutUint32(b[88:], ip.flags)
		if sb.isShortSymlink(ip) {
			copy(b[112:232], ip.shortLink)
			return
		}
		for i, a := range ip.db {
			bo.PutUint64(b[112+8*i:], uint64(a))
		}
		for i, a := range ip.ib {
			bo.PutUint64(b[208+8*i:], uint64(a))
		}
		return
	}
	bo.PutUint64(b[8:], uint64(ip.size))
	bo.PutUint32(b[16:], uint32(ip.atime.Sec))
	bo.PutUint32(b[20:], uint32(ip.atime.Nsec))
	bo.PutUint32(b[24:], uint32(ip.mtime.Sec))
	bo.PutUint32(b[28:], uint32(ip.mtime.Nsec))
	bo.PutUint32(b[32:], uint32(ip.ctime.Sec))
	bo.PutUint32(b[36:], uint32(ip.ctime.Nsec))
	bo.PutUint32(b[100:], ip.flags)
	bo.PutUint32(b[104:], uint32(ip.blocks))
	bo.PutUint32(b[108:], ip.gen)
	bo.PutUint32(b[112:], ip.uid)
	bo.PutUint32(b[116:], ip.gid)
	if sb.isShortSymlink(ip) {
		copy(b[40:100], ip.shortLink)
		return
	}
	for i, a := range ip.db {
		bo.PutUint32(b[40+4*i:], uint32(a))
	}
	for i, a := range ip.ib {
		bo.PutUint32(b[88+4*i:], uint32(a))
	}
}

// atimeField returns where in an inode the access time is kept and how
// many bytes it takes, with the bytes for t.
func (sb *superblock) atimeField(t kern.Timespec) (secOff int, sec []byte, nsecOff int, nsec []byte) {
	if sb.ufs2 {
		sec, nsec = make([]byte, 8), make([]byte, 4)
		sb.bo.PutUint64(sec, uint64(t.Sec))
		sb.bo.PutUint32(nsec, uint32(t.Nsec))
		return 32, sec, 68, nsec
	}
	sec, nsec = make([]byte, 4), make([]byte, 4)
	sb.bo.PutUint32(sec, uint32(t.Sec))
	sb.bo.PutUint32(nsec, uint32(t.Nsec))
	return 16, sec, 20, nsec
}

func kernTime(sec int64) kern.Timespec { return kern.Timespec{Sec: sec} }
