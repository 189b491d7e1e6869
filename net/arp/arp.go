// Package arp resolves IPv4 next hops to Ethernet addresses (RFC 826):
// a cache per interface whose entries expire (net.inet.arp.keep), requests
// retried a few times (net.inet.arp.maxtries) while the packets for the
// neighbour wait in a small queue, replies to requests for this host's
// addresses, learning from requests addressed to it, and gratuitous
// announcements when an address is added or the interface comes up.
//
// The send path (Output) for a neighbour already known takes one read
// lock and reads no clock: each entry's callout marks it due for a
// refresh shortly before it expires (the next packet then re-asks the
// neighbour, unicast, without waiting) and removes it at expiry. Packets that wait for a neighbour that never
// answers are handed to the unreachable hook (the IPv4 layer, which tells
// the transport) and later sends fail with EHOSTUNREACH for
// net.inet.arp.down seconds.
//
// Buffers: Output takes ownership of its buffer, whether it sends it,
// queues it, or drops it; Input takes ownership of the received packet.
//
// Lock order: table.mu is a leaf except that it is held while callouts
// are stopped and scheduled; nothing is sent and no hook runs while it
// is held.
package arp

import (
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ether"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
)

// Defaults of the sysctl-settable parameters.
const (
	DefaultKeep     = 20 * time.Minute // lifetime of a resolved entry (NetBSD arpt_keep)
	DefaultDown     = 20 * time.Second // how long a failed neighbour fails sends (arpt_down)
	DefaultMaxTries = 3                // requests before giving up
	// RetryInterval is the time between requests for one neighbour.
	RetryInterval = time.Second
	// MaxHold is how many packets wait for one neighbour; the oldest is
	// dropped for a new one.
	MaxHold = 16
	// MaxEntries bounds one interface's cache.
	MaxEntries = 4096
	// refreshBefore is how long before expiry a used entry is re-asked,
	// so that a busy flow never stalls on an expired entry.
	refreshBefore = 30 * time.Second
)

func init() {
	kern.Register(kern.Component{Name: "arp", Level: kern.LevelNet, Init: initARP})
}

var (
	arpSlot   = kern.NewSlot[*ARP]()
	tableSlot = ifnet.NewIfSlot[*table]()
)

// Of returns the ARP state of kernel k, or nil without the arp component.
func Of(k *kern.Kernel) *ARP { return arpSlot.Get(k) }

// ARP is a kernel's address resolution.
type ARP struct {
	k   *kern.Kernel
	ifn *ifnet.Net

	keep, down atomic.Int64 // time.Duration
	maxTries   atomic.Int32

	// unreach receives the packets that waited for a neighbour that did
	// not answer; set while the kernel boots.
	unreach func(ifp *ifnet.Interface, b *pkt.Buf)

	stats stats
}

// SetUnreachable makes f receive, and own, every packet dropped because
// its next hop did not answer. Call it while the kernel boots.
func (a *ARP) SetUnreachable(f func(ifp *ifnet.Interface, b *pkt.Buf)) { a.unreach = f }

type state uint8

const (
	incomplete state = iota
	resolved
	// flushing is resolved while the packets held during resolution are
	// still being sent: packets sent meanwhile queue behind them, so that
	// none overtakes another.
	flushing
	failed
)

// known reports whether the entry has the neighbour's address.
func (e *entry) known() bool { return e.state == resolved || e.state == flushing }

type entry struct {
	ip      netip.Addr
	mac     ether.Addr
	state   state
	expires time.Duration // resolved: end of life; failed: end of the down time
	tries   int
	hold    []*pkt.Buf
	// timer retransmits requests while the entry is incomplete; for a
	// resolved entry it goes off first when a refresh is due, then at
	// expiry; for a failed one at the end of the down time.
	timer        *kern.Callout
	refreshPhase bool
	// refreshDue is set when the entry nears expiry: the next packet sent
	// to the neighbour asks it again, so a busy flow never waits.
	refreshDue atomic.Bool
}

type table struct {
	a   *ARP
	ifp *ifnet.Interface

	mu sync.RWMutex // guards m and the entries' fields but refreshDue
	// m maps IPv4 addresses, as big-endian integers (which hash faster
	// than netip.Addr), to entries.
	m map[uint32]*entry
}

