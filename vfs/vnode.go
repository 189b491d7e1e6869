package vfs

import (
	"sync"
	"sync/atomic"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// Vnode is the VFS's handle on a driver node: one per live inode of a
// mount, found through the mount's vnode cache, so that every path to a
// file meets the same lock.
type Vnode struct {
	node   Node
	mount  *Mount
	ino    Ino
	typ    VType
	serial uint64 // orders unrelated directories for locking

	// lock is the vnode lock over the driver node's state, and over fifo.
	lock sync.RWMutex
	fifo *kern.Pipe // a FIFO's pipe while an end is open (fifo.go)

	refs        atomic.Int32
	permCache   atomic.Pointer[permInfo]
	ncEntries   atomic.Int32          // name-cache entries keyed by this directory
	mountedHere atomic.Pointer[Mount] // the mount covering this directory

	// Guarded by mount.vcMu:
	state    vnodeState
	lruPrev  *Vnode
	lruNext  *Vnode
	onFree   bool
	loadDone chan struct{}
}

// permInfo is what permission checks need, cached so lookups check
// search permission without the vnode lock. The VFS refreshes it after
// every change it makes to mode or owner.
type permInfo struct{ mode, uid, gid uint32 }

func (vp *Vnode) perm() *permInfo { return vp.permCache.Load() }

func (vp *Vnode) setPerm(a *Attr) {
	vp.permCache.Store(&permInfo{mode: a.Mode, uid: a.UID, gid: a.GID})
}

type vnodeState uint8

const (
	vnLoading vnodeState = iota
	vnActive
	vnReclaiming
)

// Type returns the vnode's type.
func (vp *Vnode) Type() VType { return vp.typ }

// Node returns the driver node.
func (vp *Vnode) Node() Node { return vp.node }

// Mount returns the mount the vnode belongs to.
func (vp *Vnode) Mount() *Mount { return vp.mount }

// Ino returns the inode number.
func (vp *Vnode) Ino() Ino { return vp.ino }

// Ref adds a reference to a vnode the caller already holds one on.
func (vp *Vnode) Ref() { vp.refs.Add(1) }

// Rele drops a reference. When the last goes, the node is deactivated:
// reclaimed at once if it has no links, else kept on the free list.
func (vp *Vnode) Rele() {
	for {
		n := vp.refs.Load()
		if n <= 1 {
			break
		}
		if vp.refs.CompareAndSwap(n, n-1) {
			return
		}
	}
	vp.mount.releaseLast(vp)
}

// vget returns the vnode for ino in mount m, referenced, loading the node
// from the driver if it is not cached.
func (m *Mount) vget(ino Ino) (*Vnode, error) {
	m.vcMu.Lock()
	for {
		vp, ok := m.vcache[ino]
		if !ok {
			break
		}
		switch vp.state {
		case vnActive:
			if vp.refs.Add(1) == 1 && vp.onFree {
				m.lruRemove(vp)
			}
			m.vcMu.Unlock()
			return vp, nil
		case vnLoading, vnReclaiming:
			done := vp.loadDone
			m.vcMu.Unlock()
			<-done
			m.vcMu.Lock()
		}
	}
	if m.unmounted {
		m.vcMu.Unlock()
		return nil, errno.ENOENT
	}
	vp := &Vnode{mount: m, ino: ino, state: vnLoading, loadDone: make(chan struct{}), serial: m.vfs.serial.Add(1)}
	vp.refs.Store(1)
	m.vcache[ino] = vp
	m.vcMu.Unlock()

	node, err := m.fs.Vget(ino)
	var a Attr
	if err == nil {
		a, err = node.Attr()
	}

	m.vcMu.Lock()
	defer m.vcMu.Unlock()
	close(vp.loadDone)
	if err != nil {
		delete(m.vcache, ino)
		return nil, errno.From(err)
	}
	vp.node, vp.typ, vp.state = node, a.Type, vnActive
	vp.setPerm(&a)
	return vp, nil
}

// adopt enters a node the driver just created into the cache, referenced.
func (m *Mount) adopt(node Node) (*Vnode, error) {
	a, err := node.Attr()
	if err != nil {
		return nil, err
	}
	vp := &Vnode{mount: m, ino: node.Ino(), node: node, typ: a.Type, state: vnActive, serial: m.vfs.serial.Add(1)}
	vp.refs.Store(1)
	vp.setPerm(&a)
	m.vcMu.Lock()
	defer m.vcMu.Unlock()
	// Drivers reuse an inode number only once its old node is reclaimed,
	// so any vnode still cached under it is on its way out.
	m.vcache[vp.ino] = vp
	return vp, nil
}

func (m *Mount) releaseLast(vp *Vnode) {
	m.vcMu.Lock()
	if vp.refs.Add(-1) != 0 {
		m.vcMu.Unlock()
		return
	}
	if m.vcache[vp.ino] != vp {
		// Detached by adopt: nobody can find it again.
		m.vcMu.Unlock()
		vp.node.Inactive()
		vp.node.Reclaim() //nolint:errcheck // nothing to report to
		return
	}
	if vp.node.Inactive() || m.unmounted {
		m.reclaimLocked(vp)
		m.vcMu.Unlock()
		return
	}
	m.lruPush(vp)
	var victims []*Vnode
	for m.nfree > m.vfs.maxVnodes && m.lruHead != nil {
		v := m.lruHead
		m.lruRemove(v)
		victims = append(victims, v)
	}
	for _, v := range victims {
		m.reclaimLocked(v)
	}
	m.vcMu.Unlock()
}

// reclaimLocked tears down an unreferenced vnode. Called with vcMu held;
// it drops the lock while the driver works, holding lookups of the same
// inode off until it is done.
func (m *Mount) reclaimLocked(vp *Vnode) {
	vp.state = vnReclaiming
	vp.loadDone = make(chan struct{})
	m.vcMu.Unlock()
	vp.node.Reclaim() //nolint:errcheck // the driver logs what it cannot write back
	m.vcMu.Lock()
	if m.vcache[vp.ino] == vp {
		delete(m.vcache, vp.ino)
	}
	close(vp.loadDone)
}

func (m *Mount) lruPush(vp *Vnode) {
	vp.onFree = true
	vp.lruPrev = m.lruTail
	vp.lruNext = nil
	if m.lruTail != nil {
		m.lruTail.lruNext = vp
	} else {
		m.lruHead = vp
	}
	m.lruTail = vp
	m.nfree++
}

func (m *Mount) lruRemove(vp *Vnode) {
	if vp.lruPrev != nil {
		vp.lruPrev.lruNext = vp.lruNext
	} else {
		m.lruHead = vp.lruNext
	}
	if vp.lruNext != nil {
		vp.lruNext.lruPrev = vp.lruPrev
	} else {
		m.lruTail = vp.lruPrev
	}
	vp.lruPrev, vp.lruNext, vp.onFree = nil, nil, false
	m.nfree--
}
