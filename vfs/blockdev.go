package vfs

import (
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

// BlockDevice is the storage behind a mount's source: a window of a host
// file, as an etfs registration gives it.
type BlockDevice struct {
	File     rumpuser.File
	Offset   int64 // where the window starts in File
	Size     int64 // bytes
	ReadOnly bool  // the host file could only be opened for reading
}

// blockDevice resolves a mount source path to the host storage behind
// it: an etfs registration of any kind. Other sources give ENOTBLK.
func (v *VFS) blockDevice(l *kern.LWP, source string) (*BlockDevice, error) {
	vp, err := v.namei(l, source, true)
	if err != nil {
		return nil, err
	}
	defer vp.Rele()
	n, ok := vp.node.(*etfsNode)
	if !ok {
		return nil, errno.ENOTBLK
	}
	size, err := n.size()
	if err != nil {
		return nil, err
	}
	if err := v.access(l.Cred(), vp, accRead); err != nil {
		return nil, err
	}
	return &BlockDevice{File: n.e.host, Offset: n.e.begin, Size: size, ReadOnly: n.e.ro}, nil
}
