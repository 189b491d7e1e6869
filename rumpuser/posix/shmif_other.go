//go:build !linux

package posix

import (
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

var _ rumpuser.ShmifHost = (*Host)(nil)

// OpenBus implements rumpuser.ShmifHost: shmif buses are supported on
// Linux only (kqueue's EVFILT_VNODE would serve the BSDs, as in NetBSD),
// so it returns EOPNOTSUPP.
func (h *Host) OpenBus(name string, size int) (rumpuser.Bus, error) {
	return nil, errno.EOPNOTSUPP
}
