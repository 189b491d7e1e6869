package tcp

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/inet"
	"github.com/gorump/gorump/net/socket"
	"github.com/gorump/gorump/rumpuser"
)

var stackSlot = kern.NewSlot[*Stack]()

func init() {
	kern.Register(kern.Component{Name: "inet.tcp", Level: kern.LevelNet, Init: initComponent})
	socket.Register(socket.AF_INET, socket.SOCK_STREAM, 0, protocol{})
	socket.Register(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, protocol{})
}

func initComponent(k *kern.Kernel) error {
	n := inet.NetworkOf(k)
	if n == nil {
		return nil
	}
	stackSlot.Set(k, NewStack(k, n))
	return nil
}

// StackOf returns the TCP of kernel k, or nil when TCP or IPv4 is not
// linked in.
func StackOf(k *kern.Kernel) *Stack { return stackSlot.Get(k) }

type protocol struct{}

// Attach implements socket.Protocol.
func (protocol) Attach(k *kern.Kernel, cred *kern.Cred) (socket.PCB, error) {
	s := stackSlot.Get(k)
	if s == nil {
		return nil, errno.EPROTONOSUPPORT
	}
	return s.NewPCB(cred), nil
}

// connKey identifies a connection: local and remote address and port,
// packed so that the map hashes two words.
type connKey struct{ l, r uint64 }

func keyOf(local, remote netip.AddrPort) connKey {
	return connKey{packAddrPort(local), packAddrPort(remote)}
}

func packAddrPort(ap netip.AddrPort) uint64 {
	a := ap.Addr().As4()
	return uint64(binary.BigEndian.Uint32(a[:]))<<16 | uint64(ap.Port())
}

// Stack is the TCP of one kernel: its connections, listeners, TIME_WAIT
// table, parameters and counters.
type Stack struct {
	k     *kern.Kernel
	net   inet.Network
	clock rumpuser.Clock
	p     *params // shared by every stack of a kernel: the sysctl nodes
	stats Stats

	secret [16]byte // the ISN and ephemeral-port key (RFC 6528)
	tw     timewaitTable

	mu        sync.RWMutex // guards the tables below and rng
	conns     map[connKey]*conn
	listeners map[uint16][]*conn // by local port
	ports     map[uint16][]*conn // every PCB holding a local port
	rng       *rand.ChaCha8
}

// NewStack makes a TCP that sends through n and registers it with n as
// the transport for IP protocol 6. The component calls it at boot, which
// adds the net.inet.tcp sysctl nodes to k; tests call it with a fake
// network, and a stack made after boot shares the parameters of the
// kernel's own.
func NewStack(k *kern.Kernel, n inet.Network) *Stack {
	s := &Stack{
		k:         k,
		net:       n,
		clock:     k.Clock(),
		conns:     map[connKey]*conn{},
		listeners: map[uint16][]*conn{},
		ports:     map[uint16][]*conn{},
	}
	if o := StackOf(k); o != nil {
		s.p = o.p
	} else {
		s.p = new(params)
		s.p.setDefaults()
	}
	var seed [32]byte
	k.Host().Random(seed[:], 0) //nolint:errcheck // a weak seed is still a seed
	copy(s.secret[:], seed[:16])
	s.rng = rand.NewChaCha8(seed)
	s.tw.init(s)
	s.addSysctl()
	n.Register(inet.ProtoTCP, s)
	return s
}

// Stats returns the stack's live counters; read them with Load.
func (s *Stack) Stats() *Stats { return &s.stats }

// now is the stack's monotonic time.
func (s *Stack) now() time.Duration { return s.clock.Monotonic() }

// iss returns the initial sequence number for a connection (RFC 6528):
// a 4 µs clock plus a keyed hash of the connection's addresses.
func (s *Stack) iss(local, remote netip.AddrPort) seqnum {
	k := keyOf(local, remote)
	h := sipHash(s.secret, k.l, k.r)
	return seqnum(uint32(h) + uint32(s.now()/(4*time.Microsecond)))
}

