/*
 * capi.c: the hand-written part of librump's C face: booting, the
 * per-thread current lwp, lwproc, etfs and netconfig over the Go side
 * (capi.go). The rump_sys_ wrappers are generated (zsyscalls.c).
 */
#include "capi.h"
#include "_cgo_export.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__thread uint64_t rumpcapi_curlwp;

static int boothowto;

/* The etfs keys rump_boot_etfs_register queued for rump_init. */
static struct rump_boot_etfs *bootetfs;

int
rump_init(void)
{
	int error = rumpcapi_init(boothowto);

	if (error != 0)
		return error;
	for (struct rump_boot_etfs *eb = bootetfs; eb != NULL; eb = eb->_eb_next)
		eb->eb_status = rump_pub_etfs_register_withsize(eb->eb_key,
		    eb->eb_hostpath, eb->eb_type, eb->eb_begin, eb->eb_size);
	bootetfs = NULL;
	return 0;
}

void
rump_boot_etfs_register(struct rump_boot_etfs *eb)
{
	eb->eb_status = -1;
	eb->_eb_next = bootetfs;
	bootetfs = eb;
}

/*
 * Daemonizing. NetBSD's rump_daemonize_begin forks, and the parent
 * waits for the child's rump_daemonize_done to exit with its verdict.
 * A process that holds a Go runtime cannot fork (the child would keep
 * one of its threads), so here the parent runs the program again from
 * the start (/proc/self/exe, same arguments and environment) with the
 * pipe's write end named in RUMP_DAEMONIZE_FD, and that run's
 * rump_daemonize_begin returns 0 at once, in a new session.
 */
#define DAEMONIZE_ENV "RUMP_DAEMONIZE_FD"

static int daemonfd = -1;

/*
 * spawnself starts exe with this process's arguments, from
 * /proc/self/cmdline, and environment; it returns the child's pid, or
 * -1 with errno set: E2BIG when the arguments do not fit its buffers
 * (the program must not run again with some of them cut off).
 */
