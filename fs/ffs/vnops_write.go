package ffs

import (
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/vfs"
)

// The vnode operations that change the file system. The VFS holds the
// locks each names in vfs.Node; allocation state is guarded by fsys.mu.

// update writes the in-memory inode into its place on the disk (through
// the buffer cache).
func (n *node) update() error {
	sb := n.fs.sb
	buf := make([]byte, sb.inodeSize())
	addr := sb.inodeAddr(n.ino)
	if err := n.fs.readAt(buf, addr); err != nil {
		return err
	}
	n.timeMu.Lock()
	sb.encodeInode(n.ip, buf)
	n.timeMu.Unlock()
	return n.fs.writeAt(buf, addr)
}

func (n *node) now() kern.Timespec { return n.fs.k.Now() }

// touch sets the times a change of contents sets.
func (n *node) touch(mtime bool) {
	t := n.now()
	n.ip.ctime = t
	if mtime {
		n.ip.mtime = t
	}
}

// markAccess sets the access time of a node read under a shared lock,
// writing just that field.
func (n *node) markAccess() {
	if n.fs.ro {
		return
	}
	t := n.now()
	n.timeMu.Lock()
	defer n.timeMu.Unlock()
	n.ip.atime = t
	sb := n.fs.sb
	secOff, sec, nsecOff, nsec := sb.atimeField(t)
	addr := sb.inodeAddr(n.ino)
	n.fs.writeAt(sec, addr+int64(secOff))   //nolint:errcheck // an access time is not worth failing a read
	n.fs.writeAt(nsec, addr+int64(nsecOff)) //nolint:errcheck
}

// writeData writes p at off, allocating blocks and growing the file. It
// returns the bytes written; on ENOSPC what was written stays.
func (n *node) writeData(p []byte, off int64) (int, error) {
	f, sb := n.fs, n.fs.sb
	if off < 0 {
		return 0, errno.EINVAL
	}
	if off+int64(len(p)) > sb.maxFileSize() {
		return 0, errno.EFBIG
	}
	done := 0
	for done < len(p) {
		pos := off + int64(done)
		lbn, in := pos>>sb.bshift, pos&(sb.bsize-1)
		chunk := min(int64(len(p)-done), sb.bsize-in)
		addr, err := n.balloc(lbn, pos+chunk, in == 0 && chunk == sb.bsize)
		if err != nil {
			return done, err
		}
		if err := f.writeAt(p[done:done+int(chunk)], addr<<sb.fshift+in); err != nil {
			return done, err
		}
		done += int(chunk)
		if end := pos + chunk; end > n.ip.size {
			n.ip.size = end
		}
	}
	return done, nil
}

// WriteCred is Write by cred, who may use the minfree reserve only as
// the superuser.
func (n *node) WriteCred(cred *kern.Cred, p []byte, off int64) (int, error) {
	defer n.allocatingAs(cred)()
	return n.Write(p, off)
}

func (n *node) Write(p []byte, off int64) (int, error) {
	if n.fs.ro {
		return 0, errno.EROFS
	}
	if n.vtype() != vfs.VREG {
		return 0, errno.EINVAL
	}
	done, err := n.writeData(p, off)
	if done > 0 {
		n.touch(true)
		if uerr := n.update(); err == nil {
			err = uerr
		}
	}
	return done, err
}

func (n *node) Setattr(a *vfs.SetAttr) error {
	if n.fs.ro {
		return errno.EROFS
	}
	if a.Mask&vfs.SetSize != 0 {
		if n.vtype() != vfs.VREG {
			return errno.EINVAL
		}
		if err := n.truncate(a.Size); err != nil {
			n.update() //nolint:errcheck // keep what was freed recorded
			return err
		}
		n.ip.mtime = n.now()
	}
	if a.Mask&vfs.SetMode != 0 {
		n.ip.mode = n.ip.mode&kern.S_IFMT | uint16(a.Mode&kern.ALLPERMS)
	}
	if a.Mask&vfs.SetUID != 0 {
		n.ip.uid = a.UID
	}
	if a.Mask&vfs.SetGID != 0 {
		n.ip.gid = a.GID
	}
	if a.Mask&vfs.SetFlags != 0 {
		n.ip.flags = a.Flags
	}
	n.timeMu.Lock()
	if a.Mask&vfs.SetAtime != 0 {
		n.ip.atime = a.Atime
	}
	n.timeMu.Unlock()
	if a.Mask&vfs.SetMtime != 0 {
		n.ip.mtime = a.Mtime
	}
	n.ip.ctime = n.now()
	return n.update()
}

