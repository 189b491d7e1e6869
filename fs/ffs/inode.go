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
