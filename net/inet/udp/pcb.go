package udp

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"sync"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/inet"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/net/socket"
)

// pcb is one UDP socket.
type pcb struct {
	st   *Stack
	cred *kern.Cred
	w    socket.Waiters

	mu        sync.Mutex // guards the fields below; local also changes under st.mu
	local     netip.AddrPort
	remote    netip.AddrPort
	bound     bool
	connected bool
	reuseAddr bool
	reusePort bool
	broadcast bool
	soFlags   int // other boolean SOL_SOCKET options, kept for getsockopt
	ttl       int // -1: the IP layer's default
	tos       int
	sndBuf    int
	rcvBuf    int
	q         queue
	qBytes    int // payload plus overhead of what q holds
	err       error
	shutRd    bool
	shutWr    bool
	closed    bool
}

var _ socket.QueuedPCB = (*pcb)(nil)

// Queued implements socket.QueuedPCB: the payload bytes queued.
func (p *pcb) Queued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.qBytes - p.q.n*dgramOverhead
}

// dgram is a received datagram: the payload in b, UDP header removed.
type dgram struct {
	b    *pkt.Buf
	from netip.AddrPort
}

// queue is a ring of datagrams that stops allocating once it has grown to
// its working size.
type queue struct {
	buf  []dgram
	head int
	n    int
}

