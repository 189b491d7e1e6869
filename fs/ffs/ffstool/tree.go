package ffstool

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"
)

// File type and permission bits as FFS stores them; every Unix host
// uses the same values.
const (
	sIfmt    = 0o170000
	sIfifo   = 0o010000
	sIfchr   = 0o020000
	sIfdir   = 0o040000
	sIfblk   = 0o060000
	sIfreg   = 0o100000
	sIflnk   = 0o120000
	sIfsock  = 0o140000
	sIsuid   = 0o4000
	sIsgid   = 0o2000
	sIsvtx   = 0o1000
	permBits = 0o7777
)

// hostInfo is what makefs takes from a host object's lstat.
type hostInfo struct {
	mode         uint32 // S_IF* type and permission bits
	uid, gid     uint32
	size         int64
	atime, mtime time.Time
	nlink        uint64
	dev, ino     uint64 // identity, for finding hard links
	rdev         uint64 // device number in NetBSD's encoding
}

func (h hostInfo) typ() uint32 { return h.mode & sIfmt }

// entry is one name in the source tree.
type entry struct {
	name     string
	rel      string // slash-separated path below the source root; "" for the root
	info     hostInfo
	target   string   // a symlink's target
	link     *entry   // for a later name of a hard-linked inode, its first name
	children []*entry // a directory's entries, sorted by name
}

// tree is a scanned source tree with its counts.
type tree struct {
	root               *entry
	dirs, files        int64 // directories (the root included) and regular files
	symlinks, specials int64 // symlinks; FIFOs and device nodes
	hardLinks          int64 // names that are further links to an inode already seen
	entries            int64 // every name below the root
	fileBytes          int64 // the sizes of the regular files, each inode once
	skipped            []string
	inodes             int64 // inodes the tree needs besides the root's
	hostRoot           string
}

type inodeKey struct{ dev, ino uint64 }

// scanTree reads the tree at src in sorted order, following no symlinks
// but src itself. Sockets, which FFS cannot hold, are skipped and
// listed.
func scanTree(src string) (*tree, error) {
	root := src
	if real, err := filepath.EvalSymlinks(src); err == nil {
		root = real
	}
	info, err := lstatHost(root)
	if err != nil {
		return nil, fmt.Errorf("source directory %s: %w", src, unwrapPath(err))
	}
	if info.typ() != sIfdir {
		return nil, fmt.Errorf("source %s is not a directory", src)
	}
	t := &tree{root: &entry{info: info}, dirs: 1, hostRoot: root}
	seen := map[inodeKey]*entry{}
	if err := t.scanDir(t.root, root, seen); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *tree) scanDir(dir *entry, hostDir string, seen map[inodeKey]*entry) error {
	f, err := openSource(hostDir)
	if err != nil {
		return err
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return fmt.Errorf("reading directory %s: %w", hostDir, err)
	}
	slices.Sort(names)
	for _, name := range names {
		hostPath := filepath.Join(hostDir, name)
		info, err := lstatHost(hostPath)
		if err != nil {
			return err
		}
		e := &entry{name: name, rel: path.Join(dir.rel, name), info: info}
		if info.typ() == sIfsock {
			t.skipped = append(t.skipped, e.rel)
			continue
		}
		t.entries++
		if info.typ() != sIfdir && info.nlink > 1 {
			key := inodeKey{info.dev, info.ino}
			if first, ok := seen[key]; ok {
				e.link = first
				t.hardLinks++
				dir.children = append(dir.children, e)
				continue
			}
			seen[key] = e
		}
		t.inodes++
		switch info.typ() {
		case sIfdir:
			t.dirs++
			dir.children = append(dir.children, e)
			if err := t.scanDir(e, hostPath, seen); err != nil {
				return err
			}
			continue
		case sIfreg:
			t.files++
			t.fileBytes += info.size
		case sIflnk:
			t.symlinks++
			target, err := os.Readlink(hostPath)
			if err != nil {
				return err
			}
			restoreLinkTimes(hostPath, info)
			e.target = target
		default:
			t.specials++
		}
		dir.children = append(dir.children, e)
	}
	return nil
}

// unwrapPath drops the operation and path of a *fs.PathError, for a
// message that names the path its own way.
func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// hostPath returns where e is in the host tree.
func (t *tree) hostPath(e *entry) string {
	return filepath.Join(t.hostRoot, filepath.FromSlash(e.rel))
}

// walk calls fn for every entry below dir, depth first in sorted order.
func walk(dir *entry, fn func(e *entry) error) error {
	for _, c := range dir.children {
		if err := fn(c); err != nil {
			return err
		}
		if c.link == nil && c.info.typ() == sIfdir {
			if err := walk(c, fn); err != nil {
				return err
			}
		}
	}
	return nil
}
