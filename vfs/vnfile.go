package vfs

import (
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// vnodeFile is an open vnode: the kern.FileOps behind descriptors that
// name files. It holds one reference on the vnode.
type vnodeFile struct {
	v    *VFS
	vp   *Vnode
	cred *kern.Cred // the opener's, as NetBSD's f_cred: writes are made with them
}

func (vf *vnodeFile) Read(l *kern.LWP, f *kern.File, p []byte, off int64) (int, error) {
	vp := vf.vp
	if vp.typ == VDIR {
		return 0, errno.EISDIR
	}
	if len(p) == 0 {
		return 0, nil
	}
	vp.lock.RLock()
	defer vp.lock.RUnlock()
	n, err := vp.node.Read(p, off)
	return n, errno.From(err)
}

func (vf *vnodeFile) Write(l *kern.LWP, f *kern.File, p []byte, off int64) (int, int64, error) {
	vp := vf.vp
	if vp.typ == VDIR {
		return 0, off, errno.EISDIR
	}
	vp.lock.Lock()
	defer vp.lock.Unlock()
	flags := f.Flags()
	if flags&kern.O_APPEND != 0 {
		a, err := vp.node.Attr()
		if err != nil {
			return 0, off, errno.From(err)
		}
		off = a.Size
	}
	if len(p) == 0 {
		return 0, off, nil
	}
	if vp.mount.ReadOnly() {
		return 0, off, errno.EROFS
	}
	var n int
	var err error
	if cw, ok := vp.node.(CredWriter); ok {
		n, err = cw.WriteCred(vf.cred, p, off)
	} else {
		n, err = vp.node.Write(p, off)
	}
	if err == nil && flags&(kern.O_SYNC|kern.O_DSYNC) != 0 {
		err = vp.node.Fsync(flags&kern.O_SYNC == 0)
	}
	if n > 0 && vp.perm().mode&(kern.S_ISUID|kern.S_ISGID) != 0 {
		// Writing clears set-id bits; keep the cached copy true.
		if a, aerr := vp.node.Attr(); aerr == nil {
			vp.setPerm(&a)
		}
	}
	return n, off + int64(n), errno.From(err)
}

func (vf *vnodeFile) Stat(l *kern.LWP, f *kern.File) (kern.Stat, error) {
	return vf.v.stat(vf.vp)
}

func (vf *vnodeFile) Close(l *kern.LWP, f *kern.File) error {
	vf.vp.Rele()
	return nil
}

func (vf *vnodeFile) Sync(l *kern.LWP, f *kern.File, dataOnly bool) error {
	vp := vf.vp
	vp.lock.Lock()
	defer vp.lock.Unlock()
	return errno.From(vp.node.Fsync(dataOnly))
}

// stat converts vp's attributes to what stat(2) reports.
func (v *VFS) stat(vp *Vnode) (kern.Stat, error) {
	vp.lock.RLock()
	a, err := vp.node.Attr()
	vp.lock.RUnlock()
	if err != nil {
		return kern.Stat{}, errno.From(err)
	}
	return kern.Stat{
		Dev:       vp.mount.dev(),
		Ino:       uint64(a.Ino),
		Mode:      a.Type.ModeBits() | a.Mode&kern.ALLPERMS,
		Nlink:     a.Nlink,
		UID:       a.UID,
		GID:       a.GID,
		Rdev:      a.Rdev,
		Size:      a.Size,
		Blocks:    (a.Bytes + 511) / 512,
		Blksize:   a.Blksize,
		Flags:     a.Flags,
		Gen:       a.Gen,
		Atime:     a.Atime,
		Mtime:     a.Mtime,
		Ctime:     a.Ctime,
		Birthtime: a.Birthtime,
	}, nil
}

// dev returns the device number stat reports for files of m: unique per
// mount within the kernel.
func (m *Mount) dev() uint64 { return m.devno }

// descVnode returns the vnode open on descriptor fd, referenced, for a
// caller that needs the vnode and not the open file (a lookup starting
// there, fchdir): EBADF when fd is not open and EINVAL when it is not a
// vnode (a socket), as NetBSD's fd_getvnode.
func (v *VFS) descVnode(l *kern.LWP, fd int) (*Vnode, error) {
	f, vp, err := v.fileVnode(l, fd)
	if err != nil {
		return nil, err
	}
	f.Release(l)
	return vp, nil
}

// fileVnode returns the vnode behind descriptor fd, referenced, and the
// file (also referenced; release both).
func (v *VFS) fileVnode(l *kern.LWP, fd int) (*kern.File, *Vnode, error) {
	f, err := l.Proc().Files().Get(fd)
	if err != nil {
		return nil, nil, err
	}
	vfr, ok := f.Ops().(vnodeFiler)
	if !ok {
		f.Release(l)
		return nil, nil, errno.EINVAL
	}
	vp := vfr.vfile().vp
	vp.Ref()
	return f, vp, nil
}
