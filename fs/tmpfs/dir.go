package tmpfs

import (
	"sort"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/vfs"
)

// Cookies 1 and 2 follow "." and ".."; entries count up from 3.
const firstCookie = 3

// direntSize is what an entry adds to a directory's reported size.
const direntSize = 16

// dirData is a directory's entries: by name for lookup, and by cookie
// (ascending, with nil holes left by removals) for listing.
type dirData struct {
	entries    map[string]*dirent
	order      []*dirent
	holes      int
	nextCookie uint64
}

type dirent struct {
	name   string
	node   *node
	cookie uint64
}

func (d *dirData) add(name string, n *node) {
	e := &dirent{name: name, node: n, cookie: d.nextCookie}
	d.nextCookie++
	d.entries[name] = e
	d.order = append(d.order, e)
}

// addWithCookie re-enters an entry under its old cookie, as a rename
// within one directory does, so a listing in progress does not see the
// entry twice.
func (d *dirData) addWithCookie(name string, n *node, cookie uint64) {
	i := d.index(cookie)
	e := &dirent{name: name, node: n, cookie: cookie}
	d.entries[name] = e
	if i < len(d.order) && d.order[i] == nil {
		// The slot the old entry left is exactly where it goes.
		d.order[i] = e
		d.holes--
		return
	}
	d.order = append(d.order, nil)
	copy(d.order[i+1:], d.order[i:])
	d.order[i] = e
}

// index returns the position of the first slot at or after cookie. Holes
// sit where their entries were, so the slice stays sorted by cookie when
// each hole is read as its left neighbour's place.
func (d *dirData) index(cookie uint64) int {
	return sort.Search(len(d.order), func(i int) bool {
		for j := i; j < len(d.order); j++ {
			if d.order[j] != nil {
				return d.order[j].cookie >= cookie
			}
		}
		return true
	})
}

func (d *dirData) remove(name string) *dirent {
	e := d.entries[name]
	if e == nil {
		return nil
	}
	delete(d.entries, name)
	i := d.index(e.cookie)
	for i < len(d.order) && d.order[i] != e {
		i++
	}
	if i < len(d.order) {
		d.order[i] = nil
		d.holes++
	}
	if d.holes > 32 && d.holes > len(d.order)/2 {
		live := d.order[:0]
		for _, x := range d.order {
			if x != nil {
				live = append(live, x)
			}
		}
		clear(d.order[len(live):])
		d.order = live
		d.holes = 0
	}
	return e
}

func (n *node) dirSize() int64 { return int64(len(n.dir.entries)+2) * direntSize }

func (n *node) Lookup(name string) (vfs.Ino, error) {
	if n.dir == nil {
		return 0, errno.ENOTDIR
	}
	switch name {
	case ".":
		return n.ino, nil
	case "..":
		if n.nlink == 0 {
			return 0, errno.ENOENT // removed: no parent any more
		}
		return n.parent.ino, nil
	}
	e := n.dir.entries[name]
	if e == nil {
		return 0, errno.ENOENT
	}
	return e.node.ino, nil
}

// link enters child under name and updates the directory's times.
func (n *node) link(name string, child *node) {
	n.dir.add(name, child)
	n.size = n.dirSize()
	now := n.fs.k.Now()
	n.mtime, n.ctime = now, now
}

func (n *node) unlink(name string) {
	n.dir.remove(name)
	n.size = n.dirSize()
	now := n.fs.k.Now()
	n.mtime, n.ctime = now, now
}

// newChild checks that n is a live directory without name and makes an
// unlinked node for it.
func (n *node) newChild(name string, nn *vfs.NewNode) (*node, error) {
	if n.dir == nil {
		return nil, errno.ENOTDIR
	}
	if n.nlink == 0 {
		return nil, errno.ENOENT // removed while open
	}
	if _, ok := n.dir.entries[name]; ok {
		return nil, errno.EEXIST
	}
	return n.fs.newNode(nn)
}

func (n *node) Create(name string, nn *vfs.NewNode) (vfs.Node, error) {
	if nn.Type == vfs.VDIR || nn.Type == vfs.VLNK {
		return nil, errno.EINVAL
	}
	c, err := n.newChild(name, nn)
	if err != nil {
		return nil, err
	}
	c.nlink = 1
	n.link(name, c)
	return c, nil
}

