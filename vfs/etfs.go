package vfs

import (
	"io"
	"strings"
	"sync"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

// EtfsType is the kind of object a host file appears as in the kernel,
// with NetBSD's RUMP_ETFS_* values.
type EtfsType int

const (
	EtfsReg EtfsType = 0 // a regular file
	EtfsBlk EtfsType = 1 // a block device
	EtfsChr EtfsType = 2 // a character device
	// EtfsDir and EtfsDirSubdirs (host directories) are not supported yet.
	EtfsDir        EtfsType = 3
	EtfsDirSubdirs EtfsType = 4
)

// EtfsSizeEndOff as a size means "to the end of the host file"
// (RUMP_ETFS_SIZE_ENDOFF).
const EtfsSizeEndOff = -1

// etfsEntry is one registration: a window of a host file.
type etfsEntry struct {
	key   string
	typ   EtfsType
	host  rumpuser.File
	ro    bool
	begin int64
	size  int64 // EtfsSizeEndOff: follows the host file
	vp    *Vnode
	ino   Ino
}

// etfsFS is the pseudo file system that etfs vnodes belong to.
type etfsFS struct{}

func (etfsFS) Root() Ino                 { return 0 }
func (etfsFS) Vget(Ino) (Node, error)    { return nil, errno.ENOENT }
func (etfsFS) Statvfs() (Statvfs, error) { return Statvfs{Bsize: 512, Frsize: 512, Iosize: 65536}, nil }
func (etfsFS) Sync(bool) error           { return nil }
func (etfsFS) Unmount() error            { return nil }

// etfsMountLocked returns the pseudo mount of etfs vnodes, making it on
// first use. Called with v.mu held.
func (v *VFS) etfsMountLocked() *Mount {
	if v.etfsMount == nil {
		v.etfsMount = &Mount{vfs: v, fs: etfsFS{}, fstype: "etfs", path: "etfs", vcache: map[Ino]*Vnode{}, devno: v.serial.Add(1)}
	}
	return v.etfsMount
}

// normalizeKey collapses leading slashes, as rump_etfs_register does.
func normalizeKey(key string) string { return "/" + strings.TrimLeft(key, "/") }

// EtfsRegister makes the host file hostPath appear at key in the kernel
// as typ, covering size bytes from begin (EtfsSizeEndOff: to the end).
// Keys must start with "/"; they are not listed in any directory. A key
// already registered gives EEXIST.
func (v *VFS) EtfsRegister(key, hostPath string, typ EtfsType, begin, size int64) error {
	if !strings.HasPrefix(key, "/") || begin < 0 || size < EtfsSizeEndOff {
		return errno.EINVAL
	}
	switch typ {
	case EtfsReg, EtfsBlk, EtfsChr:
	case EtfsDir, EtfsDirSubdirs:
		return errno.EOPNOTSUPP
	default:
		return errno.EINVAL
	}
	key = normalizeKey(key)
	host := v.k.Host()
	info, err := host.FileInfo(hostPath)
	if err != nil {
		return err
	}
	if info.Type == rumpuser.FTDir {
		return errno.EISDIR
	}
	if size != EtfsSizeEndOff && begin+size > info.Size || begin > info.Size {
		return errno.EINVAL
	}
	ro := false
	mode := rumpuser.OpenRDWR
	if typ != EtfsReg {
		mode |= rumpuser.OpenBIO
	}
	f, err := host.Open(hostPath, mode)
	if err != nil {
		if f, err = host.Open(hostPath, mode&^rumpuser.OpenACCMODE|rumpuser.OpenRDONLY); err != nil {
			return err
		}
		ro = true
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, dup := v.etfs[key]; dup {
		f.Close()
		return errno.EEXIST
	}
	v.etfsIno++
	e := &etfsEntry{key: key, typ: typ, host: f, ro: ro, begin: begin, size: size, ino: Ino(v.etfsIno)}
	m := v.etfsMountLocked()
	vp, err := m.adopt(&etfsNode{e: e, k: v.k, birth: v.k.Now()})
	if err != nil {
		f.Close()
		return err
	}
	e.vp = vp
	v.etfs[key] = e
	v.etfsLen.Store(int32(len(v.etfs)))
	return nil
}

// EtfsRemove undoes EtfsRegister. It fails with EBUSY while the file is
// open in the kernel.
func (v *VFS) EtfsRemove(key string) error {
	key = normalizeKey(key)
	v.mu.Lock()
	e, ok := v.etfs[key]
	if !ok {
		v.mu.Unlock()
		return errno.ENOENT
	}
	if e.vp.refs.Load() > 1 {
		v.mu.Unlock()
		return errno.EBUSY
	}
	delete(v.etfs, key)
	v.etfsLen.Store(int32(len(v.etfs)))
	v.mu.Unlock()
	e.vp.Rele()
	return e.host.Close()
}

func (v *VFS) etfsVnode(path string) *Vnode {
	if v.etfsLen.Load() == 0 {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.etfs) == 0 {
		return nil
	}
	e, ok := v.etfs[normalizeKey(path)]
	if !ok {
		return nil
	}
	e.vp.Ref()
	return e.vp
}

func (v *VFS) etfsHalt() {
	v.mu.Lock()
	entries := v.etfs
	v.etfs = map[string]*etfsEntry{}
	v.etfsLen.Store(0)
	v.mu.Unlock()
	for _, e := range entries {
		e.vp.Rele()
		e.host.Close() //nolint:errcheck // halting; the host syncs on close
	}
}

// etfsNode is an etfs registration seen as a node.
type etfsNode struct {
	e     *etfsEntry
	k     *kern.Kernel
	birth kern.Timespec

	mu    sync.Mutex // guards times
	atime kern.Timespec
	mtime kern.Timespec
}

func (n *etfsNode) Ino() Ino { return n.e.ino }

func (n *etfsNode) size() (int64, error) {
	if n.e.size != EtfsSizeEndOff {
		return n.e.size, nil
	}
	s, err := n.e.host.Size()
	if err != nil {
		return 0, err
	}
	return max(s-n.e.begin, 0), nil
}

func (n *etfsNode) Attr() (Attr, error) {
	size, err := n.size()
	if err != nil {
		return Attr{}, err
	}
	typ := map[EtfsType]VType{EtfsReg: VREG, EtfsBlk: VBLK, EtfsChr: VCHR}[n.e.typ]
	mode := uint32(0o666)
	if n.e.ro {
		mode = 0o444
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	atime, mtime := n.atime, n.mtime
	if atime == (kern.Timespec{}) {
		atime = n.birth
	}
	if mtime == (kern.Timespec{}) {
		mtime = n.birth
	}
	return Attr{Type: typ, Mode: mode, Nlink: 1, Size: size, Bytes: size, Blksize: 512, Ino: n.e.ino,
		Atime: atime, Mtime: mtime, Ctime: mtime, Birthtime: n.birth}, nil
}

func (n *etfsNode) Setattr(a *SetAttr) error {
	if a.Mask&^(SetAtime|SetMtime|SetSize) != 0 {
		return errno.EOPNOTSUPP
	}
	if a.Mask&SetSize != 0 {
		if n.e.typ != EtfsReg || n.e.size != EtfsSizeEndOff || n.e.ro {
			return errno.EINVAL
		}
		if err := n.e.host.Truncate(n.e.begin + a.Size); err != nil {
			return err
		}
		n.touch(n.k.Now())
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if a.Mask&SetAtime != 0 {
		n.atime = a.Atime
	}
	if a.Mask&SetMtime != 0 {
		n.mtime = a.Mtime
	}
	return nil
}

func (n *etfsNode) touch(t kern.Timespec) {
	n.mu.Lock()
	n.mtime = t
	n.mu.Unlock()
}

func (n *etfsNode) Read(p []byte, off int64) (int, error) {
	size, err := n.size()
	if err != nil {
		return 0, err
	}
	if off >= size {
		return 0, nil
	}
	if int64(len(p)) > size-off {
		p = p[:size-off]
	}
	got, err := n.e.host.ReadAt(p, n.e.begin+off)
	if err == io.EOF {
		err = nil
	}
	return got, err
}

func (n *etfsNode) Write(p []byte, off int64) (int, error) {
	if n.e.ro {
		return 0, errno.EBADF
	}
	if n.e.size != EtfsSizeEndOff {
		if off >= n.e.size {
			return 0, errno.ENOSPC
		}
		if int64(len(p)) > n.e.size-off {
			got, err := n.e.host.WriteAt(p[:n.e.size-off], n.e.begin+off)
			if err == nil {
				err = errno.ENOSPC
			}
			return got, err
		}
	}
	got, err := n.e.host.WriteAt(p, n.e.begin+off)
	n.touch(n.k.Now())
	return got, err
}

func (n *etfsNode) Fsync(bool) error {
	return n.e.host.Sync(rumpuser.SyncWrite | rumpuser.SyncDurable)
}

// Inactive reports true: the registration holds a reference for its
// life, so the last one goes only when it is removed, and the vnode must
// not linger in the cache.
func (n *etfsNode) Inactive() bool { return true }
func (n *etfsNode) Reclaim() error { return nil }

func (n *etfsNode) Lookup(string) (Ino, error)                     { return 0, errno.ENOTDIR }
func (n *etfsNode) Create(string, *NewNode) (Node, error)          { return nil, errno.ENOTDIR }
func (n *etfsNode) Mkdir(string, *NewNode) (Node, error)           { return nil, errno.ENOTDIR }
func (n *etfsNode) Symlink(string, string, *NewNode) (Node, error) { return nil, errno.ENOTDIR }
func (n *etfsNode) Link(string, Node) error                        { return errno.ENOTDIR }
func (n *etfsNode) Remove(string, Node) error                      { return errno.ENOTDIR }
func (n *etfsNode) Rmdir(string, Node) error                       { return errno.ENOTDIR }
func (n *etfsNode) Rename(string, Node, Node, string, Node) error  { return errno.ENOTDIR }
func (n *etfsNode) ReadDir(uint64, func(Dirent) bool) error        { return errno.ENOTDIR }
func (n *etfsNode) Readlink() (string, error)                      { return "", errno.EINVAL }
