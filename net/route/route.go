// Package route is a kernel's IPv4 routing table: routes to networks
// through a gateway or directly on an interface, longest-prefix match,
// the connected routes that interface addresses bring, and a path-MTU
// cache fed by ICMP "fragmentation needed".
//
// Lookups are on every packet's path: the table is an immutable slice
// sorted by prefix length, longest first, swapped atomically when it
// changes, so Lookup takes no lock. The path-MTU cache is consulted only
// while it holds an entry.
//
// Lock order: ifnet's configuration lock > Table.mu > pmtuMu > ifnet.Net.mu.
package route

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
)

func init() {
	kern.Register(kern.Component{Name: "route", Level: kern.LevelNetRoute, Init: initTable})
}

var tableSlot = kern.NewSlot[*Table]()

// Of returns the routing table of kernel k, or nil when the route
// component is not linked in.
func Of(k *kern.Kernel) *Table { return tableSlot.Get(k) }

// PMTUExpire is how long a learnt path MTU holds (NetBSD's
// net.inet.ip.mtudisctimeout default).
const PMTUExpire = 10 * time.Minute

// Route is one entry of the table.
type Route struct {
	Dst     netip.Prefix
	Gateway netip.Addr // zero: Dst is directly on the interface
	Ifname  string
	IfIndex int
	// Connected routes come from an interface address and go with it.
	Connected bool
	// Src is the address this host sends from along the route.
	Src netip.Addr

	ifp *ifnet.Interface
}

// Interface returns the outgoing interface.
func (r Route) Interface() *ifnet.Interface { return r.ifp }

// NextHop returns the station a packet to dst goes to: the gateway, or
// dst itself on a directly connected network.
func (r Route) NextHop(dst netip.Addr) netip.Addr {
	if r.Gateway.IsValid() {
		return r.Gateway
	}
	return dst
}

// String formats the route as netstat -r does, roughly.
func (r Route) String() string {
	gw := "link#" + fmt.Sprint(r.IfIndex)
	if r.Gateway.IsValid() {
		gw = r.Gateway.String()
	}
	return fmt.Sprintf("%v %s %s", r.Dst, gw, r.Ifname)
}

// Table is a kernel's routing table. Its methods are safe for concurrent
// use.
type Table struct {
	k   *kern.Kernel
	ifn *ifnet.Net

	mu sync.Mutex // serialises writers of routes
	// routes is sorted longest prefix first; replaced, never changed.
	routes atomic.Pointer[[]Route]

	pmtuMu sync.RWMutex // guards pmtu
	pmtu   map[netip.Addr]pmtuEntry
	// npmtu mirrors len(pmtu) so lookups skip the lock when it is empty.
	npmtu atomic.Int32
}

type pmtuEntry struct {
	mtu     int
	expires time.Duration // on the monotonic clock
}

func initTable(k *kern.Kernel) error {
	ifn := ifnet.Of(k)
	if ifn == nil {
		return fmt.Errorf("route: the ifnet component is missing: %w", errno.ENXIO)
	}
	t := &Table{k: k, ifn: ifn, pmtu: map[netip.Addr]pmtuEntry{}}
	t.routes.Store(&[]Route{})
	tableSlot.Set(k, t)
	ifn.AddHooks(ifnet.Hooks{
		AddrAdded: func(ifp *ifnet.Interface, p netip.Prefix) {
			t.mu.Lock()
			defer t.mu.Unlock()
			dst := p.Masked()
			rs := slices.Clone(*t.routes.Load())
			// When another interface has this network, its route stays;
			// the sources of the others are recomputed all the same.
			if !slices.ContainsFunc(rs, func(r Route) bool { return r.Dst == dst }) {
				rs = append(rs, Route{Dst: dst, Connected: true, ifp: ifp})
			}
			t.storeLocked(rs)
		},
		AddrRemoved: func(ifp *ifnet.Interface, p netip.Prefix) {
			t.mu.Lock()
			defer t.mu.Unlock()
			dst := p.Masked()
			rs := slices.DeleteFunc(slices.Clone(*t.routes.Load()), func(r Route) bool {
				return r.Connected && r.Dst == dst && r.ifp == ifp
			})
			// Another address of ifp or another interface may hold the
			// same network: give it the connected route.
			for _, i := range ifp.Net().Interfaces() {
				for _, q := range i.Addrs() {
					if q.Masked() == dst && !slices.ContainsFunc(rs, func(r Route) bool { return r.Dst == dst }) {
						rs = append(rs, Route{Dst: dst, Connected: true, ifp: i})
					}
				}
			}
			t.storeLocked(rs)
		},
		Detach: func(ifp *ifnet.Interface) {
			t.mu.Lock()
			defer t.mu.Unlock()
			t.storeLocked(slices.DeleteFunc(slices.Clone(*t.routes.Load()), func(r Route) bool { return r.ifp == ifp }))
		},
	})
	return nil
}

