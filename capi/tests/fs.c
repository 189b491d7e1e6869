/*
 * fs: boot, then file work on the tmpfs root: mkdir, open, write, read,
 * lseek, stat, getdents, rename, unlink, with NetBSD's errno values.
 */
#include "check.h"

#include <stdint.h>

/* The implementation symbol rump_sys_getpid is renamed to. */
pid_t rump___sysimpl_getpid(void);

int
main(void)
{
	struct rump_stat st;
	char buf[4096];
	long rv[2];
	int fd, dfd;
	ssize_t n;

	/* NetBSD's numbers, not the host's. */
	CHECK(RUMP_ENOENT == 2 && RUMP_EEXIST == 17 && RUMP_ENOTEMPTY == 66);
	CHECK(RUMP_O_CREAT == 0x200 && RUMP_EAGAIN == 35);
	CHECK(RUMP_ETFS_BLK == 1 && RUMP_RFCFDG == 2);

	FAILS(rump_sys_getpid(), RUMP_ENXIO); /* before rump_init */
	CHECK(rump_init() == 0);
	CHECK(rump_init() == 0); /* again: a no-op */
	CHECK(rump_getversion() == RUMP_NETBSD_VERSION);
	CHECK(rump_pub_lwproc_curlwp() == NULL);
	CHECK(rump_sys_getpid() == 1);

	OK(rump_sys_mkdir("/work", 0755));
	FAILS(rump_sys_mkdir("/work", 0755), RUMP_EEXIST);
	FAILS(rump_sys_open("/work/none", RUMP_O_RDONLY), RUMP_ENOENT);
	FAILS(rump_sys_open(NULL, RUMP_O_RDONLY), RUMP_EFAULT);
	FAILS(rump_sys_open((const char *)16, RUMP_O_RDONLY), RUMP_EFAULT);
	FAILS(rump_sys_read(12345, buf, 1), RUMP_EBADF);

	fd = OK(rump_sys_open("/work/file", RUMP_O_CREAT | RUMP_O_RDWR | RUMP_O_EXCL, 0640));
	FAILS(rump_sys_open("/work/file", RUMP_O_CREAT | RUMP_O_EXCL | RUMP_O_RDWR, 0640), RUMP_EEXIST);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (char)(i * 7);
	CHECK(OK(rump_sys_write(fd, buf, sizeof buf)) == sizeof buf);
	CHECK(OK(rump_sys_lseek(fd, 0, RUMP_SEEK_CUR)) == sizeof buf);
	CHECK(OK(rump_sys_lseek(fd, 100, RUMP_SEEK_SET)) == 100);
	memset(buf, 0, sizeof buf);
	n = OK(rump_sys_read(fd, buf, sizeof buf));
	CHECK(n == sizeof buf - 100);
	CHECK(buf[0] == (char)(100 * 7) && buf[n - 1] == (char)(4095 * 7));
	CHECK(OK(rump_sys_pread(fd, buf, 10, 4090)) == 6);
	FAILS(rump_sys_pread(fd, NULL, 10, 0), RUMP_EFAULT);

	OK(rump_sys_fstat(fd, &st));
	CHECK(st.st_size == 4096 && RUMP_S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0640);
	OK(rump_sys_close(fd));
	FAILS(rump_sys_close(fd), RUMP_EBADF);

	OK(rump_sys_stat("/work", &st));
	CHECK(RUMP_S_ISDIR(st.st_mode) && st.st_nlink == 2);
	FAILS(rump_sys_stat("/work/none", &st), RUMP_ENOENT);
	FAILS(rump_sys_rmdir("/work"), RUMP_ENOTEMPTY);

	/* fcntl and ioctl through their variadic wrappers. */
	fd = OK(rump_sys_open("/work/file", RUMP_O_RDONLY));
	CHECK(OK(rump_sys_fcntl(fd, RUMP_F_GETFL)) == RUMP_O_RDONLY);
	OK(rump_sys_fcntl(fd, RUMP_F_SETFD, RUMP_FD_CLOEXEC));
	CHECK(OK(rump_sys_fcntl(fd, RUMP_F_GETFD)) == RUMP_FD_CLOEXEC);
	OK(rump_sys_close(fd));

	/* getdents: NetBSD's records. */
	OK(rump_sys_symlink("file", "/work/link"));
	dfd = OK(rump_sys_open("/work", RUMP_O_RDONLY | RUMP_O_DIRECTORY));
	n = OK(rump_sys_getdents(dfd, buf, sizeof buf));
	int seen = 0;
	for (char *p = buf; p < buf + n;) {
		struct rump_dirent *d = (struct rump_dirent *)p;
		if (strcmp(d->d_name, "file") == 0 && d->d_type == RUMP_DT_REG)
			seen |= 1;
		if (strcmp(d->d_name, "link") == 0 && d->d_type == RUMP_DT_LNK)
			seen |= 2;
		CHECK(d->d_namlen == strlen(d->d_name));
		p += d->d_reclen;
	}
	CHECK(seen == 3);
	OK(rump_sys_close(dfd));
	CHECK(OK(rump_sys_readlink("/work/link", buf, sizeof buf)) == 4);

	/*
	 * *at calls from a directory descriptor, openat's variadic mode
	 * included, and the descriptors that are not one.
	 */
	dfd = OK(rump_sys_open("/work", RUMP_O_RDONLY | RUMP_O_DIRECTORY));
	fd = OK(rump_sys_openat(dfd, "at", RUMP_O_CREAT | RUMP_O_WRONLY, 0600));
	OK(rump_sys_close(fd));
	OK(rump_sys_fstatat(dfd, "at", &st, 0));
	CHECK((st.st_mode & 0777) == 0600);
	OK(rump_sys_fstatat(RUMP_AT_FDCWD, "/work/at", &st, 0));
	OK(rump_sys_mkdirat(dfd, "sub", 0755));
	OK(rump_sys_renameat(dfd, "at", dfd, "sub/at"));
	OK(rump_sys_unlinkat(dfd, "sub/at", 0));
	OK(rump_sys_unlinkat(dfd, "sub", RUMP_AT_REMOVEDIR));
	FAILS(rump_sys_fstatat(RUMP_AT_FDCWD, "/work/sub", &st, 0), RUMP_ENOENT);
	fd = OK(rump_sys_open("/work/file", RUMP_O_RDONLY));
	FAILS(rump_sys_openat(fd, "x", RUMP_O_RDONLY), RUMP_ENOTDIR);
	OK(rump_sys_close(fd));
	FAILS(rump_sys_openat(12345, "at", RUMP_O_RDONLY), RUMP_EBADF);
	OK(rump_sys_close(dfd));

	OK(rump_sys_rename("/work/file", "/work/moved"));
	OK(rump_sys_unlink("/work/moved"));
	OK(rump_sys_unlink("/work/link"));
	OK(rump_sys_rmdir("/work"));
	FAILS(rump_sys_unlink("/work/moved"), RUMP_ENOENT);

	/* The implementation names and rump_syscall itself. */
	CHECK(rump___sysimpl_getpid() == 1);
	CHECK(rump_syscall(RUMP_SYS_getpid, NULL, 0, rv) == 0 && rv[0] == 1);
	CHECK(rump_syscall(RUMP_SYS_kqueue, NULL, 0, rv) == RUMP_ENOSYS);
	FAILS(rump_sys_kqueue(), RUMP_ENOSYS);

	printf("fs: ok\n");
	return 0;
}
