package vfs

import (
	"encoding/binary"
	"strings"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// Chdir makes path the caller's current directory.
func (v *VFS) Chdir(l *kern.LWP, path string) error {
	vp, err := v.namei(l, kern.AT_FDCWD, path, true)
	if err != nil {
		return err
	}
	return v.setCwd(l, vp)
}

// Fchdir makes the directory open at fd the current directory.
func (v *VFS) Fchdir(l *kern.LWP, fd int) error {
	vp, err := v.descVnode(l, fd)
	if err != nil {
		return err
	}
	return v.setCwd(l, vp)
}

// setCwd installs vp (reference handed over) as the current directory.
func (v *VFS) setCwd(l *kern.LWP, vp *Vnode) error {
	if vp.typ != VDIR {
		vp.Rele()
		return errno.ENOTDIR
	}
	if err := v.access(l.Cred(), vp, accExec); err != nil {
		vp.Rele()
		return err
	}
	pd := dirsSlot.Get(l.Proc())
	pd.mu.Lock()
	old := pd.cwd
	pd.cwd = vp
	pd.mu.Unlock()
	old.Rele()
	return nil
}

// Chroot makes path the caller's root directory; only root may.
func (v *VFS) Chroot(l *kern.LWP, path string) error {
	if !l.Cred().IsRoot() {
		return errno.EPERM
	}
	vp, err := v.namei(l, kern.AT_FDCWD, path, true)
	if err != nil {
		return err
	}
	if vp.typ != VDIR {
		vp.Rele()
		return errno.ENOTDIR
	}
	pd := dirsSlot.Get(l.Proc())
	pd.mu.Lock()
	old := pd.root
	pd.root = vp
	pd.mu.Unlock()
	old.Rele()
	return nil
}

// Getcwd returns the path of the current directory, relative to the
// caller's root.
func (v *VFS) Getcwd(l *kern.LWP) (string, error) {
	cwd, root := v.procDirs(l.Proc())
	defer root.Rele()
	var names []string
	cur := cwd
	defer func() { cur.Rele() }()
	for cur != root && cur != v.root {
		dir := cur
		for dir == dir.mount.root && dir.mount.covered != nil {
			dir = dir.mount.covered
		}
		if dir == root || dir == v.root {
			return "", errno.ENOENT // a mount's root that is our root's mount point
		}
		parent, err := v.lookupShared(dir, "..")
		if err != nil {
			return "", err
		}
		name, err := v.nameOf(parent, dir)
		if err != nil {
			parent.Rele()
			return "", err
		}
		names = append(names, name)
		cur.Rele()
		cur = parent
		if len(names) > PathMax/2 {
			return "", errno.ENAMETOOLONG
		}
	}
	var b strings.Builder
	for i := len(names) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(names[i])
	}
	if b.Len() == 0 {
		return "/", nil
	}
	if b.Len() >= PathMax {
		return "", errno.ENAMETOOLONG
	}
	return b.String(), nil
}

// nameOf finds the name child has in dir by reading dir.
func (v *VFS) nameOf(dir, child *Vnode) (string, error) {
	dir.lock.RLock()
	defer dir.lock.RUnlock()
	var found string
	err := dir.node.ReadDir(0, func(d Dirent) bool {
		if d.Ino == child.ino && d.Name != "." && d.Name != ".." {
			found = d.Name
			return false
		}
		return true
	})
	if err != nil {
		return "", errno.From(err)
	}
	if found == "" {
		return "", errno.ENOENT // removed while we looked
	}
	return found, nil
}

// ReadDir reads up to n entries (all when n <= 0) from the directory open
// at fd, continuing from its offset, which is a cookie: lseek to a value
// this call has left in the offset resumes there.
func (v *VFS) ReadDir(l *kern.LWP, fd int, n int) ([]Dirent, error) {
	var out []Dirent
	err := v.readDir(l, fd, func(d Dirent) bool {
		if n > 0 && len(out) >= n {
			return false
		}
		out = append(out, d)
		return true
	})
	return out, err
}

// readDir feeds entries from fd's offset to emit, which returns false for
// an entry it does not take; the offset moves past the entries taken.
func (v *VFS) readDir(l *kern.LWP, fd int, emit func(Dirent) bool) error {
	f, vp, err := v.fileVnode(l, fd)
	if err != nil {
		return err
	}
	defer f.Release(l)
	defer vp.Rele()
	if vp.typ != VDIR {
		return errno.ENOTDIR
	}
	if f.Flags()&kern.FREAD == 0 {
		return errno.EBADF
	}
	off := f.LockOffset()
	cookie := uint64(off)
	vp.lock.RLock()
	err = vp.node.ReadDir(cookie, func(d Dirent) bool {
		if !emit(d) {
			return false
		}
		cookie = d.Next
		return true
	})
	vp.lock.RUnlock()
	f.UnlockOffset(int64(cookie))
	return errno.From(err)
}

// direntHeader is the size of NetBSD's struct dirent before d_name:
// d_fileno (8), d_reclen (2), d_namlen (2), d_type (1).
const direntHeader = 13

// DirentSize returns the record length NetBSD's getdents gives an entry
// with a name of namlen bytes (_DIRENT_RECLEN).
func DirentSize(namlen int) int { return (direntHeader + namlen + 1 + 7) &^ 7 }

// Getdents fills buf with NetBSD struct dirent records (host byte order,
// as the kernel would write them) and returns the bytes used; 0 means the
// end of the directory. A buffer too small for one entry gives EINVAL.
func (v *VFS) Getdents(l *kern.LWP, fd int, buf []byte) (int, error) {
	used := 0
	err := v.readDir(l, fd, func(d Dirent) bool {
		reclen := DirentSize(len(d.Name))
		if used+reclen > len(buf) {
			return false
		}
		rec := buf[used : used+reclen]
		binary.NativeEndian.PutUint64(rec[0:], uint64(d.Ino))
		binary.NativeEndian.PutUint16(rec[8:], uint16(reclen))
		binary.NativeEndian.PutUint16(rec[10:], uint16(len(d.Name)))
		rec[12] = d.Type.DirentType()
		n := copy(rec[direntHeader:], d.Name)
		clear(rec[direntHeader+n:])
		used += reclen
		return true
	})
	if err == nil && used == 0 && len(buf) < DirentSize(NameMax) {
		// Possibly an entry did not fit: tell the caller rather than
		// report the end.
		var probe bool
		v.readDir(l, fd, func(Dirent) bool { probe = true; return false }) //nolint:errcheck // a probe
		if probe {
			return 0, errno.EINVAL
		}
	}
	return used, err
}

// Fstatvfs describes the file system holding the file open at fd.
func (v *VFS) Fstatvfs(l *kern.LWP, fd int) (Statvfs, error) {
	f, vp, err := v.fileVnode(l, fd)
	if err != nil {
		return Statvfs{}, err
	}
	defer f.Release(l)
	defer vp.Rele()
	return vp.mount.statvfs()
}
