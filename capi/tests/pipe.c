/*
 * pipe: pipes and FIFOs from C, with select: rump_sys_pipe fills its
 * array, a reader blocked in another thread wakes when data comes,
 * select and pselect see readiness and time out, EOF and EPIPE; then
 * the NOERR calls (clock_nanosleep, posix_fallocate) that return their
 * error number, and pathconf.
 */
#include "check.h"

#include <pthread.h>
#include <unistd.h>

static int fds[2];

static void *
reader(void *arg)
{
	char *buf = arg;

	/* Blocks until the main thread writes. */
	return (void *)(long)rump_sys_read(fds[0], buf, 64);
}

int
main(void)
{
	char buf[64];
	void *got;
	pthread_t t;
	rump_fd_set rd, wr;
	struct rump_timeval tv;
	struct rump_timespec ts;
	int fifo[2];

	CHECK(rump_init() == 0);

	OK(rump_sys_pipe(fds));
	CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1]);
	CHECK(pthread_create(&t, NULL, reader, buf) == 0);
	usleep(20000);
	CHECK(OK(rump_sys_write(fds[1], "hello", 5)) == 5);
	CHECK(pthread_join(t, &got) == 0);
	CHECK((long)got == 5 && memcmp(buf, "hello", 5) == 0);

	/* select: the write end is writable, the empty read end not. */
	RUMP_FD_ZERO(&rd);
	RUMP_FD_ZERO(&wr);
	RUMP_FD_SET(fds[0], &rd);
	RUMP_FD_SET(fds[1], &wr);
	tv.tv_sec = 0;
	tv.tv_usec = 10000;
	CHECK(OK(rump_sys_select(fds[1] + 1, &rd, &wr, NULL, &tv)) == 1);
	CHECK(!RUMP_FD_ISSET(fds[0], &rd) && RUMP_FD_ISSET(fds[1], &wr));
	OK(rump_sys_write(fds[1], "x", 1));
	RUMP_FD_SET(fds[0], &rd);
	ts.tv_sec = 1;
	ts.tv_nsec = 0;
	CHECK(OK(rump_sys_pselect(fds[0] + 1, &rd, NULL, NULL, &ts, NULL)) == 1);
	CHECK(RUMP_FD_ISSET(fds[0], &rd));
	RUMP_FD_ZERO(&rd);
	RUMP_FD_SET(fds[1] + 7, &rd);
	FAILS(rump_sys_select(fds[1] + 8, &rd, NULL, NULL, &tv), RUMP_EBADF);
	FAILS(rump_sys_select(-1, NULL, NULL, NULL, &tv), RUMP_EINVAL);

	/* FIONREAD, then EOF once the writer closes. */
	{
		int n = 0;
		OK(rump_sys_ioctl(fds[0], RUMP_FIONREAD, &n));
		CHECK(n == 1);
	}
	OK(rump_sys_close(fds[1]));
	CHECK(OK(rump_sys_read(fds[0], buf, sizeof buf)) == 1);
	CHECK(OK(rump_sys_read(fds[0], buf, sizeof buf)) == 0);
	OK(rump_sys_close(fds[0]));

	/* pipe2: flags, EINVAL, EPIPE without a reader. */
	OK(rump_sys_pipe2(fds, RUMP_O_NONBLOCK | RUMP_O_CLOEXEC));
	FAILS(rump_sys_read(fds[0], buf, 1), RUMP_EAGAIN);
	CHECK(OK(rump_sys_fcntl(fds[1], RUMP_F_GETFD)) == RUMP_FD_CLOEXEC);
	CHECK(OK(rump_sys_fpathconf(fds[0], RUMP__PC_PIPE_BUF)) == RUMP_PIPE_BUF);
	OK(rump_sys_close(fds[0]));
	FAILS(rump_sys_write(fds[1], "x", 1), RUMP_EPIPE);
	OK(rump_sys_close(fds[1]));
	FAILS(rump_sys_pipe2(fds, RUMP_O_APPEND), RUMP_EINVAL);

	/* A FIFO made with mkfifo carries data between two opens. */
	OK(rump_sys_mkfifo("/fifo", 0644));
	FAILS(rump_sys_open("/fifo", RUMP_O_WRONLY | RUMP_O_NONBLOCK), RUMP_ENXIO);
	fifo[0] = OK(rump_sys_open("/fifo", RUMP_O_RDONLY | RUMP_O_NONBLOCK));
	fifo[1] = OK(rump_sys_open("/fifo", RUMP_O_WRONLY));
	CHECK(OK(rump_sys_write(fifo[1], "fifo", 4)) == 4);
	CHECK(OK(rump_sys_read(fifo[0], buf, sizeof buf)) == 4 && memcmp(buf, "fifo", 4) == 0);
	OK(rump_sys_close(fifo[1]));
	OK(rump_sys_close(fifo[0]));

	/* NOERR calls return the error number itself, errno untouched. */
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000;
	CHECK(rump_sys_clock_nanosleep(RUMP_CLOCK_MONOTONIC, 0, &ts, NULL) == 0);
	errno = 0;
	CHECK(rump_sys_clock_nanosleep(12345, 0, &ts, NULL) == RUMP_EINVAL && errno == 0);
	{
		int fd = OK(rump_sys_open("/f", RUMP_O_RDWR | RUMP_O_CREAT, 0644));
		CHECK(rump_sys_posix_fallocate(fd, 0, 4096) == RUMP_EOPNOTSUPP);
		CHECK(rump_sys_posix_fallocate(fd, -1, 4096) == RUMP_EINVAL);
		FAILS(rump_sys_fdiscard(fd, 0, 4096), RUMP_EOPNOTSUPP);
		OK(rump_sys_fsync_range(fd, RUMP_FDATASYNC, 0, 0));
		FAILS(rump_sys_fsync_range(fd, 0, 0, 0), RUMP_EINVAL);
		OK(rump_sys_close(fd));
	}
	CHECK(OK(rump_sys_pathconf("/", RUMP__PC_NAME_MAX)) == 255);
	FAILS(rump_sys_pathconf("/", 9999), RUMP_EINVAL);

	printf("pipe: ok\n");
	return 0;
}
