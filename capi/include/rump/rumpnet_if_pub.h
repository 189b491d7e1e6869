/*
 * rumpnet_if_pub.h: in NetBSD, the network faction's rump_pub_ calls,
 * which rump.h includes. gorump declares them all in rump.h, which
 * this header includes so that programs naming it compile: that is
 * rump_pub_shmif_create.
 */
#ifndef _RUMP_RUMPNET_IF_PUB_H_
#define _RUMP_RUMPNET_IF_PUB_H_

#include <rump/rump.h>

#endif /* _RUMP_RUMPNET_IF_PUB_H_ */
