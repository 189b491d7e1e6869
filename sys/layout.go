package sys

import (
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/vfs"
)

// Sizes of NetBSD's structs on LP64 (netbsd-abi.md section 2).
const (
	SizeofTimespec     = 16
	SizeofTimeval      = 16
	SizeofStat         = 152
	SizeofIovec        = 16
	SizeofMsghdr       = 48
	SizeofPollfd       = 8
	SizeofLinger       = 8
	SizeofStatvfs      = 2256
	SizeofUfsArgs      = 8
	SizeofTmpfsArgs    = 40
	SizeofDirentHeader = 13 // d_fileno, d_reclen, d_namlen, d_type
)

// Offsets in struct stat (sys/stat.h, __stat50).
const (
	offStDev      = 0
	offStMode     = 8
	offStIno      = 16
	offStNlink    = 24
	offStUID      = 28
	offStGID      = 32
	offStRdev     = 40
	offStAtim     = 48
	offStMtim     = 64
	offStCtim     = 80
	offStBirthtim = 96
	offStSize     = 112
	offStBlocks   = 120
	offStBlksize  = 128
	offStFlags    = 132
	offStGen      = 136
)

// PutTimespec encodes a struct timespec into b[:16].
func (a *ABI) PutTimespec(b []byte, ts kern.Timespec) {
	a.order.PutUint64(b[0:], uint64(ts.Sec))
	a.order.PutUint64(b[8:], uint64(ts.Nsec))
}

// Timespec decodes a struct timespec from b[:16].
func (a *ABI) Timespec(b []byte) kern.Timespec {
	return kern.Timespec{Sec: int64(a.order.Uint64(b[0:])), Nsec: int64(a.order.Uint64(b[8:]))}
}

// Timeval decodes a struct timeval from b[:16] (tv_usec is a 32-bit
// suseconds_t at offset 8).
func (a *ABI) Timeval(b []byte) (sec int64, usec int32) {
	return int64(a.order.Uint64(b[0:])), int32(a.order.Uint32(b[8:]))
}

// PutTimeval encodes a struct timeval into b[:16].
func (a *ABI) PutTimeval(b []byte, sec int64, usec int32) {
	a.order.PutUint64(b[0:], uint64(sec))
	a.order.PutUint32(b[8:], uint32(usec))
	clear(b[12:16])
}

// PutStat encodes st as NetBSD's struct stat (__stat50) into
// b[:SizeofStat], padding and spare fields zeroed.
func (a *ABI) PutStat(b []byte, st *kern.Stat) {
	b = b[:SizeofStat]
	clear(b)
	o := a.order
	o.PutUint64(b[offStDev:], st.Dev)
	o.PutUint32(b[offStMode:], st.Mode)
	o.PutUint64(b[offStIno:], st.Ino)
	o.PutUint32(b[offStNlink:], st.Nlink)
	o.PutUint32(b[offStUID:], st.UID)
	o.PutUint32(b[offStGID:], st.GID)
	o.PutUint64(b[offStRdev:], st.Rdev)
	a.PutTimespec(b[offStAtim:], st.Atime)
	a.PutTimespec(b[offStMtim:], st.Mtime)
	a.PutTimespec(b[offStCtim:], st.Ctime)
	a.PutTimespec(b[offStBirthtim:], st.Birthtime)
	o.PutUint64(b[offStSize:], uint64(st.Size))
	o.PutUint64(b[offStBlocks:], uint64(st.Blocks))
	o.PutUint32(b[offStBlksize:], st.Blksize)
	o.PutUint32(b[offStFlags:], st.Flags)
	o.PutUint32(b[offStGen:], st.Gen)
}

