package main

/*
#include <stddef.h>
*/
import "C"

import (
	"strconv"
	"strings"

	"github.com/gorump/gorump/kern/errno"
)

// shmif interfaces and link strings (rumpnet_if_pub.h, netconfig.h).

// rumpcapi_shmif_create makes a shmif interface on the bus file path (no
// bus for NULL) and stores its unit in *ifnum when ifnum is not NULL,
// as NetBSD's rump_pub_shmif_create. It returns 0 or a NetBSD errno:
// EINVAL when the shmif component is not linked in, ENOEXEC for a
// file that is not a bus, and the host's errors opening it.
//
//export rumpcapi_shmif_create
func rumpcapi_shmif_create(path *C.char, ifnum *C.int) C.int {
	k := booted()
	if k == nil {
		return C.int(errno.ENXIO)
	}
	var bus string
	if path != nil {
		bus = C.GoString(path)
	}
	name, err := k.CreateShmif(bus)
	if err != nil {
		return errnoOf(err)
	}
	unit, err := strconv.Atoi(strings.TrimPrefix(name, "shmif"))
	if err != nil {
		return C.int(errno.EINVAL) // cannot happen: CreateShmif names shmifN
	}
	if ifnum != nil {
		*ifnum = C.int(unit)
	}
	return 0
}

// rumpcapi_netconfig_ifsetlinkstr sets the link string of an interface,
// as SIOCSLINKSTR: ENOTTY for an interface that takes none, EBUSY while
// it is up or has one, ENXIO when there is no such interface.
//
//export rumpcapi_netconfig_ifsetlinkstr
func rumpcapi_netconfig_ifsetlinkstr(name, linkstr *C.char) C.int {
	k := booted()
	if k == nil {
		return C.int(errno.ENXIO)
	}
	if name == nil || linkstr == nil {
		return C.int(errno.EFAULT)
	}
	return errnoOf(k.SetInterfaceLinkStr(C.GoString(name), C.GoString(linkstr)))
}