func (q *queue) push(d dgram) {
	if q.n == len(q.buf) {
		nb := make([]dgram, max(8, 2*len(q.buf)))
		for i := range q.n {
			nb[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = nb, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = d
	q.n++
}

func (q *queue) front() *dgram { return &q.buf[q.head] }

func (q *queue) pop() dgram {
	d := q.buf[q.head]
	q.buf[q.head] = dgram{}
	q.head = (q.head + 1) % len(q.buf)
	q.n--
	return d
}

// addr4 checks that a is an IPv4 address (or unset, taken as the
// wildcard) and returns it unmapped.
func addr4(a netip.Addr) (netip.Addr, error) {
	if !a.IsValid() {
		return unspecified, nil
	}
	a = a.Unmap()
	if !a.Is4() {
		return netip.Addr{}, errno.EAFNOSUPPORT
	}
	return a, nil
}

func (p *pcb) Bind(addr netip.AddrPort) error {
	a, err := addr4(addr.Addr())
	if err != nil {
		return err
	}
	st := p.st
	if a != unspecified && !a.IsMulticast() {
		local, bcast := false, false
		if st.net != nil {
			local, bcast = st.net.IsLocal(a)
		}
		if !local && !bcast && a != netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
			return errno.EADDRNOTAVAIL
		}
	}
	port := addr.Port()
	if port != 0 && port < 1024 && !p.cred.IsRoot() {
		return errno.EACCES
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errno.EINVAL
	}
	if p.bound {
		return errno.EINVAL
	}
	if port == 0 {
		if port, err = st.ephemeralLocked(); err != nil {
			return err
		}
	} else if st.conflictLocked(p, a, port) {
		return errno.EADDRINUSE
	}
	p.local = netip.AddrPortFrom(a, port)
	p.bound = true
	st.insertLocked(p)
	return nil
}

// bindEphemeralLocked binds an unbound p to the wildcard address and an
// ephemeral port. Both st.mu and p.mu are held.
func (p *pcb) bindEphemeralLocked() error {
	port, err := p.st.ephemeralLocked()
	if err != nil {
		return err
	}
	p.local = netip.AddrPortFrom(unspecified, port)
	p.bound = true
	p.st.insertLocked(p)
	return nil
}

func (p *pcb) Listen(backlog int) error { return errno.EOPNOTSUPP }

func (p *pcb) Accept() (socket.PCB, error) { return nil, errno.EOPNOTSUPP }

// Connect sets the default destination and filters what is received to
// datagrams from it. The zero AddrPort disconnects.
func (p *pcb) Connect(addr netip.AddrPort) error {
	st := p.st
	if !addr.Addr().IsValid() {
		p.mu.Lock()
		p.connected, p.remote = false, netip.AddrPort{}
		p.mu.Unlock()
		p.w.Wake()
		return nil
	}
	dst, err := addr4(addr.Addr())
	if err != nil {
		return err
	}
	if addr.Port() == 0 {
		return errno.EADDRNOTAVAIL
	}
	if dst == unspecified {
		dst = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	if st.net == nil {
		return errno.ENETUNREACH
	}
	ri, err := st.net.Route(dst)
	if err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errno.EINVAL
	}
	if !p.bound {
		if err := p.bindEphemeralLocked(); err != nil {
			return err
		}
	}
	if p.local.Addr() == unspecified && ri.Src.IsValid() {
		p.local = netip.AddrPortFrom(ri.Src, p.local.Port())
	}
	p.remote = netip.AddrPortFrom(dst, addr.Port())
	p.connected = true
	p.err = nil
	return nil
}

// Send sends p as one datagram.
func (p *pcb) Send(b []byte, to netip.AddrPort, flags int) (int, error) {
	st := p.st
	p.mu.Lock()
	if p.shutWr {
		p.mu.Unlock()
		return 0, errno.EPIPE
	}
	if err := p.err; err != nil {
		p.err = nil
		p.mu.Unlock()
		return 0, err
	}
	var dst netip.AddrPort
	switch {
	case to.Addr().IsValid() && p.connected:
		p.mu.Unlock()
		return 0, errno.EISCONN
	case to.Addr().IsValid():
		a, err := addr4(to.Addr())
		if err != nil {
			p.mu.Unlock()
			return 0, err
		}
		if a == unspecified {
			a = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}
		dst = netip.AddrPortFrom(a, to.Port())
	case p.connected:
		dst = p.remote
	default:
		p.mu.Unlock()
		return 0, errno.ENOTCONN
	}
	if len(b) > MaxDatagram || len(b) > p.sndBuf {
		p.mu.Unlock()
		return 0, errno.EMSGSIZE
	}
	if dst.Port() == 0 {
		p.mu.Unlock()
		return 0, errno.EADDRNOTAVAIL
	}
	if !p.bound {
		p.mu.Unlock()
		st.mu.Lock()
		p.mu.Lock()
		var err error
		if !p.bound && !p.closed {
			err = p.bindEphemeralLocked()
		}
		st.mu.Unlock()
		if err != nil {
			p.mu.Unlock()
			return 0, err
		}
	}
	src, allowBcast := p.local, p.broadcast
	o := inet.Out{Dst: dst.Addr(), Proto: inet.ProtoUDP}
	if p.ttl >= 0 {
		o.TTL = uint8(p.ttl)
	}
	o.TOS = uint8(p.tos)
	p.mu.Unlock()

	if st.net == nil {
		return 0, errno.ENETUNREACH
	}
	if _, bcast := st.net.IsLocal(dst.Addr()); (bcast || dst.Addr() == netip.AddrFrom4([4]byte{255, 255, 255, 255})) && !allowBcast {
		return 0, errno.EACCES
	}
	srcAddr := src.Addr()
	if srcAddr == unspecified {
		ri, err := st.net.Route(dst.Addr())
		if err != nil {
			return 0, err
		}
		srcAddr = ri.Src
	}
	o.Src = srcAddr
	pb := pkt.From(pkt.Headroom+8, b)
	ulen := 8 + len(b)
	h := pb.Prepend(8)
	binary.BigEndian.PutUint16(h[0:], src.Port())
	binary.BigEndian.PutUint16(h[2:], dst.Port())
	binary.BigEndian.PutUint16(h[4:], uint16(ulen))
	h[6], h[7] = 0, 0
	if st.checksum.Load() {
		sum := inet.Fold(inet.Checksum(pb.Bytes(), inet.PseudoHeader(srcAddr, dst.Addr(), inet.ProtoUDP, ulen)))
		if sum == 0 {
			sum = 0xffff
		}
		binary.BigEndian.PutUint16(h[6:], sum)
	}
	if err := st.net.Output(pb, o); err != nil {
		return 0, err
	}
	st.stats.outPackets.Add(1)
	return len(b), nil
}

// Recv takes the next datagram (leaves it with MSG_PEEK). A datagram
// longer than b is cut, with MSG_TRUNC in the out-flags. A pending
// error (ECONNREFUSED from an ICMP port unreachable) is returned once.
func (p *pcb) Recv(b []byte, flags int) (int, netip.AddrPort, int, error) {
	p.mu.Lock()
	if p.q.n == 0 {
		defer p.mu.Unlock()
		if err := p.err; err != nil {
			p.err = nil
			return 0, netip.AddrPort{}, 0, err
		}
		if p.shutRd {
			return 0, netip.AddrPort{}, 0, nil
		}
		return 0, netip.AddrPort{}, 0, errno.EAGAIN
	}
	d := p.q.front()
	data := d.b.Bytes()
	n := copy(b, data)
	from := d.from
	out := 0
	if n < len(data) {
		out = socket.MSG_TRUNC
	}
	if flags&socket.MSG_PEEK != 0 {
		p.mu.Unlock()
		return n, from, out, nil
	}
	dd := p.q.pop()
	p.qBytes -= dd.b.Len() + dgramOverhead
	p.mu.Unlock()
	dd.b.Free()
	return n, from, out, nil
}

// Shutdown stops receiving (what waits is dropped) or sending.
func (p *pcb) Shutdown(how int) error {
	p.mu.Lock()
	var drop queue
	if how != socket.SHUT_WR {
		p.shutRd = true
		drop, p.q, p.qBytes = p.q, queue{}, 0
	}
	if how != socket.SHUT_RD {
		p.shutWr = true
	}
	p.mu.Unlock()
	for drop.n > 0 {
		drop.pop().b.Free()
	}
	p.w.Wake()
	return nil
}

// Close takes p out of the port table and drops what it holds.
func (p *pcb) Close(linger bool) error {
	st := p.st
	st.mu.Lock()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		st.mu.Unlock()
		return nil
	}
	p.closed = true
	if p.bound {
		st.removeLocked(p)
	}
	drop := p.q
	p.q, p.qBytes = queue{}, 0
	p.mu.Unlock()
	st.mu.Unlock()
	for drop.n > 0 {
		drop.pop().b.Free()
	}
	p.w.Wake()
	return nil
}

// soBool are the boolean SOL_SOCKET options kept only for getsockopt.
const soBool = socket.SO_DEBUG | socket.SO_KEEPALIVE | socket.SO_DONTROUTE | socket.SO_OOBINLINE | socket.SO_TIMESTAMP

func (p *pcb) SetOption(level, name, value int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch level {
	case socket.SOL_SOCKET:
		switch name {
		case socket.SO_REUSEADDR:
			p.reuseAddr = value != 0
		case socket.SO_REUSEPORT:
			p.reusePort = value != 0
		case socket.SO_BROADCAST:
			p.broadcast = value != 0
		case socket.SO_SNDBUF, socket.SO_RCVBUF:
			if value <= 0 || value > maxSockBuf {
				return errno.EINVAL
			}
			if name == socket.SO_SNDBUF {
				p.sndBuf = value
			} else {
				p.rcvBuf = value
			}
		default:
			if name&^soBool != 0 || name == 0 {
				return errno.ENOPROTOOPT
			}
			if value != 0 {
				p.soFlags |= name
			} else {
				p.soFlags &^= name
			}
		}
		return nil
	case socket.IPPROTO_IP:
		switch name {
		case socket.IP_TTL:
			if value < -1 || value > 255 {
				return errno.EINVAL
			}
			p.ttl = value
			return nil
		case socket.IP_TOS:
			if value < 0 || value > 255 {
				return errno.EINVAL
			}
			p.tos = value
			return nil
		}
	}
	return errno.ENOPROTOOPT
}

func (p *pcb) Option(level, name int) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := func(v bool) (int, error) {
		if v {
			return 1, nil
		}
		return 0, nil
	}
	switch level {
	case socket.SOL_SOCKET:
		switch name {
		case socket.SO_REUSEADDR:
			return b(p.reuseAddr)
		case socket.SO_REUSEPORT:
			return b(p.reusePort)
		case socket.SO_BROADCAST:
			return b(p.broadcast)
		case socket.SO_SNDBUF:
			return p.sndBuf, nil
		case socket.SO_RCVBUF:
			return p.rcvBuf, nil
		}
		if name&^soBool == 0 && name != 0 {
			return b(p.soFlags&name != 0)
		}
	case socket.IPPROTO_IP:
		switch name {
		case socket.IP_TTL:
			if p.ttl < 0 {
				if p.st.net == nil {
					return 64, nil
				}
				return p.defaultTTL(), nil
			}
			return p.ttl, nil
		case socket.IP_TOS:
			return p.tos, nil
		}
	}
	return 0, errno.ENOPROTOOPT
}

// defaultTTL reads net.inet.ip.ttl, 64 when it is not there.
func (p *pcb) defaultTTL() int {
	if v, _, err := p.st.k.Sysctl().Get("net.inet.ip.ttl"); err == nil {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return 64
}

func (p *pcb) LocalAddr() netip.AddrPort {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.local
}

func (p *pcb) RemoteAddr() (netip.AddrPort, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.connected {
		return netip.AddrPort{}, errno.ENOTCONN
	}
	return p.remote, nil
}

func (p *pcb) Events() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	ev := 0
	if p.q.n > 0 || p.err != nil || p.shutRd {
		ev |= socket.POLLIN | socket.POLLRDNORM
	}
	if !p.shutWr {
		ev |= socket.POLLOUT
	}
	if p.err != nil {
		ev |= socket.POLLERR
	}
	return ev
}

func (p *pcb) Error() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.err
	p.err = nil
	return err
}

func (p *pcb) Waiters() *socket.Waiters { return &p.w }