// key returns the IPv4 address a as a big-endian integer.
func key(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func initARP(k *kern.Kernel) error {
	ifn := ifnet.Of(k)
	if ifn == nil {
		return fmt.Errorf("arp: the ifnet component is missing: %w", errno.ENXIO)
	}
	a := &ARP{k: k, ifn: ifn}
	a.keep.Store(int64(DefaultKeep))
	a.down.Store(int64(DefaultDown))
	a.maxTries.Store(DefaultMaxTries)
	arpSlot.Set(k, a)
	if err := a.addSysctl(); err != nil {
		return err
	}
	ifn.SetInput(ether.TypeARP, a.Input)
	ifn.AddHooks(ifnet.Hooks{
		Attach: func(ifp *ifnet.Interface) {
			if ifp.Type() == ifnet.LinkEthernet {
				tableSlot.Set(ifp, &table{a: a, ifp: ifp, m: map[uint32]*entry{}})
			}
		},
		Detach: func(ifp *ifnet.Interface) {
			if t := tableSlot.Get(ifp); t != nil {
				t.flush()
			}
		},
		AddrAdded: func(ifp *ifnet.Interface, p netip.Prefix) {
			if ifp.Up() && ifp.Type() == ifnet.LinkEthernet {
				a.announce(ifp, p.Addr())
			}
		},
		Up: func(ifp *ifnet.Interface, up bool) {
			if ifp.Type() != ifnet.LinkEthernet {
				return
			}
			if !up {
				if t := tableSlot.Get(ifp); t != nil {
					t.flush()
				}
				return
			}
			for _, p := range ifp.Addrs() {
				a.announce(ifp, p.Addr())
			}
		},
	})
	return nil
}

func (a *ARP) addSysctl() error {
	s := a.k.Sysctl()
	for _, n := range []struct {
		path string
		num  int32
	}{{"net", 4}, {"net.inet", 2}, {"net.inet.arp", 1024}} {
		if err := s.Add(n.path, n.num, kern.SysctlEntry{Kind: kern.SysctlNode}); err != nil && err != errno.EEXIST {
			return err
		}
	}
	seconds := func(v *atomic.Int64) (func() int64, func(int64) error) {
		return func() int64 { return v.Load() / int64(time.Second) },
			func(n int64) error {
				if n < 1 || n > 1<<31 {
					return errno.EINVAL
				}
				v.Store(n * int64(time.Second))
				return nil
			}
	}
	g, st := seconds(&a.keep)
	if err := s.AddInt("net.inet.arp.keep", 1, g, st); err != nil {
		return err
	}
	g, st = seconds(&a.down)
	if err := s.AddInt("net.inet.arp.down", 2, g, st); err != nil {
		return err
	}
	return s.AddInt("net.inet.arp.maxtries", 3, func() int64 { return int64(a.maxTries.Load()) }, func(n int64) error {
		if n < 1 || n > 100 {
			return errno.EINVAL
		}
		a.maxTries.Store(int32(n))
		return nil
	})
}

func (a *ARP) now() time.Duration { return a.k.Clock().Monotonic() }

// Output sends the IPv4 packet b to the neighbour nexthop on the Ethernet
// interface ifp, resolving its address first when needed. It takes
// ownership of b. It returns nil when the packet was sent or queued
// awaiting resolution; EHOSTUNREACH while the neighbour is known not to
// answer; ENOBUFS when the cache is full; and the errors of
// ifnet.Interface.Output.
func (a *ARP) Output(ifp *ifnet.Interface, nexthop netip.Addr, b *pkt.Buf) error {
	t := tableSlot.Get(ifp)
	if t == nil || !nexthop.Is4() {
		b.Free()
		return errno.ENETDOWN
	}
	k := key(nexthop)
	t.mu.RLock()
	e := t.m[k]
	if e != nil && e.state == resolved {
		mac := e.mac
		refresh := e.refreshDue.Load() && e.refreshDue.CompareAndSwap(true, false)
		t.mu.RUnlock()
		if refresh {
			a.send(ifp, OpRequest, mac, nexthop, mac)
		}
		return ifp.Output(b, mac, ether.TypeIPv4)
	}
	t.mu.RUnlock()
	return t.outputSlow(k, nexthop, b)
}

func (t *table) outputSlow(k uint32, nexthop netip.Addr, b *pkt.Buf) error {
	a := t.a
	t.mu.Lock()
	e := t.m[k]
	if e != nil {
		switch e.state {
		case resolved:
			mac := e.mac
			t.mu.Unlock()
			return t.ifp.Output(b, mac, ether.TypeIPv4)
		case failed:
			t.mu.Unlock()
			b.Free()
			a.stats.dropped.Add(1)
			return errno.EHOSTUNREACH
		}
		if len(e.hold) >= MaxHold {
			e.hold[0].Free()
			e.hold = append(e.hold[:0], e.hold[1:]...)
			a.stats.dropped.Add(1)
		}
		e.hold = append(e.hold, b)
		t.mu.Unlock()
		return nil
	}
	if len(t.m) >= MaxEntries {
		t.pruneLocked(a.now())
		if len(t.m) >= MaxEntries {
			t.mu.Unlock()
			b.Free()
			a.stats.dropped.Add(1)
			return errno.ENOBUFS
		}
	}
	e = t.newEntryLocked(k, nexthop)
	e.state, e.tries, e.hold = incomplete, 1, []*pkt.Buf{b}
	e.timer.Schedule(RetryInterval)
	t.mu.Unlock()
	a.send(t.ifp, OpRequest, ether.Broadcast, nexthop, ether.Addr{})
	return nil
}

// newEntryLocked adds an entry for ip with its callout.
func (t *table) newEntryLocked(k uint32, ip netip.Addr) *entry {
	e := &entry{ip: ip}
	e.timer = t.a.k.NewCallout(func() { t.tick(k, e) })
	t.m[k] = e
	return e
}

// tick runs from an entry's callout: an incomplete entry asks again, or
// gives up after maxTries requests; a resolved one becomes due for a
// refresh, then expires; a failed one is forgotten.
func (t *table) tick(k uint32, e *entry) {
	a := t.a
	t.mu.Lock()
	if t.m[k] != e {
		t.mu.Unlock()
		return
	}
	switch e.state {
	case resolved, flushing:
		if e.refreshPhase {
			e.refreshPhase = false
			e.refreshDue.Store(true)
			e.timer.Schedule(max(e.expires-a.now(), 0))
		} else {
			delete(t.m, k)
		}
		t.mu.Unlock()
		return
	case failed:
		delete(t.m, k)
		t.mu.Unlock()
		return
	}
	if e.tries < int(a.maxTries.Load()) {
		e.tries++
		e.timer.Schedule(RetryInterval)
		t.mu.Unlock()
		a.send(t.ifp, OpRequest, ether.Broadcast, e.ip, ether.Addr{})
		return
	}
	down := time.Duration(a.down.Load())
	e.state, e.expires = failed, a.now()+down
	e.timer.Schedule(down)
	hold := e.hold
	e.hold = nil
	t.mu.Unlock()
	a.stats.timeouts.Add(1)
	for _, b := range hold {
		a.stats.dropped.Add(1)
		if a.unreach != nil {
			a.unreach(t.ifp, b)
		} else {
			b.Free()
		}
	}
}

// pruneLocked deletes expired entries.
func (t *table) pruneLocked(now time.Duration) {
	for k, e := range t.m {
		if e.state != incomplete && now >= e.expires {
			e.timer.Stop()
			delete(t.m, k)
		}
	}
}

// flush empties the table, dropping held packets.
func (t *table) flush() {
	t.mu.Lock()
	m := t.m
	t.m = map[uint32]*entry{}
	t.mu.Unlock()
	for _, e := range m {
		e.timer.Stop()
		for _, b := range e.hold {
			b.Free()
		}
	}
}

// send sends an ARP packet from ifp's first address (or tpa itself for a
// gratuitous announcement) to the station dst.
func (a *ARP) send(ifp *ifnet.Interface, op uint16, dst ether.Addr, tpa netip.Addr, tha ether.Addr) {
	spa, ok := ifp.SourceFor(tpa)
	if !ok {
		return
	}
	a.sendFrom(ifp, op, dst, spa, tpa, tha)
}

func (a *ARP) sendFrom(ifp *ifnet.Interface, op uint16, dst ether.Addr, spa, tpa netip.Addr, tha ether.Addr) {
	b := pkt.New(pkt.Headroom, HeaderLen)
	Packet{Op: op, SHA: ifp.HardwareAddr(), SPA: spa, THA: tha, TPA: tpa}.Put(b.Bytes())
	if op == OpRequest {
		a.stats.requestsOut.Add(1)
	} else {
		a.stats.repliesOut.Add(1)
	}
	ifp.Output(b, dst, ether.TypeARP) //nolint:errcheck // a lost ARP packet is retried or re-asked
}

// announce sends a gratuitous ARP request for addr.
func (a *ARP) announce(ifp *ifnet.Interface, addr netip.Addr) {
	a.sendFrom(ifp, OpRequest, ether.Broadcast, addr, addr, ether.Addr{})
}

// Input handles a received ARP packet; it takes ownership of b.
func (a *ARP) Input(ifp *ifnet.Interface, b *pkt.Buf) {
	defer b.Free()
	p, err := Parse(b.Bytes())
	t := tableSlot.Get(ifp)
	if err != nil || t == nil {
		a.stats.bad.Add(1)
		ifp.CountInputError()
		return
	}
	a.stats.in.Add(1)
	mine := ether.Addr(ifp.HardwareAddr())
	spa := p.SPA
	if p.SHA == mine || p.SHA.IsMulticast() || p.SHA.IsZero() ||
		spa.IsMulticast() || spa.IsLoopback() || spa == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		a.stats.bad.Add(1)
		return
	}
	if _, bcast := a.ifn.Local(spa); bcast {
		a.stats.bad.Add(1)
		return
	}
	forUs := ifp.HasAddr(p.TPA)
	if spa.IsUnspecified() {
		// An address probe (RFC 5227): answer it when it asks for ours,
		// learn nothing.
		if forUs && p.Op == OpRequest {
			a.sendFrom(ifp, OpReply, p.SHA, p.TPA, spa, p.SHA)
		}
		return
	}
	if ifp.HasAddr(spa) {
		// Someone else claims our address.
		a.stats.dup.Add(1)
		return
	}
	a.learn(t, spa, p.SHA, forUs)
	if forUs && p.Op == OpRequest {
		a.sendFrom(ifp, OpReply, p.SHA, p.TPA, spa, p.SHA)
	}
}

