package ffs

import (
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/vfs"
)

// Pathconf implements vfs.Pathconfer with NetBSD's ufs_pathconf
// answers, FFS_MAXNAMLEN for _PC_NAME_MAX and 42 file-size bits for
// both UFS1 and UFS2, as ufs_pathconf gives.
func (f *fsys) Pathconf(name int) (int64, error) {
	switch name {
	case vfs.PC_LINK_MAX:
		return vfs.LINK_MAX, nil
	case vfs.PC_NAME_MAX:
		return vfs.NAME_MAX, nil // FFS_MAXNAMLEN
	case vfs.PC_PATH_MAX, vfs.PC_SYMLINK_MAX:
		return vfs.PathMax, nil
	case vfs.PC_PIPE_BUF:
		return vfs.PIPE_BUF, nil
	case vfs.PC_CHOWN_RESTRICTED, vfs.PC_NO_TRUNC, vfs.PC_SYNC_IO, vfs.PC_2_SYMLINKS:
		return 1, nil
	case vfs.PC_FILESIZEBITS:
		return 42, nil
	}
	return 0, errno.EINVAL
}
