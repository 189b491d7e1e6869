package gen

import (
	"bytes"
	"fmt"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
	"github.com/gorump/gorump/sys"
	"github.com/gorump/gorump/vfs"
)

// def is one #define of rumpdefs.h: a number or, when str is set, a
// string.
type def struct {
	name string
	val  int64
	str  string
	hex  bool
}

func n(name string, v int64) def            { return def{name: name, val: v} }
func x(name string, v int64) def            { return def{name: name, val: v, hex: true} }
func s(name, v string) def                  { return def{name: name, str: v} }
func group(title string, d ...def) defGroup { return defGroup{title, d} }

type defGroup struct {
	title string
	defs  []def
}

// defGroups are the constants of rumpdefs.h, taken from the Go packages
// that implement them, so the header cannot disagree with the kernel.
// Values gorump does not define in Go (DT_*, mount names) are
// NetBSD's, from netbsd-abi.md.
func defGroups() []defGroup {
	var errnos []def
	for e := errno.Errno(1); e <= errno.ELAST; e++ {
		errnos = append(errnos, n(e.Name(), int64(e)))
	}
	errnos = append(errnos, n("EWOULDBLOCK", int64(errno.EWOULDBLOCK)))
	return []defGroup{
		group("open(2) flags (sys/fcntl.h)",
			x("O_RDONLY", kern.O_RDONLY), x("O_WRONLY", kern.O_WRONLY), x("O_RDWR", kern.O_RDWR),
			x("O_ACCMODE", kern.O_ACCMODE), x("O_NONBLOCK", kern.O_NONBLOCK), x("O_APPEND", kern.O_APPEND),
			x("O_SHLOCK", kern.O_SHLOCK), x("O_EXLOCK", kern.O_EXLOCK), x("O_ASYNC", kern.O_ASYNC),
			x("O_SYNC", kern.O_SYNC), x("O_NOFOLLOW", kern.O_NOFOLLOW), x("O_CREAT", kern.O_CREAT),
			x("O_TRUNC", kern.O_TRUNC), x("O_EXCL", kern.O_EXCL), x("O_NOCTTY", kern.O_NOCTTY),
			x("O_DSYNC", kern.O_DSYNC), x("O_RSYNC", kern.O_RSYNC), x("O_ALT_IO", kern.O_ALT_IO),
			x("O_DIRECT", kern.O_DIRECT), x("O_DIRECTORY", kern.O_DIRECTORY), x("O_CLOEXEC", kern.O_CLOEXEC),
			x("O_SEARCH", kern.O_SEARCH), x("O_NOSIGPIPE", kern.O_NOSIGPIPE), x("O_REGULAR", kern.O_REGULAR)),
		group("fcntl(2) (sys/fcntl.h)",
			n("F_DUPFD", kern.F_DUPFD), n("F_GETFD", kern.F_GETFD), n("F_SETFD", kern.F_SETFD),
			n("F_GETFL", kern.F_GETFL), n("F_SETFL", kern.F_SETFL), n("F_CLOSEM", kern.F_CLOSEM),
			n("F_MAXFD", kern.F_MAXFD), n("F_DUPFD_CLOEXEC", kern.F_DUPFD_CLOEXEC), n("FD_CLOEXEC", kern.FD_CLOEXEC)),
		group("*at() flags (sys/fcntl.h)",
			n("AT_FDCWD", sys.AT_FDCWD), x("AT_EACCESS", sys.AT_EACCESS), x("AT_SYMLINK_NOFOLLOW", sys.AT_SYMLINK_NOFOLLOW),
			x("AT_SYMLINK_FOLLOW", kern.AT_SYMLINK_FOLLOW), x("AT_REMOVEDIR", sys.AT_REMOVEDIR)),
		group("lseek(2) and access(2) (sys/unistd.h)",
			n("SEEK_SET", kern.SEEK_SET), n("SEEK_CUR", kern.SEEK_CUR), n("SEEK_END", kern.SEEK_END),
			n("F_OK", 0), n("X_OK", 1), n("W_OK", 2), n("R_OK", 4)),
		group("File types and modes (sys/stat.h)",
			x("S_IFMT", kern.S_IFMT), x("S_IFIFO", kern.S_IFIFO), x("S_IFCHR", kern.S_IFCHR),
			x("S_IFDIR", kern.S_IFDIR), x("S_IFBLK", kern.S_IFBLK), x("S_IFREG", kern.S_IFREG),
			x("S_IFLNK", kern.S_IFLNK), x("S_IFSOCK", kern.S_IFSOCK), x("S_IFWHT", kern.S_IFWHT),
			x("S_ISUID", kern.S_ISUID), x("S_ISGID", kern.S_ISGID), x("S_ISVTX", kern.S_ISVTX),
			n("UTIME_NOW", vfs.UTIME_NOW), n("UTIME_OMIT", vfs.UTIME_OMIT)),
		group("Directory entry types (sys/dirent.h)",
			n("DT_UNKNOWN", 0), n("DT_FIFO", int64(vfs.VFIFO.DirentType())), n("DT_CHR", int64(vfs.VCHR.DirentType())),
			n("DT_DIR", int64(vfs.VDIR.DirentType())), n("DT_BLK", int64(vfs.VBLK.DirentType())),
			n("DT_REG", int64(vfs.VREG.DirentType())), n("DT_LNK", int64(vfs.VLNK.DirentType())),
			n("DT_SOCK", int64(vfs.VSOCK.DirentType())), n("DT_WHT", 14), n("MAXNAMLEN", 511)),
		group("Mount flags (sys/fstypes.h) and file-system names (sys/mount.h)",
			x("MNT_RDONLY", vfs.MNT_RDONLY), x("MNT_SYNCHRONOUS", vfs.MNT_SYNCHRONOUS), x("MNT_NOEXEC", vfs.MNT_NOEXEC),
			x("MNT_NOSUID", vfs.MNT_NOSUID), x("MNT_NODEV", vfs.MNT_NODEV), x("MNT_ASYNC", vfs.MNT_ASYNC),
			x("MNT_UPDATE", sys.MNT_UPDATE), x("MNT_RELOAD", sys.MNT_RELOAD), x("MNT_FORCE", sys.MNT_FORCE),
			x("MNT_GETARGS", sys.MNT_GETARGS), n("MNT_WAIT", 1), n("MNT_NOWAIT", 2),
			s("MOUNT_FFS", "ffs"), s("MOUNT_TMPFS", "tmpfs"), s("MOUNT_EXT2FS", "ext2fs"),
			s("MOUNT_MSDOS", "msdos"), s("MOUNT_CD9660", "cd9660"),
			n("TMPFS_ARGS_VERSION", sys.TMPFS_ARGS_VERSION)),
		group("Clocks and resource limits (time.h, sys/resource.h)",
			n("CLOCK_REALTIME", sys.CLOCK_REALTIME), n("CLOCK_MONOTONIC", sys.CLOCK_MONOTONIC),
			x("TIMER_ABSTIME", sys.TIMER_ABSTIME), n("RLIMIT_NOFILE", sys.RLIMIT_NOFILE)),
		group("fsync_range(2) flags and pathconf(2) names (sys/unistd.h), pipes and select (sys/syslimits.h, sys/fd_set.h)",
			x("FDATASYNC", kern.FDATASYNC), x("FFILESYNC", kern.FFILESYNC), x("FDISKSYNC", kern.FDISKSYNC),
			n("_PC_LINK_MAX", vfs.PC_LINK_MAX), n("_PC_MAX_CANON", vfs.PC_MAX_CANON),
			n("_PC_MAX_INPUT", vfs.PC_MAX_INPUT), n("_PC_NAME_MAX", vfs.PC_NAME_MAX),
			n("_PC_PATH_MAX", vfs.PC_PATH_MAX), n("_PC_PIPE_BUF", vfs.PC_PIPE_BUF),
			n("_PC_CHOWN_RESTRICTED", vfs.PC_CHOWN_RESTRICTED), n("_PC_NO_TRUNC", vfs.PC_NO_TRUNC),
			n("_PC_VDISABLE", vfs.PC_VDISABLE), n("_PC_SYNC_IO", vfs.PC_SYNC_IO),
			n("_PC_FILESIZEBITS", vfs.PC_FILESIZEBITS), n("_PC_SYMLINK_MAX", vfs.PC_SYMLINK_MAX),
			n("_PC_2_SYMLINKS", vfs.PC_2_SYMLINKS),
			n("PIPE_BUF", kern.PIPE_BUF), n("FD_SETSIZE", sys.FD_SETSIZE), n("NFDBITS", kern.NFDBITS)),
		group("Address families, socket types and levels (sys/socket.h, netinet/in.h)",
			n("AF_UNSPEC", 0), n("AF_INET", socket.AF_INET), n("AF_INET6", socket.AF_INET6),
			n("PF_UNSPEC", 0), n("PF_INET", socket.AF_INET), n("PF_INET6", socket.AF_INET6),
			n("SOCK_STREAM", socket.SOCK_STREAM), n("SOCK_DGRAM", socket.SOCK_DGRAM), n("SOCK_RAW", socket.SOCK_RAW),
			x("SOCK_CLOEXEC", socket.SOCK_CLOEXEC), x("SOCK_NONBLOCK", socket.SOCK_NONBLOCK),
			x("SOCK_NOSIGPIPE", socket.SOCK_NOSIGPIPE), x("SOL_SOCKET", socket.SOL_SOCKET),
			n("IPPROTO_IP", socket.IPPROTO_IP), n("IPPROTO_TCP", socket.IPPROTO_TCP), n("IPPROTO_UDP", socket.IPPROTO_UDP),
			x("INADDR_ANY", 0), x("INADDR_LOOPBACK", 0x7f000001),
			n("SHUT_RD", socket.SHUT_RD), n("SHUT_WR", socket.SHUT_WR), n("SHUT_RDWR", socket.SHUT_RDWR),
			n("SOMAXCONN", socket.SOMAXCONN)),
		group("Socket options (sys/socket.h, netinet/in.h, netinet/tcp.h)",
			x("SO_ACCEPTCONN", socket.SO_ACCEPTCONN), x("SO_REUSEADDR", socket.SO_REUSEADDR),
			x("SO_KEEPALIVE", socket.SO_KEEPALIVE), x("SO_BROADCAST", socket.SO_BROADCAST),
			x("SO_LINGER", socket.SO_LINGER), x("SO_REUSEPORT", socket.SO_REUSEPORT),
			x("SO_NOSIGPIPE", socket.SO_NOSIGPIPE), x("SO_SNDBUF", socket.SO_SNDBUF), x("SO_RCVBUF", socket.SO_RCVBUF),
			x("SO_SNDTIMEO", socket.SO_SNDTIMEO), x("SO_RCVTIMEO", socket.SO_RCVTIMEO),
			x("SO_ERROR", socket.SO_ERROR), x("SO_TYPE", socket.SO_TYPE),
			n("IP_TOS", socket.IP_TOS), n("IP_TTL", socket.IP_TTL),
			n("TCP_NODELAY", socket.TCP_NODELAY), n("TCP_MAXSEG", socket.TCP_MAXSEG)),
		group("Message flags (sys/socket.h)",
			x("MSG_OOB", socket.MSG_OOB), x("MSG_PEEK", socket.MSG_PEEK), x("MSG_DONTROUTE", socket.MSG_DONTROUTE),
			x("MSG_EOR", socket.MSG_EOR), x("MSG_TRUNC", socket.MSG_TRUNC), x("MSG_CTRUNC", socket.MSG_CTRUNC),
			x("MSG_WAITALL", socket.MSG_WAITALL), x("MSG_DONTWAIT", socket.MSG_DONTWAIT),
			x("MSG_NOSIGNAL", socket.MSG_NOSIGNAL), x("MSG_WAITFORONE", sys.MSG_WAITFORONE)),
		group("poll(2) (sys/poll.h) and ioctls (sys/filio.h)",
			x("POLLIN", socket.POLLIN), x("POLLPRI", socket.POLLPRI), x("POLLOUT", socket.POLLOUT),
			x("POLLERR", socket.POLLERR), x("POLLHUP", socket.POLLHUP), x("POLLNVAL", socket.POLLNVAL),
			x("POLLRDNORM", socket.POLLRDNORM), x("POLLWRNORM", socket.POLLWRNORM),
			x("POLLRDBAND", socket.POLLRDBAND), x("POLLWRBAND", socket.POLLWRBAND),
			x("FIONBIO", socket.FIONBIO), x("FIONREAD", socket.FIONREAD)),
		group("rump_pub_lwproc_rfork flags (rump.h)",
			x("RFFDG", int64(kern.ForkCopyFD)), x("RFCFDG", int64(kern.ForkClearFD)),
			x("RFFD_SHARE", int64(kern.ForkShareFD)), x("RFFD_COPY", int64(kern.ForkCopyFD)),
			x("RFFD_CLEAR", int64(kern.ForkClearFD))),
		group("reboot(2) and boot flags (sys/reboot.h)",
			x("RB_AUTOBOOT", 0), x("RB_ASKNAME", 0x1), x("RB_SINGLE", 0x2), x("RB_NOSYNC", int64(kern.RBNoSync)),
			x("RB_HALT", int64(kern.RBHalt)), x("RB_INITNAME", 0x10), x("RB_KDB", 0x40), x("RB_RDONLY", 0x80),
			x("RB_DUMP", int64(kern.RBDump)), x("RB_MINIROOT", 0x200), x("RB_STRING", 0x400), x("RB_POWERDOWN", 0x808),
			x("RB_USERCONF", 0x1000),
			x("AB_NORMAL", 0), x("AB_QUIET", 0x10000), x("AB_VERBOSE", 0x20000), x("AB_SILENT", 0x40000),
			x("AB_DEBUG", 0x80000)),
		group("errno (sys/errno.h)", errnos...),
	}
}

