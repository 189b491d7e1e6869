package ifnet

import "github.com/gorump/gorump/kern/errno"

// LinkStrLink is a Link whose far end is named by a string given after
// the interface exists: NetBSD's link string (SIOCSLINKSTR, "ifconfig
// shmif0 linkstr busfile"), such as the bus file of a shmif interface.
type LinkStrLink interface {
	Link
	// LinkStr returns the link string; ENOENT when none is set.
	LinkStr() (string, error)
	// SetLinkStr sets the link string; EBUSY when one is set.
	SetLinkStr(s string) error
	// UnsetLinkStr removes the link string (IFLINKSTR_UNSET).
	UnsetLinkStr() error
}

// RunningLink is a Link that works only while its interface is up, as
// a NetBSD driver with if_init and if_stop: Init is called when the
// interface goes up, and an error keeps it down; Stop when it goes
// down or is detached while up.
type RunningLink interface {
	Link
	Init() error
	Stop()
}

// LinkStr returns the interface's link string: ENOTTY for a link that
// takes none (as NetBSD's ioctl), ENOENT when none is set.
func (ifp *Interface) LinkStr() (string, error) {
	l, ok := ifp.link.(LinkStrLink)
	if !ok {
		return "", errno.ENOTTY
	}
	return l.LinkStr()
}

// SetLinkStr gives the interface's link its link string, as
// SIOCSLINKSTR: ENOTTY for a link that takes none, EBUSY while the
// interface is up, ENXIO once detached, and what the link returns.
func (ifp *Interface) SetLinkStr(s string) error {
	return ifp.changeLinkStr(func(l LinkStrLink) error { return l.SetLinkStr(s) })
}

// UnsetLinkStr removes the link string, as SIOCSLINKSTR with
// IFLINKSTR_UNSET; errors as SetLinkStr's.
func (ifp *Interface) UnsetLinkStr() error {
	return ifp.changeLinkStr(LinkStrLink.UnsetLinkStr)
}

func (ifp *Interface) changeLinkStr(change func(LinkStrLink) error) error {
	l, ok := ifp.link.(LinkStrLink)
	if !ok {
		return errno.ENOTTY
	}
	n := ifp.n
	n.cfgMu.Lock()
	defer n.cfgMu.Unlock()
	switch {
	case ifp.detached.Load():
		return errno.ENXIO
	case ifp.up.Load():
		return errno.EBUSY
	}
	return change(l)
}
