/*
 * netconfig.h: interface and route setup, buildrump's rump/netconfig.h
 * over gorump's network stack. Each returns 0 or a NetBSD errno.
 *
 * ifcreate makes "virtN" interfaces over the host's TAP device "tapN"
 * and "shmifN" interfaces with no bus (RUMP_EINVAL for a name no
 * linked-in driver answers for, RUMP_EEXIST for one that exists);
 * ifdestroy removes them. ifsetlinkstr gives a shmif interface its bus
 * file (RUMP_EBUSY while it is up or has one, RUMP_ENOTTY for other
 * interfaces). ipv4_ifaddr also brings the interface up. The bridge,
 * IPv6 and DHCP calls return RUMP_EOPNOTSUPP.
 */
#ifndef _RUMP_NETCONFIG_H_
#define _RUMP_NETCONFIG_H_

#ifdef __cplusplus
extern "C" {
#endif

int rump_pub_netconfig_ifcreate(const char *ifname);
int rump_pub_netconfig_ifdestroy(const char *ifname);
int rump_pub_netconfig_ifup(const char *ifname);
int rump_pub_netconfig_ifdown(const char *ifname);
int rump_pub_netconfig_ifsetlinkstr(const char *ifname, const char *linkstr);
int rump_pub_netconfig_bradd(const char *bridge, const char *ifname);
int rump_pub_netconfig_brdel(const char *bridge, const char *ifname);
int rump_pub_netconfig_ipv4_ifaddr(const char *ifname, const char *addr,
    const char *mask);
int rump_pub_netconfig_ipv4_ifaddr_cidr(const char *ifname, const char *addr,
    int prefixlen);
int rump_pub_netconfig_ipv4_gw(const char *gwaddr);
int rump_pub_netconfig_ipv6_ifaddr(const char *ifname, const char *addr,
    int prefixlen);
int rump_pub_netconfig_ipv6_gw(const char *gwaddr);
int rump_pub_netconfig_dhcp_ipv4_oneshot(const char *ifname);
int rump_pub_netconfig_auto_ipv6(const char *ifname);

#ifdef __cplusplus
}
#endif

#endif /* _RUMP_NETCONFIG_H_ */
