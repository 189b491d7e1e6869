package ifnet

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ether"
	"github.com/gorump/gorump/net/pkt"
)

func init() {
	kern.Register(kern.Component{Name: "ifnet", Level: kern.LevelNetFaction, Init: initNet})
}

var netSlot = kern.NewSlot[*Net]()

// Of returns the interface list of kernel k, or nil when the ifnet
// component is not linked in.
func Of(k *kern.Kernel) *Net { return netSlot.Get(k) }

func initNet(k *kern.Kernel) error {
	n := &Net{k: k, byEther: map[uint16]InputFunc{}}
	n.snap.Store(&snapshot{})
	netSlot.Set(k, n)
	k.OnHalt(func() error {
		for _, ifp := range n.Interfaces() {
			ifp.Detach() //nolint:errcheck // halting: a link that fails to close is gone anyway
		}
		return nil
	})
	return nil
}

// InputFunc receives a packet of one protocol from an interface, the link
// header removed. It takes ownership of b and must not block.
type InputFunc func(ifp *Interface, b *pkt.Buf)

// Hooks are told about changes to interfaces. They run with the
// configuration lock held (see the package doc), in registration order;
// nil fields are skipped.
type Hooks struct {
	// Attach runs before the interface is visible to lookups and before
	// its link starts: the place to set IfSlots.
	Attach func(ifp *Interface)
	// Detach runs after the interface has left the list and lost its
	// addresses, before its link is closed.
	Detach func(ifp *Interface)
	// AddrAdded and AddrRemoved follow IPv4 addresses.
	AddrAdded   func(ifp *Interface, p netip.Prefix)
	AddrRemoved func(ifp *Interface, p netip.Prefix)
	// Up runs when the interface goes up or down.
	Up func(ifp *Interface, up bool)
}

// Net is a kernel's interface list.
type Net struct {
	k *kern.Kernel

	// cfgMu serialises configuration and hooks; see the package doc.
	cfgMu sync.Mutex
	hooks []Hooks

	// byEther maps EtherTypes to input functions; written only while the
	// kernel boots, then read without a lock.
	byEther map[uint16]InputFunc
	ipv4    InputFunc

	mu sync.Mutex // guards writes of snap
	// snap is the current interface list and address table; it is
	// replaced, never changed, so readers need no lock.
	snap atomic.Pointer[snapshot]
}

// snapshot is an immutable view of the interfaces and their addresses.
type snapshot struct {
	list []*Interface // by index
	// local and bcast map IPv4 addresses, as big-endian integers (which
	// hash faster than netip.Addr), to their interface.
	local map[uint32]*Interface
	bcast map[uint32]*Interface
	loop  *Interface // the first loopback interface
}

// SetInput makes f receive the frames of etherType (ether.TypeIPv4,
// ether.TypeARP). IPv4 packets from loopback links go to the IPv4 input
// too. It must be called while the kernel boots.
func (n *Net) SetInput(etherType uint16, f InputFunc) {
	if !n.k.Booting() {
		panic("ifnet: SetInput after boot")
	}
	n.byEther[etherType] = f
	if etherType == ether.TypeIPv4 {
		n.ipv4 = f
	}
}

// AddHooks registers h. Hooks added after interfaces exist are not told
// about them, so protocols add theirs from their component Init.
func (n *Net) AddHooks(h Hooks) {
	n.cfgMu.Lock()
	defer n.cfgMu.Unlock()
	n.hooks = append(n.hooks, h)
}

// Kernel returns the kernel n belongs to.
func (n *Net) Kernel() *kern.Kernel { return n.k }

// Attach makes l an interface named by its prefix and the lowest unit
// number free for it, and starts the link. The interface starts down,
// with the link's MTU and no address. Errors: EINVAL for a bad LinkInfo,
// ENXIO after halt, and what the link's Start returns.
func (n *Net) Attach(l Link) (*Interface, error) { return n.attach(l, -1) }

