package udp

import (
	"encoding/binary"
	"net/netip"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/inet"
	"github.com/gorump/gorump/net/pkt"
)

// HeaderLen is the size of a UDP header.
const HeaderLen = 8

// Input receives a UDP datagram from the IP layer: it checks the length
// and checksum (a zero checksum means none was sent), and queues the
// payload on the socket it is for, or answers with ICMP port
// unreachable when there is none. It takes ownership of b.
func (st *Stack) Input(h *inet.Header, b *pkt.Buf) {
	st.stats.inPackets.Add(1)
	data := b.Bytes()
	if len(data) < HeaderLen {
		st.stats.hdrOps.Add(1)
		b.Free()
		return
	}
	ulen := int(binary.BigEndian.Uint16(data[4:]))
	if ulen < HeaderLen || ulen > len(data) {
		st.stats.badLen.Add(1)
		b.Free()
		return
	}
	if ulen < len(data) {
		b.Truncate(ulen)
		data = data[:ulen]
	}
	if binary.BigEndian.Uint16(data[6:]) != 0 {
		if inet.Fold(inet.Checksum(data, inet.PseudoHeader(h.Src, h.Dst, inet.ProtoUDP, ulen))) != 0 {
			st.stats.badSum.Add(1)
			b.Free()
			return
		}
	}
	src := netip.AddrPortFrom(h.Src, binary.BigEndian.Uint16(data[0:]))
	dst := netip.AddrPortFrom(h.Dst, binary.BigEndian.Uint16(data[2:]))
	if h.Broadcast || h.Dst.IsMulticast() {
		st.inputBroadcast(src, dst, b)
		return
	}
	st.mu.RLock()
	p := st.lookupLocked(src, dst)
	st.mu.RUnlock()
	if p == nil {
		st.stats.noPort.Add(1)
		if st.net != nil {
			st.net.PortUnreachable(h, b)
		}
		b.Free()
		return
	}
	b.TrimFront(HeaderLen)
	p.enqueue(b, src)
}

// matches reports how well p matches a datagram from src to dst: 0 not
// at all, 1 bound to the wildcard, 2 bound to dst's address, 3
// connected to src.
func (p *pcb) matches(src, dst netip.AddrPort) int {
	la := p.local.Addr()
	score := 1
	switch {
	case la == dst.Addr():
		score = 2
	case la == unspecified:
	default:
		return 0
	}
	if p.connected {
		if p.remote != src {
			return 0
		}
		score = 3
	}
	return score
}

// lookupLocked finds the socket a unicast datagram is for: the best
// match, the first bound among equals.
func (st *Stack) lookupLocked(src, dst netip.AddrPort) *pcb {
	var best *pcb
	bestScore := 0
	for _, p := range st.ports[dst.Port()] {
		p.mu.Lock()
		s := p.matches(src, dst)
		p.mu.Unlock()
		if s > bestScore {
			best, bestScore = p, s
		}
	}
	return best
}

// inputBroadcast gives a copy of a broadcast datagram to every socket on
// its port that would take it.
func (st *Stack) inputBroadcast(src, dst netip.AddrPort, b *pkt.Buf) {
	st.mu.RLock()
	var targets []*pcb
	for _, p := range st.ports[dst.Port()] {
		p.mu.Lock()
		la := p.local.Addr()
		ok := (la == unspecified || la == dst.Addr()) && (!p.connected || p.remote == src)
		p.mu.Unlock()
		if ok {
			targets = append(targets, p)
		}
	}
	st.mu.RUnlock()
	if len(targets) == 0 {
		st.stats.noPortBcast.Add(1)
		b.Free()
		return
	}
	b.TrimFront(HeaderLen)
	for _, p := range targets[1:] {
		p.enqueue(b.Clone(), src)
	}
	targets[0].enqueue(b, src)
}

// enqueue queues a received payload, dropping it when the receive buffer
// is full or the socket no longer receives. It takes ownership of b.
func (p *pcb) enqueue(b *pkt.Buf, from netip.AddrPort) {
	p.mu.Lock()
	if p.closed || p.shutRd {
		p.mu.Unlock()
		b.Free()
		return
	}
	cost := b.Len() + dgramOverhead
	if p.qBytes+cost > p.rcvBuf {
		p.mu.Unlock()
		p.st.stats.fullSock.Add(1)
		b.Free()
		return
	}
	p.q.push(dgram{b: b, from: from})
	p.qBytes += cost
	p.mu.Unlock()
	p.w.Wake()
}

// ControlInput turns an ICMP error about a datagram this host sent into
// an error on the connected socket that sent it: ECONNREFUSED for port
// unreachable, EHOSTUNREACH for other unreachables. The next receive or
// send on the socket returns it.
func (st *Stack) ControlInput(c *inet.Control) {
	if len(c.Transport) < 4 {
		return
	}
	var err error
	switch c.Kind {
	case inet.ControlPortUnreach:
		err = errno.ECONNREFUSED
	case inet.ControlUnreachable:
		err = errno.EHOSTUNREACH
	default:
		return
	}
	local := netip.AddrPortFrom(c.Src, binary.BigEndian.Uint16(c.Transport[0:]))
	remote := netip.AddrPortFrom(c.Dst, binary.BigEndian.Uint16(c.Transport[2:]))
	st.mu.RLock()
	var hit []*pcb
	for _, p := range st.ports[local.Port()] {
		p.mu.Lock()
		if p.connected && p.remote == remote && (p.local == local || p.local.Addr() == unspecified) {
			p.err = err
			hit = append(hit, p)
		}
		p.mu.Unlock()
	}
	st.mu.RUnlock()
	for _, p := range hit {
		p.w.Wake()
	}
}
