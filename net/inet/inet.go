package inet

import (
	"fmt"
	"net/netip"
	"sync/atomic"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/arp"
	"github.com/gorump/gorump/net/ether"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
)

func init() {
	kern.Register(kern.Component{Name: "inet", Level: kern.LevelNet, Init: initIP})
}

var ipSlot = kern.NewSlot[*IP]()

// IPOf returns the IPv4 layer of kernel k with its statistics and
// settings, or nil when the inet component is not linked in.
func IPOf(k *kern.Kernel) *IP { return ipSlot.Get(k) }

// IP is a kernel's IPv4 layer; it implements Network.
type IP struct {
	k   *kern.Kernel
	ifn *ifnet.Net
	arp *arp.ARP

	protos [256]atomic.Pointer[Transport]
	nextID atomic.Uint32

	// Settings (sysctl net.inet.ip.* and net.inet.icmp.*).
	forwarding  atomic.Bool
	ttl         atomic.Int32
	errPPSLimit atomic.Int32
	bmcastEcho  atomic.Bool

	reass   reassembly
	icmpErr rateLimit
	stats   stats
}

var _ Network = (*IP)(nil)

func initIP(k *kern.Kernel) error {
	ifn := ifnet.Of(k)
	a := arp.Of(k)
	if ifn == nil || a == nil {
		return fmt.Errorf("inet: the ifnet and arp components are needed: %w", errno.ENXIO)
	}
	ip := &IP{k: k, ifn: ifn, arp: a}
	ip.ttl.Store(defaultTTL)
	ip.errPPSLimit.Store(100)
	var seed [4]byte
	k.Host().Random(seed[:], 0) //nolint:errcheck // a fixed first IP ID is harmless
	ip.nextID.Store(uint32(seed[0]) | uint32(seed[1])<<8)
	ip.reass.init(ip)
	ipSlot.Set(k, ip)
	SetNetwork(k, ip)
	if err := ip.addSysctl(); err != nil {
		return err
	}
	ifn.SetInput(ether.TypeIPv4, ip.input)
	a.SetUnreachable(ip.neighbourUnreachable)
	return nil
}

func (ip *IP) addSysctl() error {
	s := ip.k.Sysctl()
	for _, n := range []struct {
		path string
		num  int32
	}{{"net", 4}, {"net.inet", 2}, {"net.inet.ip", 0}, {"net.inet.icmp", 1}} {
		if err := s.Add(n.path, n.num, kern.SysctlEntry{Kind: kern.SysctlNode}); err != nil && err != errno.EEXIST {
			return err
		}
	}
	boolean := func(v *atomic.Bool) (func() int64, func(int64) error) {
		return func() int64 {
				if v.Load() {
					return 1
				}
				return 0
			}, func(n int64) error {
				if n != 0 && n != 1 {
					return errno.EINVAL
				}
				v.Store(n == 1)
				return nil
			}
	}
	g, st := boolean(&ip.forwarding)
	if err := s.AddInt("net.inet.ip.forwarding", 1, g, st); err != nil {
		return err
	}
	if err := s.AddInt("net.inet.ip.ttl", 3, func() int64 { return int64(ip.ttl.Load()) }, func(n int64) error {
		if n < 1 || n > 255 {
			return errno.EINVAL
		}
		ip.ttl.Store(int32(n))
		return nil
	}); err != nil {
		return err
	}
	if err := s.AddInt("net.inet.ip.maxfragpackets", 18, func() int64 { return int64(ip.reass.maxQueues.Load()) }, func(n int64) error {
		if n < 0 || n > 1<<20 {
			return errno.EINVAL
		}
		ip.reass.maxQueues.Store(int32(n))
		return nil
	}); err != nil {
		return err
	}
	if err := s.AddInt("net.inet.icmp.errppslimit", 3, func() int64 { return int64(ip.errPPSLimit.Load()) }, func(n int64) error {
		if n < -1 || n > 1<<30 {
			return errno.EINVAL
		}
		ip.errPPSLimit.Store(int32(n))
		return nil
	}); err != nil {
		return err
	}
	g, st = boolean(&ip.bmcastEcho)
	return s.AddInt("net.inet.icmp.bmcastecho", 7, g, st)
}

// Register implements Network. A later registration of the same protocol
// replaces the earlier one. Registering ProtoICMP makes t see a copy of
// every ICMP message received (a raw socket), after the IP layer has
// handled it.
func (ip *IP) Register(proto uint8, t Transport) {
	if t == nil {
		ip.protos[proto].Store(nil)
		return
	}
	ip.protos[proto].Store(&t)
}

func (ip *IP) transport(proto uint8) Transport {
	if p := ip.protos[proto].Load(); p != nil {
		return *p
	}
	return nil
}

// SetForwarding turns forwarding of packets between interfaces on or off
// (sysctl net.inet.ip.forwarding).
func (ip *IP) SetForwarding(on bool) { ip.forwarding.Store(on) }

// IsLocal implements Network.
func (ip *IP) IsLocal(a netip.Addr) (local, broadcast bool) {
	ifp, bcast := ip.ifn.Local(a)
	return ifp != nil || bcast, bcast
}

// Route implements Network.
func (ip *IP) Route(dst netip.Addr) (RouteInfo, error) {
	if !dst.Is4() {
		return RouteInfo{}, errno.EAFNOSUPPORT
	}
	p, err := ip.findPath(dst, netip.Addr{})
	if err != nil {
		return RouteInfo{}, err
	}
	if !p.src.IsValid() {
		return RouteInfo{}, errno.EADDRNOTAVAIL
	}
	return RouteInfo{Src: p.src, MTU: p.mtu, IfIndex: p.ifp.Index(), Local: p.local, TSO: p.tso()}, nil
}

// neighbourUnreachable gets the packets ARP dropped because their next hop
// did not answer, and tells their transports, as a host unreachable
// would. It takes ownership of b, a whole IPv4 packet.
func (ip *IP) neighbourUnreachable(ifp *ifnet.Interface, b *pkt.Buf) {
	defer b.Free()
	p := b.Bytes()
	h, herr := parseHeader(p)
	if herr != hdrOK || h.fragOffset() != 0 {
		return
	}
	t := ip.transport(h.proto)
	if t == nil || h.proto == ProtoICMP {
		return
	}
	end := min(h.totalLen, h.hlen+64)
	t.ControlInput(&Control{Kind: ControlUnreachable, Src: h.src, Dst: h.dst, Transport: p[h.hlen:end]})
}
