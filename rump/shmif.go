package rump

import (
	"errors"
	"strconv"

	"github.com/gorump/gorump/kern/errno"
)

// shmifMaxUnit is the highest shmif unit number, net/shmif's MaxUnit
// (package rump does not import the driver, so that a program links it
// in only when it wants it).
const shmifMaxUnit = 1<<15 - 1

// CreateShmif makes a shmif interface on the bus file busPath, created
// on the host if it does not exist, and returns its name: what
// rump_pub_shmif_create does, with the lowest free unit number. The
// program must link the driver in (import _
// "github.com/gorump/gorump/net/shmif"); without it CreateShmif returns
// EINVAL. An empty busPath makes an interface with no bus, which
// SetInterfaceLinkStr gives one later. Errors are SetInterfaceLinkStr's,
// and ENOMEM when every unit is taken. The interface starts down and
// without an address.
func (k *Kernel) CreateShmif(busPath string) (string, error) {
	n, err := k.ifnet()
	if err != nil {
		return "", err
	}
	for unit := 0; unit <= shmifMaxUnit; unit++ {
		name := "shmif" + strconv.Itoa(unit)
		if n.ByName(name) != nil {
			continue
		}
		ifp, err := n.Create(name)
		if errors.Is(err, errno.EEXIST) {
			continue // another call took it meanwhile
		}
		if err != nil {
			return "", err
		}
		if busPath != "" {
			if err := ifp.SetLinkStr(busPath); err != nil {
				ifp.Detach() //nolint:errcheck // it never carried a frame
				return "", err
			}
		}
		return name, nil
	}
	return "", errno.ENOMEM
}

// SetInterfaceLinkStr sets the link string of interface name, as
// "ifconfig name linkstr s": for a shmif interface, its bus file.
// Errors: ENOTTY for an interface that takes none, EBUSY while it is up
// or has one, ENXIO when there is no such interface; for shmif, E2BIG
// for a path of 1024 bytes or more, ENOEXEC for a file that is not a
// bus, EOPNOTSUPP on a host without bus files.
func (k *Kernel) SetInterfaceLinkStr(name, s string) error {
	ifp, err := k.iface(name)
	if err != nil {
		return err
	}
	return ifp.SetLinkStr(s)
}

// UnsetInterfaceLinkStr removes the link string of interface name, as
// "ifconfig name -linkstr": ENOTTY, EBUSY and ENXIO as
// SetInterfaceLinkStr.
func (k *Kernel) UnsetInterfaceLinkStr(name string) error {
	ifp, err := k.iface(name)
	if err != nil {
		return err
	}
	return ifp.UnsetLinkStr()
}

// InterfaceLinkStr returns the link string of interface name: ENOTTY
// for an interface that takes none, ENOENT when it has none.
func (k *Kernel) InterfaceLinkStr(name string) (string, error) {
	ifp, err := k.iface(name)
	if err != nil {
		return "", err
	}
	return ifp.LinkStr()
}
