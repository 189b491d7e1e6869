/*
 * reboot IMAGE: rump_sys_reboot as NetBSD's: a user may not (EPERM);
 * root's halts the kernel, writing out what was written to an FFS image
 * without fsync, and exits the process with status 0 instead of
 * returning. An atexit handler finds the data in the image file.
 */
#define _GNU_SOURCE /* memmem */
#include "check.h"

#include <unistd.h>

static const char *image;
static char pattern[8192];
static int rebooting;

/* inimage reports whether the image file holds pattern. */
static int
inimage(void)
{
	static char buf[1 << 20];
	FILE *f = fopen(image, "rb");
	size_t n, keep = 0;
	int found = 0;

	CHECK(f != NULL);
	while (!found && (n = fread(buf + keep, 1, sizeof buf - keep, f)) > 0) {
		n += keep;
		found = memmem(buf, n, pattern, sizeof pattern) != NULL;
		keep = n < sizeof pattern ? n : sizeof pattern - 1;
		memmove(buf, buf + n - keep, keep);
	}
	fclose(f);
	return found;
}

static void
afterreboot(void)
{
	if (!rebooting)
		return;
	if (!inimage()) {
		fprintf(stderr, "reboot: the data written before the reboot is not in the image\n");
		_exit(1);
	}
	printf("reboot: ok\n");
}

int
main(int argc, char **argv)
{
	struct rump_ufs_args args = { .fspec = "/dev/ffs0" };
	int fd;

	CHECK(argc == 2);
	image = argv[1];
	for (size_t i = 0; i < sizeof pattern; i++)
		pattern[i] = (char)(i * 7 + i / 251);
	CHECK(rump_init() == 0);
	CHECK(rump_pub_etfs_register("/dev/ffs0", image, RUMP_ETFS_BLK) == 0);
	OK(rump_sys_mkdir("/mnt", 0755));
	OK(rump_sys_mount(RUMP_MOUNT_FFS, "/mnt", 0, &args, sizeof args));
	fd = OK(rump_sys_open("/mnt/unsynced", RUMP_O_CREAT | RUMP_O_WRONLY, 0644));
	CHECK(OK(rump_sys_write(fd, pattern, sizeof pattern)) == sizeof pattern);
	printf("reboot: data %s in the image before the reboot\n", inimage() ? "already" : "not yet");

	/* A user's reboot fails and leaves the kernel running. */
	OK(rump_pub_lwproc_rfork(RUMP_RFCFDG));
	OK(rump_sys_setuid(1000));
	FAILS(rump_sys_reboot(0, NULL), RUMP_EPERM);
	rump_pub_lwproc_releaselwp();
	CHECK(OK(rump_sys_write(fd, pattern, 1)) == 1);

	rebooting = 1;
	CHECK(atexit(afterreboot) == 0);
	fflush(stdout);
	rump_sys_reboot(0, NULL);
	fprintf(stderr, "reboot: rump_sys_reboot returned (errno %d)\n", errno);
	rebooting = 0;
	return 1;
}