static pid_t
spawnself(const char *exe)
{
	extern char **environ;
	static char cmdline[1 << 16];
	char *argv[1024];
	size_t len = 0, argc = 0;
	ssize_t n;
	pid_t pid;
	int fd = open("/proc/self/cmdline", O_RDONLY);

	if (fd == -1)
		return -1;
	while (len < sizeof cmdline - 1 &&
	    (n = read(fd, cmdline + len, sizeof cmdline - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len == sizeof cmdline - 1) {
		errno = E2BIG;
		return -1;
	}
	cmdline[len] = '\0';
	for (size_t i = 0; i < len; i += strlen(cmdline + i) + 1) {
		if (argc == sizeof argv / sizeof argv[0] - 1) {
			errno = E2BIG;
			return -1;
		}
		argv[argc++] = cmdline + i;
	}
	argv[argc] = NULL;
	if (argc == 0) {
		errno = ENOENT;
		return -1;
	}
	if ((errno = posix_spawn(&pid, exe, NULL, NULL, argv, environ)) != 0)
		return -1;
	return pid;
}

int
rump_daemonize_begin(void)
{
	const char *fdenv = getenv(DAEMONIZE_ENV);
	char exe[4096], fdvar[64];
	int pipefd[2], error = 0, status, spawnerr;
	ssize_t n;
	pid_t pid;

	if (daemonfd != -1)
		return RUMP_EINPROGRESS;
	if (fdenv != NULL) {
		daemonfd = atoi(fdenv);
		unsetenv(DAEMONIZE_ENV);
		setsid();
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n < 0 || (size_t)n >= sizeof exe - 1)
		return RUMP_ENOENT;
	exe[n] = '\0';
	if (pipe(pipefd) == -1)
		return RUMP_EMFILE;
	snprintf(fdvar, sizeof fdvar, "%d", pipefd[1]);
	setenv(DAEMONIZE_ENV, fdvar, 1);
	pid = spawnself(exe);
	spawnerr = errno;
	unsetenv(DAEMONIZE_ENV);
	close(pipefd[1]);
	if (pid == -1) {
		close(pipefd[0]);
		return spawnerr == E2BIG ? RUMP_E2BIG : RUMP_EAGAIN;
	}
	do
		n = read(pipefd[0], &error, sizeof error);
	while (n == -1 && errno == EINTR);
	if (n != sizeof error) {
		/* The child died before it was done: reap it if it has. */
		(void)waitpid(pid, &status, WNOHANG);
		error = RUMP_ESRCH;
	}
	_exit(error ? 1 : 0);
}

int
rump_daemonize_done(int error)
{
	int null;
	ssize_t n;

	if (daemonfd == -1)
		return RUMP_ENOENT;
	if (error == 0 && (null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	do
		n = write(daemonfd, &error, sizeof error);
	while (n == -1 && errno == EINTR);
	close(daemonfd);
	daemonfd = -1;
	return n == sizeof error ? 0 : RUMP_EPIPE;
}

/*
 * rumpcapi_reboot_exit ends the process after rump_sys_reboot has halted
 * the kernel, as NetBSD's rump kernel does through rumpuser_exit: a core
 * dump for RB_DUMP, the caller stopped forever for RB_HALT, exit(0)
 * otherwise.
 */
void
rumpcapi_reboot_exit(int howto)
{
	if (howto & RUMP_RB_DUMP)
		abort();
	if (howto & RUMP_RB_HALT)
		for (;;)
			pause();
	exit(0);
}

int
rump_getversion(void)
{
	return RUMP_NETBSD_VERSION;
}

int rump_pub_getversion(void) __attribute__((alias("rump_getversion")));

int
rump_nativeabi_p(void)
{
	return 0;
}

int
rump_boot_gethowto(void)
{
	return boothowto;
}

void
rump_boot_sethowto(int howto)
{
	boothowto = howto;
}

void
rump_boot_setsigmodel(enum rump_sigmodel model)
{
	(void)model;
}

void
rump_schedule(void)
{
}

void
rump_unschedule(void)
{
}

int
rump_syscall(int num, void *data, size_t dlen, long *retval)
{
	int64_t rv[2] = {0, 0};
	int error;

	error = rumpcapi_call(num, data, dlen, rv);
	if (retval != NULL) {
		retval[0] = rv[0];
		retval[1] = rv[1];
	}
	return error;
}

int
rump_pub_etfs_register(const char *key, const char *hostpath,
    enum rump_etfs_type ftype)
{
	return rumpcapi_etfs_register((char *)key, (char *)hostpath, ftype,
	    0, -1);
}

int
rump_pub_etfs_register_withsize(const char *key, const char *hostpath,
    enum rump_etfs_type ftype, uint64_t begin, uint64_t size)
{
	return rumpcapi_etfs_register((char *)key, (char *)hostpath, ftype,
	    (int64_t)begin, (int64_t)size);
}

int
rump_pub_etfs_remove(const char *key)
{
	return rumpcapi_etfs_remove((char *)key);
}

int
rump_pub_lwproc_rfork(int flags)
{
	uint64_t l = 0;
	int error;

	error = rumpcapi_lwproc_rfork(rumpcapi_curlwp, flags, &l);
	if (error == 0)
		rumpcapi_curlwp = l;
	return error;
}

int
rump_pub_lwproc_newlwp(pid_t pid)
{
	uint64_t l = 0;
	int error;

	error = rumpcapi_lwproc_newlwp(pid, &l);
	if (error == 0)
		rumpcapi_curlwp = l;
	return error;
}

/*
 * Switching to an lwp that was released is fatal, as in NetBSD; gorump
 * does not check that the lwp is idle in other threads.
 */
void
rump_pub_lwproc_switch(struct lwp *l)
{
	uint64_t h = (uint64_t)(uintptr_t)l;

	if (!rumpcapi_lwproc_valid(h)) {
		fprintf(stderr, "rump_pub_lwproc_switch: no lwp %p\n", (void *)l);
		abort();
	}
	rumpcapi_curlwp = h;
}

/* Releasing the implicit context is a no-op (NetBSD's is fatal). */
void
rump_pub_lwproc_releaselwp(void)
{
	if (rumpcapi_curlwp == 0)
		return;
	rumpcapi_lwproc_releaselwp(rumpcapi_curlwp);
	rumpcapi_curlwp = 0;
}

struct lwp *
rump_pub_lwproc_curlwp(void)
{
	return (struct lwp *)(uintptr_t)rumpcapi_curlwp;
}

int
rump_pub_netconfig_ifcreate(const char *ifname)
{
	return rumpcapi_netconfig_ifcreate((char *)ifname);
}

int
rump_pub_netconfig_ifup(const char *ifname)
{
	return rumpcapi_netconfig_ifup((char *)ifname, 1);
}

int
rump_pub_netconfig_ifdown(const char *ifname)
{
	return rumpcapi_netconfig_ifup((char *)ifname, 0);
}

int
rump_pub_netconfig_ipv4_ifaddr(const char *ifname, const char *addr,
    const char *mask)
{
	int prefixlen = rumpcapi_netconfig_ipv4_mask((char *)mask);

	if (prefixlen < 0)
		return RUMP_EINVAL;
	return rumpcapi_netconfig_ipv4_ifaddr((char *)ifname, (char *)addr,
	    prefixlen);
}

int
rump_pub_netconfig_ipv4_ifaddr_cidr(const char *ifname, const char *addr,
    int prefixlen)
{
	return rumpcapi_netconfig_ipv4_ifaddr((char *)ifname, (char *)addr,
	    prefixlen);
}

int
rump_pub_netconfig_ipv4_gw(const char *gwaddr)
{
	return rumpcapi_netconfig_ipv4_gw((char *)gwaddr);
}

int
rump_pub_netconfig_ifdestroy(const char *ifname)
{
	return rumpcapi_netconfig_ifdestroy((char *)ifname);
}

/* What gorump's network stack cannot do yet. */

int
rump_pub_netconfig_bradd(const char *bridge, const char *ifname)
{
	(void)bridge;
	(void)ifname;
	return RUMP_EOPNOTSUPP;
}

int
rump_pub_netconfig_brdel(const char *bridge, const char *ifname)
{
	(void)bridge;
	(void)ifname;
	return RUMP_EOPNOTSUPP;
}

int
rump_pub_netconfig_ipv6_ifaddr(const char *ifname, const char *addr,
    int prefixlen)
{
	(void)ifname;
	(void)addr;
	(void)prefixlen;
	return RUMP_EOPNOTSUPP;
}

int
rump_pub_netconfig_ipv6_gw(const char *gwaddr)
{
	(void)gwaddr;
	return RUMP_EOPNOTSUPP;
}

int
rump_pub_netconfig_dhcp_ipv4_oneshot(const char *ifname)
{
	(void)ifname;
	return RUMP_EOPNOTSUPP;
}

int
rump_pub_netconfig_auto_ipv6(const char *ifname)
{
	(void)ifname;
	return RUMP_EOPNOTSUPP;
}