func (n *node) Mkdir(name string, nn *vfs.NewNode) (vfs.Node, error) {
	if n.nlink >= LinkMax {
		return nil, errno.EMLINK
	}
	nn.Type = vfs.VDIR
	c, err := n.newChild(name, nn)
	if err != nil {
		return nil, err
	}
	c.nlink = 2
	c.parent = n
	c.size = c.dirSize()
	n.nlink++
	n.link(name, c)
	return c, nil
}

func (n *node) Symlink(name, target string, nn *vfs.NewNode) (vfs.Node, error) {
	nn.Type = vfs.VLNK
	c, err := n.newChild(name, nn)
	if err != nil {
		return nil, err
	}
	c.target = target
	c.size = int64(len(target))
	c.nlink = 1
	n.link(name, c)
	return c, nil
}

func (n *node) Link(name string, target vfs.Node) error {
	c := target.(*node)
	if n.dir == nil {
		return errno.ENOTDIR
	}
	if n.nlink == 0 {
		return errno.ENOENT
	}
	if c.nlink >= LinkMax {
		return errno.EMLINK
	}
	if c.nlink == 0 {
		return errno.ENOENT // unlinked while we looked
	}
	if _, ok := n.dir.entries[name]; ok {
		return errno.EEXIST
	}
	c.nlink++
	c.ctime = n.fs.k.Now()
	n.link(name, c)
	return nil
}

func (n *node) Remove(name string, target vfs.Node) error {
	c := target.(*node)
	if n.dir == nil {
		return errno.ENOTDIR
	}
	if e := n.dir.entries[name]; e == nil || e.node != c {
		return errno.ENOENT
	}
	n.unlink(name)
	c.nlink--
	c.ctime = n.fs.k.Now()
	return nil
}

func (n *node) Rmdir(name string, target vfs.Node) error {
	c := target.(*node)
	if n.dir == nil || c.dir == nil {
		return errno.ENOTDIR
	}
	if e := n.dir.entries[name]; e == nil || e.node != c {
		return errno.ENOENT
	}
	if len(c.dir.entries) != 0 {
		return errno.ENOTEMPTY
	}
	n.unlink(name)
	n.nlink--
	c.nlink = 0
	c.ctime = n.fs.k.Now()
	return nil
}

func (n *node) Rename(fromName string, from vfs.Node, toDir vfs.Node, toName string, to vfs.Node) error {
	src, tdir := from.(*node), toDir.(*node)
	if n.dir == nil || tdir.dir == nil {
		return errno.ENOTDIR
	}
	e := n.dir.entries[fromName]
	if e == nil || e.node != src {
		return errno.ENOENT
	}
	if tdir.nlink == 0 {
		return errno.ENOENT
	}
	if src.dir != nil && n != tdir && tdir.nlink >= LinkMax && to == nil {
		return errno.EMLINK
	}
	now := n.fs.k.Now()
	if to != nil {
		victim := to.(*node)
		if victim.dir != nil {
			if len(victim.dir.entries) != 0 {
				return errno.ENOTEMPTY
			}
			victim.nlink = 0
			tdir.nlink--
		} else {
			victim.nlink--
		}
		victim.ctime = now
		tdir.dir.remove(toName)
	}
	if n == tdir {
		n.dir.remove(fromName)
		n.dir.addWithCookie(toName, src, e.cookie)
		n.size = n.dirSize()
		n.mtime, n.ctime = now, now
	} else {
		n.unlink(fromName)
		tdir.link(toName, src)
		if src.dir != nil {
			src.parent = tdir
			n.nlink--
			tdir.nlink++
		}
	}
	src.ctime = now
	return nil
}

func (n *node) ReadDir(cookie uint64, emit func(vfs.Dirent) bool) error {
	if n.dir == nil {
		return errno.ENOTDIR
	}
	// Reading a directory accesses it, as reading a file does.
	now := n.fs.k.Now()
	n.timeMu.Lock()
	n.atime = now
	n.timeMu.Unlock()
	if cookie == 0 && !emit(vfs.Dirent{Name: ".", Ino: n.ino, Type: vfs.VDIR, Next: 1}) {
		return nil
	}
	if cookie <= 1 && !emit(vfs.Dirent{Name: "..", Ino: n.parent.ino, Type: vfs.VDIR, Next: 2}) {
		return nil
	}
	for i := n.dir.index(cookie + 1); i < len(n.dir.order); i++ {
		e := n.dir.order[i]
		if e == nil || e.cookie <= cookie {
			continue
		}
		if !emit(vfs.Dirent{Name: e.name, Ino: e.node.ino, Type: e.node.typ, Next: e.cookie}) {
			return nil
		}
	}
	return nil
}
