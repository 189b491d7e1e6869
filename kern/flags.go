package kern

// Open flags, NetBSD's values (sys/fcntl.h), so that they cross the
// sysproxy and C boundaries unchanged.
const (
	O_RDONLY    = 0x00000000
	O_WRONLY    = 0x00000001
	O_RDWR      = 0x00000002
	O_ACCMODE   = 0x00000003
	O_NONBLOCK  = 0x00000004
	O_APPEND    = 0x00000008
	O_SHLOCK    = 0x00000010
	O_EXLOCK    = 0x00000020
	O_ASYNC     = 0x00000040
	O_SYNC      = 0x00000080
	O_FSYNC     = O_SYNC
	O_NOFOLLOW  = 0x00000100
	O_CREAT     = 0x00000200
	O_TRUNC     = 0x00000400
	O_EXCL      = 0x00000800
	O_NOCTTY    = 0x00008000
	O_DSYNC     = 0x00010000
	O_RSYNC     = 0x00020000
	O_ALT_IO    = 0x00040000
	O_DIRECT    = 0x00080000
	O_DIRECTORY = 0x00200000
	O_CLOEXEC   = 0x00400000
	O_SEARCH    = 0x00800000
	O_NOSIGPIPE = 0x01000000
	O_REGULAR   = 0x02000000
)

// File flags as a File keeps them: FREAD and FWRITE in place of the
// access mode, the other O_ bits as they are (NetBSD's FFLAGS form).
const (
	FREAD  = 0x1
	FWRITE = 0x2
	// fcntlFlags are the bits F_SETFL may change.
	fcntlFlags = O_APPEND | O_ASYNC | O_SYNC | O_NONBLOCK | O_DSYNC | O_RSYNC | O_ALT_IO | O_DIRECT | O_NOSIGPIPE
	// keptFlags are the open flags a File remembers.
	keptFlags = fcntlFlags
)

// FFlags converts open flags to file flags; O_ACCMODE 3 gives no access.
func FFlags(oflags int) int {
	acc := oflags & O_ACCMODE
	f := 0
	switch acc {
	case O_RDONLY:
		f = FREAD
	case O_WRONLY:
		f = FWRITE
	case O_RDWR:
		f = FREAD | FWRITE
	}
	return f | oflags&keptFlags
}

// OFlags converts file flags back to open flags, as F_GETFL reports them.
func OFlags(fflags int) int {
	o := fflags &^ (FREAD | FWRITE)
	switch fflags & (FREAD | FWRITE) {
	case FREAD:
		o |= O_RDONLY
	case FWRITE:
		o |= O_WRONLY
	case FREAD | FWRITE:
		o |= O_RDWR
	}
	return o
}

// fcntl commands.
const (
	F_DUPFD         = 0
	F_GETFD         = 1
	F_SETFD         = 2
	F_GETFL         = 3
	F_SETFL         = 4
	F_DUPFD_CLOEXEC = 12
	F_CLOSEM        = 10
	F_MAXFD         = 11
	FD_CLOEXEC      = 1
)

// The *at calls' descriptor for the current directory and their flags,
// NetBSD's values (sys/fcntl.h).
const (
	AT_FDCWD            = -100  // as a directory descriptor: the current directory
	AT_EACCESS          = 0x100 // faccessat: check with the effective ids
	AT_SYMLINK_NOFOLLOW = 0x200 // do not follow a final symlink
	AT_SYMLINK_FOLLOW   = 0x400 // linkat: follow a symlink named as the source
	AT_REMOVEDIR        = 0x800 // unlinkat: remove a directory, as rmdir
)

// lseek whence values.
const (
	SEEK_SET = 0
	SEEK_CUR = 1
	SEEK_END = 2
)

// File type and mode bits (sys/stat.h).
const (
	S_IFMT   = 0o170000
	S_IFIFO  = 0o010000
	S_IFCHR  = 0o020000
	S_IFDIR  = 0o040000
	S_IFBLK  = 0o060000
	S_IFREG  = 0o100000
	S_IFLNK  = 0o120000
	S_IFSOCK = 0o140000
	S_IFWHT  = 0o160000
	S_ISUID  = 0o4000
	S_ISGID  = 0o2000
	S_ISVTX  = 0o1000
	// ALLPERMS is every permission bit including set-id and sticky.
	ALLPERMS = 0o7777
)

// Stat is what fstat, stat and lstat report.
type Stat struct {
	Dev       uint64
	Ino       uint64
	Mode      uint32 // type and permission bits, S_IF* | 07777
	Nlink     uint32
	UID       uint32
	GID       uint32
	Rdev      uint64
	Size      int64
	Blocks    int64 // in 512-byte units
	Blksize   uint32
	Flags     uint32
	Gen       uint32
	Atime     Timespec
	Mtime     Timespec
	Ctime     Timespec
	Birthtime Timespec
}
