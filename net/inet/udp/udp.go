// Package udp is the User Datagram Protocol over IPv4 (RFC 768): the
// "inet.udp" component. It gives AF_INET SOCK_DGRAM sockets their PCBs,
// demultiplexes received datagrams to them by address and port, and
// answers datagrams nobody wants with ICMP port unreachable.
//
// Binding follows NetBSD: a port below 1024 needs root; a socket may
// share a port with sockets bound to other specific addresses, with a
// wildcard-bound one only under SO_REUSEADDR, and with an identical
// binding only when both have SO_REUSEPORT. A unicast datagram goes to
// one socket, the most specific match (a connected socket before a bound
// one before a wildcard one); a broadcast goes to every match.
//
// Locks: the stack's mu (the port table) is taken before a PCB's mu.
package udp

import (
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/inet"
	"github.com/gorump/gorump/net/socket"
)

// NetBSD's defaults: net.inet.udp.sendspace bounds the largest datagram a
// socket sends (SO_SNDBUF), recvspace what waits unread (SO_RCVBUF).
const (
	DefaultSendSpace = 9216
	DefaultRecvSpace = 40 * (1024 + 16)
	// MaxDatagram is the largest payload an IPv4 datagram holds.
	MaxDatagram = 65535 - 20 - 8
	// maxSockBuf bounds SO_SNDBUF and SO_RCVBUF (NetBSD's sb_max).
	maxSockBuf = 256 << 10
	// dgramOverhead is what a queued datagram costs beyond its payload,
	// so a flood of empty ones still fills the buffer.
	dgramOverhead = 16
)

// The ephemeral port range (NetBSD's anonportmin and anonportmax).
const (
	portFirst = 49152
	portLast  = 65535
)

// Stats are UDP's counters (NetBSD's udpstat).
type Stats struct {
	InPackets   uint64 // datagrams received
	HdrOps      uint64 // shorter than a header
	BadLen      uint64 // length field wrong
	BadSum      uint64 // checksum wrong
	NoPort      uint64 // no socket for a unicast
	NoPortBcast uint64 // no socket for a broadcast
	FullSock    uint64 // dropped: the socket's buffer was full
	OutPackets  uint64 // datagrams sent
}

type counters struct {
	inPackets, hdrOps, badLen, badSum, noPort, noPortBcast, fullSock, outPackets atomic.Uint64
}

// Stack is UDP in one kernel.
type Stack struct {
	k   *kern.Kernel
	net inet.Network // nil when no IPv4 layer is linked in

	checksum  atomic.Bool
	sendSpace atomic.Int64
	recvSpace atomic.Int64
	stats     counters

	mu       sync.RWMutex // guards ports and nextPort
	ports    map[uint16][]*pcb
	nextPort uint16
}

var stackSlot = kern.NewSlot[*Stack]()

// Of returns UDP in kernel k, or nil when the component is not linked in.
func Of(k *kern.Kernel) *Stack { return stackSlot.Get(k) }

// sysctl numbers below net.inet.udp (NetBSD's UDPCTL_*).
const (
	ctlChecksum  = 1
	ctlSendSpace = 2
	ctlRecvSpace = 3
)

type protocol struct{}

func init() {
	kern.Register(kern.Component{Name: "inet.udp", Level: kern.LevelNet, Init: initUDP})
	socket.Register(socket.AF_INET, socket.SOCK_DGRAM, 0, protocol{})
	socket.Register(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP, protocol{})
}

func initUDP(k *kern.Kernel) error {
	st := &Stack{k: k, net: inet.NetworkOf(k), ports: map[uint16][]*pcb{}}
	st.checksum.Store(true)
	st.sendSpace.Store(DefaultSendSpace)
	st.recvSpace.Store(DefaultRecvSpace)
	var seed [2]byte
	k.Host().Random(seed[:], 0) //nolint:errcheck // a fixed first port is harmless
	st.nextPort = portFirst + (uint16(seed[0])|uint16(seed[1])<<8)%(portLast-portFirst+1)
	stackSlot.Set(k, st)
	if st.net != nil {
		st.net.Register(inet.ProtoUDP, st)
	}
	return st.addSysctl()
}