// Offsets in struct statvfs (sys/statvfs.h).
const (
	offVfsFlag        = 0
	offVfsBsize       = 8
	offVfsFrsize      = 16
	offVfsIosize      = 24
	offVfsBlocks      = 32
	offVfsBfree       = 40
	offVfsBavail      = 48
	offVfsBresvd      = 56
	offVfsFiles       = 64
	offVfsFfree       = 72
	offVfsFavail      = 80
	offVfsFresvd      = 88
	offVfsFsidx       = 128
	offVfsFsid        = 136
	offVfsNamemax     = 144
	offVfsOwner       = 152
	offVfsFstypename  = 172
	offVfsMntonname   = 204
	offVfsMntfromname = 1228
	vfsNameLen        = 32   // _VFS_NAMELEN
	vfsMNameLen       = 1024 // _VFS_MNAMELEN
)

// PutStatvfs encodes st as NetBSD's struct statvfs into
// b[:SizeofStatvfs]. Names longer than their fields are cut to leave the
// NUL; the I/O counters, f_fsidx, f_fsid and f_owner are zero.
func (a *ABI) PutStatvfs(b []byte, st *vfs.Statvfs) {
	b = b[:SizeofStatvfs]
	clear(b)
	o := a.order
	o.PutUint64(b[offVfsFlag:], st.Flag)
	o.PutUint64(b[offVfsBsize:], st.Bsize)
	o.PutUint64(b[offVfsFrsize:], st.Frsize)
	o.PutUint64(b[offVfsIosize:], st.Iosize)
	o.PutUint64(b[offVfsBlocks:], st.Blocks)
	o.PutUint64(b[offVfsBfree:], st.Bfree)
	o.PutUint64(b[offVfsBavail:], st.Bavail)
	o.PutUint64(b[offVfsBresvd:], st.Bresvd)
	o.PutUint64(b[offVfsFiles:], st.Files)
	o.PutUint64(b[offVfsFfree:], st.Ffree)
	o.PutUint64(b[offVfsFavail:], st.Favail)
	o.PutUint64(b[offVfsFresvd:], st.Fresvd)
	o.PutUint64(b[offVfsNamemax:], st.Namemax)
	putCString(b[offVfsFstypename:offVfsFstypename+vfsNameLen], st.FSType)
	putCString(b[offVfsMntonname:offVfsMntonname+vfsMNameLen], st.OnName)
	putCString(b[offVfsMntfromname:offVfsMntfromname+vfsMNameLen], st.From)
}

// putCString copies s into field, cut to leave room for a NUL; the rest
// of field must already be zero.
func putCString(field []byte, s string) {
	copy(field[:len(field)-1], s)
}

// iovec is a struct iovec as the caller gave it.
type iovec struct {
	base uint64
	len  uint64
}

// Iovec decodes a struct iovec from b[:16].
func (a *ABI) iovec(b []byte) iovec {
	return iovec{base: a.order.Uint64(b[0:]), len: a.order.Uint64(b[8:])}
}

// Offsets in struct msghdr (sys/socket.h).
const (
	offMsgName       = 0
	offMsgNamelen    = 8
	offMsgIov        = 16
	offMsgIovlen     = 24
	offMsgControl    = 32
	offMsgControllen = 40
	offMsgFlags      = 44
)

// msghdr is a struct msghdr as the caller gave it.
type msghdr struct {
	name       uint64
	namelen    uint32
	iov        uint64
	iovlen     int32
	control    uint64
	controllen uint32
	flags      int32
}

func (a *ABI) msghdr(b []byte) msghdr {
	o := a.order
	return msghdr{
		name:       o.Uint64(b[offMsgName:]),
		namelen:    o.Uint32(b[offMsgNamelen:]),
		iov:        o.Uint64(b[offMsgIov:]),
		iovlen:     int32(o.Uint32(b[offMsgIovlen:])),
		control:    o.Uint64(b[offMsgControl:]),
		controllen: o.Uint32(b[offMsgControllen:]),
		flags:      int32(o.Uint32(b[offMsgFlags:])),
	}
}

// Offsets in struct pollfd (sys/poll.h).
const (
	offPollFd      = 0
	offPollEvents  = 4
	offPollRevents = 6
)
