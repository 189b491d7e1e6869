package tmpfs

import (
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/vfs"
)

// Pathconf implements vfs.Pathconfer with NetBSD's tmpfs_pathconf
// answers; it has none for _PC_SYMLINK_MAX and _PC_2_SYMLINKS (EINVAL).
func (f *fs) Pathconf(name int) (int64, error) {
	switch name {
	case vfs.PC_LINK_MAX:
		return vfs.LINK_MAX, nil
	case vfs.PC_NAME_MAX:
		return vfs.NAME_MAX, nil // TMPFS_MAXNAMLEN
	case vfs.PC_PATH_MAX:
		return vfs.PathMax, nil
	case vfs.PC_PIPE_BUF:
		return vfs.PIPE_BUF, nil
	case vfs.PC_CHOWN_RESTRICTED, vfs.PC_NO_TRUNC, vfs.PC_SYNC_IO:
		return 1, nil
	case vfs.PC_FILESIZEBITS:
		return 64, nil // sizeof(off_t) * CHAR_BIT
	}
	return 0, errno.EINVAL
}
