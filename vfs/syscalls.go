package vfs

import (
	"cmp"
	"slices"
	"strings"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// The file-system syscalls. Each is a method of the kernel's VFS taking
// the calling LWP, and returns errno.Errno errors.
//
// The *at forms take a directory descriptor, at, for each path: a
// relative path is looked up from the directory open there, or from the
// current directory when at is kern.AT_FDCWD; an absolute path ignores
// it. As on NetBSD, a descriptor that is not open is EBADF, one that is
// not a vnode (a socket) EINVAL and one on a non-directory ENOTDIR; the
// lookup checks search permission on that directory as on any other.
// The forms without "at" are the same calls with kern.AT_FDCWD.

// Open opens path with open(2) flags (kern.O_*) and returns a descriptor.
// With O_CREAT a missing file is made with mode less the umask and
// S_ISVTX.
func (v *VFS) Open(l *kern.LWP, path string, flags int, mode uint32) (int, error) {
	return v.Openat(l, kern.AT_FDCWD, path, flags, mode)
}

// Openat is Open from directory descriptor at, as openat(2).
func (v *VFS) Openat(l *kern.LWP, at int, path string, flags int, mode uint32) (int, error) {
	if flags&kern.O_ACCMODE == kern.O_ACCMODE {
		return -1, errno.EINVAL
	}
	vp, err := v.openVnode(l, at, path, flags, mode)
	if err != nil {
		return -1, err
	}
	f, err := v.newFile(l, vp, flags)
	if err != nil {
		return -1, err
	}
	fd, err := l.Proc().Files().Alloc(f, 0, flags&kern.O_CLOEXEC != 0)
	if err != nil {
		f.Release(l)
		return -1, err
	}
	return fd, nil
}

func (v *VFS) openVnode(l *kern.LWP, at int, path string, flags int, mode uint32) (*Vnode, error) {
	cred := l.Cred()
	follow := flags&kern.O_NOFOLLOW == 0
	var vp *Vnode
	created := false
	if flags&kern.O_CREAT != 0 {
		if flags&kern.O_EXCL != 0 {
			follow = false
		}
		var err error
		vp, created, err = v.openCreate(l, at, path, follow, flags&kern.O_EXCL != 0, mode)
		if err != nil {
			return nil, err
		}
	} else {
		var err error
		if vp, err = v.namei(l, at, path, follow); err != nil {
			return nil, err
		}
	}
	fail := func(err error) (*Vnode, error) {
		vp.Rele()
		return nil, err
	}
	switch {
	case vp.typ == VLNK:
		return fail(errno.EFTYPE) // O_NOFOLLOW on a symlink, as NetBSD answers
	case flags&kern.O_DIRECTORY != 0 && vp.typ != VDIR:
		return fail(errno.ENOTDIR)
	case flags&kern.O_REGULAR != 0 && vp.typ != VREG:
		return fail(errno.EFTYPE)
	case vp.typ == VSOCK:
		return fail(errno.EOPNOTSUPP)
	}
	writing := flags&kern.O_ACCMODE != kern.O_RDONLY || flags&kern.O_TRUNC != 0
	if !created {
		if vp.typ == VDIR && writing {
			return fail(errno.EISDIR)
		}
		var want uint32
		if flags&kern.O_ACCMODE != kern.O_WRONLY {
			want |= accRead
		}
		if writing {
			want |= accWrite
		}
		if err := v.access(cred, vp, want); err != nil {
			return fail(err)
		}
	}
	if flags&kern.O_TRUNC != 0 && vp.typ == VREG && !created {
		if err := v.setattrLocked(vp, &SetAttr{Mask: SetSize}); err != nil {
			return fail(err)
		}
	}
	return vp, nil
}

// openCreate is open's O_CREAT path: it finds or creates the last
// component, following symlinks to missing files when follow is set. A
// relative symlink's target is looked up, as path is, from at.
func (v *VFS) openCreate(l *kern.LWP, at int, path string, follow, excl bool, mode uint32) (*Vnode, bool, error) {
	cred := l.Cred()
	for links := 0; ; links++ {
		if links > MaxSymlink {
			return nil, false, errno.ELOOP
		}
		r, err := v.lookup(l, at, path, lookParent)
		if err != nil {
			return nil, false, err
		}
		if r.dir == nil || r.name == "." || r.name == ".." {
			r.done()
			vp, err := v.namei(l, at, path, true)
			if err != nil {
				return nil, false, err
			}
			if excl {
				vp.Rele()
				return nil, false, errno.EEXIST
			}
			return vp, false, nil
		}
		dir := r.dir
		dir.lock.Lock()
		existing, err := v.lookupForChange(dir, r.name)
		if err == errno.ENOENT {
			// As NetBSD's open, never make a sticky file.
			vp, err := v.createLocked(cred, l.Proc(), dir, r.name, r.slash, &NewNode{Type: VREG, Mode: mode &^ kern.S_ISVTX})
			dir.lock.Unlock()
			dir.Rele()
			return vp, err == nil, err
		}
		dir.lock.Unlock()
		if err != nil {
			dir.Rele()
			return nil, false, err
		}
		existing = crossMounts(existing)
		if excl {
			existing.Rele()
			dir.Rele()
			return nil, false, errno.EEXIST
		}
		if existing.typ != VLNK || !follow {
			dir.Rele()
			if r.slash && existing.typ != VDIR {
				existing.Rele()
				return nil, false, errno.ENOTDIR
			}
			return existing, false, nil
		}
		target, err := readlink(existing)
		existing.Rele()
		dir.Rele()
		if err != nil {
			return nil, false, err
		}
		if target == "" {
			return nil, false, errno.ENOENT
		}
		if target[0] != '/' {
			trimmed := strings.TrimRight(path, "/")
			target = trimmed[:strings.LastIndexByte(trimmed, '/')+1] + target
		}
		path = target
	}
}

// createLocked makes entry name in dir, which the caller holds locked
// exclusively and has found absent. Mode is masked by p's umask; the new
// node's group is the directory's, as BSD file systems do.
func (v *VFS) createLocked(cred *kern.Cred, p *kern.Proc, dir *Vnode, name string, slash bool, nn *NewNode) (*Vnode, error) {
	return v.makeLocked(cred, p, dir, name, slash, nn, func(nn *NewNode) (Node, error) {
		return dir.node.Create(name, nn)
	})
}

func (v *VFS) makeLocked(cred *kern.Cred, p *kern.Proc, dir *Vnode, name string, slash bool, nn *NewNode, make func(*NewNode) (Node, error)) (*Vnode, error) {
	if slash && nn.Type != VDIR {
		// The directory "name/" named went away after the lookup.
		return nil, errno.ENOENT
	}
	if err := v.access(cred, dir, accWrite|accExec); err != nil {
		return nil, err
	}
	if dir.mount.ReadOnly() {
		return nil, errno.EROFS
	}
	nn.Mode = nn.Mode & kern.ALLPERMS &^ p.Umask()
	nn.UID = cred.UID()
	nn.GID = dir.perm().gid
	nn.Cred = cred
	if !cred.IsRoot() && !cred.InGroup(nn.GID) {
		nn.Mode &^= kern.S_ISGID
	}
	node, err := make(nn)
	if err != nil {
		return nil, errno.From(err)
	}
	v.nc.remove(dir, name)
	return dir.mount.adopt(node)
}

// parentLocked looks up path's parent from at (lookParent and how),
// locks it exclusively and returns it; the caller unlocks and releases
// it. Paths without a last component ("/") or ending in "." or ".." give
// errForDots.
func (v *VFS) parentLocked(l *kern.LWP, at int, path string, how lookFlags, errForDots errno.Errno) (nameResult, error) {
	r, err := v.lookup(l, at, path, lookParent|how)
	if err != nil {
		return r, err
	}
	if r.dir == nil || r.name == "." || r.name == ".." {
		r.done()
		return nameResult{}, errForDots
	}
	r.dir.lock.Lock()
	return r, nil
}

func (r *nameResult) unlockDone() {
	r.dir.lock.Unlock()
	r.done()
}

// Mkdir makes directory path with mode less the umask. As on NetBSD,
// only the rwx bits of mode count: set-id and sticky bits need a chmod.
func (v *VFS) Mkdir(l *kern.LWP, path string, mode uint32) error {
	return v.Mkdirat(l, kern.AT_FDCWD, path, mode)
}

// Mkdirat is Mkdir from directory descriptor at, as mkdirat(2).
func (v *VFS) Mkdirat(l *kern.LWP, at int, path string, mode uint32) error {
	return v.mknode(l, at, path, &NewNode{Type: VDIR, Mode: mode & 0o777}, "")
}

// Symlink makes a symbolic link at path pointing to target.
func (v *VFS) Symlink(l *kern.LWP, target, path string) error {
	return v.Symlinkat(l, target, kern.AT_FDCWD, path)
}

// Symlinkat is Symlink with path looked up from directory descriptor
// at, as symlinkat(2). The target is stored as given.
func (v *VFS) Symlinkat(l *kern.LWP, target string, at int, path string) error {
	if len(target) >= PathMax {
		return errno.ENAMETOOLONG
	}
	if strings.IndexByte(target, 0) >= 0 {
		return errno.EINVAL
	}
	return v.mknode(l, at, path, &NewNode{Type: VLNK, Mode: 0o777}, target)
}

// Mknod makes a special file: a FIFO (anyone may) or a device node (root
// only). mode holds the type bits and permissions.
func (v *VFS) Mknod(l *kern.LWP, path string, mode uint32, dev uint64) error {
	return v.Mknodat(l, kern.AT_FDCWD, path, mode, dev)
}

// Mknodat is Mknod from directory descriptor at, as mknodat(2).
func (v *VFS) Mknodat(l *kern.LWP, at int, path string, mode uint32, dev uint64) error {
	typ := VTypeOf(mode)
	switch typ {
	case VFIFO:
	case VCHR, VBLK, VSOCK:
		if !l.Cred().IsRoot() {
			return errno.EPERM
		}
	default:
		return errno.EINVAL
	}
	return v.mknode(l, at, path, &NewNode{Type: typ, Mode: mode & kern.ALLPERMS, Rdev: dev}, "")
}

// Mkfifo makes a FIFO at path.
func (v *VFS) Mkfifo(l *kern.LWP, path string, mode uint32) error {
	return v.Mkfifoat(l, kern.AT_FDCWD, path, mode)
}

// Mkfifoat is Mkfifo from directory descriptor at, as mkfifoat(2).
func (v *VFS) Mkfifoat(l *kern.LWP, at int, path string, mode uint32) error {
	return v.Mknodat(l, at, path, kern.S_IFIFO|mode&kern.ALLPERMS, 0)
}

func (v *VFS) mknode(l *kern.LWP, at int, path string, nn *NewNode, target string) error {
	var how lookFlags
	if nn.Type == VDIR {
		how = lookMkdir
	}
	r, err := v.parentLocked(l, at, path, how, errno.EEXIST)
	if err != nil {
		return err
	}
	defer r.unlockDone()
	dir := r.dir
	existing, err := v.lookupForChange(dir, r.name)
	if err == nil {
		existing.Rele()
		return errno.EEXIST
	}
	if err != errno.ENOENT {
		return err
	}
	vp, err := v.makeLocked(l.Cred(), l.Proc(), dir, r.name, r.slash, nn, func(nn *NewNode) (Node, error) {
		switch nn.Type {
		case VDIR:
			return dir.node.Mkdir(r.name, nn)
		case VLNK:
			return dir.node.Symlink(r.name, target, nn)
		}
		return dir.node.Create(r.name, nn)
	})
	if err != nil {
		return err
	}
	vp.Rele()
	return nil
}

// Link makes newpath another name for the file at oldpath, which must not
// be a directory. As NetBSD's link(2), it follows a symlink at oldpath
// and links its target (POSIX leaves this to the system; Linux links the
// symlink itself).
func (v *VFS) Link(l *kern.LWP, oldpath, newpath string) error {
	return v.Linkat(l, kern.AT_FDCWD, oldpath, kern.AT_FDCWD, newpath, kern.AT_SYMLINK_FOLLOW)
}

// Linkat is linkat(2): Link with oldpath looked up from directory
// descriptor oldat and newpath from newat, that follows a symlink at
// oldpath only when flags has kern.AT_SYMLINK_FOLLOW and otherwise links
// the symlink itself. Other flag bits are EINVAL.
func (v *VFS) Linkat(l *kern.LWP, oldat int, oldpath string, newat int, newpath string, flags int) error {
	if flags&^kern.AT_SYMLINK_FOLLOW != 0 {
		return errno.EINVAL
	}
	vp, err := v.namei(l, oldat, oldpath, flags&kern.AT_SYMLINK_FOLLOW != 0)
	if err != nil {
		return err
	}
	defer vp.Rele()
	if vp.typ == VDIR {
		return errno.EPERM
	}
	r, err := v.parentLocked(l, newat, newpath, 0, errno.EEXIST)
	if err != nil {
		return err
	}
	defer r.unlockDone()
	dir := r.dir
	if dir.mount != vp.mount {
		return errno.EXDEV
	}
	if existing, err := v.lookupForChange(dir, r.name); err == nil {
		existing.Rele()
		return errno.EEXIST
	} else if err != errno.ENOENT {
		return err
	}
	if r.slash {
		return errno.ENOENT // the directory "name/" named went away
	}
	if err := v.access(l.Cred(), dir, accWrite|accExec); err != nil {
		return err
	}
	vp.lock.Lock()
	defer vp.lock.Unlock()
	if err := dir.node.Link(r.name, vp.node); err != nil {
		return errno.From(err)
	}
	v.nc.remove(dir, r.name)
	return nil
}

// Unlink removes the entry path, which must not be a directory.
func (v *VFS) Unlink(l *kern.LWP, path string) error {
	return v.Unlinkat(l, kern.AT_FDCWD, path, 0)
}

// Rmdir removes the empty directory path.
func (v *VFS) Rmdir(l *kern.LWP, path string) error {
	return v.Unlinkat(l, kern.AT_FDCWD, path, kern.AT_REMOVEDIR)
}

// Unlinkat is unlinkat(2): Unlink from directory descriptor at, or Rmdir
// when flags is kern.AT_REMOVEDIR. Other flags are EINVAL.
func (v *VFS) Unlinkat(l *kern.LWP, at int, path string, flags int) error {
	switch flags {
	case 0:
		return v.remove(l, at, path, false)
	case kern.AT_REMOVEDIR:
		return v.remove(l, at, path, true)
	}
	return errno.EINVAL
}

func (v *VFS) remove(l *kern.LWP, at int, path string, isDir bool) error {
	r, err := v.lookup(l, at, path, lookParent)
	if err != nil {
		return err
	}
	switch {
	case r.dir == nil:
		r.done()
		return errno.EBUSY
	case r.name == ".":
		// As NetBSD's do_sys_unlinkat checks them, for unlink and rmdir
		// alike: the root of a mount is busy before "." is invalid to
		// remove.
		root := r.dir == r.dir.mount.root
		r.done()
		if root {
			return errno.EBUSY
		}
		return errno.EINVAL
	case r.name == ".." && isDir:
		r.done()
		return errno.ENOTEMPTY
	case r.name == "..":
		r.done()
		return errno.EPERM
	}
	dir := r.dir
	dir.lock.Lock()
	defer r.unlockDone()
	vp, err := v.lookupForChange(dir, r.name)
	if err != nil {
		return err
	}
	defer vp.Rele()
	switch {
	case vp.mountedHere.Load() != nil || vp == vp.mount.root:
		// First, as NetBSD's namei refuses a mount point to any
		// removal before unlink or rmdir looks at its type.
		return errno.EBUSY
	case isDir && vp.typ != VDIR:
		return errno.ENOTDIR
	case !isDir && vp.typ == VDIR:
		return errno.EPERM
	case !isDir && r.slash:
		return errno.ENOTDIR
	}
	cred := l.Cred()
	if err := v.access(cred, dir, accWrite|accExec); err != nil {
		return err
	}
	if err := stickyCheck(cred, dir, vp); err != nil {
		return err
	}
	vp.lock.Lock()
	defer vp.lock.Unlock()
	if isDir {
		err = dir.node.Rmdir(r.name, vp.node)
	} else {
		err = dir.node.Remove(r.name, vp.node)
	}
	if err != nil {
		return errno.From(err)
	}
	v.nc.remove(dir, r.name)
	if isDir {
		v.nc.purgeDir(vp)
	}
	return nil
}

// stickyCheck enforces the sticky bit: in such a directory only the
// owner of an entry, the owner of the directory or root may remove or
// rename it.
func stickyCheck(cred *kern.Cred, dir, vp *Vnode) error {
	if cred.IsRoot() || dir.perm().mode&kern.S_ISVTX == 0 {
		return nil
	}
	if cred.UID() == vp.perm().uid || cred.UID() == dir.perm().uid {
		return nil
	}
	return errno.EPERM
}

// Rename moves from to to atomically, replacing to if it exists and is
// compatible: a file replaces a file, a directory an empty directory.
// As NetBSD's, it looks from up whole before to, and both before it
// compares their file systems: a missing from is ENOENT, a mount point at
// either end EBUSY, and "to/" may be absent only when from is a
// directory.
func (v *VFS) Rename(l *kern.LWP, from, to string) error {
	return v.Renameat(l, kern.AT_FDCWD, from, kern.AT_FDCWD, to)
}

// Renameat is renameat(2): Rename with from looked up from directory
// descriptor fromat and to from toat.
func (v *VFS) Renameat(l *kern.LWP, fromat int, from string, toat int, to string) error {
	rf, err := v.lookup(l, fromat, from, lookParent)
	if err != nil {
		return err
	}
	defer rf.done()
	if rf.dir == nil {
		return errno.EBUSY
	}
	if rf.name == "." || rf.name == ".." {
		return errno.EINVAL
	}
	fromDir, err := v.renameEnd(rf.dir, rf.name, false)
	if err != nil {
		return err
	}
	how := lookParent
	if fromDir {
		how |= lookMkdir
	}
	rt, err := v.lookup(l, toat, to, how)
	if err != nil {
		return err
	}
	defer rt.done()
	if rt.dir == nil {
		return errno.EBUSY
	}
	switch rt.name {
	case ".": // as NetBSD's do_sys_renameat
		return errno.EISDIR
	case "..":
		return errno.EINVAL
	}
	if _, err := v.renameEnd(rt.dir, rt.name, true); err != nil {
		return err
	}
	if rf.dir.mount != rt.dir.mount {
		return errno.EXDEV
	}
	m := rf.dir.mount
	if m.ReadOnly() {
		return errno.EROFS
	}
	m.renameMu.Lock()
	defer m.renameMu.Unlock()
	for {
		retry, err := v.renameOnce(l.Cred(), rf.dir, rf.name, rf.slash, rt.dir, rt.name, rt.slash)
		if !retry {
			return err
		}
	}
}

// renameEnd looks at entry name of dir, one end of a rename, before the
// rename takes its locks (renameOnce looks again under them): it reports
// whether the entry is a directory, gives EBUSY for a mount point and,
// unless absentOK, ENOENT for a missing entry.
func (v *VFS) renameEnd(dir *Vnode, name string, absentOK bool) (isDir bool, err error) {
	vp, err := v.lookupShared(dir, name)
	if err == errno.ENOENT && absentOK {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer vp.Rele()
	if vp.mountedHere.Load() != nil {
		return false, errno.EBUSY
	}
	return vp.typ == VDIR, nil
}

// renameOnce does one attempt of rename under the mount's rename lock.
// It asks for a retry when an entry changed between lookup and locking.
func (v *VFS) renameOnce(cred *kern.Cred, fdir *Vnode, fname string, fslash bool, tdir *Vnode, tname string, tslash bool) (retry bool, err error) {
	m := fdir.mount
	fvp, err := v.lookupShared(fdir, fname)
	if err != nil {
		return false, err
	}
	defer fvp.Rele()
	if fvp.mountedHere.Load() != nil || fvp == m.root {
		return false, errno.EBUSY
	}
	if fslash && fvp.typ != VDIR {
		return false, errno.ENOTDIR // replaced since the lookup
	}
	tvp, err := v.lookupShared(tdir, tname)
	if err != nil && err != errno.ENOENT {
		return false, err
	}
	if tvp != nil {
		defer tvp.Rele()
		if tvp.mountedHere.Load() != nil {
			return false, errno.EBUSY
		}
	}
	if tslash {
		// "to/" named a directory, or nothing with a directory moving
		// there; the entry may have changed since the lookup.
		switch {
		case tvp == nil && fvp.typ != VDIR:
			return false, errno.ENOENT
		case tvp != nil && tvp.typ != VDIR:
			return false, errno.ENOTDIR
		}
	}
	if fvp == tvp {
		return false, nil // two names of one file: POSIX says do nothing
	}
	if tvp != nil {
		switch {
		case fvp.typ == VDIR && tvp.typ != VDIR:
			return false, errno.ENOTDIR
		case fvp.typ != VDIR && tvp.typ == VDIR:
			return false, errno.EISDIR
		}
	}
	tchain, err := v.ancestry(tdir)
	if err != nil {
		return false, err
	}
	defer releaseAll(tchain)
	if fvp.typ == VDIR && slices.Contains(tchain, fvp) {
		return false, errno.EINVAL // a directory cannot move below itself
	}
	if err := v.access(cred, fdir, accWrite|accExec); err != nil {
		return false, err
	}
	if err := v.access(cred, tdir, accWrite|accExec); err != nil {
		return false, err
	}
	if fvp.typ == VDIR && fdir != tdir {
		// Its ".." entry changes.
		if err := v.access(cred, fvp, accWrite); err != nil {
			return false, err
		}
	}
	if err := stickyCheck(cred, fdir, fvp); err != nil {
		return false, err
	}
	if tvp != nil {
		if err := stickyCheck(cred, tdir, tvp); err != nil {
			return false, err
		}
	}
	fchain, err := v.ancestry(fdir)
	if err != nil {
		return false, err
	}
	defer releaseAll(fchain)
	depth := map[*Vnode]int{fdir: len(fchain), tdir: len(tchain), fvp: len(fchain) + 1}
	if tvp != nil {
		depth[tvp] = len(tchain) + 1
	}
	unlock := lockForRename(depth)
	defer unlock()
	// Entries may have changed before the locks were taken.
	if ino, err := fdir.node.Lookup(fname); err != nil || ino != fvp.ino {
		return true, nil
	}
	ino, err := tdir.node.Lookup(tname)
	if tvp == nil && err == nil || tvp != nil && (err != nil || ino != tvp.ino) {
		return true, nil
	}
	var tnode Node
	if tvp != nil {
		tnode = tvp.node
	}
	if err := fdir.node.Rename(fname, fvp.node, tdir.node, tname, tnode); err != nil {
		return false, errno.From(err)
	}
	v.nc.remove(fdir, fname)
	v.nc.remove(tdir, tname)
	if tvp != nil && tvp.typ == VDIR {
		v.nc.purgeDir(tvp)
	}
	return false, nil
}

// lockForRename locks the vnodes exclusively in the order the package
// doc gives: directories by depth (ancestors first), then by serial; then
// other files by serial. It returns the unlock function.
func lockForRename(depth map[*Vnode]int) func() {
	vps := make([]*Vnode, 0, len(depth))
	for vp := range depth {
		vps = append(vps, vp)
	}
	slices.SortFunc(vps, func(a, b *Vnode) int {
		ad, bd := a.typ == VDIR, b.typ == VDIR
		if ad != bd {
			if ad {
				return -1
			}
			return 1
		}
		if ad {
			if c := cmp.Compare(depth[a], depth[b]); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.serial, b.serial)
	})
	for _, vp := range vps {
		vp.lock.Lock()
	}
	return func() {
		for i := len(vps) - 1; i >= 0; i-- {
			vps[i].lock.Unlock()
		}
	}
}

// lookupShared looks name up in dir under a shared lock, without crossing
// mounts.
func (v *VFS) lookupShared(dir *Vnode, name string) (*Vnode, error) {
	dir.lock.RLock()
	defer dir.lock.RUnlock()
	return v.lookupLocked(dir, name)
}

// ancestry returns vp and its ancestors up to its mount's root, each
// referenced. Under the mount's rename lock the chain cannot change.
func (v *VFS) ancestry(vp *Vnode) ([]*Vnode, error) {
	vp.Ref()
	chain := []*Vnode{vp}
	for vp != vp.mount.root {
		parent, err := v.lookupShared(vp, "..")
		if err != nil {
			releaseAll(chain)
			return nil, err
		}
		if parent == vp || len(chain) > 1<<16 {
			parent.Rele()
			releaseAll(chain)
			return nil, errno.EIO // a corrupt tree
		}
		chain = append(chain, parent)
		vp = parent
	}
	return chain, nil
}

func releaseAll(vps []*Vnode) {
	for _, vp := range vps {
		vp.Rele()
	}
}

// Stat describes the file at path, following symlinks.
func (v *VFS) Stat(l *kern.LWP, path string) (kern.Stat, error) {
	return v.Fstatat(l, kern.AT_FDCWD, path, 0)
}

// Lstat describes the file at path; a final symlink is described itself.
func (v *VFS) Lstat(l *kern.LWP, path string) (kern.Stat, error) {
	return v.Fstatat(l, kern.AT_FDCWD, path, kern.AT_SYMLINK_NOFOLLOW)
}

// Fstatat is fstatat(2): Stat from directory descriptor at, or Lstat
// when flags is kern.AT_SYMLINK_NOFOLLOW. Other flags are EINVAL.
func (v *VFS) Fstatat(l *kern.LWP, at int, path string, flags int) (kern.Stat, error) {
	follow, err := followFlag(flags)
	if err != nil {
		return kern.Stat{}, err
	}
	vp, err := v.namei(l, at, path, follow)
	if err != nil {
		return kern.Stat{}, err
	}
	defer vp.Rele()
	return v.stat(vp)
}

// followFlag reads the flags of an *at call that takes only
// kern.AT_SYMLINK_NOFOLLOW: whether to follow a final symlink, or EINVAL
// for any other flags.
func followFlag(flags int) (follow bool, err error) {
	switch flags {
	case 0:
		return true, nil
	case kern.AT_SYMLINK_NOFOLLOW:
		return false, nil
	}
	return false, errno.EINVAL
}

// Readlink returns the target of the symlink at path.
func (v *VFS) Readlink(l *kern.LWP, path string) (string, error) {
	return v.Readlinkat(l, kern.AT_FDCWD, path)
}

// Readlinkat is Readlink from directory descriptor at, as readlinkat(2).
func (v *VFS) Readlinkat(l *kern.LWP, at int, path string) (string, error) {
	vp, err := v.namei(l, at, path, false)
	if err != nil {
		return "", err
	}
	defer vp.Rele()
	if vp.typ != VLNK {
		return "", errno.EINVAL
	}
	s, err := readlink(vp)
	return s, errno.From(err)
}

// Access checks whether the caller may use path as mode asks (R_OK 4,
// W_OK 2, X_OK 1, F_OK 0).
func (v *VFS) Access(l *kern.LWP, path string, mode int) error {
	return v.Faccessat(l, kern.AT_FDCWD, path, mode, 0)
}

// Faccessat is faccessat(2): Access from directory descriptor at. With
// kern.AT_SYMLINK_NOFOLLOW in flags a final symlink is checked itself,
// as NetBSD's do_sys_accessat does; kern.AT_EACCESS changes nothing,
// since a gorump process has one set of ids. Other flag bits are EINVAL.
func (v *VFS) Faccessat(l *kern.LWP, at int, path string, mode, flags int) error {
	if mode&^7 != 0 || flags&^(kern.AT_EACCESS|kern.AT_SYMLINK_NOFOLLOW) != 0 {
		return errno.EINVAL
	}
	vp, err := v.namei(l, at, path, flags&kern.AT_SYMLINK_NOFOLLOW == 0)
	if err != nil {
		return err
	}
	defer vp.Rele()
	return v.access(l.Cred(), vp, uint32(mode))
}
