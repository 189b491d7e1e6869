package vfs

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// Mount flags (MNT_*), NetBSD's values.
const (
	MNT_RDONLY      = 0x00000001
	MNT_SYNCHRONOUS = 0x00000002
	MNT_NOEXEC      = 0x00000004
	MNT_NOSUID      = 0x00000008
	MNT_NODEV       = 0x00000010
	MNT_ASYNC       = 0x00000040
	MNT_LOCAL       = 0x00001000
	MNT_ROOTFS      = 0x00004000
	MNT_FORCE       = 0x00080000
)

// DefaultMaxVnodes is how many unreferenced vnodes a mount keeps cached
// (NetBSD's desiredvnodes; RUMP_NVNODES overrides it).
const DefaultMaxVnodes = 1024

// nameCacheSize bounds the name cache.
const nameCacheSize = 8192

// VFS is one kernel's file-system state: its mounts, name cache and etfs
// registrations.
type VFS struct {
	k         *kern.Kernel
	nc        *nameCache
	maxVnodes int
	serial    atomic.Uint64
	etfsLen   atomic.Int32 // len(etfs), so lookups skip mu while none is registered

	mu        sync.Mutex // guards mounts and etfs
	root      *Vnode     // the root directory, referenced for the kernel's life
	mounts    []*Mount   // in mount order; mounts[0] is the root
	etfs      map[string]*etfsEntry
	etfsMount *Mount // the pseudo mount of etfs vnodes, once made
	etfsIno   uint64
}

// Mount is a mounted file system.
type Mount struct {
	vfs     *VFS
	fs      FileSystem
	fstype  string
	source  string
	path    string
	flags   int
	root    *Vnode
	covered *Vnode       // the directory this mount hides; nil for the root
	devno   uint64       // what stat reports as st_dev
	device  *BlockDevice // the storage mounted, held until unmount; may be nil

	// renameMu serialises renames within the mount, which keeps the
	// tree's shape still while rename checks ancestry.
	renameMu sync.Mutex

	vcMu      sync.Mutex // guards vcache, the free list and unmounted
	vcache    map[Ino]*Vnode
	lruHead   *Vnode
	lruTail   *Vnode
	nfree     int
	unmounted bool
}

// FS returns the driver's file system.
func (m *Mount) FS() FileSystem { return m.fs }

// Flags returns the MNT_* flags.
func (m *Mount) Flags() int { return m.flags }

// ReadOnly reports whether the mount refuses writes.
func (m *Mount) ReadOnly() bool { return m.flags&MNT_RDONLY != 0 }

// Path returns where the file system is mounted.
func (m *Mount) Path() string { return m.path }

// Kernel returns the kernel the mount belongs to.
func (m *Mount) Kernel() *kern.Kernel { return m.vfs.k }

var vfsSlot = kern.NewSlot[*VFS]()

// Of returns kernel k's VFS, or nil when the kernel has none.
func Of(k *kern.Kernel) *VFS { return vfsSlot.Get(k) }

func init() {
	kern.Register(kern.Component{Name: "vfs", Level: kern.LevelVFSFaction, Init: initVFS})
}

// Values read from kern.Config.Values:
//
//	vfs.root.type   file-system type of the root (default "tmpfs")
//	vfs.root.OPTION an option for the root's driver, such as vfs.root.size
func initVFS(k *kern.Kernel) error {
	v := &VFS{k: k, nc: newNameCache(nameCacheSize), maxVnodes: DefaultMaxVnodes, etfs: map[string]*etfsEntry{}}
	if s, err := k.Host().Param("RUMP_NVNODES"); err == nil && s != "" {
		n, err := kern.ParseSize(s)
		if err != nil || n < 1 {
			return fmt.Errorf("invalid RUMP_NVNODES %q: %w", s, errno.EINVAL)
		}
		v.maxVnodes = int(n)
	}
	vfsSlot.Set(k, v)
	fstype, ok := k.Value("vfs.root.type")
	if !ok {
		fstype = "tmpfs"
	}
	opts := map[string]string{}
	for _, kv := range []string{"size", "inodes", "mode"} {
		if val, ok := k.Value("vfs.root." + kv); ok {
			opts[kv] = val
		}
	}
	m, err := v.newMount(fstype, "", nil, "/", MNT_ROOTFS|MNT_LOCAL, opts)
	if err != nil {
		return fmt.Errorf("mount root %s: %w", fstype, err)
	}
	v.mounts = []*Mount{m}
	v.root = m.root
	k.AddProcHooks(kern.ProcHooks{Fork: v.forkProc, Exit: v.exitProc})
	v.setProcDirs(k.Proc0(), v.root, v.root)
	k.OnHalt(v.halt)
	l := k.Proc0().LWP()
	if err := v.Mkdir(l, "/dev", 0o755); err != nil {
		return err
	}
	if err := v.Mkdir(l, "/tmp", 0o777); err != nil {
		return err
	}
	return v.Chmod(l, "/tmp", 0o1777)
}