func (st *Stack) addSysctl() error {
	s := st.k.Sysctl()
	for _, n := range []struct {
		path string
		num  int32
	}{{"net", socket.CTL_NET}, {"net.inet", socket.AF_INET}, {"net.inet.udp", socket.IPPROTO_UDP}} {
		if err := s.Add(n.path, n.num, kern.SysctlEntry{Kind: kern.SysctlNode}); err != nil && err != errno.EEXIST {
			return err
		}
	}
	if err := s.AddInt("net.inet.udp.checksum", ctlChecksum, func() int64 {
		if st.checksum.Load() {
			return 1
		}
		return 0
	}, func(v int64) error {
		if v != 0 && v != 1 {
			return errno.EINVAL
		}
		st.checksum.Store(v == 1)
		return nil
	}); err != nil {
		return err
	}
	space := func(path string, num int32, v *atomic.Int64) error {
		return s.AddInt(path, num, v.Load, func(n int64) error {
			if n < 1 || n > maxSockBuf {
				return errno.EINVAL
			}
			v.Store(n)
			return nil
		})
	}
	if err := space("net.inet.udp.sendspace", ctlSendSpace, &st.sendSpace); err != nil {
		return err
	}
	return space("net.inet.udp.recvspace", ctlRecvSpace, &st.recvSpace)
}

// Stats returns a snapshot of the counters.
func (st *Stack) Stats() Stats {
	c := &st.stats
	return Stats{InPackets: c.inPackets.Load(), HdrOps: c.hdrOps.Load(), BadLen: c.badLen.Load(),
		BadSum: c.badSum.Load(), NoPort: c.noPort.Load(), NoPortBcast: c.noPortBcast.Load(),
		FullSock: c.fullSock.Load(), OutPackets: c.outPackets.Load()}
}

// Attach makes the PCB of a new UDP socket.
func (protocol) Attach(k *kern.Kernel, cred *kern.Cred) (socket.PCB, error) {
	st := Of(k)
	if st == nil {
		return nil, errno.EPROTONOSUPPORT
	}
	p := &pcb{st: st, cred: cred, ttl: -1}
	p.sndBuf = int(st.sendSpace.Load())
	p.rcvBuf = int(st.recvSpace.Load())
	return p, nil
}

// unspecified is the IPv4 wildcard address.
var unspecified = netip.IPv4Unspecified()

// conflictLocked reports whether binding p to a:port clashes with a
// socket already on the port.
func (st *Stack) conflictLocked(p *pcb, a netip.Addr, port uint16) bool {
	for _, q := range st.ports[port] {
		if q == p {
			continue
		}
		qa := q.local.Addr()
		exact := qa == a
		if !exact && qa != unspecified && a != unspecified {
			continue // different specific addresses
		}
		if p.reusePort && q.reusePort {
			continue
		}
		if exact || !p.reuseAddr {
			return true
		}
	}
	return false
}

// ephemeralLocked picks a free port from the ephemeral range.
func (st *Stack) ephemeralLocked() (uint16, error) {
	for range portLast - portFirst + 1 {
		port := st.nextPort
		st.nextPort++
		if st.nextPort < portFirst || st.nextPort == 0 {
			st.nextPort = portFirst
		}
		if len(st.ports[port]) == 0 {
			return port, nil
		}
	}
	return 0, errno.EADDRNOTAVAIL
}

// insertLocked puts p into the port table at its local port.
func (st *Stack) insertLocked(p *pcb) {
	port := p.local.Port()
	st.ports[port] = append(st.ports[port], p)
}

// removeLocked takes p out of the port table.
func (st *Stack) removeLocked(p *pcb) {
	port := p.local.Port()
	list := st.ports[port]
	for i, q := range list {
		if q == p {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(st.ports, port)
	} else {
		st.ports[port] = list
	}
}
