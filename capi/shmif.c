/*
 * shmif.c: rump_pub_shmif_create and the link string of netconfig, over
 * the Go side (shmif.go).
 */
#include "capi.h"
#include "_cgo_export.h"

int
rump_pub_shmif_create(const char *path, int *ifnum)
{
	return rumpcapi_shmif_create((char *)path, ifnum);
}

int
rump_pub_netconfig_ifsetlinkstr(const char *ifname, const char *linkstr)
{
	return rumpcapi_netconfig_ifsetlinkstr((char *)ifname, (char *)linkstr);
}