func (v *VFS) newMount(fstype, source string, dev *BlockDevice, path string, flags int, opts map[string]string) (*Mount, error) {
	d, err := driverByName(fstype)
	if err != nil {
		return nil, err
	}
	fs, err := d.Mount(MountArgs{Kernel: v.k, Source: source, Device: dev, Options: opts, ReadOnly: flags&MNT_RDONLY != 0})
	if err != nil {
		return nil, err
	}
	m := &Mount{vfs: v, fs: fs, fstype: fstype, source: source, path: path, flags: flags, vcache: map[Ino]*Vnode{}, devno: v.serial.Add(1), device: dev}
	m.root, err = m.vget(fs.Root())
	if err != nil {
		fs.Unmount() //nolint:errcheck // the load error is the one to report
		return nil, err
	}
	if m.root.typ != VDIR {
		m.root.Rele()
		fs.Unmount() //nolint:errcheck // as above
		return nil, errno.ENOTDIR
	}
	return m, nil
}

// Mount mounts a file system of type fstype from source (may be empty)
// on directory target. Only root may mount.
func (v *VFS) Mount(l *kern.LWP, fstype, source, target string, flags int, opts map[string]string) error {
	if !l.Cred().IsRoot() {
		return errno.EPERM
	}
	drv, err := driverByName(fstype)
	if err != nil {
		return err
	}
	// Only drivers that store data on a device look their source up;
	// others (tmpfs) take it as a label, as NetBSD's do.
	var dev *BlockDevice
	if drv.NeedsDevice {
		if source == "" {
			return errno.ENOTBLK
		}
		if dev, err = v.blockDevice(l, source); err != nil {
			return err
		}
	}
	mounted := false
	defer func() {
		if !mounted {
			dev.release()
		}
	}()
	if dev != nil && dev.ReadOnly && flags&MNT_RDONLY == 0 {
		return errno.EROFS
	}
	vp, err := v.namei(l, kern.AT_FDCWD, target, true)
	if err != nil {
		return err
	}
	defer vp.Rele()
	if vp.typ != VDIR {
		return errno.ENOTDIR
	}
	vp.lock.Lock()
	defer vp.lock.Unlock()
	if vp.mountedHere.Load() != nil || vp == vp.mount.root {
		return errno.EBUSY // no stacking on a mount point, as NetBSD
	}
	m, err := v.newMount(fstype, source, dev, cleanPath(target), flags|MNT_LOCAL, opts)
	if err != nil {
		return err
	}
	vp.Ref()
	m.covered = vp
	v.mu.Lock()
	v.mounts = append(v.mounts, m)
	v.mu.Unlock()
	vp.mountedHere.Store(m)
	mounted = true
	return nil
}

// Unmount unmounts the file system mounted at target. It fails with EBUSY
// while any of its files is open, is a working directory, or has another
// file system mounted on it.
func (v *VFS) Unmount(l *kern.LWP, target string, flags int) error {
	if !l.Cred().IsRoot() {
		return errno.EPERM
	}
	vp, err := v.namei(l, kern.AT_FDCWD, target, true)
	if err != nil {
		return err
	}
	m := vp.mount
	isRoot := vp == m.root
	vp.Rele()
	if !isRoot {
		return errno.EINVAL
	}
	if m.covered == nil {
		return errno.EBUSY
	}
	return v.unmount(m, flags&MNT_FORCE != 0)
}

