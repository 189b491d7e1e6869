package ffs

import (
	"sync"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/vfs"
)

// node is an inode in memory.
type node struct {
	fs  *fsys
	ino int64
	ip  *dinode

	// timeMu guards ip.atime, which reads under a shared vnode lock set.
	timeMu sync.Mutex

	dirMu    sync.Mutex       // guards building dirIndex
	dirIndex map[string]int64 // a directory's names, once built
	dirSlack []int            // room in each chunk, once built; see slack

	// allocCred is whose the node's block allocations are during a call
	// that holds the node exclusively; nil means the kernel's own, which
	// may use the minfree reserve.
	allocCred *kern.Cred
}

func (n *node) Ino() vfs.Ino { return vfs.Ino(n.ino) }

func (n *node) vtype() vfs.VType { return vfs.VTypeOf(uint32(n.ip.mode)) }

func (n *node) Attr() (vfs.Attr, error) {
	ip := n.ip
	a := vfs.Attr{Type: n.vtype(), Mode: uint32(ip.mode) & kern.ALLPERMS, Nlink: uint32(ip.nlink),
		UID: ip.uid, GID: ip.gid, Size: ip.size, Bytes: ip.blocks * 512, Blksize: uint32(n.fs.sb.bsize),
		Ino: vfs.Ino(n.ino), Gen: ip.gen, Flags: ip.flags,
		Atime: ip.atime, Mtime: ip.mtime, Ctime: ip.ctime, Birthtime: ip.birthtime}
	if a.Type == vfs.VCHR || a.Type == vfs.VBLK {
		a.Rdev = uint64(uint32(ip.db[0]))
	}
	return a, nil
}

// readData reads file data at off, zeroes for holes; p must end within
// the file.
func (n *node) readData(p []byte, off int64) error {
	sb := n.fs.sb
	for len(p) > 0 {
		lbn, in := off>>sb.bshift, off&(sb.bsize-1)
		chunk := min(int64(len(p)), sb.bsize-in)
		addr, err := n.fs.bmap(n.ip, lbn)
		if err != nil {
			return err
		}
		if addr == 0 {
			clear(p[:chunk])
		} else if err := n.fs.readAt(p[:chunk], addr<<sb.fshift+in); err != nil {
			return err
		}
		p, off = p[chunk:], off+chunk
	}
	return nil
}

func (n *node) Read(p []byte, off int64) (int, error) {
	if n.vtype() != vfs.VREG {
		return 0, errno.EINVAL
	}
	if off < 0 {
		return 0, errno.EINVAL
	}
	if off >= n.ip.size {
		return 0, nil
	}
	p = p[:min(int64(len(p)), n.ip.size-off)]
	if err := n.readData(p, off); err != nil {
		return 0, err
	}
	n.markAccess()
	return len(p), nil
}

func (n *node) Readlink() (string, error) {
	if n.vtype() != vfs.VLNK {
		return "", errno.EINVAL
	}
	if n.fs.sb.isShortSymlink(n.ip) {
		return string(n.ip.shortLink[:n.ip.size]), nil
	}
	if n.ip.size > vfs.PathMax {
		return "", errno.EIO
	}
	buf := make([]byte, n.ip.size)
	if err := n.readData(buf, 0); err != nil {
		return "", err
	}
	return string(buf), nil
}

func (n *node) Lookup(name string) (vfs.Ino, error) {
	if n.vtype() != vfs.VDIR {
		return 0, errno.ENOTDIR
	}
	if n.ip.nlink == 0 {
		// Removed: its block still holds "." and "..", but NetBSD's
		// rmdir truncates it, so no name is found there.
		return 0, errno.ENOENT
	}
	idx, err := n.index()
	if err != nil {
		return 0, err
	}
	ino, ok := idx[name]
	if !ok {
		return 0, errno.ENOENT
	}
	return vfs.Ino(ino), nil
}

func (n *node) ReadDir(cookie uint64, emit func(vfs.Dirent) bool) error {
	if n.vtype() != vfs.VDIR {
		return errno.ENOTDIR
	}
	if cookie > uint64(n.ip.size) {
		return nil
	}
	n.markAccess()
	return n.forEachEntry(int64(cookie), func(d dirent) bool {
		return emit(vfs.Dirent{Name: d.name, Ino: vfs.Ino(d.ino), Type: direntVType(d.typ), Next: uint64(d.off + d.reclen)})
	})
}
