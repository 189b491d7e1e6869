package inet

import (
	"net/netip"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/net/pkt"
)

// IP protocol numbers of the transports.
const (
	ProtoICMP = 1
	ProtoTCP  = 6
	ProtoUDP  = 17
)

// Out says how to send a transport packet.
type Out struct {
	Src, Dst netip.Addr // Src may be the zero Addr: the route's source is used
	Proto    uint8
	TTL      uint8 // 0: the default (sysctl net.inet.ip.ttl, 64)
	TOS      uint8
	DontFrag bool // set DF; a packet larger than the path MTU fails with EMSGSIZE
}

// RouteInfo is what a transport needs to know about the way to a
// destination.
type RouteInfo struct {
	Src     netip.Addr // the source address this host uses towards Dst
	MTU     int        // the path MTU (interface MTU, or less if ICMP said so)
	IfIndex int        // the outgoing interface
	Local   bool       // the destination is one of this host's addresses
	// TSO says TCP may send super-segments (pkt.Buf.GSO) this way: the
	// interface cuts them into segments that fit MTU.
	TSO bool
}

// ControlKind is the kind of ICMP error reported to a transport.
type ControlKind int

// The ICMP errors transports act on.
const (
	ControlUnreachable  ControlKind = iota + 1 // host, net or protocol unreachable
	ControlPortUnreach                         // port unreachable (UDP: ECONNREFUSED)
	ControlNeedFrag                            // fragmentation needed: MTU holds the next-hop MTU
	ControlTimeExceeded                        // TTL exceeded in transit
)

// Control is an ICMP error about a packet this host sent.
type Control struct {
	Kind     ControlKind
	Src, Dst netip.Addr // of the quoted (original) packet
	MTU      int        // for ControlNeedFrag
	// Transport holds the first bytes of the quoted transport header (at
	// least 8, when the ICMP message carried them). The slice is only
	// borrowed for the duration of the call.
	Transport []byte
}

// Header is the parsed IPv4 header of a received packet.
type Header struct {
	Src, Dst netip.Addr
	Proto    uint8
	TTL      uint8
	TOS      uint8
	// Broadcast or multicast destination: TCP drops such packets.
	Broadcast bool
	IfIndex   int // the interface it arrived on

	// What ICMP errors quote of the original header, beyond the fields
	// above: the IP layer fills them in; transports can ignore them.
	ipLen, ipID, ipFrag uint16
}

// Transport is what a transport protocol (TCP, UDP, ICMP's echo
// handling) gives the IP layer.
type Transport interface {
	// Input delivers a packet for this protocol. The IP header has been
	// checked and removed: b holds the transport header and payload.
	// Input takes ownership of b; h is only borrowed for the duration of
	// the call (copy what is needed). It runs on the receiving
	// interface's goroutine and must not block.
	Input(h *Header, b *pkt.Buf)
	// ControlInput reports an ICMP error about a packet of this protocol.
	ControlInput(c *Control)
}

// Network is the IPv4 layer as transports see it.
type Network interface {
	// Register makes t receive the packets of protocol proto.
	Register(proto uint8, t Transport)
	// Output sends b, which holds a transport header and payload with at
	// least pkt.Headroom bytes free in front. It takes ownership of b.
	// Errors: ENETUNREACH, EHOSTUNREACH (no route, or the neighbour did
	// not answer), EMSGSIZE (DontFrag and too big), ENOBUFS (a queue is
	// full), ENETDOWN (the interface is down), EADDRNOTAVAIL (Src is not
	// this host's). Output never calls a Transport's Input or
	// ControlInput before it returns: packets for this host's own
	// addresses are delivered later, from the loopback interface's
	// goroutine (and gorump's links queue what they carry), so a
	// transport may hold its locks while it calls Output.
	Output(b *pkt.Buf, o Out) error
	// Route looks up the way to dst.
	Route(dst netip.Addr) (RouteInfo, error)
	// IsLocal reports whether a is one of this host's addresses (or a
	// broadcast address of one of its networks, with broadcast true).
	IsLocal(a netip.Addr) (local, broadcast bool)
	// PortUnreachable answers a packet that no socket wanted with an
	// ICMP port unreachable (rate-limited, never for broadcasts or ICMP
	// errors). h and b are as Input received them; b is only borrowed.
	PortUnreachable(h *Header, b *pkt.Buf)
}

var networkSlot = kern.NewSlot[Network]()

// NetworkOf returns the IPv4 layer of kernel k, or nil when no IPv4
// component was linked in.
func NetworkOf(k *kern.Kernel) Network { return networkSlot.Get(k) }

// SetNetwork installs the IPv4 layer of kernel k; the IPv4 component
// calls it from its Init.
func SetNetwork(k *kern.Kernel, n Network) { networkSlot.Set(k, n) }
