//go:build gorump_kernelonly

/*
 * hypercall.c: what package hypercall needs written in C: the bio
 * completion callback, a non-variadic way to rumpuser_dprintf, and an
 * upcall table with nothing behind it.
 */
#include "hypercall.h"
#include "_cgo_export.h"

#include <rump/rumpdefs.h>

static void
biodone(void *arg, size_t done, int error)
{
	hypercallBioDone((uintptr_t)arg, done, error);
}

void
gorump_hypercall_bio(int fd, int op, void *data, size_t dlen, int64_t off,
    uintptr_t done)
{
	rumpuser_bio(fd, op, data, dlen, off, biodone, (void *)done);
}

void
gorump_hypercall_dputs(const char *s)
{
	rumpuser_dprintf("%s", s);
}

static void
nothing(void)
{
}

static void
backend_unschedule(int nlocks, int *countp, void *interlock)
{
	(void)nlocks;
	(void)interlock;
	if (countp != NULL)
		*countp = 0;
}

static void
backend_schedule(int nlocks, void *interlock)
{
	(void)nlocks;
	(void)interlock;
}

static void
lwproc_switch(struct lwp *l)
{
	(void)l;
}

static int
lwproc_rfork(void *priv, int flags, const char *comm)
{
	(void)priv;
	(void)flags;
	(void)comm;
	return RUMP_ENXIO;
}

static int
lwproc_newlwp(pid_t pid)
{
	(void)pid;
	return RUMP_ENXIO;
}

static struct lwp *
lwproc_curlwp(void)
{
	return NULL;
}

static int
hyp_syscall(int num, void *args, long *retval)
{
	(void)num;
	(void)args;
	(void)retval;
	return RUMP_ENXIO;
}

static void
execnotify(const char *comm)
{
	(void)comm;
}

static pid_t
hyp_getpid(void)
{
	return 0;
}

const struct rumpuser_hyperup gorump_hypercall_noupcalls = {
	.hyp_schedule = nothing,
	.hyp_unschedule = nothing,
	.hyp_backend_unschedule = backend_unschedule,
	.hyp_backend_schedule = backend_schedule,
	.hyp_lwproc_switch = lwproc_switch,
	.hyp_lwproc_release = nothing,
	.hyp_lwproc_rfork = lwproc_rfork,
	.hyp_lwproc_newlwp = lwproc_newlwp,
	.hyp_lwproc_curlwp = lwproc_curlwp,
	.hyp_syscall = hyp_syscall,
	.hyp_lwpexit = nothing,
	.hyp_execnotify = execnotify,
	.hyp_getpid = hyp_getpid,
};
