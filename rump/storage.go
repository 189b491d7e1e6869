package rump

import (
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/vfs"
)

// fsync_range flags.
const (
	FDATASYNC = kern.FDATASYNC // the data, and the metadata to read it back
	FFILESYNC = kern.FFILESYNC // the data and all metadata
	FDISKSYNC = kern.FDISKSYNC // and the disk's cache
)

// pathconf(2) variables.
const (
	PC_LINK_MAX         = vfs.PC_LINK_MAX
	PC_MAX_CANON        = vfs.PC_MAX_CANON
	PC_MAX_INPUT        = vfs.PC_MAX_INPUT
	PC_NAME_MAX         = vfs.PC_NAME_MAX
	PC_PATH_MAX         = vfs.PC_PATH_MAX
	PC_PIPE_BUF         = vfs.PC_PIPE_BUF
	PC_CHOWN_RESTRICTED = vfs.PC_CHOWN_RESTRICTED
	PC_NO_TRUNC         = vfs.PC_NO_TRUNC
	PC_VDISABLE         = vfs.PC_VDISABLE
	PC_SYNC_IO          = vfs.PC_SYNC_IO
	PC_FILESIZEBITS     = vfs.PC_FILESIZEBITS
	PC_SYMLINK_MAX      = vfs.PC_SYMLINK_MAX
	PC_2_SYMLINKS       = vfs.PC_2_SYMLINKS
)

// FsyncRange syncs length bytes of fd from start (0: to the end), as
// fsync_range(2): flags hold FDATASYNC or FFILESYNC, and FDISKSYNC if
// wanted. fd must be open for writing (EBADF).
func (p *Proc) FsyncRange(fd, flags int, start, length int64) error {
	return p.l.FsyncRange(fd, flags, start, length)
}

// Fallocate is posix_fallocate(2). The file systems gorump has, as
// NetBSD's FFS and tmpfs, cannot reserve space ahead: it fails with
// EOPNOTSUPP once the arguments pass NetBSD's checks.
func (p *Proc) Fallocate(fd int, off, length int64) error {
	return p.k.vfs.Fallocate(p.l, fd, off, length)
}

// Fdiscard is fdiscard(2): as Fallocate, EOPNOTSUPP after the checks.
func (p *Proc) Fdiscard(fd int, off, length int64) error {
	return p.k.vfs.Fdiscard(p.l, fd, off, length)
}

// Pathconf returns the value of variable name (PC_*) for path, as
// pathconf(2): the file system's limits, EINVAL for a variable it has
// no value for.
func (p *Proc) Pathconf(path string, name int) (int64, error) {
	v, err := p.k.vfs.Pathconf(p.l, path, name)
	return v, pathErr("pathconf", path, err)
}

// Fpathconf is Pathconf for a descriptor; sockets and pipes answer
// PC_PIPE_BUF only.
func (p *Proc) Fpathconf(fd, name int) (int64, error) { return p.k.vfs.Fpathconf(p.l, fd, name) }
