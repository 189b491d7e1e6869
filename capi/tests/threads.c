/*
 * threads: 8 host threads at once, each in a process of its own made
 * with rump_pub_lwproc_rfork, doing file syscalls; the current lwp is
 * per thread.
 */
#include "check.h"

#include <pthread.h>
#include <stdint.h>

#define NTHREADS 8
#define ROUNDS 200

static int pids[NTHREADS];

static void *
worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	char path[64], buf[128], got[128];
	struct lwp *me;

	CHECK(rump_pub_lwproc_curlwp() == NULL);
	CHECK(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0);
	me = rump_pub_lwproc_curlwp();
	CHECK(me != NULL);
	pids[id] = rump_sys_getpid();
	CHECK(pids[id] > 1 && rump_sys_getppid() == 1);

	snprintf(path, sizeof path, "/t/%d", id);
	OK(rump_sys_mkdir(path, 0755));
	for (int i = 0; i < ROUNDS; i++) {
		int fd;
		snprintf(path, sizeof path, "/t/%d/f%d", id, i % 4);
		snprintf(buf, sizeof buf, "thread %d round %d", id, i);
		fd = OK(rump_sys_open(path, RUMP_O_CREAT | RUMP_O_RDWR | RUMP_O_TRUNC, 0644));
		/* A fresh descriptor table: the first descriptor is 0. */
		CHECK(fd == 0);
		CHECK(OK(rump_sys_write(fd, buf, strlen(buf))) == (long)strlen(buf));
		memset(got, 0, sizeof got);
		CHECK(OK(rump_sys_pread(fd, got, sizeof got, 0)) == (long)strlen(buf));
		CHECK(strcmp(got, buf) == 0);
		OK(rump_sys_close(fd));
		CHECK(rump_pub_lwproc_curlwp() == me && rump_sys_getpid() == pids[id]);
	}

	/* A second lwp in the same process, then back to the first. */
	CHECK(rump_pub_lwproc_newlwp(pids[id]) == 0);
	CHECK(rump_pub_lwproc_curlwp() != me && rump_sys_getpid() == pids[id]);
	rump_pub_lwproc_releaselwp();
	CHECK(rump_pub_lwproc_curlwp() == NULL && rump_sys_getpid() == 1);
	rump_pub_lwproc_switch(me);
	CHECK(rump_sys_getpid() == pids[id]);
	rump_pub_lwproc_releaselwp();
	CHECK(rump_pub_lwproc_curlwp() == NULL);
	return NULL;
}

int
main(void)
{
	pthread_t t[NTHREADS];

	CHECK(rump_init() == 0);
	OK(rump_sys_mkdir("/t", 0777));
	for (int i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) == 0);
	for (int i = 0; i < NTHREADS; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	for (int i = 0; i < NTHREADS; i++)
		for (int j = 0; j < i; j++)
			CHECK(pids[i] != pids[j]);
	/* The processes exited with their last lwp. */
	CHECK(rump_pub_lwproc_newlwp(pids[0]) == RUMP_ESRCH);
	CHECK(rump_pub_lwproc_rfork(0x80) == RUMP_EINVAL);

	printf("threads: %d threads x %d rounds ok\n", NTHREADS, ROUNDS);
	return 0;
}
