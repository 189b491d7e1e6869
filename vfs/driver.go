package vfs

import (
	"sort"
	"sync"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// Limits of names and paths, as NetBSD's NAME_MAX and PATH_MAX (which
// counts the terminating NUL).
const (
	NameMax    = 255
	PathMax    = 1024
	MaxSymlink = 32 // symlinks followed in one lookup before ELOOP
)

// VType is the type of a vnode.
type VType uint8

const (
	VNON VType = iota
	VREG
	VDIR
	VBLK
	VCHR
	VLNK
	VSOCK
	VFIFO
)

var vtypeMode = [...]uint32{VNON: 0, VREG: kern.S_IFREG, VDIR: kern.S_IFDIR, VBLK: kern.S_IFBLK,
	VCHR: kern.S_IFCHR, VLNK: kern.S_IFLNK, VSOCK: kern.S_IFSOCK, VFIFO: kern.S_IFIFO}

// ModeBits returns the S_IF* bits of t.
func (t VType) ModeBits() uint32 {
	if int(t) < len(vtypeMode) {
		return vtypeMode[t]
	}
	return 0
}

// VTypeOf returns the vnode type for S_IF* bits in mode.
func VTypeOf(mode uint32) VType {
	for t, m := range vtypeMode {
		if m != 0 && m == mode&kern.S_IFMT {
			return VType(t)
		}
	}
	return VNON
}

// DirentType returns the d_type value for t (DT_REG and friends).
func (t VType) DirentType() uint8 {
	return [...]uint8{VNON: 0, VREG: 8, VDIR: 4, VBLK: 6, VCHR: 2, VLNK: 10, VSOCK: 12, VFIFO: 1}[t]
}

// Ino is an inode number, unique within one file system.
type Ino uint64

// Attr are a node's attributes.
type Attr struct {
	Type      VType
	Mode      uint32 // permission bits, 07777
	Nlink     uint32
	UID       uint32
	GID       uint32
	Size      int64
	Bytes     int64 // storage used
	Blksize   uint32
	Rdev      uint64
	Ino       Ino
	Gen       uint32
	Flags     uint32
	Atime     kern.Timespec
	Mtime     kern.Timespec
	Ctime     kern.Timespec
	Birthtime kern.Timespec
}

// SetAttr says which attributes Setattr changes: only those whose bit is
// in Mask.
type SetAttr struct {
	Mask  SetMask
	Mode  uint32
	UID   uint32
	GID   uint32
	Size  int64
	Atime kern.Timespec
	Mtime kern.Timespec
	Flags uint32
}

// SetMask bits select attributes in SetAttr.
type SetMask uint

const (
	SetMode SetMask = 1 << iota
	SetUID
	SetGID
	SetSize
	SetAtime
	SetMtime
	SetFlags
)

// NewNode describes a node to create.
type NewNode struct {
	Type VType
	Mode uint32 // permission bits, umask already applied
	UID  uint32
	GID  uint32
	Rdev uint64
	// Cred is the creator's: a driver that keeps space for the superuser
	// judges by it whether the new node may take that space. nil means
	// the kernel itself creates the node.
	Cred *kern.Cred
}

// Dirent is a directory entry as ReadDir reports it. Next is the cookie
// that continues the listing after this entry.
type Dirent struct {
	Name string
	Ino  Ino
	Type VType
	Next uint64
}

// Statvfs describes a mounted file system.
type Statvfs struct {
	Bsize   uint64 // block size
	Frsize  uint64 // fragment size
	Iosize  uint64 // optimal I/O size
	Blocks  uint64 // in Frsize units
	Bfree   uint64
	Bavail  uint64 // free to those who may not use the reserve
	Bresvd  uint64 // kept for the superuser (FFS's minfree)
	Files   uint64 // inodes users can have: NetBSD's FFS leaves out the reserved ones
	Ffree   uint64
	Favail  uint64
	Fresvd  uint64
	Namemax uint64
	Flag    uint64 // MNT_* flags, filled in by the VFS
	FSType  string
	From    string // the mounted source
	OnName  string // the mount point, filled in by the VFS
}

// Node is one file, directory or other object of a driver. The VFS holds
// the lock each method names ("shared" or "exclusive" on the node, and on
// other nodes passed in) while calling it.
type Node interface {
	// Ino returns the node's inode number. No lock needed.
	Ino() Ino
	// Attr returns the attributes. Shared.
	Attr() (Attr, error)
	// Setattr changes the attributes selected by a.Mask and updates
	// ctime; permission checks are done. Exclusive.
	Setattr(a *SetAttr) error
	// Lookup finds name in a directory ("." and ".." included) and
	// returns its inode number, or ENOENT. A removed directory has no
	// entries, ".." included: ENOENT for every name (the VFS answers
	// "." itself). Shared.
	Lookup(name string) (Ino, error)
	// Create makes a non-directory, non-symlink entry name. Exclusive.
	Create(name string, n *NewNode) (Node, error)
	// Mkdir makes directory name. Exclusive.
	Mkdir(name string, n *NewNode) (Node, error)
	// Symlink makes symlink name pointing at target. Exclusive.
	Symlink(name, target string, n *NewNode) (Node, error)
	// Link adds entry name for node n (not a directory). Exclusive on
	// the directory and on n.
	Link(name string, n Node) error
	// Remove removes entry name, which is n, not a directory.
	// Exclusive on the directory and n.
	Remove(name string, n Node) error
	// Rmdir removes entry name, which is directory n; ENOTEMPTY if it
	// has entries. Exclusive on the directory and n.
	Rmdir(name string, n Node) error
	// Rename moves entry fromName (node from) of this directory to
	// toName in directory toDir, replacing to when it is not nil. The
	// VFS has checked types, emptiness of a replaced directory, and that
	// a directory is not moved below itself. Exclusive on both
	// directories, from and to; under the mount's rename lock.
	Rename(fromName string, from Node, toDir Node, toName string, to Node) error
	// ReadDir calls emit for each entry after cookie (0 starts at the
	// beginning), stopping when emit returns false. Cookies stay valid
	// while the directory changes. Shared.
	ReadDir(cookie uint64, emit func(Dirent) bool) error
	// Readlink returns a symlink's target. Shared.
	Readlink() (string, error)
	// Read reads at off; at or past the end it returns 0, nil. Shared.
	Read(p []byte, off int64) (int, error)
	// Write writes at off, extending the file. Exclusive.
	Write(p []byte, off int64) (int, error)
	// Fsync makes the node's data (and metadata unless dataOnly)
	// durable. Exclusive.
	Fsync(dataOnly bool) error
	// Inactive is called when the last reference goes. It reports
	// whether the node has no links left and must be reclaimed now.
	// No other caller can reach the node meanwhile.
	Inactive() bool
	// Reclaim releases the node's in-memory state, freeing its storage
	// if it has no links. No other caller can reach the node.
	Reclaim() error
}

// CredWriter is implemented by nodes whose writes depend on who writes:
// FFS keeps its minfree reserve for the superuser, as NetBSD's
// ffs_alloc asks kauth for KAUTH_SYSTEM_FS_RESERVEDSPACE. The VFS calls
// WriteCred instead of Write when a node has it, with the credentials
// the file was opened with (NetBSD's f_cred). Exclusive.
type CredWriter interface {
	WriteCred(cred *kern.Cred, p []byte, off int64) (int, error)
}

// FileSystem is one mounted instance of a driver.
type FileSystem interface {
	// Root returns the root directory's inode number.
	Root() Ino
	// Vget loads the node with inode number ino.
	Vget(ino Ino) (Node, error)
	// Statvfs describes the file system.
	Statvfs() (Statvfs, error)
	// Sync writes everything dirty; with wait it waits for the writes.
	Sync(wait bool) error
	// Unmount is called once every vnode has been reclaimed.
	Unmount() error
}

// MountArgs are what a driver's Mount gets.
type MountArgs struct {
	Kernel   *kern.Kernel
	Source   string            // the device or image, if any
	Device   *BlockDevice      // the storage Source names, when it names some
	Options  map[string]string // driver options, such as "size"
	ReadOnly bool
}

// Driver is a file-system type.
type Driver struct {
	Name  string
	Mount func(args MountArgs) (FileSystem, error)
	// NeedsDevice says the mount source names a block device (an etfs
	// registration) that the VFS resolves into MountArgs.Device.
	NeedsDevice bool
}

var drivers struct {
	mu sync.Mutex // guards byName
	by map[string]Driver
}

// RegisterFS makes a file-system type available to every kernel. Call it
// from init; a name registered twice panics.
func RegisterFS(d Driver) {
	drivers.mu.Lock()
	defer drivers.mu.Unlock()
	if drivers.by == nil {
		drivers.by = map[string]Driver{}
	}
	if _, dup := drivers.by[d.Name]; dup || d.Mount == nil {
		panic("vfs: bad or duplicate file system " + d.Name)
	}
	drivers.by[d.Name] = d
}

func driverByName(name string) (Driver, error) {
	drivers.mu.Lock()
	defer drivers.mu.Unlock()
	d, ok := drivers.by[name]
	if !ok {
		return Driver{}, errno.EOPNOTSUPP
	}
	return d, nil
}

// FileSystems returns the registered file-system type names, sorted.
func FileSystems() []string {
	drivers.mu.Lock()
	defer drivers.mu.Unlock()
	names := make([]string, 0, len(drivers.by))
	for n := range drivers.by {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
