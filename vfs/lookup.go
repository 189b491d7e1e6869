package vfs

import (
	"strings"
	"sync"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// procDirs are a process's current and root directories.
type procDirs struct {
	mu   sync.Mutex // guards cwd and root
	cwd  *Vnode
	root *Vnode
}

var dirsSlot = kern.NewProcSlot[*procDirs]()

func (v *VFS) forkProc(parent, child *kern.Proc, _ kern.ForkFlags) error {
	cwd, root := v.procDirs(parent)
	dirsSlot.Set(child, &procDirs{cwd: cwd, root: root})
	return nil
}

func (v *VFS) exitProc(p *kern.Proc) { v.setProcDirs(p, nil, nil) }

// setProcDirs installs cwd and root (references handed over) for p,
// releasing the old ones.
func (v *VFS) setProcDirs(p *kern.Proc, cwd, root *Vnode) {
	pd := dirsSlot.Get(p)
	if pd == nil {
		dirsSlot.Set(p, &procDirs{cwd: cwd, root: root})
		return
	}
	pd.mu.Lock()
	oldCwd, oldRoot := pd.cwd, pd.root
	pd.cwd, pd.root = cwd, root
	pd.mu.Unlock()
	if oldCwd != nil {
		oldCwd.Rele()
	}
	if oldRoot != nil {
		oldRoot.Rele()
	}
}

// procDirs returns p's current and root directories, referenced.
func (v *VFS) procDirs(p *kern.Proc) (cwd, root *Vnode) {
	pd := dirsSlot.Get(p)
	if pd == nil {
		v.root.Ref()
		v.root.Ref()
		return v.root, v.root
	}
	pd.mu.Lock()
	defer pd.mu.Unlock()
	if pd.cwd == nil { // an exited process
		v.root.Ref()
		v.root.Ref()
		return v.root, v.root
	}
	pd.cwd.Ref()
	pd.root.Ref()
	return pd.cwd, pd.root
}

// lookFlags say how lookup resolves a path.
type lookFlags uint8

const (
	// lookFollow follows a symlink in the last component.
	lookFollow lookFlags = 1 << iota
	// lookParent stops before the last component, for a caller that
	// makes, removes or renames it: the result names its directory and
	// the name. As NetBSD's namei does, a last component followed by a
	// slash is still looked at, since the slash says it is a directory:
	// a symlink there is followed (the result then names the target's
	// directory and last name), a non-directory is ENOTDIR and an absent
	// name ENOENT, unless lookMkdir is set.
	lookParent
	// lookMkdir, with lookParent, says a directory will be made or moved
	// to the last component, so "name/" may be absent.
	lookMkdir
)

// nameResult is what a lookup found. Vnodes in it are referenced; done
// releases them.
type nameResult struct {
	dir   *Vnode // the parent directory (only when the parent was asked for)
	vp    *Vnode // the object; nil when absent or when only the parent was asked for
	name  string // the last component
	slash bool   // the path ended in a slash; with lookParent, name is then a directory or absent
}

func (r *nameResult) done() {
	if r.dir != nil {
		r.dir.Rele()
		r.dir = nil
	}
	if r.vp != nil {
		r.vp.Rele()
		r.vp = nil
	}
}

// namei resolves path to a referenced vnode, following a final symlink
// when follow is set. A relative path starts at the directory open on
// descriptor at, or at the current directory when at is kern.AT_FDCWD.
func (v *VFS) namei(l *kern.LWP, at int, path string, follow bool) (*Vnode, error) {
	var how lookFlags
	if follow {
		how = lookFollow
	}
	r, err := v.lookup(l, at, path, how)
	if err != nil {
		return nil, err
	}
	return r.vp, nil
}

// lookup resolves path as how says. A relative path starts at the
// directory open on descriptor at, or at the current directory when at
// is kern.AT_FDCWD; an absolute path starts at the root and ignores at.
// As NetBSD's fd_nameiat and namei, a descriptor that is not open is
// EBADF, one that is not a vnode (a socket) EINVAL, and one on a
// non-directory ENOTDIR. With lookParent, it stops before the last
// component and returns its directory and name (r.vp set and r.dir nil
// when the path has no last component, like "/"). Otherwise it returns
// the object in r.vp, following a final symlink when how has lookFollow
// or the path ends in a slash.
func (v *VFS) lookup(l *kern.LWP, at int, path string, how lookFlags) (nameResult, error) {
	follow, parent := how&lookFollow != 0, how&lookParent != 0
	if len(path) >= PathMax {
		return nameResult{}, errno.ENAMETOOLONG
	}
	if strings.IndexByte(path, 0) >= 0 {
		// A C caller cannot pass a NUL inside a path; a Go caller gets
		// told rather than have the name cut short or stored.
		return nameResult{}, errno.EINVAL
	}
	abs := path != "" && path[0] == '/'
	var atDir *Vnode
	switch {
	case !abs && at != kern.AT_FDCWD:
		var err error
		if atDir, err = v.atDir(l, at, path); err != nil {
			return nameResult{}, err
		}
	case path == "":
		return nameResult{}, errno.ENOENT
	}
	if abs {
		if vp := v.etfsVnode(path); vp != nil {
			if parent {
				// etfs keys are not in any directory: they can be
				// opened and stat'ed, not linked or removed.
				vp.Rele()
				return nameResult{}, errno.EBUSY
			}
			return nameResult{vp: vp, name: path[strings.LastIndexByte(path, '/')+1:]}, nil
		}
	}
	cred := l.Cred()
	cwd, root := v.procDirs(l.Proc())
	defer root.Rele()
	cur := cwd
	switch {
	case abs:
		cwd.Rele()
		cur = root
		root.Ref()
	case atDir != nil:
		cwd.Rele()
		cur = atDir
	}
	links := 0
	rest := path
	for {
		rest = strings.TrimLeft(rest, "/")
		if rest == "" {
			// The path named a directory with nothing after it.
			if parent {
				return nameResult{vp: cur, name: ".", slash: true}, nil
			}
			return nameResult{vp: cur, name: "."}, nil
		}
		name := rest
		rest = ""
		if i := strings.IndexByte(name, '/'); i >= 0 {
			name, rest = name[:i], name[i:]
		}
		last := strings.TrimLeft(rest, "/") == ""
		slash := last && rest != ""
		if len(name) > NameMax {
			cur.Rele()
			return nameResult{}, errno.ENAMETOOLONG
		}
		if cur.typ != VDIR {
			cur.Rele()
			return nameResult{}, errno.ENOTDIR
		}
		if err := v.access(cred, cur, accExec); err != nil {
			cur.Rele()
			return nameResult{}, err
		}
		if last && parent && !slash {
			return nameResult{dir: cur, name: name}, nil
		}
		next, err := v.step(cur, name, root)
		if err == errno.ENOENT && last && parent && how&lookMkdir != 0 {
			return nameResult{dir: cur, name: name, slash: true}, nil
		}
		if err != nil {
			cur.Rele()
			return nameResult{}, err
		}
		if next.typ == VLNK && (!last || follow || slash) {
			links++
			if links > MaxSymlink {
				next.Rele()
				cur.Rele()
				return nameResult{}, errno.ELOOP
			}
			target, err := readlink(next)
			next.Rele()
			if err == nil && target == "" {
				err = errno.ENOENT
			} else if err == nil && len(target)+len(rest) >= PathMax {
				err = errno.ENAMETOOLONG
			}
			if err != nil {
				cur.Rele()
				return nameResult{}, err
			}
			rest = target + rest
			if target[0] == '/' {
				cur.Rele()
				cur = root
				root.Ref()
			}
			continue
		}
		if last && parent {
			// "name/" with a directory there: the caller looks name
			// up again under its lock.
			next.Rele()
			if next.typ != VDIR {
				cur.Rele()
				return nameResult{}, errno.ENOTDIR
			}
			return nameResult{dir: cur, name: name, slash: true}, nil
		}
		cur.Rele()
		cur = next
		if last {
			if slash && cur.typ != VDIR {
				cur.Rele()
				return nameResult{}, errno.ENOTDIR
			}
			return nameResult{vp: cur, name: name, slash: slash}, nil
		}
	}
}

// atDir returns the directory open on descriptor at, referenced, where
// the lookup of relative path starts. As NetBSD's fd_nameiat and
// namei_start, it takes the descriptor before it looks at the path: a
// descriptor that is not open is EBADF even with an empty path, and an
// empty path is ENOENT before a descriptor on a non-directory is ENOTDIR.
func (v *VFS) atDir(l *kern.LWP, at int, path string) (*Vnode, error) {
	vp, err := v.descVnode(l, at)
	if err != nil {
		return nil, err
	}
	switch {
	case path == "":
		vp.Rele()
		return nil, errno.ENOENT
	case vp.typ != VDIR:
		vp.Rele()
		return nil, errno.ENOTDIR
	}
	return vp, nil
}

func readlink(vp *Vnode) (string, error) {
	vp.lock.RLock()
	defer vp.lock.RUnlock()
	return vp.node.Readlink()
}

// step looks name up in directory dir and returns the result referenced,
// crossing into file systems mounted on it. ".." never climbs above root
// (the process's root directory) and climbs out of mounts.
func (v *VFS) step(dir *Vnode, name string, root *Vnode) (*Vnode, error) {
	switch name {
	case ".":
		dir.Ref()
		return dir, nil
	case "..":
		if dir == root || dir == v.root {
			dir.Ref()
			return dir, nil
		}
		for dir == dir.mount.root && dir.mount.covered != nil {
			dir = dir.mount.covered
			if dir == root {
				dir.Ref()
				return dir, nil
			}
		}
		dir.lock.RLock()
		ino, err := dir.node.Lookup("..")
		var vp *Vnode
		if err == nil {
			vp, err = dir.mount.vget(ino)
		}
		dir.lock.RUnlock()
		return vp, err
	}
	if vp, hit := v.nc.lookup(dir, name); hit {
		if vp == nil {
			return nil, errno.ENOENT
		}
		return crossMounts(vp), nil
	}
	dir.lock.RLock()
	vp, err := v.lookupLocked(dir, name)
	dir.lock.RUnlock()
	if err != nil {
		return nil, err
	}
	return crossMounts(vp), nil
}

// lookupLocked finds name in dir, which the caller has locked (shared or
// exclusive), and caches the answer. It does not cross mounts.
func (v *VFS) lookupLocked(dir *Vnode, name string) (*Vnode, error) {
	ino, err := dir.node.Lookup(name)
	if err != nil {
		if err == errno.ENOENT {
			v.nc.enter(dir, name, nil)
		}
		return nil, errno.From(err)
	}
	vp, err := dir.mount.vget(ino)
	if err != nil {
		return nil, err
	}
	v.nc.enter(dir, name, vp)
	return vp, nil
}

// lookupForChange is lookupLocked for a caller that holds dir
// exclusively to create or remove name: as NetBSD's namei does for such
// lookups, it leaves the answer out of the name cache, which the change
// would purge at once.
func (v *VFS) lookupForChange(dir *Vnode, name string) (*Vnode, error) {
	ino, err := dir.node.Lookup(name)
	if err != nil {
		return nil, errno.From(err)
	}
	return dir.mount.vget(ino)
}

// crossMounts follows vp down through any file systems mounted on it.
func crossMounts(vp *Vnode) *Vnode {
	for {
		m := vp.mountedHere.Load()
		if m == nil {
			return vp
		}
		m.root.Ref()
		vp.Rele()
		vp = m.root
	}
}

// Permission bits asked for, in the order of a mode's rwx triplets.
const (
	accExec  = 1
	accWrite = 2
	accRead  = 4
)

// access checks that cred may use vp as want asks.
func (v *VFS) access(cred *kern.Cred, vp *Vnode, want uint32) error {
	if want&accWrite != 0 && vp.mount.ReadOnly() && (vp.typ == VREG || vp.typ == VDIR || vp.typ == VLNK) {
		return errno.EROFS
	}
	p := vp.perm()
	if cred.IsRoot() {
		if want&accExec != 0 && vp.typ != VDIR && p.mode&0o111 == 0 {
			return errno.EACCES
		}
		return nil
	}
	var bits uint32
	switch {
	case cred.UID() == p.uid:
		bits = p.mode >> 6
	case cred.InGroup(p.gid):
		bits = p.mode >> 3
	default:
		bits = p.mode
	}
	if want&^bits&7 != 0 {
		return errno.EACCES
	}
	return nil
}
