package sys

import (
	"strconv"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/vfs"
)

// Mount flags that __mount50 looks at (sys/fstypes.h).
const (
	MNT_RDONLY      = 0x00000001
	MNT_UPDATE      = 0x00010000
	MNT_RELOAD      = 0x00040000
	MNT_FORCE       = 0x00080000
	MNT_GETARGS     = 0x00400000
	MNT_IGNORE      = 0x00100000
	MNT_BASIC_FLAGS = 0xe782807f
)

// MFSNAMELEN is the longest file-system type name, NUL included
// (sys/mount.h).
const MFSNAMELEN = 32

// TMPFS_ARGS_VERSION is the struct tmpfs_args version NetBSD's tmpfs
// takes.
const TMPFS_ARGS_VERSION = 1

// Offsets in struct tmpfs_args (fs/tmpfs/tmpfs_args.h).
const (
	offTmpfsVersion  = 0
	offTmpfsNodesMax = 8
	offTmpfsSizeMax  = 16
	offTmpfsRootUID  = 24
	offTmpfsRootGID  = 28
	offTmpfsRootMode = 32
)

// __mount50: type, path, flags, data, data_len. data is the file
// system's argument struct: struct tmpfs_args for "tmpfs", and for the
// disk file systems (ffs, ext2fs, msdos, cd9660) a struct whose first
// member is fspec, the device path (struct ufs_args and its relatives).
// New mounts only: MNT_UPDATE, MNT_RELOAD and MNT_GETARGS give
// EOPNOTSUPP.
func sysMount(c *call) (int64, error) {
	v, err := c.vfs()
	if err != nil {
		return 0, err
	}
	fstype, err := copyInStr(c.as, c.ptr(0), MFSNAMELEN)
	if err != nil {
		return 0, err
	}
	target, err := c.path(1)
	if err != nil {
		return 0, err
	}
	flags := c.int(2)
	if flags&(MNT_UPDATE|MNT_RELOAD|MNT_GETARGS) != 0 {
		return 0, errno.EOPNOTSUPP
	}
	data, dlen := c.ptr(3), c.ptr(4)
	var source string
	var opts map[string]string
	switch fstype {
	case "tmpfs":
		if opts, err = c.tmpfsArgs(data, dlen); err != nil {
			return 0, err
		}
		source = "tmpfs"
	case "ffs", "ext2fs", "msdos", "cd9660":
		if data == 0 || dlen < SizeofUfsArgs {
			return 0, errno.EINVAL
		}
		var b [SizeofUfsArgs]byte
		if err := copyIn(c.as, data, b[:]); err != nil {
			return 0, err
		}
		if source, err = copyInPath(c.as, c.abi.order.Uint64(b[:])); err != nil {
			return 0, err
		}
	}
	keep := int(uint32(flags) & (MNT_BASIC_FLAGS | MNT_FORCE | MNT_IGNORE))
	return 0, v.Mount(c.l, fstype, source, target, keep, opts)
}

// tmpfsArgs decodes struct tmpfs_args into tmpfs's driver options; zero
// sizes mean no bound, as in NetBSD.
func (c *call) tmpfsArgs(data, dlen uint64) (map[string]string, error) {
	if data == 0 || dlen < SizeofTmpfsArgs {
		return nil, errno.EINVAL
	}
	var b [SizeofTmpfsArgs]byte
	if err := copyIn(c.as, data, b[:]); err != nil {
		return nil, err
	}
	o := c.abi.order
	if int32(o.Uint32(b[offTmpfsVersion:])) != TMPFS_ARGS_VERSION {
		return nil, errno.EINVAL
	}
	opts := map[string]string{
		"uid":  strconv.FormatUint(uint64(o.Uint32(b[offTmpfsRootUID:])), 10),
		"gid":  strconv.FormatUint(uint64(o.Uint32(b[offTmpfsRootGID:])), 10),
		"mode": strconv.FormatUint(uint64(o.Uint32(b[offTmpfsRootMode:])&0o7777), 8),
	}
	nodes := o.Uint64(b[offTmpfsNodesMax:])
	if nodes > 1<<62 {
		return nil, errno.EINVAL
	}
	if nodes > 0 {
		opts["inodes"] = strconv.FormatUint(nodes, 10)
	}
	size := int64(o.Uint64(b[offTmpfsSizeMax:]))
	if size < 0 {
		return nil, errno.EINVAL
	}
	if size > 0 {
		opts["size"] = strconv.FormatInt(size, 10)
	}
	return opts, nil
}

var sysUnmount = pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
	return 0, v.Unmount(c.l, p, c.int(1)&MNT_FORCE)
})

func (c *call) putStatvfs(addr uint64, st *vfs.Statvfs) error {
	b := make([]byte, SizeofStatvfs)
	c.abi.PutStatvfs(b, st)
	return copyOut(c.as, addr, b)
}

// statvfs1: path, buf, flags (MNT_WAIT, MNT_NOWAIT: gorump's counts are
// always current).
var sysStatvfs1 = pathCall(func(c *call, v *vfs.VFS, p string) (int64, error) {
	st, err := v.Statvfs(c.l, p)
	if err != nil {
		return 0, err
	}
	return 0, c.putStatvfs(c.ptr(1), &st)
})

var sysFstatvfs1 = fdCall(func(c *call, v *vfs.VFS, fd int) (int64, error) {
	st, err := v.Fstatvfs(c.l, fd)
	if err != nil {
		return 0, err
	}
	return 0, c.putStatvfs(c.ptr(1), &st)
})

// getvfsstat: buf, bufsize, flags. A NULL buf asks for the number of
// mounts; otherwise it fills as many structs as bufsize holds and
// returns how many.
func sysGetvfsstat(c *call) (int64, error) {
	v, err := c.vfs()
	if err != nil {
		return 0, err
	}
	mounts := v.Mounts()
	addr := c.ptr(0)
	if addr == 0 {
		return int64(len(mounts)), nil
	}
	n := min(c.ptr(1)/SizeofStatvfs, uint64(len(mounts)))
	b := make([]byte, SizeofStatvfs)
	for i := range n {
		c.abi.PutStatvfs(b, &mounts[i])
		if err := copyOut(c.as, addr+i*SizeofStatvfs, b); err != nil {
			return 0, err
		}
	}
	return int64(n), nil
}
