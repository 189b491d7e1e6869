/*
 * ffs IMAGE: register an FFS image with etfs, mount it, write and read
 * a file, mount it again read-only and find the file there.
 */
#include "check.h"

int
main(int argc, char **argv)
{
	struct rump_ufs_args args;
	struct rump_statvfs sv;
	char buf[10000], got[10000];
	int fd;

	CHECK(argc == 2);
	CHECK(rump_init() == 0);
	CHECK(rump_pub_etfs_register("/dev/ffs0", argv[1], RUMP_ETFS_BLK) == 0);
	CHECK(rump_pub_etfs_register("/dev/ffs0", argv[1], RUMP_ETFS_BLK) == RUMP_EEXIST);
	OK(rump_sys_mkdir("/mnt", 0755));

	args.fspec = "/dev/ffs0";
	OK(rump_sys_mount(RUMP_MOUNT_FFS, "/mnt", 0, &args, sizeof args));
	OK(rump_sys_statvfs1("/mnt", &sv, RUMP_MNT_WAIT));
	CHECK(strcmp(sv.f_fstypename, "ffs") == 0);
	CHECK(strcmp(sv.f_mntfromname, "/dev/ffs0") == 0);

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (char)(i * 13);
	fd = OK(rump_sys_open("/mnt/file", RUMP_O_CREAT | RUMP_O_RDWR, 0644));
	CHECK(OK(rump_sys_write(fd, buf, sizeof buf)) == sizeof buf);
	OK(rump_sys_fsync(fd));
	CHECK(OK(rump_sys_pread(fd, got, sizeof got, 0)) == sizeof got);
	CHECK(memcmp(buf, got, sizeof buf) == 0);
	OK(rump_sys_close(fd));
	OK(rump_sys_unmount("/mnt", 0));

	OK(rump_sys_mount(RUMP_MOUNT_FFS, "/mnt", RUMP_MNT_RDONLY, &args, sizeof args));
	fd = OK(rump_sys_open("/mnt/file", RUMP_O_RDONLY));
	memset(got, 0, sizeof got);
	CHECK(OK(rump_sys_read(fd, got, sizeof got)) == sizeof got);
	CHECK(memcmp(buf, got, sizeof buf) == 0);
	OK(rump_sys_close(fd));
	FAILS(rump_sys_open("/mnt/new", RUMP_O_CREAT | RUMP_O_RDWR, 0644), RUMP_EROFS);
	OK(rump_sys_unmount("/mnt", 0));

	args.fspec = "/dev/none";
	FAILS(rump_sys_mount(RUMP_MOUNT_FFS, "/mnt", 0, &args, sizeof args), RUMP_ENOENT);
	CHECK(rump_pub_etfs_remove("/dev/ffs0") == 0);

	printf("ffs: ok\n");
	return 0;
}