func (v *VFS) unmount(m *Mount, force bool) error {
	covered := m.covered
	covered.lock.Lock()
	defer covered.lock.Unlock()
	if covered.mountedHere.Load() != m {
		return errno.EINVAL
	}
	covered.mountedHere.Store(nil)
	v.nc.purgeMount(m)
	if !force && m.busy() {
		covered.mountedHere.Store(m)
		return errno.EBUSY
	}
	if err := v.teardown(m); err != nil {
		covered.mountedHere.Store(m)
		return err
	}
	v.mu.Lock()
	for i, x := range v.mounts {
		if x == m {
			v.mounts = append(v.mounts[:i], v.mounts[i+1:]...)
			break
		}
	}
	v.mu.Unlock()
	covered.Rele()
	return nil
}

// busy reports whether any vnode of m other than its root is referenced,
// or the root by more than the mount itself.
func (m *Mount) busy() bool {
	m.vcMu.Lock()
	defer m.vcMu.Unlock()
	for _, vp := range m.vcache {
		want := int32(0)
		if vp == m.root {
			want = 1
		}
		if vp.refs.Load() > want {
			return true
		}
	}
	return false
}

// teardown syncs m, reclaims its vnodes and tells the driver.
func (v *VFS) teardown(m *Mount) error {
	if err := m.fs.Sync(true); err != nil && !m.ReadOnly() {
		return err
	}
	m.vcMu.Lock()
	m.unmounted = true
	for m.lruHead != nil {
		vp := m.lruHead
		m.lruRemove(vp)
		m.reclaimLocked(vp)
	}
	m.vcMu.Unlock()
	m.root.Rele() // the last reference: reclaimed since unmounted is set
	err := m.fs.Unmount()
	m.device.release()
	return err
}

// halt syncs and unmounts every file system, newest first.
func (v *VFS) halt() error {
	v.nc.purgeAll()
	v.mu.Lock()
	mounts := append([]*Mount(nil), v.mounts...)
	v.mu.Unlock()
	var first error
	for i := len(mounts) - 1; i >= 1; i-- {
		if err := v.unmount(mounts[i], true); err != nil && first == nil {
			first = err
		}
	}
	// Only now that no mount uses them are etfs host files closed.
	v.etfsHalt()
	v.setProcDirs(v.k.Proc0(), nil, nil)
	v.mu.Lock()
	v.mounts = nil
	v.mu.Unlock()
	if err := v.teardown(mounts[0]); err != nil && first == nil {
		first = err
	}
	return first
}

// Sync writes every mounted file system's dirty data.
func (v *VFS) Sync() error {
	v.mu.Lock()
	mounts := append([]*Mount(nil), v.mounts...)
	v.mu.Unlock()
	var first error
	for _, m := range mounts {
		if m.ReadOnly() {
			continue
		}
		if err := m.fs.Sync(true); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (m *Mount) statvfs() (Statvfs, error) {
	st, err := m.fs.Statvfs()
	if err != nil {
		return Statvfs{}, err
	}
	st.Flag = uint64(m.flags)
	st.FSType = m.fstype
	st.OnName = m.path
	if st.From == "" {
		st.From = m.source
		if st.From == "" {
			st.From = m.fstype
		}
	}
	if st.Namemax == 0 {
		st.Namemax = NameMax
	}
	return st, nil
}

// Statvfs describes the file system holding path.
func (v *VFS) Statvfs(l *kern.LWP, path string) (Statvfs, error) {
	vp, err := v.namei(l, kern.AT_FDCWD, path, true)
	if err != nil {
		return Statvfs{}, err
	}
	defer vp.Rele()
	return vp.mount.statvfs()
}

// Mounts describes every mounted file system, sorted by mount point.
func (v *VFS) Mounts() []Statvfs {
	v.mu.Lock()
	mounts := append([]*Mount(nil), v.mounts...)
	v.mu.Unlock()
	out := make([]Statvfs, 0, len(mounts))
	for _, m := range mounts {
		if st, err := m.statvfs(); err == nil {
			out = append(out, st)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OnName < out[j].OnName })
	return out
}

func cleanPath(p string) string {
	parts := strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
	return "/" + strings.Join(parts, "/")
}
