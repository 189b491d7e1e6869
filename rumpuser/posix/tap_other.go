//go:build !linux

package posix

import (
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

var _ rumpuser.TapHost = (*Host)(nil)

// OpenTap implements rumpuser.TapHost: TAP devices are supported on
// Linux only, so it returns EOPNOTSUPP.
func (h *Host) OpenTap(name string) (rumpuser.Tap, error) {
	return nil, errno.EOPNOTSUPP
}