// newInode allocates and initialises an inode for a new entry of dir.
func (n *node) newInode(nn *vfs.NewNode, dir bool) (*node, error) {
	f, sb := n.fs, n.fs.sb
	f.mu.Lock()
	ino, err := f.allocInode(n.ino, dir)
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	t := n.now()
	ip := &dinode{mode: uint16(nn.Type.ModeBits() | nn.Mode&kern.ALLPERMS), uid: nn.UID, gid: nn.GID,
		atime: t, mtime: t, ctime: t, birthtime: t, shortLink: make([]byte, (ndaddr+niaddr)*f.ptrSize())}
	var g [4]byte
	if f.k != nil {
		f.k.Host().Random(g[:], 0) //nolint:errcheck // generation numbers need not be strong
	}
	ip.gen = uint32(g[0]) | uint32(g[1])<<8 | uint32(g[2])<<16 | uint32(g[3])<<24&0x7fffffff
	if nn.Type == vfs.VCHR || nn.Type == vfs.VBLK {
		ip.db[0] = int64(int32(nn.Rdev))
	}
	c := &node{fs: f, ino: ino, ip: ip}
	// Start from a zeroed inode so no field of a previous owner survives.
	if err := f.writeAt(make([]byte, sb.inodeSize()), sb.inodeAddr(ino)); err != nil {
		return nil, err
	}
	return c, nil
}

// writeNewData writes the first contents of a node being made for cred:
// a directory's first block, a long symlink's target.
func (c *node) writeNewData(cred *kern.Cred, p []byte) (int, error) {
	defer c.allocatingAs(cred)()
	return c.writeData(p, 0)
}

// abandon frees an inode whose creation failed half-way.
func (c *node) abandon(dir bool) {
	c.truncate(0) //nolint:errcheck // best effort on an error path
	c.fs.mu.Lock()
	c.fs.freeInode(c.ino, dir) //nolint:errcheck
	c.fs.mu.Unlock()
}

func (n *node) checkDir() error {
	switch {
	case n.fs.ro:
		return errno.EROFS
	case n.vtype() != vfs.VDIR:
		return errno.ENOTDIR
	case n.ip.nlink == 0:
		return errno.ENOENT
	}
	return nil
}

func (n *node) Create(name string, nn *vfs.NewNode) (vfs.Node, error) {
	if err := n.checkDir(); err != nil {
		return nil, err
	}
	defer n.allocatingAs(nn.Cred)()
	c, err := n.newInode(nn, false)
	if err != nil {
		return nil, err
	}
	c.ip.nlink = 1
	if err := c.update(); err != nil {
		c.abandon(false)
		return nil, err
	}
	if err := n.link(name, c); err != nil {
		c.ip.nlink = 0
		c.abandon(false)
		return nil, err
	}
	return c, nil
}

// link enters c under name and updates the directory.
func (n *node) link(name string, c *node) error {
	if err := n.dirEnter(name, c.ino, dirTypeOf(c.ip.mode)); err != nil {
		return err
	}
	n.touch(true)
	return n.update()
}

func (n *node) Mkdir(name string, nn *vfs.NewNode) (vfs.Node, error) {
	if err := n.checkDir(); err != nil {
		return nil, err
	}
	if n.ip.nlink >= linkMax {
		return nil, errno.EMLINK
	}
	defer n.allocatingAs(nn.Cred)()
	nn.Type = vfs.VDIR
	c, err := n.newInode(nn, true)
	if err != nil {
		return nil, err
	}
	c.ip.nlink = 2
	sb := n.fs.sb
	chunk := make([]byte, dirBlockSize)
	sb.putEntry(chunk, c.ino, direntLen(1), 4, ".")
	sb.putEntry(chunk[direntLen(1):], n.ino, dirBlockSize-direntLen(1), 4, "..")
	if _, err := c.writeNewData(nn.Cred, chunk); err != nil {
		c.abandon(true)
		return nil, err
	}
	if err := c.update(); err != nil {
		c.abandon(true)
		return nil, err
	}
	n.ip.nlink++
	if err := n.link(name, c); err != nil {
		n.ip.nlink--
		c.ip.nlink = 0
		c.abandon(true)
		return nil, err
	}
	return c, nil
}

func (n *node) Symlink(name, target string, nn *vfs.NewNode) (vfs.Node, error) {
	if err := n.checkDir(); err != nil {
		return nil, err
	}
	defer n.allocatingAs(nn.Cred)()
	nn.Type = vfs.VLNK
	c, err := n.newInode(nn, false)
	if err != nil {
		return nil, err
	}
	c.ip.nlink = 1
	if int64(len(target)) < n.fs.sb.maxSymlinkLen {
		copy(c.ip.shortLink, target)
		c.ip.size = int64(len(target))
	} else if _, err := c.writeNewData(nn.Cred, []byte(target)); err != nil {
		c.abandon(false)
		return nil, err
	}
	if err := c.update(); err != nil {
		c.abandon(false)
		return nil, err
	}
	if err := n.link(name, c); err != nil {
		c.ip.nlink = 0
		c.abandon(false)
		return nil, err
	}
	return c, nil
}