// storeLocked sorts rs, fills in the derived fields and publishes it.
func (t *Table) storeLocked(rs []Route) {
	for i := range rs {
		r := &rs[i]
		r.Ifname, r.IfIndex = r.ifp.Name(), r.ifp.Index()
		if r.Connected {
			for _, p := range r.ifp.Addrs() {
				if p.Masked() == r.Dst {
					r.Src = p.Addr()
					break
				}
			}
		} else {
			r.Src, _ = r.ifp.SourceFor(r.NextHop(r.Dst.Addr()))
		}
	}
	slices.SortStableFunc(rs, func(a, b Route) int {
		if c := cmp.Compare(b.Dst.Bits(), a.Dst.Bits()); c != 0 {
			return c
		}
		return a.Dst.Addr().Compare(b.Dst.Addr())
	})
	t.routes.Store(&rs)
}

// Add adds a route to dst through gateway on the interface ifname. A zero
// gateway makes dst directly connected on ifname; an empty ifname picks
// the interface whose network holds the gateway. Errors: EINVAL (not
// IPv4, or neither gateway nor interface), ENXIO (no such interface),
// ENETUNREACH (no interface reaches the gateway), EEXIST (a route to dst
// exists).
func (t *Table) Add(dst netip.Prefix, gateway netip.Addr, ifname string) error {
	if !dst.IsValid() || !dst.Addr().Is4() || (gateway.IsValid() && !gateway.Is4()) {
		return errno.EINVAL
	}
	if !gateway.IsValid() && ifname == "" {
		return errno.EINVAL
	}
	dst = dst.Masked()
	var ifp *ifnet.Interface
	if ifname != "" {
		if ifp = t.ifn.ByName(ifname); ifp == nil {
			return errno.ENXIO
		}
	} else {
		for _, i := range t.ifn.Interfaces() {
			if i.OnLink(gateway) {
				ifp = i
				break
			}
		}
		if ifp == nil {
			return errno.ENETUNREACH
		}
	}
	if gateway.IsUnspecified() {
		gateway = netip.Addr{}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if slices.ContainsFunc(*t.routes.Load(), func(r Route) bool { return r.Dst == dst }) {
		return errno.EEXIST
	}
	t.storeLocked(append(slices.Clone(*t.routes.Load()), Route{Dst: dst, Gateway: gateway, ifp: ifp}))
	return nil
}

// Delete removes the route to dst, connected or not. ESRCH when there is
// none.
func (t *Table) Delete(dst netip.Prefix) error {
	if !dst.IsValid() {
		return errno.EINVAL
	}
	dst = dst.Masked()
	t.mu.Lock()
	defer t.mu.Unlock()
	rs := *t.routes.Load()
	i := slices.IndexFunc(rs, func(r Route) bool { return r.Dst == dst })
	if i < 0 {
		return errno.ESRCH
	}
	t.storeLocked(slices.Delete(slices.Clone(rs), i, i+1))
	return nil
}

// Lookup returns the most specific route to dst. ENETUNREACH when none
// matches.
func (t *Table) Lookup(dst netip.Addr) (Route, error) {
	for _, r := range *t.routes.Load() {
		if r.Dst.Contains(dst) {
			return r, nil
		}
	}
	return Route{}, errno.ENETUNREACH
}

// List returns every route, most specific first.
func (t *Table) List() []Route { return slices.Clone(*t.routes.Load()) }

// PathMTU returns the path MTU learnt for dst, if one holds.
func (t *Table) PathMTU(dst netip.Addr) (int, bool) {
	if t.npmtu.Load() == 0 {
		return 0, false
	}
	t.pmtuMu.RLock()
	e, ok := t.pmtu[dst]
	t.pmtuMu.RUnlock()
	if !ok {
		return 0, false
	}
	if t.k.Clock().Monotonic() >= e.expires {
		t.pmtuMu.Lock()
		if e2, ok := t.pmtu[dst]; ok && e2 == e {
			delete(t.pmtu, dst)
			t.npmtu.Store(int32(len(t.pmtu)))
		}
		t.pmtuMu.Unlock()
		return 0, false
	}
	return e.mtu, true
}

// maxPMTU bounds the cache so that forged ICMP cannot fill memory.
const maxPMTU = 4096

// SetPathMTU records that packets to dst must be at most mtu bytes, for
// PMTUExpire. Values below 68 are raised to 68; a value not lower than
// the one held is ignored.
func (t *Table) SetPathMTU(dst netip.Addr, mtu int) {
	mtu = max(mtu, 68)
	now := t.k.Clock().Monotonic()
	t.pmtuMu.Lock()
	defer t.pmtuMu.Unlock()
	if e, ok := t.pmtu[dst]; ok && e.mtu <= mtu && now < e.expires {
		return
	}
	if len(t.pmtu) >= maxPMTU {
		for a, e := range t.pmtu {
			if now >= e.expires || len(t.pmtu) >= maxPMTU {
				delete(t.pmtu, a)
			}
		}
	}
	t.pmtu[dst] = pmtuEntry{mtu: mtu, expires: now + PMTUExpire}
	t.npmtu.Store(int32(len(t.pmtu)))
}
