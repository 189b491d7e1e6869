/*
 * headers: every header compiles together, and the values and layouts
 * a C caller depends on are NetBSD's.
 */
#include "check.h"

#include <stddef.h>

#include <rump/rumperr.h>
#include <rump/rumperrno2host.h>
#include <rump/rumpkern_if_pub.h>
#include <rump/rumpnet_if_pub.h>
#include <rump/rumpuser.h>
#include <rump/rumpvfs_if_pub.h>

int
main(void)
{
	/* errno (sys/errno.h) */
	CHECK(RUMP_EPERM == 1 && RUMP_ENOENT == 2 && RUMP_EEXIST == 17);
	CHECK(RUMP_EAGAIN == 35 && RUMP_EWOULDBLOCK == 35 && RUMP_ENOTEMPTY == 66);
	CHECK(RUMP_ETIMEDOUT == 60 && RUMP_ENOSYS == 78 && RUMP_ENOTSUP == 86);
	/* rumperr.h and rumperrno2host.h */
	CHECK(strcmp(rump_strerror(RUMP_ENOENT), "No such file or directory") == 0);
	CHECK(strcmp(rump_strerror(RUMP_EAGAIN), "Resource temporarily unavailable") == 0);
	CHECK(strcmp(rump_strerror(100000), "Unknown error") == 0);
	CHECK(rump_errno2host(RUMP_EAGAIN) == EAGAIN && rump_errno2host(RUMP_ETIMEDOUT) == ETIMEDOUT);
	CHECK(rump_errno2host(RUMP_ENOTEMPTY) == ENOTEMPTY && rump_errno2host(0) == 0);
	CHECK(rump_errno2host(RUMP_EFTYPE) == EINVAL); /* no EFTYPE on Linux */
	CHECK(RUMP_RB_HALT == 0x8 && RUMP_RB_NOSYNC == 0x4 && RUMP_RB_DUMP == 0x100);
	/* open flags, mount and socket constants */
	CHECK(RUMP_O_CREAT == 0x200 && RUMP_O_EXCL == 0x800 && RUMP_O_DIRECTORY == 0x200000);
	CHECK(RUMP_MNT_RDONLY == 1 && strcmp(RUMP_MOUNT_FFS, "ffs") == 0);
	CHECK(RUMP_AF_INET == 2 && RUMP_AF_INET6 == 24 && RUMP_SOCK_STREAM == 1);
	CHECK(RUMP_SOL_SOCKET == 0xffff && RUMP_SO_REUSEADDR == 4 && RUMP_AT_FDCWD == -100);
	/* rump.h and rumpuser.h */
	CHECK(RUMP_RFFDG == 1 && RUMP_RFCFDG == 2 && RUMP_RFFD_SHARE == 0);
	CHECK(RUMP_ETFS_REG == 0 && RUMP_ETFS_BLK == 1 && RUMP_ETFS_CHR == 2);
	CHECK(RUMP_ETFS_SIZE_ENDOFF == (uint64_t)-1 && RUMPUSER_VERSION == 17);
	CHECK(RUMP_SYS_open == 5 && RUMP_SYS___stat50 == 439 && RUMP_SYS___mount50 == 410);

	/* struct layouts (netbsd-abi.md section 2) */
	CHECK(sizeof(struct rump_stat) == 152);
	CHECK(offsetof(struct rump_stat, st_mode) == 8 && offsetof(struct rump_stat, st_ino) == 16);
	CHECK(offsetof(struct rump_stat, st_atim) == 48 && offsetof(struct rump_stat, st_size) == 112);
	CHECK(offsetof(struct rump_stat, st_blksize) == 128 && offsetof(struct rump_stat, st_gen) == 136);
	CHECK(offsetof(struct rump_dirent, d_reclen) == 8 && offsetof(struct rump_dirent, d_type) == 12);
	CHECK(offsetof(struct rump_dirent, d_name) == 13 && sizeof(struct rump_dirent) == 528);
	CHECK(sizeof(struct rump_sockaddr_in) == 16 && offsetof(struct rump_sockaddr_in, sin_port) == 2);
	CHECK(offsetof(struct rump_sockaddr_in, sin_addr) == 4);
	CHECK(sizeof(struct rump_msghdr) == 48 && offsetof(struct rump_msghdr, msg_iovlen) == 24);
	CHECK(offsetof(struct rump_msghdr, msg_controllen) == 40);
	CHECK(sizeof(struct rump_statvfs) == 2256 && offsetof(struct rump_statvfs, f_fstypename) == 172);
	CHECK(offsetof(struct rump_statvfs, f_mntfromname) == 1228);
	CHECK(sizeof(struct rump_tmpfs_args) == 40 && offsetof(struct rump_tmpfs_args, ta_root_mode) == 32);
	CHECK(sizeof(struct rump_timeval) == 16 && sizeof(struct rump_timespec) == 16);
	CHECK(sizeof(struct rump_pollfd) == 8 && sizeof(rump_fd_set) == 32 && sizeof(rump_sigset_t) == 16);
	CHECK(sizeof(struct rumpuser_hyperup) == 168);

	/* The library's version; rump_boot_sethowto before boot. */
	CHECK(rump_getversion() == 799003400 && rump_pub_getversion() == 799003400);
	rump_boot_sethowto(RUMP_AB_VERBOSE);
	CHECK(rump_boot_gethowto() == RUMP_AB_VERBOSE);
	rump_boot_sethowto(0);

	printf("headers: ok\n");
	return 0;
}
