/*
 * rumpkern_if_pub.h: in NetBSD, the kernel's rump_pub_ calls (lwproc,
 * etfs), which rump.h includes. gorump declares them all in rump.h,
 * which this header includes so that programs naming it compile. Not
 * offered: module loading, uio and credential handles.
 */
#ifndef _RUMP_RUMPKERN_IF_PUB_H_
#define _RUMP_RUMPKERN_IF_PUB_H_

#include <rump/rump.h>

#endif /* _RUMP_RUMPKERN_IF_PUB_H_ */