// attach is Attach with the unit number chosen by the caller (EEXIST
// when it is taken), or the lowest free one for unit -1.
func (n *Net) attach(l Link, unit int) (*Interface, error) {
	info := l.Info()
	if info.Prefix == "" || info.MTU < 68 || (info.Type != LinkEthernet && info.Type != LinkLoopback) {
		return nil, fmt.Errorf("ifnet: attach %q: %w", info.Prefix, errno.EINVAL)
	}
	n.cfgMu.Lock()
	defer n.cfgMu.Unlock()
	if n.k.Halted() {
		return nil, errno.ENXIO
	}
	cur := n.snap.Load()
	taken := func(unit int) bool {
		name := info.Prefix + strconv.Itoa(unit)
		return slices.ContainsFunc(cur.list, func(i *Interface) bool { return i.name == name })
	}
	if unit < 0 {
		unit = 0
		for taken(unit) {
			unit++
		}
	} else if taken(unit) {
		return nil, fmt.Errorf("ifnet: attach %s%d: %w", info.Prefix, unit, errno.EEXIST)
	}
	index := 1
	for slices.ContainsFunc(cur.list, func(i *Interface) bool { return i.index == index }) {
		index++
	}
	ifp := &Interface{
		n:     n,
		link:  l,
		info:  info,
		name:  info.Prefix + strconv.Itoa(unit),
		index: index,
		slots: make([]any, ifSlots.Load()),
	}
	ifp.mtu.Store(int32(info.MTU))
	ifp.tso.Store(info.TSO)
	ifp.addrs.Store(&[]netip.Prefix{})
	for _, h := range n.hooks {
		if h.Attach != nil {
			h.Attach(ifp)
		}
	}
	n.update(func(s *snapshot) { s.list = append(s.list, ifp) })
	if err := l.Start(ifp.input); err != nil {
		n.update(func(s *snapshot) { s.list = slices.DeleteFunc(s.list, func(i *Interface) bool { return i == ifp }) })
		for _, h := range n.hooks {
			if h.Detach != nil {
				h.Detach(ifp)
			}
		}
		return nil, fmt.Errorf("ifnet: attach %s: %w", ifp.name, err)
	}
	return ifp, nil
}

// update replaces the snapshot with a copy changed by f, recomputing the
// address maps.
func (n *Net) update(f func(s *snapshot)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	old := n.snap.Load()
	s := &snapshot{list: slices.Clone(old.list)}
	f(s)
	slices.SortFunc(s.list, func(a, b *Interface) int { return a.index - b.index })
	s.local = map[uint32]*Interface{}
	s.bcast = map[uint32]*Interface{}
	for _, ifp := range s.list {
		if ifp.info.Type == LinkLoopback && s.loop == nil {
			s.loop = ifp
		}
		for _, p := range *ifp.addrs.Load() {
			if _, dup := s.local[key(p.Addr())]; !dup {
				s.local[key(p.Addr())] = ifp
			}
			if b, ok := BroadcastAddr(p); ok {
				if _, dup := s.bcast[key(b)]; !dup {
					s.bcast[key(b)] = ifp
				}
			}
		}
	}
	n.snap.Store(s)
}

