package vfs

import (
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// Special Nsec values for Utimens, NetBSD's UTIME_NOW and UTIME_OMIT.
const (
	UTIME_NOW  = (1 << 30) - 1
	UTIME_OMIT = (1 << 30) - 2
)

// setattrLocked applies a to vp with no permission checks beyond the
// read-only mount, taking vp's lock.
func (v *VFS) setattrLocked(vp *Vnode, a *SetAttr) error {
	vp.lock.Lock()
	defer vp.lock.Unlock()
	return v.applySetattr(vp, a)
}

func (v *VFS) applySetattr(vp *Vnode, a *SetAttr) error {
	if vp.mount.ReadOnly() {
		return errno.EROFS
	}
	if err := vp.node.Setattr(a); err != nil {
		return errno.From(err)
	}
	if a.Mask&(SetMode|SetUID|SetGID) != 0 {
		na, err := vp.node.Attr()
		if err != nil {
			return errno.From(err)
		}
		vp.setPerm(&na)
	}
	return nil
}

// setattr changes vp's attributes on behalf of cred, enforcing who may
// change what: the owner or root may chmod; only root may give a file
// away; the owner may change its group to one of their groups.
func (v *VFS) setattr(cred *kern.Cred, vp *Vnode, a *SetAttr) error {
	vp.lock.Lock()
	defer vp.lock.Unlock()
	if vp.mount.ReadOnly() {
		return errno.EROFS
	}
	cur, err := vp.node.Attr()
	if err != nil {
		return errno.From(err)
	}
	root := cred.IsRoot()
	owner := cred.UID() == cur.UID
	if a.Mask&SetMode != 0 {
		switch {
		case !root && !owner:
			return errno.EPERM
		case !root && vp.typ != VDIR && a.Mode&kern.S_ISVTX != 0:
			return errno.EFTYPE
		case !root && a.Mode&kern.S_ISGID != 0 && !cred.InGroup(cur.GID):
			return errno.EPERM
		}
		a.Mode &= kern.ALLPERMS
	}
	if a.Mask&(SetUID|SetGID) != 0 {
		uidChange := a.Mask&SetUID != 0 && a.UID != cur.UID
		gidChange := a.Mask&SetGID != 0 && a.GID != cur.GID
		if !root && (uidChange || !owner || gidChange && !cred.InGroup(a.GID)) {
			return errno.EPERM
		}
		if (uidChange || gidChange) && !root && cur.Mode&(kern.S_ISUID|kern.S_ISGID) != 0 && a.Mask&SetMode == 0 {
			a.Mask |= SetMode
			a.Mode = cur.Mode &^ (kern.S_ISUID | kern.S_ISGID)
		}
	}
	if a.Mask&SetSize != 0 {
		switch vp.typ {
		case VDIR:
			return errno.EISDIR
		case VREG:
		default:
			return errno.EINVAL
		}
		if a.Size < 0 {
			return errno.EINVAL
		}
	}
	return v.applySetattr(vp, a)
}

// Chmod sets the permission bits of path.
func (v *VFS) Chmod(l *kern.LWP, path string, mode uint32) error {
	return v.Fchmodat(l, kern.AT_FDCWD, path, mode, 0)
}

// Lchmod is Chmod on a symlink itself.
func (v *VFS) Lchmod(l *kern.LWP, path string, mode uint32) error {
	return v.Fchmodat(l, kern.AT_FDCWD, path, mode, kern.AT_SYMLINK_NOFOLLOW)
}

// Fchmodat is fchmodat(2): Chmod from directory descriptor at, or
// Lchmod when flags is kern.AT_SYMLINK_NOFOLLOW. Other flags are EINVAL.
func (v *VFS) Fchmodat(l *kern.LWP, at int, path string, mode uint32, flags int) error {
	return v.pathSetattr(l, at, path, flags, &SetAttr{Mask: SetMode, Mode: mode})
}

// Fchmod is Chmod on an open file.
func (v *VFS) Fchmod(l *kern.LWP, fd int, mode uint32) error {
	return v.fdSetattr(l, fd, &SetAttr{Mask: SetMode, Mode: mode})
}

// NoChange as a uid or gid leaves that id as it is (chown's -1).
const NoChange = ^uint32(0)

func chownAttr(uid, gid uint32) *SetAttr {
	a := &SetAttr{UID: uid, GID: gid}
	if uid != NoChange {
		a.Mask |= SetUID
	}
	if gid != NoChange {
		a.Mask |= SetGID
	}
	return a
}

// Chown sets the owner and group of path; NoChange keeps one.
func (v *VFS) Chown(l *kern.LWP, path string, uid, gid uint32) error {
	return v.Fchownat(l, kern.AT_FDCWD, path, uid, gid, 0)
}

// Lchown is Chown on a symlink itself.
func (v *VFS) Lchown(l *kern.LWP, path string, uid, gid uint32) error {
	return v.Fchownat(l, kern.AT_FDCWD, path, uid, gid, kern.AT_SYMLINK_NOFOLLOW)
}

// Fchownat is fchownat(2): Chown from directory descriptor at, or
// Lchown when flags is kern.AT_SYMLINK_NOFOLLOW. Other flags are EINVAL.
func (v *VFS) Fchownat(l *kern.LWP, at int, path string, uid, gid uint32, flags int) error {
	return v.pathSetattr(l, at, path, flags, chownAttr(uid, gid))
}

// Fchown is Chown on an open file.
func (v *VFS) Fchown(l *kern.LWP, fd int, uid, gid uint32) error {
	return v.fdSetattr(l, fd, chownAttr(uid, gid))
}

// Truncate sets the size of the file at path, which the caller must be
// allowed to write.
func (v *VFS) Truncate(l *kern.LWP, path string, size int64) error {
	vp, err := v.namei(l, kern.AT_FDCWD, path, true)
	if err != nil {
		return err
	}
	defer vp.Rele()
	if vp.typ == VDIR {
		return errno.EISDIR
	}
	if err := v.access(l.Cred(), vp, accWrite); err != nil {
		return err
	}
	return v.setattr(l.Cred(), vp, &SetAttr{Mask: SetSize, Size: size})
}

// Ftruncate sets the size of the file open at fd, which must be open for
// writing.
func (v *VFS) Ftruncate(l *kern.LWP, fd int, size int64) error {
	f, vp, err := v.fileVnode(l, fd)
	if err != nil {
		return err
	}
	defer f.Release(l)
	defer vp.Rele()
	if f.Flags()&kern.FWRITE == 0 {
		return errno.EINVAL
	}
	return v.setattr(l.Cred(), vp, &SetAttr{Mask: SetSize, Size: size})
}

// Utimens sets the access and modification times of path. A time whose
// Nsec is UTIME_NOW takes the current time, UTIME_OMIT leaves it; nil
// times mean both now. With nofollow a final symlink is changed itself.
func (v *VFS) Utimens(l *kern.LWP, path string, times *[2]kern.Timespec, nofollow bool) error {
	flags := 0
	if nofollow {
		flags = kern.AT_SYMLINK_NOFOLLOW
	}
	return v.Utimensat(l, kern.AT_FDCWD, path, times, flags)
}

// Utimensat is utimensat(2): Utimens from directory descriptor at, not
// following a final symlink when flags is kern.AT_SYMLINK_NOFOLLOW.
// Other flags are EINVAL.
func (v *VFS) Utimensat(l *kern.LWP, at int, path string, times *[2]kern.Timespec, flags int) error {
	follow, err := followFlag(flags)
	if err != nil {
		return err
	}
	vp, err := v.namei(l, at, path, follow)
	if err != nil {
		return err
	}
	defer vp.Rele()
	return v.utimens(l, vp, times)
}

// Futimens is Utimens on an open file.
func (v *VFS) Futimens(l *kern.LWP, fd int, times *[2]kern.Timespec) error {
	f, vp, err := v.fileVnode(l, fd)
	if err != nil {
		return err
	}
	defer f.Release(l)
	defer vp.Rele()
	return v.utimens(l, vp, times)
}

func (v *VFS) utimens(l *kern.LWP, vp *Vnode, times *[2]kern.Timespec) error {
	now := v.k.Now()
	ts := [2]kern.Timespec{{Nsec: UTIME_NOW}, {Nsec: UTIME_NOW}}
	if times != nil {
		ts = *times
	}
	a := &SetAttr{}
	allNow := true
	for i, t := range ts {
		switch {
		case t.Nsec == UTIME_OMIT:
			continue
		case t.Nsec == UTIME_NOW:
			t = now
		case t.Nsec < 0 || t.Nsec >= 1e9:
			return errno.EINVAL
		default:
			allNow = false
		}
		if i == 0 {
			a.Mask |= SetAtime
			a.Atime = t
		} else {
			a.Mask |= SetMtime
			a.Mtime = t
		}
	}
	if a.Mask == 0 {
		return nil
	}
	cred := l.Cred()
	if !cred.IsRoot() && cred.UID() != vp.perm().uid {
		if !allNow {
			return errno.EPERM
		}
		if err := v.access(cred, vp, accWrite); err != nil {
			return err
		}
	}
	return v.setattrLocked(vp, a)
}

// pathSetattr is setattr on the file at path, looked up from at and
// following a final symlink unless flags is kern.AT_SYMLINK_NOFOLLOW.
func (v *VFS) pathSetattr(l *kern.LWP, at int, path string, flags int, a *SetAttr) error {
	follow, err := followFlag(flags)
	if err != nil {
		return err
	}
	vp, err := v.namei(l, at, path, follow)
	if err != nil {
		return err
	}
	defer vp.Rele()
	return v.setattr(l.Cred(), vp, a)
}

func (v *VFS) fdSetattr(l *kern.LWP, fd int, a *SetAttr) error {
	f, vp, err := v.fileVnode(l, fd)
	if err != nil {
		return err
	}
	defer f.Release(l)
	defer vp.Rele()
	return v.setattr(l.Cred(), vp, a)
}
