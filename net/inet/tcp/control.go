package tcp

import (
	"encoding/binary"
	"net/netip"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/inet"
)

// ControlInput implements inet.Transport: an ICMP error about a segment
// this host sent. Fragmentation needed lowers the MSS and retransmits;
// an unreachable destination fails a connection in SYN_SENT and is
// otherwise a soft error (RFC 1122 4.2.3.9). The quoted sequence number
// must lie in the connection's send window (RFC 5927 4.1).
func (s *Stack) ControlInput(ctl *inet.Control) {
	if len(ctl.Transport) < 8 || !ctl.Src.Is4() || !ctl.Dst.Is4() {
		return
	}
	sport := binary.BigEndian.Uint16(ctl.Transport[0:])
	dport := binary.BigEndian.Uint16(ctl.Transport[2:])
	seq := seqnum(binary.BigEndian.Uint32(ctl.Transport[4:]))
	local := netip.AddrPortFrom(ctl.Src, sport)
	remote := netip.AddrPortFrom(ctl.Dst, dport)
	s.mu.RLock()
	c := s.conns[keyOf(local, remote)]
	s.mu.RUnlock()
	if c == nil {
		return
	}
	c.mu.Lock()
	if !seq.inRange(c.sndUna, c.sndMax+1) && !(c.state == stateSynSent && seq == c.iss) {
		c.mu.Unlock()
		return
	}
	switch ctl.Kind {
	case inet.ControlNeedFrag:
		if ctl.MTU > 0 {
			c.pathMTUChanged(ctl.MTU)
		}
	case inet.ControlUnreachable, inet.ControlPortUnreach:
		err := error(errno.EHOSTUNREACH)
		if ctl.Kind == inet.ControlPortUnreach {
			err = errno.ECONNREFUSED
		}
		if c.state == stateSynSent {
			c.drop(err)
		} else {
			c.softErr = err
		}
	case inet.ControlTimeExceeded:
		if c.state == stateSynSent {
			c.softErr = errno.EHOSTUNREACH
		}
	}
	c.unlockAndFlush()
	c.waiters.Wake()
}