// learn records that ip is at mac: it updates an entry that exists, and
// creates one when create is set (the packet was addressed to us). Held
// packets are sent.
func (a *ARP) learn(t *table, ip netip.Addr, mac ether.Addr, create bool) {
	now := a.now()
	k := key(ip)
	t.mu.Lock()
	e := t.m[k]
	if e == nil {
		if !create {
			t.mu.Unlock()
			return
		}
		if len(t.m) >= MaxEntries {
			t.pruneLocked(now)
			if len(t.m) >= MaxEntries {
				t.mu.Unlock()
				return
			}
		}
		e = t.newEntryLocked(k, ip)
	}
	keep := time.Duration(a.keep.Load())
	e.mac, e.expires = mac, now+keep
	e.refreshDue.Store(false)
	e.refreshPhase = true
	e.timer.Schedule(keep - min(refreshBefore, keep/2))
	if e.state == flushing { // another learn is sending the held packets
		t.mu.Unlock()
		return
	}
	e.state = resolved
	for len(e.hold) > 0 {
		e.state = flushing
		hold := e.hold
		e.hold = nil
		t.mu.Unlock()
		for _, b := range hold {
			t.ifp.Output(b, mac, ether.TypeIPv4) //nolint:errcheck // counted by the interface
		}
		t.mu.Lock()
		if t.m[k] != e || e.state != flushing {
			break
		}
		e.state = resolved
	}
	t.mu.Unlock()
}

