// Package tmpfs is an in-memory file system, gorump's root file system.
//
// Data lives in 4 KiB pages allocated on first write, so sparse files
// cost only what is written. The mount options "size" (bytes, with an
// optional k, m or g suffix) and "inodes" bound it: past them operations
// fail with ENOSPC, as they do when the kernel's memory limit is reached.
// Directory cookies are sequence numbers given to entries as they are
// added, so a listing resumed from a cookie neither repeats nor skips
// entries that were there all along, whatever else changes.
//
// Node state is guarded by the VFS's vnode locks, as the vfs.Node
// contract says; fs.mu guards only what the whole file system shares.
package tmpfs

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/vfs"
)

const (
	pageSize = 4096
	// MaxFileSize is the largest file tmpfs holds.
	MaxFileSize = 1 << 50
	// LinkMax is the most links a node may have (LINK_MAX).
	LinkMax = 32767
)

func init() {
	vfs.RegisterFS(vfs.Driver{Name: "tmpfs", Mount: mount})
}

// fs is one mounted tmpfs.
type fs struct {
	k         *kern.Kernel
	maxPages  int64 // 0: bounded only by kernel memory
	maxInodes int64 // 0: unbounded

	mu      sync.Mutex // guards the fields below
	nodes   map[vfs.Ino]*node
	nextIno vfs.Ino
	pages   int64
	root    *node
}

func mount(args vfs.MountArgs) (vfs.FileSystem, error) {
	f := &fs{k: args.Kernel, nodes: map[vfs.Ino]*node{}, nextIno: 2}
	mode := uint32(0o755)
	var uid, gid uint32
	for key, val := range args.Options {
		var err error
		switch key {
		case "size":
			var n int64
			n, err = kern.ParseSize(val)
			f.maxPages = (n + pageSize - 1) / pageSize
		case "inodes":
			f.maxInodes, err = strconv.ParseInt(val, 10, 64)
		case "mode":
			var m uint64
			m, err = strconv.ParseUint(val, 8, 32)
			mode = uint32(m) & kern.ALLPERMS
		case "uid", "gid":
			var n uint64
			n, err = strconv.ParseUint(val, 10, 32)
			if key == "uid" {
				uid = uint32(n)
			} else {
				gid = uint32(n)
			}
		default:
			return nil, fmt.Errorf("tmpfs: unknown option %q: %w", key, errno.EINVAL)
		}
		if err != nil || f.maxInodes < 0 {
			return nil, fmt.Errorf("tmpfs: invalid %s %q: %w", key, val, errno.EINVAL)
		}
	}
	root, err := f.newNode(&vfs.NewNode{Type: vfs.VDIR, Mode: mode, UID: uid, GID: gid})
	if err != nil {
		return nil, err
	}
	root.parent = root
	root.nlink = 2
	f.root = root
	return f, nil
}

func (f *fs) Root() vfs.Ino { return f.root.ino }

func (f *fs) Vget(ino vfs.Ino) (vfs.Node, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.nodes[ino]
	if !ok {
		return nil, errno.ENOENT
	}
	return n, nil
}

func (f *fs) Statvfs() (vfs.Statvfs, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	total := f.maxPages
	if total == 0 {
		if lim := f.k.Memory().Limit(); lim > 0 {
			total = lim / pageSize
		} else {
			total = max(f.pages*2, 1<<18) // no limit: report room to grow
		}
	}
	free := max(total-f.pages, 0)
	files := f.maxInodes
	if files == 0 {
		files = int64(len(f.nodes)) + 1<<20
	}
	ffree := max(files-int64(len(f.nodes)), 0)
	return vfs.Statvfs{Bsize: pageSize, Frsize: pageSize, Iosize: pageSize,
		Blocks: uint64(total), Bfree: uint64(free), Bavail: uint64(free),
		Files: uint64(files), Ffree: uint64(ffree), Favail: uint64(ffree), From: "tmpfs"}, nil
}

func (f *fs) Sync(bool) error { return nil }

func (f *fs) Unmount() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.k.Memory().Release(f.pages * pageSize)
	f.pages = 0
	clear(f.nodes)
	return nil
}

// reservePages accounts for n more data pages, or fails with ENOSPC.
func (f *fs) reservePages(n int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.maxPages > 0 && f.pages+n > f.maxPages {
		return errno.ENOSPC
	}
	if err := f.k.Memory().Reserve(n * pageSize); err != nil {
		return errno.ENOSPC
	}
	f.pages += n
	return nil
}

func (f *fs) releasePages(n int64) {
	if n == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pages -= n
	f.k.Memory().Release(n * pageSize)
}

// newNode makes an unlinked node, counting it against the inode limit.
func (f *fs) newNode(nn *vfs.NewNode) (*node, error) {
	now := f.k.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.maxInodes > 0 && int64(len(f.nodes)) >= f.maxInodes {
		return nil, errno.ENOSPC
	}
	n := &node{fs: f, ino: f.nextIno, typ: nn.Type, mode: nn.Mode & kern.ALLPERMS, uid: nn.UID, gid: nn.GID,
		rdev: nn.Rdev, atime: now, mtime: now, ctime: now, birth: now, gen: 1}
	f.nextIno++
	if nn.Type == vfs.VDIR {
		n.dir = &dirData{entries: map[string]*dirent{}, nextCookie: firstCookie}
	}
	f.nodes[n.ino] = n
	return n, nil
}

func (f *fs) freeNode(n *node) {
	f.releasePages(int64(len(n.pages)))
	for _, pg := range n.pages {
		putPage(pg)
	}
	n.pages = nil
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.nodes, n.ino)
}

// pagePool recycles the data pages files free, so that writing and
// removing files does not have the garbage collector reclaim and the
// allocator zero a page for every 4 KiB. Pages in it belong to nobody.
var pagePool = sync.Pool{New: func() any { return new([pageSize]byte) }}

// getPage returns a page for a file; it is zeroed when zero is set, and
// holds stale data otherwise, for a caller about to overwrite all of it.
func getPage(zero bool) *[pageSize]byte {
	pg := pagePool.Get().(*[pageSize]byte)
	if zero {
		clear(pg[:])
	}
	return pg
}

// putPage gives back a page no file refers to any more.
func putPage(pg *[pageSize]byte) { pagePool.Put(pg) }
