package tmpfs

import (
	"sync"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/vfs"
)

// node is a tmpfs file, directory, symlink or special file. Its fields
// are guarded by the VFS's vnode lock, except atime (see timeMu).
type node struct {
	fs    *fs
	ino   vfs.Ino
	typ   vfs.VType
	gen   uint32
	mode  uint32
	uid   uint32
	gid   uint32
	nlink uint32
	rdev  uint64
	flags uint32
	size  int64

	// timeMu guards atime, which reads under a shared vnode lock update.
	timeMu sync.Mutex
	atime  kern.Timespec
	mtime  kern.Timespec
	ctime  kern.Timespec
	birth  kern.Timespec

	pages  map[int64]*[pageSize]byte // regular files: page index to data; absent pages are holes
	target string                    // symlinks
	dir    *dirData                  // directories
	parent *node                     // directories: the parent (itself for the root)
}

func (n *node) Ino() vfs.Ino { return n.ino }

func (n *node) Attr() (vfs.Attr, error) {
	n.timeMu.Lock()
	atime := n.atime
	n.timeMu.Unlock()
	bytes := int64(len(n.pages)) * pageSize
	if n.typ == vfs.VLNK {
		bytes = int64(len(n.target))
	}
	return vfs.Attr{Type: n.typ, Mode: n.mode, Nlink: n.nlink, UID: n.uid, GID: n.gid, Size: n.size,
		Bytes: bytes, Blksize: pageSize, Rdev: n.rdev, Ino: n.ino, Gen: n.gen, Flags: n.flags,
		Atime: atime, Mtime: n.mtime, Ctime: n.ctime, Birthtime: n.birth}, nil
}

func (n *node) Setattr(a *vfs.SetAttr) error {
	now := n.fs.k.Now()
	if a.Mask&vfs.SetSize != 0 {
		if n.typ != vfs.VREG {
			return errno.EINVAL
		}
		if err := n.truncate(a.Size); err != nil {
			return err
		}
		n.mtime = now
	}
	if a.Mask&vfs.SetMode != 0 {
		n.mode = a.Mode & kern.ALLPERMS
	}
	if a.Mask&vfs.SetUID != 0 {
		n.uid = a.UID
	}
	if a.Mask&vfs.SetGID != 0 {
		n.gid = a.GID
	}
	if a.Mask&vfs.SetFlags != 0 {
		n.flags = a.Flags
	}
	if a.Mask&vfs.SetAtime != 0 {
		n.timeMu.Lock()
		n.atime = a.Atime
		n.timeMu.Unlock()
	}
	if a.Mask&vfs.SetMtime != 0 {
		n.mtime = a.Mtime
	}
	n.ctime = now
	return nil
}

// truncate sets a regular file's size, freeing whole pages past it and
// zeroing the tail of the last page so a later extension reads zeroes.
func (n *node) truncate(size int64) error {
	if size < 0 {
		return errno.EINVAL
	}
	if size > MaxFileSize {
		return errno.EFBIG
	}
	if size < n.size {
		firstGone := (size + pageSize - 1) / pageSize
		var freed int64
		for idx := range n.pages {
			if idx >= firstGone {
				putPage(n.pages[idx])
				delete(n.pages, idx)
				freed++
			}
		}
		n.fs.releasePages(freed)
		if off := size % pageSize; off != 0 {
			if p := n.pages[size/pageSize]; p != nil {
				clear(p[off:])
			}
		}
	}
	n.size = size
	return nil
}

func (n *node) Read(p []byte, off int64) (int, error) {
	if n.typ != vfs.VREG {
		return 0, errno.EINVAL
	}
	now := n.fs.k.Now()
	n.timeMu.Lock()
	n.atime = now
	n.timeMu.Unlock()
	if off >= n.size {
		return 0, nil
	}
	if int64(len(p)) > n.size-off {
		p = p[:n.size-off]
	}
	done := 0
	for done < len(p) {
		pos := off + int64(done)
		idx, in := pos/pageSize, int(pos%pageSize)
		chunk := min(pageSize-in, len(p)-done)
		if pg := n.pages[idx]; pg != nil {
			copy(p[done:done+chunk], pg[in:in+chunk])
		} else {
			clear(p[done : done+chunk])
		}
		done += chunk
	}
	return done, nil
}

func (n *node) Write(p []byte, off int64) (int, error) {
	if n.typ != vfs.VREG {
		return 0, errno.EINVAL
	}
	if off < 0 {
		return 0, errno.EINVAL
	}
	if off >= MaxFileSize {
		return 0, errno.EFBIG
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > MaxFileSize-off {
		p = p[:MaxFileSize-off]
	}
	if n.pages == nil {
		n.pages = map[int64]*[pageSize]byte{}
	}
	// Reserve every page the write needs first, so a full file system
	// fails the write up front instead of leaving a partial page run.
	first, last := off/pageSize, (off+int64(len(p))-1)/pageSize
	var missing int64
	for idx := first; idx <= last; idx++ {
		if n.pages[idx] == nil {
			missing++
		}
	}
	if missing > 0 {
		if err := n.fs.reservePages(missing); err != nil {
			return 0, err
		}
	}
	done := 0
	for done < len(p) {
		pos := off + int64(done)
		idx, in := pos/pageSize, int(pos%pageSize)
		pg := n.pages[idx]
		if pg == nil {
			pg = getPage(in != 0 || len(p)-done < pageSize)
			n.pages[idx] = pg
		}
		done += copy(pg[in:], p[done:])
	}
	if end := off + int64(done); end > n.size {
		n.size = end
	}
	now := n.fs.k.Now()
	n.mtime, n.ctime = now, now
	return done, nil
}

func (n *node) Fsync(bool) error { return nil }

func (n *node) Readlink() (string, error) {
	if n.typ != vfs.VLNK {
		return "", errno.EINVAL
	}
	n.timeMu.Lock()
	n.atime = n.fs.k.Now()
	n.timeMu.Unlock()
	return n.target, nil
}

func (n *node) Inactive() bool { return n.nlink == 0 }

func (n *node) Reclaim() error {
	if n.nlink == 0 {
		n.fs.freeNode(n)
	}
	return nil
}
