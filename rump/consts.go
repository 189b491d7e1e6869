package rump

import (
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/net/socket"
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

// The *at methods' directory descriptor for the current directory, and
// their flags.
const (
	AT_FDCWD            = kern.AT_FDCWD
	AT_EACCESS          = kern.AT_EACCESS
	AT_SYMLINK_NOFOLLOW = kern.AT_SYMLINK_NOFOLLOW
	AT_SYMLINK_FOLLOW   = kern.AT_SYMLINK_FOLLOW
	AT_REMOVEDIR        = kern.AT_REMOVEDIR
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

// Socket families, types, levels and flags, NetBSD's values.
const (
	AF_INET        = socket.AF_INET
	SOCK_STREAM    = socket.SOCK_STREAM
	SOCK_DGRAM     = socket.SOCK_DGRAM
	SOCK_NONBLOCK  = socket.SOCK_NONBLOCK
	SOCK_CLOEXEC   = socket.SOCK_CLOEXEC
	SOCK_NOSIGPIPE = socket.SOCK_NOSIGPIPE
	SOL_SOCKET     = socket.SOL_SOCKET
	IPPROTO_IP     = socket.IPPROTO_IP
	IPPROTO_TCP    = socket.IPPROTO_TCP
	IPPROTO_UDP    = socket.IPPROTO_UDP
	SHUT_RD        = socket.SHUT_RD
	SHUT_WR        = socket.SHUT_WR
	SHUT_RDWR      = socket.SHUT_RDWR
	SOMAXCONN      = socket.SOMAXCONN
)

// Socket options.
const (
	SO_ACCEPTCONN = socket.SO_ACCEPTCONN
	SO_REUSEADDR  = socket.SO_REUSEADDR
	SO_KEEPALIVE  = socket.SO_KEEPALIVE
	SO_BROADCAST  = socket.SO_BROADCAST
	SO_LINGER     = socket.SO_LINGER
	SO_REUSEPORT  = socket.SO_REUSEPORT
	SO_NOSIGPIPE  = socket.SO_NOSIGPIPE
	SO_SNDBUF     = socket.SO_SNDBUF
	SO_RCVBUF     = socket.SO_RCVBUF
	SO_ERROR      = socket.SO_ERROR
	SO_TYPE       = socket.SO_TYPE
	SO_SNDTIMEO   = socket.SO_SNDTIMEO
	SO_RCVTIMEO   = socket.SO_RCVTIMEO
	IP_TOS        = socket.IP_TOS
	IP_TTL        = socket.IP_TTL
	TCP_NODELAY   = socket.TCP_NODELAY
	TCP_MAXSEG    = socket.TCP_MAXSEG
)

// Message flags.
const (
	MSG_OOB      = socket.MSG_OOB
	MSG_PEEK     = socket.MSG_PEEK
	MSG_TRUNC    = socket.MSG_TRUNC
	MSG_WAITALL  = socket.MSG_WAITALL
	MSG_DONTWAIT = socket.MSG_DONTWAIT
	MSG_NOSIGNAL = socket.MSG_NOSIGNAL
)

// Poll events.
const (
	POLLIN     = kern.POLLIN
	POLLPRI    = kern.POLLPRI
	POLLOUT    = kern.POLLOUT
	POLLERR    = kern.POLLERR
	POLLHUP    = kern.POLLHUP
	POLLNVAL   = kern.POLLNVAL
	POLLRDNORM = kern.POLLRDNORM
	POLLWRNORM = kern.POLLWRNORM
)
