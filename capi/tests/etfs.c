/*
 * etfs: host files in the kernel through etfs, as a regular file
 * (RUMP_ETFS_REG) and as a block device (RUMP_ETFS_BLK): what the
 * kernel writes lands in the host file and what the host wrote shows
 * through, with NetBSD's errno values for what fails.
 */
#include "check.h"

#include <fcntl.h>
#include <unistd.h>

static char dir[64];

/* hostfile makes dir/name holding size bytes: data, then zeros. */
static void
hostfile(const char *name, const char *data, size_t size, char *path, size_t pathlen)
{
	size_t len = strlen(data);
	FILE *f;

	snprintf(path, pathlen, "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	for (size_t i = 0; i < size; i++)
		CHECK(fputc(i < len ? data[i] : 0, f) != EOF);
	CHECK(fclose(f) == 0);
}

/* hostread reads n bytes at off of the host file path. */
static void
hostread(const char *path, char *buf, size_t n, off_t off)
{
	int fd = open(path, O_RDONLY);

	CHECK(fd != -1);
	CHECK(pread(fd, buf, n, off) == (ssize_t)n);
	close(fd);
}

int
main(void)
{
	char reg[128], blk[128], buf[4096], got[4096], missing[128];
	struct rump_stat st;
	int fd;

	snprintf(dir, sizeof dir, "%s/rumpetfs.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	hostfile("reg", "hello, host\n", 12, reg, sizeof reg);
	hostfile("blk", "", 64 * 1024, blk, sizeof blk);
	snprintf(missing, sizeof missing, "%s/missing", dir);

	CHECK(rump_init() == 0);
	CHECK(rump_pub_etfs_register("/hostfile", reg, RUMP_ETFS_REG) == 0);
	CHECK(rump_pub_etfs_register("/hostfile", reg, RUMP_ETFS_REG) == RUMP_EEXIST);
	CHECK(rump_pub_etfs_register("/nothere", missing, RUMP_ETFS_REG) == RUMP_ENOENT);
	CHECK(rump_pub_etfs_register("/dev/hostblk", blk, RUMP_ETFS_BLK) == 0);

	/* The regular file: read, write over, write past the end. */
	fd = OK(rump_sys_open("/hostfile", RUMP_O_RDWR));
	CHECK(OK(rump_sys_read(fd, buf, sizeof buf)) == 12);
	CHECK(memcmp(buf, "hello, host\n", 12) == 0);
	CHECK(OK(rump_sys_pwrite(fd, "HOST", 4, 7)) == 4);
	CHECK(OK(rump_sys_pwrite(fd, "more\n", 5, 12)) == 5);
	OK(rump_sys_fstat(fd, &st));
	CHECK(st.st_size == 17 && RUMP_S_ISREG(st.st_mode));
	OK(rump_sys_fsync(fd));
	hostread(reg, got, 17, 0);
	CHECK(memcmp(got, "hello, HOST\nmore\n", 17) == 0);
	OK(rump_sys_close(fd));

	/* The block device: sectors in, sectors out. */
	OK(rump_sys_stat("/dev/hostblk", &st));
	CHECK((st.st_mode & RUMP_S_IFMT) == RUMP_S_IFBLK && st.st_size == 64 * 1024);
	fd = OK(rump_sys_open("/dev/hostblk", RUMP_O_RDWR));
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (char)(i * 31 + 7);
	CHECK(OK(rump_sys_pwrite(fd, buf, sizeof buf, 8192)) == sizeof buf);
	OK(rump_sys_fsync(fd));
	memset(got, 0, sizeof got);
	CHECK(OK(rump_sys_pread(fd, got, sizeof got, 8192)) == sizeof got);
	CHECK(memcmp(buf, got, sizeof buf) == 0);
	OK(rump_sys_close(fd));
	CHECK(rump_pub_etfs_remove("/dev/hostblk") == 0);
	memset(got, 0, sizeof got);
	hostread(blk, got, sizeof got, 8192);
	CHECK(memcmp(buf, got, sizeof buf) == 0);
	FAILS(rump_sys_open("/dev/hostblk", RUMP_O_RDONLY), RUMP_ENOENT);
	CHECK(rump_pub_etfs_remove("/hostfile") == 0);

	unlink(reg);
	unlink(blk);
	rmdir(dir);
	printf("etfs: ok\n");
	return 0;
}
