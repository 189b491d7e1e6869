package rump

import (
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/vfs"
)

// Open flags, NetBSD's values.
const (
	O_RDONLY    = kern.O_RDONLY
	O_WRONLY    = kern.O_WRONLY
	O_RDWR      = kern.O_RDWR
	O_ACCMODE   = kern.O_ACCMODE
	O_NONBLOCK  = kern.O_NONBLOCK
	O_APPEND    = kern.O_APPEND
	O_SYNC      = kern.O_SYNC
	O_DSYNC     = kern.O_DSYNC
	O_NOFOLLOW  = kern.O_NOFOLLOW
	O_CREAT     = kern.O_CREAT
	O_TRUNC     = kern.O_TRUNC
	O_EXCL      = kern.O_EXCL
	O_DIRECTORY = kern.O_DIRECTORY
	O_CLOEXEC   = kern.O_CLOEXEC
	O_REGULAR   = kern.O_REGULAR
)

// fcntl commands and flags.
const (
	F_DUPFD         = kern.F_DUPFD
	F_GETFD         = kern.F_GETFD
	F_SETFD         = kern.F_SETFD
	F_GETFL         = kern.F_GETFL
	F_SETFL         = kern.F_SETFL
	F_DUPFD_CLOEXEC = kern.F_DUPFD_CLOEXEC
	F_CLOSEM        = kern.F_CLOSEM
	F_MAXFD         = kern.F_MAXFD
	FD_CLOEXEC      = kern.FD_CLOEXEC
)

// lseek whence values.
const (
	SEEK_SET = kern.SEEK_SET
	SEEK_CUR = kern.SEEK_CUR
	SEEK_END = kern.SEEK_END
)

// File type and mode bits.
const (
	S_IFMT   = kern.S_IFMT
	S_IFIFO  = kern.S_IFIFO
	S_IFCHR  = kern.S_IFCHR
	S_IFDIR  = kern.S_IFDIR
	S_IFBLK  = kern.S_IFBLK
	S_IFREG  = kern.S_IFREG
	S_IFLNK  = kern.S_IFLNK
	S_IFSOCK = kern.S_IFSOCK
	S_ISUID  = kern.S_ISUID
	S_ISGID  = kern.S_ISGID
	S_ISVTX  = kern.S_ISVTX
)

// access(2) modes.
const (
	F_OK = 0
	X_OK = 1
	W_OK = 2
	R_OK = 4
)

// Utimens special values.
const (
	UTIME_NOW  = vfs.UTIME_NOW
	UTIME_OMIT = vfs.UTIME_OMIT
)

// NoChange as a uid or gid leaves it as it is (chown's -1).
const NoChange = vfs.NoChange

// Mount flags.
const (
	MNT_RDONLY = vfs.MNT_RDONLY
	MNT_FORCE  = vfs.MNT_FORCE
)

// Stat is what stat, lstat and fstat report.
type Stat = kern.Stat

// Timespec is a time with nanoseconds.
type Timespec = kern.Timespec

// Statvfs describes a mounted file system.
type Statvfs = vfs.Statvfs

// Dirent is a directory entry.
type Dirent = vfs.Dirent

// ForkFlags say what a new process shares with its parent.
type ForkFlags = kern.ForkFlags

// Descriptor table handling for Fork, NetBSD's RUMP_RF* values.
const (
	ForkShareFD = kern.ForkShareFD
	ForkCopyFD  = kern.ForkCopyFD
	ForkClearFD = kern.ForkClearFD
)
