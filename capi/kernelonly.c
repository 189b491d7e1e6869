//go:build gorump_kernelonly

/*
 * kernelonly.c: the upcalls a kernel-only librump (built with the tag
 * gorump_kernelonly) hands the hypervisor in rumpuser_init, over
 * librump's own entry points. gorump has no virtual CPUs and no big
 * kernel lock (Go schedules its goroutines), so the scheduling upcalls
 * do nothing; lwp upcalls act on the calling thread's current lwp as
 * the rump_pub_lwproc_ calls do.
 */
#include "capi.h"
#include "_cgo_export.h"

#include <rump/rumpuser.h>

static void
schedule(void)
{
}

static void
unschedule(void)
{
}

static void
backend_unschedule(int nlocks, int *countp, void *interlock)
{
	(void)nlocks;
	(void)interlock;
	if (countp != NULL)
		*countp = 0;	/* no big lock was held */
}

static void
backend_schedule(int nlocks, void *interlock)
{
	(void)nlocks;
	(void)interlock;
}

static int
lwproc_rfork(void *priv, int flags, const char *comm)
{
	(void)priv;
	(void)comm;
	return rump_pub_lwproc_rfork(flags);
}

static int
hyp_syscall(int num, void *args, long *retval)
{
	int64_t rv[2] = {0, 0};
	int error;

	error = rumpcapi_hyp_syscall(rumpcapi_curlwp, num, args, rv);
	if (retval != NULL) {
		retval[0] = rv[0];
		retval[1] = rv[1];
	}
	return error;
}

/* gorump has no exec: nothing to drain or notify. */
static void
lwpexit(void)
{
}

static void
execnotify(const char *comm)
{
	(void)comm;
}

static pid_t
hyp_getpid(void)
{
	return rump_sys_getpid();
}

const struct rumpuser_hyperup rumpcapi_hyperup = {
	.hyp_schedule = schedule,
	.hyp_unschedule = unschedule,
	.hyp_backend_unschedule = backend_unschedule,
	.hyp_backend_schedule = backend_schedule,
	.hyp_lwproc_switch = rump_pub_lwproc_switch,
	.hyp_lwproc_release = rump_pub_lwproc_releaselwp,
	.hyp_lwproc_rfork = lwproc_rfork,
	.hyp_lwproc_newlwp = rump_pub_lwproc_newlwp,
	.hyp_lwproc_curlwp = rump_pub_lwproc_curlwp,
	.hyp_syscall = hyp_syscall,
	.hyp_lwpexit = lwpexit,
	.hyp_execnotify = execnotify,
	.hyp_getpid = hyp_getpid,
};