// sipHash is SipHash-2-4 of two words under key.
func sipHash(key [16]byte, m0, m1 uint64) uint64 {
	k0 := binary.LittleEndian.Uint64(key[:])
	k1 := binary.LittleEndian.Uint64(key[8:])
	v0 := k0 ^ 0x736f6d6570736575
	v1 := k1 ^ 0x646f72616e646f6d
	v2 := k0 ^ 0x6c7967656e657261
	v3 := k1 ^ 0x7465646279746573
	round := func() {
		v0 += v1
		v1 = bits.RotateLeft64(v1, 13) ^ v0
		v0 = bits.RotateLeft64(v0, 32)
		v2 += v3
		v3 = bits.RotateLeft64(v3, 16) ^ v2
		v0 += v3
		v3 = bits.RotateLeft64(v3, 21) ^ v0
		v2 += v1
		v1 = bits.RotateLeft64(v1, 17) ^ v2
		v2 = bits.RotateLeft64(v2, 32)
	}
	for _, m := range [...]uint64{m0, m1, 16 << 56} {
		v3 ^= m
		round()
		round()
		v0 ^= m
	}
	v2 ^= 0xff
	round()
	round()
	round()
	round()
	return v0 ^ v1 ^ v2 ^ v3
}

// Ephemeral port range (IANA, RFC 6335).
const (
	ephemeralLow  = 49152
	ephemeralHigh = 65535
)

// bindConflict reports whether c may not take local address a because of
// the PCB o that holds the same port. Rules (BSD's): two sockets may
// share an address and port when both set SO_REUSEPORT; a socket with
// SO_REUSEADDR may bind a port that another holds on a different address
// (one of them the wildcard), or on the same address when the other is
// not listening (a connection accepted or connected from the port).
func bindConflict(c *conn, a netip.Addr, o *conn) bool {
	oa := o.local.Addr()
	if a.IsValid() && !a.IsUnspecified() && oa.IsValid() && !oa.IsUnspecified() && a != oa {
		return false
	}
	if c.reusePort && o.reusePort {
		return false
	}
	if c.reuseAddr {
		if a != oa {
			return false
		}
		if o.state != stateListen && o.state != stateClosed {
			return false
		}
	}
	return true
}

// bind gives c the local address ap, choosing an ephemeral port when
// ap's port is 0; remote, when valid, is the peer the port must be
// unique towards (connect's implicit bind). Called with c.mu held.
func (s *Stack) bind(c *conn, ap netip.AddrPort, remote netip.AddrPort) (netip.AddrPort, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ap.Port() != 0 {
		for _, o := range s.ports[ap.Port()] {
			if o != c && bindConflict(c, ap.Addr(), o) {
				return netip.AddrPort{}, errno.EADDRINUSE
			}
		}
		s.ports[ap.Port()] = append(s.ports[ap.Port()], c)
		return ap, nil
	}
	const n = ephemeralHigh - ephemeralLow + 1
	start := int(s.rng.Uint64() % n)
	for i := range n {
		port := uint16(ephemeralLow + (start+i)%n)
		if len(s.ports[port]) > 0 {
			continue
		}
		cand := netip.AddrPortFrom(ap.Addr(), port)
		if remote.IsValid() {
			if _, ok := s.conns[keyOf(cand, remote)]; ok {
				continue
			}
			if s.tw.has(keyOf(cand, remote)) {
				continue
			}
		}
		s.ports[port] = append(s.ports[port], c)
		return cand, nil
	}
	return netip.AddrPort{}, errno.EADDRNOTAVAIL
}

// unbindLocked releases c's local port. Called with s.mu held.
func (s *Stack) unbindLocked(c *conn) {
	port := c.local.Port()
	list := s.ports[port]
	for i, o := range list {
		if o == c {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(s.ports, port)
	} else {
		s.ports[port] = list
	}
}

// lookupListener finds the listener for a SYN to local from remote:
// one bound to the exact address before a wildcard one; among
// SO_REUSEPORT listeners on the same address, one by a hash of the
// peer. Called with s.mu held.
func (s *Stack) lookupListenerLocked(local, remote netip.AddrPort) *conn {
	var exact, wild []*conn
	for _, l := range s.listeners[local.Port()] {
		switch la := l.local.Addr(); {
		case la == local.Addr():
			exact = append(exact, l)
		case !la.IsValid() || la.IsUnspecified():
			wild = append(wild, l)
		}
	}
	pick := exact
	if len(pick) == 0 {
		pick = wild
	}
	switch len(pick) {
	case 0:
		return nil
	case 1:
		return pick[0]
	}
	k := keyOf(local, remote)
	return pick[sipHash(s.secret, k.r, k.l)%uint64(len(pick))]
}
