/*
 * rumpvfs_if_pub.h: in NetBSD, the VFS faction's rump_pub_ calls,
 * which rump.h includes. gorump declares them all in rump.h, which
 * this header includes so that programs naming it compile. Not
 * offered: NetBSD's vnode-level calls (namei, vp_*, vattr_*, vfs_*):
 * programs reach files through the rump_sys_ calls.
 */
#ifndef _RUMP_RUMPVFS_IF_PUB_H_
#define _RUMP_RUMPVFS_IF_PUB_H_

#include <rump/rump.h>

#endif /* _RUMP_RUMPVFS_IF_PUB_H_ */
