/*
 * capi.c: the hand-written part of librump's C face: booting, the
 * per-thread current lwp, lwproc, etfs and netconfig over the Go side
 * (capi.go). The rump_sys_ wrappers are generated (zsyscalls.c).
 */
#include "capi.h"
#include "_cgo_export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__thread uint64_t rumpcapi_curlwp;

static int boothowto;

int
rump_init(void)
{
	return rumpcapi_init(boothowto);
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
rump_pub_netconfig_ifsetlinkstr(const char *ifname, const char *linkstr)
{
	(void)ifname;
	(void)linkstr;
	return RUMP_EOPNOTSUPP;
}

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