// linkMax is the most links an inode may have (LINK_MAX for FFS).
const linkMax = 32767

func (n *node) Link(name string, target vfs.Node) error {
	if err := n.checkDir(); err != nil {
		return err
	}
	c := target.(*node)
	if c.ip.nlink >= linkMax {
		return errno.EMLINK
	}
	if c.ip.nlink == 0 {
		return errno.ENOENT
	}
	c.ip.nlink++
	c.touch(false)
	if err := c.update(); err != nil {
		return err
	}
	if err := n.link(name, c); err != nil {
		c.ip.nlink--
		c.update() //nolint:errcheck // restoring the count on an error path
		return err
	}
	return nil
}

func (n *node) Remove(name string, target vfs.Node) error {
	if err := n.checkDir(); err != nil {
		return err
	}
	c := target.(*node)
	if err := n.dirRemove(name); err != nil {
		return err
	}
	n.touch(true)
	if err := n.update(); err != nil {
		return err
	}
	c.ip.nlink--
	c.touch(false)
	return c.update()
}

func (n *node) Rmdir(name string, target vfs.Node) error {
	if err := n.checkDir(); err != nil {
		return err
	}
	c := target.(*node)
	if c.vtype() != vfs.VDIR {
		return errno.ENOTDIR
	}
	empty, err := c.dirEmpty()
	if err != nil {
		return err
	}
	if !empty {
		return errno.ENOTEMPTY
	}
	if err := n.dirRemove(name); err != nil {
		return err
	}
	n.ip.nlink--
	n.touch(true)
	if err := n.update(); err != nil {
		return err
	}
	c.ip.nlink = 0
	c.touch(false)
	return c.update()
}

func (n *node) Rename(fromName string, from vfs.Node, toDir vfs.Node, toName string, to vfs.Node) error {
	if err := n.checkDir(); err != nil {
		return err
	}
	src, tdir := from.(*node), toDir.(*node)
	if err := tdir.checkDir(); err != nil {
		return err
	}
	isDir := src.vtype() == vfs.VDIR
	if to != nil {
		victim := to.(*node)
		if victim.vtype() == vfs.VDIR {
			empty, err := victim.dirEmpty()
			if err != nil {
				return err
			}
			if !empty {
				return errno.ENOTEMPTY
			}
		}
		if err := tdir.dirRewrite(toName, src.ino, dirTypeOf(src.ip.mode)); err != nil {
			return err
		}
		if victim.vtype() == vfs.VDIR {
			victim.ip.nlink = 0
			tdir.ip.nlink-- // the victim's ".."
		} else {
			victim.ip.nlink--
		}
		victim.touch(false)
		if err := victim.update(); err != nil {
			return err
		}
	} else {
		if isDir && n != tdir && tdir.ip.nlink >= linkMax {
			return errno.EMLINK
		}
		if err := tdir.dirEnter(toName, src.ino, dirTypeOf(src.ip.mode)); err != nil {
			return err
		}
	}
	if err := n.dirRemove(fromName); err != nil {
		return err
	}
	if isDir && n != tdir {
		if err := src.dirRewrite("..", tdir.ino, 4); err != nil {
			return err
		}
		n.ip.nlink--
		tdir.ip.nlink++
	}
	src.touch(false)
	n.touch(true)
	if err := src.update(); err != nil {
		return err
	}
	if n != tdir {
		tdir.touch(true)
		if err := tdir.update(); err != nil {
			return err
		}
	}
	return n.update()
}

// Fsync writes the inode and flushes the whole file system: the buffer
// cache has no per-file dirty lists yet.
func (n *node) Fsync(bool) error {
	if n.fs.ro {
		return nil
	}
	if err := n.update(); err != nil {
		return err
	}
	return n.fs.Sync(true)
}

// Inactive reports whether the inode has lost its last link.
func (n *node) Inactive() bool { return !n.fs.ro && n.ip.nlink <= 0 }

// Reclaim frees the blocks and the inode of a node with no links left.
func (n *node) Reclaim() error {
	if n.fs.ro || n.ip.nlink > 0 {
		return nil
	}
	isDir := n.vtype() == vfs.VDIR
	if n.ip.mode&kern.S_IFMT != kern.S_IFLNK || !n.fs.sb.isShortSymlink(n.ip) {
		if err := n.truncate(0); err != nil {
			return err
		}
	}
	n.ip.mode = 0
	n.ip.size = 0
	n.ip.blocks = 0
	n.ip.ctime = n.now()
	if err := n.update(); err != nil {
		return err
	}
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	return n.fs.freeInode(n.ino, isDir)
}