// BroadcastAddr returns the directed broadcast address of the network p
// (all host bits set); networks of /31 and /32 have none.
func BroadcastAddr(p netip.Prefix) (netip.Addr, bool) {
	if !p.Addr().Is4() || p.Bits() > 30 {
		return netip.Addr{}, false
	}
	a := p.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= ^uint32(0) >> p.Bits()
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// Interfaces returns the attached interfaces by index.
func (n *Net) Interfaces() []*Interface { return slices.Clone(n.snap.Load().list) }

// ByName returns the interface called name, or nil.
func (n *Net) ByName(name string) *Interface {
	for _, ifp := range n.snap.Load().list {
		if ifp.name == name {
			return ifp
		}
	}
	return nil
}

// ByIndex returns the interface with index i, or nil.
func (n *Net) ByIndex(i int) *Interface {
	for _, ifp := range n.snap.Load().list {
		if ifp.index == i {
			return ifp
		}
	}
	return nil
}

// Loopback returns the first loopback interface, or nil.
func (n *Net) Loopback() *Interface { return n.snap.Load().loop }

// Local reports which interface holds address a, or nil. With
// broadcast true a is the directed broadcast address of one of the
// interface's networks (or 255.255.255.255, reported with a nil
// interface).
func (n *Net) Local(a netip.Addr) (ifp *Interface, broadcast bool) {
	if !a.Is4() {
		return nil, false
	}
	s := n.snap.Load()
	k := key(a)
	if ifp := s.local[k]; ifp != nil {
		return ifp, false
	}
	if ifp := s.bcast[k]; ifp != nil {
		return ifp, true
	}
	return nil, k == 0xffffffff
}

// key returns the IPv4 address a as a big-endian integer.
func key(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

var limitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// Interface is one attached network interface. Its methods are safe for
// concurrent use.
type Interface struct {
	n     *Net
	link  Link
	info  LinkInfo
	name  string
	index int
	slots []any // IfSlot values, written by Attach hooks

	mtu      atomic.Int32
	tso      atomic.Bool
	up       atomic.Bool
	detached atomic.Bool
	// addrs is replaced, never changed, under Net.cfgMu.
	addrs atomic.Pointer[[]netip.Prefix]

	stats stats
}

// Name returns the interface's name, such as "virt0".
func (ifp *Interface) Name() string { return ifp.name }

// Index returns the interface's index, from 1.
func (ifp *Interface) Index() int { return ifp.index }

// Type returns the framing of the interface's link.
func (ifp *Interface) Type() LinkType { return ifp.info.Type }

// Net returns the interface list ifp belongs to.
func (ifp *Interface) Net() *Net { return ifp.n }

// Kernel returns the kernel ifp belongs to.
func (ifp *Interface) Kernel() *kern.Kernel { return ifp.n.k }

// MTU returns the largest IP packet the interface sends.
func (ifp *Interface) MTU() int { return int(ifp.mtu.Load()) }

// SetMTU changes the MTU: at least 68 (RFC 791) and at most the link's.
// EINVAL otherwise.
func (ifp *Interface) SetMTU(mtu int) error {
	if mtu < 68 || mtu > ifp.info.MTU {
		return errno.EINVAL
	}
	ifp.mtu.Store(int32(mtu))
	return nil
}

// TSO reports whether TCP may hand the interface super-segments.
func (ifp *Interface) TSO() bool { return ifp.tso.Load() }

// SetTSO turns TCP segmentation offload on or off, as ifconfig's tso4
// and -tso4: EOPNOTSUPP to turn it on where the link cannot. Connections
// see the change at their next route lookup; a super-segment already
// queued for an interface that has turned it off fails with EMSGSIZE,
// and TCP sends ordinary segments again.
func (ifp *Interface) SetTSO(on bool) error {
	if on && !ifp.info.TSO {
		return errno.EOPNOTSUPP
	}
	ifp.tso.Store(on)
	return nil
}

// Up reports whether the interface is up.
func (ifp *Interface) Up() bool { return ifp.up.Load() }

// SetUp brings the interface up or down. A detached interface gives
// ENXIO; a RunningLink's Init error keeps the interface down.
func (ifp *Interface) SetUp(up bool) error {
	n := ifp.n
	n.cfgMu.Lock()
	defer n.cfgMu.Unlock()
	if ifp.detached.Load() {
		return errno.ENXIO
	}
	if ifp.up.Load() == up {
		return nil
	}
	rl, running := ifp.link.(RunningLink)
	if up && running {
		if err := rl.Init(); err != nil {
			return err
		}
	}
	ifp.up.Store(up)
	for _, h := range n.hooks {
		if h.Up != nil {
			h.Up(ifp, up)
		}
	}
	if !up && running {
		rl.Stop()
	}
	return nil
}

// HardwareAddr returns the link's Ethernet address (zero for loopback).
func (ifp *Interface) HardwareAddr() [6]byte { return ifp.info.Addr }

// AddAddr gives the interface the IPv4 address p.Addr() on the network
// p (p.Bits() is the netmask length); the routing table gains the route
// to that network. Errors: EINVAL (not IPv4, or a multicast, broadcast or
// unspecified address), EEXIST (the interface has it), ENXIO (detached).
func (ifp *Interface) AddAddr(p netip.Prefix) error {
	a := p.Addr()
	if !p.IsValid() || !a.Is4() || a.IsUnspecified() || a.IsMulticast() || a == limitedBroadcast {
		return errno.EINVAL
	}
	if b, ok := BroadcastAddr(p); ok && b == a {
		return errno.EINVAL
	}
	n := ifp.n
	n.cfgMu.Lock()
	defer n.cfgMu.Unlock()
	if ifp.detached.Load() {
		return errno.ENXIO
	}
	cur := *ifp.addrs.Load()
	if slices.ContainsFunc(cur, func(q netip.Prefix) bool { return q.Addr() == a }) {
		return errno.EEXIST
	}
	next := append(slices.Clip(cur), p)
	ifp.addrs.Store(&next)
	n.update(func(*snapshot) {})
	for _, h := range n.hooks {
		if h.AddrAdded != nil {
			h.AddrAdded(ifp, p)
		}
	}
	return nil
}

// RemoveAddr takes address a from the interface, with the route to its
// network. EADDRNOTAVAIL when the interface does not have it.
func (ifp *Interface) RemoveAddr(a netip.Addr) error {
	n := ifp.n
	n.cfgMu.Lock()
	defer n.cfgMu.Unlock()
	return ifp.removeAddrLocked(a)
}

func (ifp *Interface) removeAddrLocked(a netip.Addr) error {
	cur := *ifp.addrs.Load()
	i := slices.IndexFunc(cur, func(q netip.Prefix) bool { return q.Addr() == a })
	if i < 0 {
		return errno.EADDRNOTAVAIL
	}
	p := cur[i]
	next := slices.Delete(slices.Clone(cur), i, i+1)
	ifp.addrs.Store(&next)
	ifp.n.update(func(*snapshot) {})
	for _, h := range ifp.n.hooks {
		if h.AddrRemoved != nil {
			h.AddrRemoved(ifp, p)
		}
	}
	return nil
}

// Addrs returns the interface's IPv4 addresses with their netmasks, in
// the order they were added.
func (ifp *Interface) Addrs() []netip.Prefix { return slices.Clone(*ifp.addrs.Load()) }

// addrsShared returns the address list without copying it; callers must
// not change it.
func (ifp *Interface) addrsShared() []netip.Prefix { return *ifp.addrs.Load() }

// SourceFor returns the interface address to send from towards a: the
// first address whose network holds a, else the first address. ok is
// false when the interface has no address.
func (ifp *Interface) SourceFor(a netip.Addr) (src netip.Addr, ok bool) {
	addrs := ifp.addrsShared()
	for _, p := range addrs {
		if p.Contains(a) {
			return p.Addr(), true
		}
	}
	if len(addrs) > 0 {
		return addrs[0].Addr(), true
	}
	return netip.Addr{}, false
}

// OnLink reports whether a is on one of the interface's networks.
func (ifp *Interface) OnLink(a netip.Addr) bool {
	for _, p := range ifp.addrsShared() {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// HasAddr reports whether a is one of the interface's addresses.
func (ifp *Interface) HasAddr(a netip.Addr) bool {
	for _, p := range ifp.addrsShared() {
		if p.Addr() == a {
			return true
		}
	}
	return false
}

// Detached reports whether the interface has been detached.
func (ifp *Interface) Detached() bool { return ifp.detached.Load() }

// Detach takes the interface down, removes its addresses and routes,
// takes it off the list and closes its link. ENXIO when already
// detached.
func (ifp *Interface) Detach() error {
	n := ifp.n
	n.cfgMu.Lock()
	if ifp.detached.Swap(true) {
		n.cfgMu.Unlock()
		return errno.ENXIO
	}
	if ifp.up.Swap(false) {
		for _, h := range n.hooks {
			if h.Up != nil {
				h.Up(ifp, false)
			}
		}
		if rl, ok := ifp.link.(RunningLink); ok {
			rl.Stop()
		}
	}
	for _, p := range ifp.Addrs() {
		ifp.removeAddrLocked(p.Addr()) //nolint:errcheck // the address is there
	}
	n.update(func(s *snapshot) { s.list = slices.DeleteFunc(s.list, func(i *Interface) bool { return i == ifp }) })
	for _, h := range n.hooks {
		if h.Detach != nil {
			h.Detach(ifp)
		}
	}
	n.cfgMu.Unlock()
	// Close outside cfgMu: a link's receive goroutine may be in a
	// protocol that configures interfaces.
	return ifp.link.Close()
}

// String returns the interface's name.
func (ifp *Interface) String() string { return ifp.name }