// Entry is a resolved neighbour, as arp -a shows it.
type Entry struct {
	IP      netip.Addr
	MAC     ether.Addr
	Ifname  string
	Expires time.Duration // from now
}

// Entries returns the resolved neighbours of every interface.
func (a *ARP) Entries() []Entry {
	now := a.now()
	var out []Entry
	for _, ifp := range a.ifn.Interfaces() {
		t := tableSlot.Get(ifp)
		if t == nil {
			continue
		}
		t.mu.RLock()
		for _, e := range t.m {
			if e.known() {
				out = append(out, Entry{IP: e.ip, MAC: e.mac, Ifname: ifp.Name(), Expires: max(e.expires-now, 0)})
			}
		}
		t.mu.RUnlock()
	}
	return out
}

// Lookup returns the Ethernet address of ip on ifp, if it is resolved.
func (a *ARP) Lookup(ifp *ifnet.Interface, ip netip.Addr) (ether.Addr, bool) {
	t := tableSlot.Get(ifp)
	if t == nil || !ip.Is4() {
		return ether.Addr{}, false
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	if e := t.m[key(ip)]; e != nil && e.known() {
		return e.mac, true
	}
	return ether.Addr{}, false
}

// Delete forgets ip on every interface, dropping packets held for it.
// ENOENT when no interface knows it.
func (a *ARP) Delete(ip netip.Addr) error {
	if !ip.Is4() {
		return errno.EINVAL
	}
	found := false
	for _, ifp := range a.ifn.Interfaces() {
		t := tableSlot.Get(ifp)
		if t == nil {
			continue
		}
		t.mu.Lock()
		e := t.m[key(ip)]
		delete(t.m, key(ip))
		t.mu.Unlock()
		if e != nil {
			found = true
			e.timer.Stop()
			for _, b := range e.hold {
				b.Free()
			}
		}
	}
	if !found {
		return errno.ENOENT
	}
	return nil
}

// Stats are ARP's counters.
type Stats struct {
	In, Bad, Duplicate      uint64 // received; malformed or bogus; claiming our address
	RequestsOut, RepliesOut uint64
	Timeouts                uint64 // neighbours that did not answer
	Dropped                 uint64 // packets dropped waiting or for failed neighbours
}

type stats struct {
	in, bad, dup, requestsOut, repliesOut, timeouts, dropped atomic.Uint64
}

// Stats returns the counters.
func (a *ARP) Stats() Stats {
	s := &a.stats
	return Stats{In: s.in.Load(), Bad: s.bad.Load(), Duplicate: s.dup.Load(),
		RequestsOut: s.requestsOut.Load(), RepliesOut: s.repliesOut.Load(),
		Timeouts: s.timeouts.Load(), Dropped: s.dropped.Load()}
}