// rumpdefs renders include/rump/rumpdefs.h.
func rumpdefs() []byte {
	var b bytes.Buffer
	b.WriteString(generated)
	b.WriteString(`/*
 * NetBSD's constants and structs under RUMP_ and rump_ names, as
 * NetBSD's rump/rumpdefs.h gives them, so that a program on any host
 * speaks the rump kernel's numbering and layouts without the host's
 * own headers getting in the way. Error numbers are NetBSD's: a failed
 * rump_sys_ call leaves one of RUMP_E* in errno.
 */
#ifndef _RUMP_RUMPDEFS_H_
#define _RUMP_RUMPDEFS_H_

#include <stdint.h>
#include <stddef.h>

/* __NetBSD_Version__ of the kernel's ABI, as rump_getversion() returns it. */
`)
	fmt.Fprintf(&b, "#define RUMP_NETBSD_VERSION %d\n", kern.OSRevision)
	for _, g := range defGroups() {
		fmt.Fprintf(&b, "\n/* %s */\n", g.title)
		for _, d := range g.defs {
			switch {
			case d.str != "":
				fmt.Fprintf(&b, "#define RUMP_%s %q\n", d.name, d.str)
			case d.hex:
				fmt.Fprintf(&b, "#define RUMP_%s 0x%x\n", d.name, d.val)
			case d.val < 0:
				fmt.Fprintf(&b, "#define RUMP_%s (%d)\n", d.name, d.val)
			default:
				fmt.Fprintf(&b, "#define RUMP_%s %d\n", d.name, d.val)
			}
		}
	}
	b.WriteString(structs)
	fmt.Fprintf(&b, `
/* The layouts above are NetBSD's LP64 ones (package sys). */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && defined(__LP64__)
_Static_assert(sizeof(struct rump_timespec) == %d, "struct rump_timespec");
_Static_assert(sizeof(struct rump_timeval) == %d, "struct rump_timeval");
_Static_assert(sizeof(struct rump_stat) == %d, "struct rump_stat");
_Static_assert(sizeof(struct rump_iovec) == %d, "struct rump_iovec");
_Static_assert(sizeof(struct rump_msghdr) == %d, "struct rump_msghdr");
_Static_assert(sizeof(struct rump_mmsghdr) == %d, "struct rump_mmsghdr");
_Static_assert(sizeof(rump_fd_set) == %d, "rump_fd_set");
_Static_assert(sizeof(struct rump_pollfd) == %d, "struct rump_pollfd");
_Static_assert(sizeof(struct rump_linger) == %d, "struct rump_linger");
_Static_assert(sizeof(struct rump_statvfs) == %d, "struct rump_statvfs");
_Static_assert(sizeof(struct rump_ufs_args) == %d, "struct rump_ufs_args");
_Static_assert(sizeof(struct rump_tmpfs_args) == %d, "struct rump_tmpfs_args");
_Static_assert(offsetof(struct rump_dirent, d_name) == %d, "struct rump_dirent");
_Static_assert(sizeof(struct rump_sockaddr_in) == %d, "struct rump_sockaddr_in");
#endif

#endif /* _RUMP_RUMPDEFS_H_ */
`, sys.SizeofTimespec, sys.SizeofTimeval, sys.SizeofStat, sys.SizeofIovec, sys.SizeofMsghdr,
		sys.SizeofMmsghdr, sys.FD_SETSIZE/8,
		sys.SizeofPollfd, sys.SizeofLinger, sys.SizeofStatvfs, sys.SizeofUfsArgs, sys.SizeofTmpfsArgs,
		sys.SizeofDirentHeader, socket.SizeofSockaddrIn)
	return b.Bytes()
}

