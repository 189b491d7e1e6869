/*
 * upcalls: the calls a hypervisor makes into a kernel-only librump
 * through the upcalls rump_init handed rumpuser_init: lwproc,
 * hyp_syscall with NetBSD's marshalled arguments, hyp_getpid, and the
 * scheduling calls. Linked with librumpuser_gorump, which hands the
 * table out.
 */
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpuser.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct rumpuser_hyperup *rumpuser_gorump_hyperup(void);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
		exit(1); \
	} \
} while (0)

int
main(void)
{
	const struct rumpuser_hyperup *hyp;
	/* struct sys_mkdir_args: path, mode, one register_t slot each */
	struct { const char *path; long mode; } mkdirargs = { "/upcalled", 0755 };
	struct { const char *path; long flags; long mode; } openargs = { "/upcalled", RUMP_O_RDONLY, 0 };
	struct rump_stat st;
	struct lwp *l;
	long retval[2];
	int nlocks = -1;

	CHECK(rump_init() == 0);
	hyp = rumpuser_gorump_hyperup();
	CHECK(hyp->hyp_schedule != NULL && hyp->hyp_syscall != NULL);

	hyp->hyp_schedule();
	hyp->hyp_backend_unschedule(0, &nlocks, NULL);
	CHECK(nlocks == 0);
	hyp->hyp_backend_schedule(nlocks, NULL);

	/* The implicit context is init's. */
	CHECK(hyp->hyp_lwproc_curlwp() == NULL);
	CHECK(hyp->hyp_getpid() == 1);

	/* Syscalls with NetBSD's arguments. */
	CHECK(hyp->hyp_syscall(RUMP_SYS_mkdir, &mkdirargs, retval) == 0);
	CHECK(rump_sys_stat("/upcalled", &st) == 0 && RUMP_S_ISDIR(st.st_mode));
	CHECK(hyp->hyp_syscall(RUMP_SYS_mkdir, &mkdirargs, retval) == RUMP_EEXIST);
	CHECK(hyp->hyp_syscall(RUMP_SYS_open, &openargs, retval) == 0 && retval[0] >= 0);
	CHECK(hyp->hyp_syscall(RUMP_SYS_getpid, NULL, retval) == 0 && retval[0] == 1);
	CHECK(hyp->hyp_syscall(5000, NULL, retval) == RUMP_ENOSYS);

	/* A process of its own, as sysproxy makes one per client. */
	CHECK(hyp->hyp_lwproc_rfork(NULL, RUMP_RFCFDG, "client") == 0);
	l = hyp->hyp_lwproc_curlwp();
	CHECK(l != NULL && hyp->hyp_getpid() > 1);
	CHECK(hyp->hyp_syscall(RUMP_SYS_getpid, NULL, retval) == 0 && retval[0] == hyp->hyp_getpid());
	hyp->hyp_lwproc_switch(NULL);
	CHECK(hyp->hyp_getpid() == 1);
	hyp->hyp_lwproc_switch(l);
	CHECK(hyp->hyp_lwproc_curlwp() == l);
	CHECK(hyp->hyp_lwproc_newlwp(1) == 0 && hyp->hyp_getpid() == 1);
	hyp->hyp_lwproc_release();
	CHECK(hyp->hyp_lwproc_curlwp() == NULL);
	CHECK(hyp->hyp_lwproc_newlwp(12345) == RUMP_ESRCH);
	hyp->hyp_lwpexit();
	hyp->hyp_execnotify("x");
	hyp->hyp_unschedule();

	printf("upcalls: ok\n");
	return 0;
}
