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

	vp *Vnode // the etfs vnode, referenced while a mount uses the device
}

// release drops the hold on the etfs registration, which EtfsRemove
// refuses to remove while it lasts.
func (d *BlockDevice) release() {
	if d != nil && d.vp != nil {
		d.vp.Rele()
		d.vp = nil
	}
}

// blockDevice resolves a mount source path to the host storage behind
// it: an etfs registration of any kind, held until the device's release.
// Other sources give ENOTBLK.
func (v *VFS) blockDevice(l *kern.LWP, source string) (*BlockDevice, error) {
	vp, err := v.namei(l, kern.AT_FDCWD, source, true)
	if err != nil {
		return nil, err
	}
	n, ok := vp.node.(*etfsNode)
	if !ok {
		vp.Rele()
		return nil, errno.ENOTBLK
	}
	size, err := n.size()
	if err == nil {
		err = v.access(l.Cred(), vp, accRead)
	}
	if err != nil {
		vp.Rele()
		return nil, err
	}
	return &BlockDevice{File: n.e.host, Offset: n.e.begin, Size: size, ReadOnly: n.e.ro, vp: vp}, nil
}