// structs are NetBSD's LP64 layouts (netbsd-abi.md section 2) under
// rump_ names; rumpdefs checks their sizes against package sys.
const structs = `
/* NetBSD's structs, LP64 layouts. */
struct rump_timespec {
	int64_t tv_sec;
	long tv_nsec;
};

struct rump_timeval {
	int64_t tv_sec;
	int32_t tv_usec;
};

struct rump_itimerval {
	struct rump_timeval it_interval;
	struct rump_timeval it_value;
};

struct rump_stat {
	uint64_t st_dev;
	uint32_t st_mode;
	uint64_t st_ino;
	uint32_t st_nlink;
	uint32_t st_uid;
	uint32_t st_gid;
	uint64_t st_rdev;
	struct rump_timespec st_atim;
	struct rump_timespec st_mtim;
	struct rump_timespec st_ctim;
	struct rump_timespec st_birthtim;
	int64_t st_size;
	int64_t st_blocks;
	int32_t st_blksize;
	uint32_t st_flags;
	uint32_t st_gen;
	uint32_t st_spare[2];
};

#define RUMP_S_ISDIR(m) (((m) & RUMP_S_IFMT) == RUMP_S_IFDIR)
#define RUMP_S_ISREG(m) (((m) & RUMP_S_IFMT) == RUMP_S_IFREG)
#define RUMP_S_ISLNK(m) (((m) & RUMP_S_IFMT) == RUMP_S_IFLNK)

/* A getdents record: d_reclen bytes, d_name NUL-terminated. */
struct rump_dirent {
	uint64_t d_fileno;
	uint16_t d_reclen;
	uint16_t d_namlen;
	uint8_t d_type;
	char d_name[RUMP_MAXNAMLEN + 1];
};

struct rump_iovec {
	void *iov_base;
	size_t iov_len;
};

struct rump_msghdr {
	void *msg_name;
	uint32_t msg_namelen;
	struct rump_iovec *msg_iov;
	int msg_iovlen;
	void *msg_control;
	uint32_t msg_controllen;
	int msg_flags;
};

/* sendmmsg(2) and recvmmsg(2): a message and the bytes it moved. */
struct rump_mmsghdr {
	struct rump_msghdr msg_hdr;
	unsigned int msg_len;
};

struct rump_pollfd {
	int fd;
	short events;
	short revents;
};

struct rump_linger {
	int l_onoff;
	int l_linger;
};

struct rump_rlimit {
	uint64_t rlim_cur;
	uint64_t rlim_max;
};

struct rump_sockaddr {
	uint8_t sa_len;
	uint8_t sa_family;
	char sa_data[14];
};

struct rump_in_addr {
	uint32_t s_addr; /* network byte order */
} __attribute__((__packed__));

struct rump_sockaddr_in {
	uint8_t sin_len; /* sizeof(struct rump_sockaddr_in) */
	uint8_t sin_family;
	uint16_t sin_port; /* network byte order */
	struct rump_in_addr sin_addr;
	int8_t sin_zero[8];
};

struct rump_statvfs {
	unsigned long f_flag;
	unsigned long f_bsize;
	unsigned long f_frsize;
	unsigned long f_iosize;
	uint64_t f_blocks;
	uint64_t f_bfree;
	uint64_t f_bavail;
	uint64_t f_bresvd;
	uint64_t f_files;
	uint64_t f_ffree;
	uint64_t f_favail;
	uint64_t f_fresvd;
	uint64_t f_syncreads;
	uint64_t f_syncwrites;
	uint64_t f_asyncreads;
	uint64_t f_asyncwrites;
	int32_t f_fsidx[2];
	unsigned long f_fsid;
	unsigned long f_namemax;
	uint32_t f_owner;
	uint32_t f_spare[4];
	char f_fstypename[32];
	char f_mntonname[1024];
	char f_mntfromname[1024];
};

/* mount(2) data of ffs and ext2fs: fspec names the device (an etfs key). */
struct rump_ufs_args {
	char *fspec;
};

struct rump_tmpfs_args {
	int ta_version; /* RUMP_TMPFS_ARGS_VERSION */
	uint64_t ta_nodes_max;
	int64_t ta_size_max;
	uint32_t ta_root_uid;
	uint32_t ta_root_gid;
	uint32_t ta_root_mode;
};

/* select(2)'s sets: RUMP_FD_SETSIZE descriptors in 32-bit words. */
typedef struct {
	uint32_t fds_bits[(RUMP_FD_SETSIZE + RUMP_NFDBITS - 1) / RUMP_NFDBITS];
} rump_fd_set;

#define RUMP_FD_SET(n, p) ((p)->fds_bits[(unsigned)(n) / RUMP_NFDBITS] |= (uint32_t)1 << ((unsigned)(n) % RUMP_NFDBITS))
#define RUMP_FD_CLR(n, p) ((p)->fds_bits[(unsigned)(n) / RUMP_NFDBITS] &= ~((uint32_t)1 << ((unsigned)(n) % RUMP_NFDBITS)))
#define RUMP_FD_ISSET(n, p) (((p)->fds_bits[(unsigned)(n) / RUMP_NFDBITS] & ((uint32_t)1 << ((unsigned)(n) % RUMP_NFDBITS))) != 0)
#define RUMP_FD_ZERO(p) do { \
	unsigned rump_fdz_; \
	for (rump_fdz_ = 0; rump_fdz_ < sizeof((p)->fds_bits) / sizeof((p)->fds_bits[0]); rump_fdz_++) \
		(p)->fds_bits[rump_fdz_] = 0; \
} while (0)

typedef struct {
	uint32_t __bits[4];
} rump_sigset_t;

/* Structs of syscalls the kernel does not implement, declared for the prototypes. */
struct rump_aiocb;
struct rump_itimerspec;
struct rump_kevent;
struct rump_quotactl_args;
struct rump_sigevent;
struct rump_stat30;
struct rump_timespec50;
struct rump_timeval50;
`
