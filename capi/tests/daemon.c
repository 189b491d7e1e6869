/*
 * daemon IMAGE: a server detaches with rump_daemonize_begin/done, its
 * FFS disk queued by rump_boot_etfs_register, as NetBSD's rump servers
 * start; the program runs itself as that server, waits for the caller
 * to return 0, then finds what the server wrote once it has rebooted.
 */
#include "check.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <spawn.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char marker[4096];

static void
servergone(void)
{
	FILE *f = fopen(marker, "w");

	if (f != NULL)
		fclose(f);
}

/* serve is the server: it daemonizes, writes a file and reboots. */
static int
serve(const char *image)
{
	struct rump_boot_etfs eb = {
		.eb_key = "/dev/ffs0", .eb_hostpath = image, .eb_type = RUMP_ETFS_BLK,
		.eb_begin = 0, .eb_size = RUMP_ETFS_SIZE_ENDOFF,
	};
	struct rump_ufs_args args = { .fspec = "/dev/ffs0" };
	char line[128];
	int fd, n;

	CHECK(rump_daemonize_begin() == 0);
	/* Only the detached run gets here. */
	rump_boot_etfs_register(&eb);
	CHECK(eb.eb_status == -1);
	CHECK(rump_init() == 0);
	CHECK(eb.eb_status == 0);
	OK(rump_sys_mkdir("/mnt", 0755));
	OK(rump_sys_mount(RUMP_MOUNT_FFS, "/mnt", 0, &args, sizeof args));
	fd = OK(rump_sys_open("/mnt/daemon", RUMP_O_CREAT | RUMP_O_WRONLY, 0644));
	n = snprintf(line, sizeof line, "session leader %d\n", getsid(0) == getpid());
	CHECK(OK(rump_sys_write(fd, line, (size_t)n)) == n);
	CHECK(rump_daemonize_done(0) == 0);
	CHECK(rump_daemonize_done(0) == RUMP_ENOENT);
	CHECK(atexit(servergone) == 0);
	rump_sys_reboot(0, NULL);
	return 1;
}

int
main(int argc, char **argv)
{
	struct rump_ufs_args args = { .fspec = "/dev/ffs0" };
	struct stat st;
	char *sargv[] = { argv[0], argv[1], "serve", NULL };
	char got[128] = "";
	pid_t pid;
	int status, fd;

	CHECK(argc == 2 || argc == 3);
	snprintf(marker, sizeof marker, "%s.gone", argv[1]);
	if (argc == 3)
		return serve(argv[1]);
	if (getenv("RUMPTEST_EMULATED") != NULL) {
		printf("daemon: skipped: under an emulator, the server cannot run itself again\n");
		return 37;
	}

	unlink(marker);
	CHECK(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, sargv, environ) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int i = 0; stat(marker, &st) == -1; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		CHECK(i < 3000);
		nanosleep(&ts, NULL);
	}
	unlink(marker);

	CHECK(rump_init() == 0);
	CHECK(rump_pub_etfs_register("/dev/ffs0", argv[1], RUMP_ETFS_BLK) == 0);
	OK(rump_sys_mkdir("/mnt", 0755));
	OK(rump_sys_mount(RUMP_MOUNT_FFS, "/mnt", RUMP_MNT_RDONLY, &args, sizeof args));
	fd = OK(rump_sys_open("/mnt/daemon", RUMP_O_RDONLY));
	OK(rump_sys_read(fd, got, sizeof got - 1));
	CHECK(strcmp(got, "session leader 1\n") == 0);
	printf("daemon: ok\n");
	return 0;
}
