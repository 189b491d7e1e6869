package tcp

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/inet"
	"github.com/gorump/gorump/net/pkt"
)

// tsNow is the connection's timestamp clock: milliseconds plus a
// per-connection offset (RFC 7323, section 5.4).
func (c *conn) tsNow() uint32 { return uint32(c.s.now()/time.Millisecond) + c.tsOffset }

// rcvWindow is the free space of the receive buffer, which the window
// advertises.
func (c *conn) rcvWindow() int {
	w := c.rcvLimit - c.rcv.n
	if c.shutRd {
		w = c.rcvLimit
	}
	return max(0, min(w, 65535<<c.rcvScale))
}

// windowField returns the window field to send and records the
// advertised right edge. The window never shrinks (RFC 9293 3.8.6.2.2).
func (c *conn) windowField() uint16 {
	w := c.rcvWindow()
	// Silly window avoidance: advertise no small increments.
	if w < c.rcvLimit/4 && w < c.mss {
		w = 0
	}
	if edge := c.rcvNxt + seqnum(w); edge.lt(c.rcvAdv) {
		w = diff(c.rcvAdv, c.rcvNxt)
	}
	c.rcvAdv = c.rcvNxt + seqnum(w)
	return uint16(min(w>>c.rcvScale, 65535))
}

// payloadMSS is how many data bytes fit in a segment with the options
// every data segment carries.
func (c *conn) payloadMSS() int {
	n := c.mss
	if c.tsOK {
		n -= 12
	}
	return max(n, 1)
}

// dataRoom is how many data bytes the next segment may carry: the MSS
// less the options it will carry, SACK blocks included while data waits
// out of order. A segment never exceeds the MSS with its options (RFC
// 6691), so it always fits the path MTU.
func (c *conn) dataRoom() int {
	n := c.payloadMSS()
	if c.sackOK && c.ooo.len() > 0 {
		n -= 4 + 8*min(len(c.ooo.ranges), c.maxSACKBlocks())
	}
	return max(n, 1)
}

// tsoMaxPayload bounds a super-segment's payload: an IPv4 packet of
// 64 KiB less the IP header and the largest TCP header.
const tsoMaxPayload = 65535 - 20 - 60

// burst is the most data one segment may carry when a segment carries
// room bytes: room, or whole segments' worth up to 64 KiB when the route
// has TSO.
func (c *conn) burst(room int) int {
	if !c.tso {
		return room
	}
	return max(tsoMaxPayload/room, 1) * room
}

// maxSACKBlocks is how many SACK blocks fit beside the other options.
func (c *conn) maxSACKBlocks() int {
	if c.tsOK {
		return 3
	}
	return 4
}

// sendSYN sends our SYN (SYN_SENT) or SYN-ACK (SYN_RCVD) with the
// options we offer, and arms the retransmission timer.
func (c *conn) sendSYN() {
	o := outOpts{mss: uint16(min(c.mss, 65535)), wscale: -1}
	flags := uint8(flagSYN)
	var ack seqnum
	if c.state == stateSynRcvd {
		flags |= flagACK
		ack = c.rcvNxt
		// Offer only what the peer offered (RFC 7323, 2018).
		if c.wsAgreed {
			o.wscale = int(c.rcvScale)
		}
		o.ts = c.tsOK
		o.sackPerm = c.sackOK
	} else {
		o.wscale = c.rcvWS
		o.ts = c.s.p.rfc1323.Load()
		o.sackPerm = c.s.p.sack.Load()
	}
	if o.ts {
		o.tsVal = c.tsNow()
		o.tsEcr = c.tsRecent
	}
	// The window of a SYN is never scaled.
	w := uint16(min(c.rcvWindow(), 65535))
	c.rcvAdv = c.rcvNxt + seqnum(w)
	if c.backoff == 0 {
		c.rtTiming, c.rtSeq, c.rtStart = true, c.iss, c.s.now()
	}
	c.emit(c.iss, flags, ack, w, &o, nil, nil, 0)
	c.sndNxt = c.iss + 1
	c.sndMax = seqMax(c.sndMax, c.sndNxt)
	c.s.stats.SndCtrl.Add(1)
	c.rexmt.Schedule(c.rtoBackedOff())
}

// emit builds a segment with payload a+b and queues it for output.
// Called with c.mu held.
// With gso > 0 the segment is a super-segment for a link with TSO to cut
// into segments of gso payload bytes: its checksum is left for the link
// to finish (pkt.Buf.GSO).
func (c *conn) emit(seq seqnum, flags uint8, ack seqnum, win uint16, o *outOpts, a, b []byte, gso int) {
	hl := headerLen + o.len()
	var p *pkt.Buf
	switch {
	case len(b) > 0:
		// The data wraps around the ring: one buffer for both pieces.
		p = pkt.New(pkt.Headroom+hl, len(a)+len(b))
		copy(p.Bytes()[copy(p.Bytes(), a):], b)
	case len(a) > 0:
		p = pkt.From(pkt.Headroom+hl, a)
	default:
		p = pkt.New(pkt.Headroom+hl, 0)
	}
	h := p.Prepend(hl)
	putHeader(h, c.local.Port(), c.remote.Port(), seq, ack, flags, win, o)
	pseudo := inet.PseudoHeader(c.local.Addr(), c.remote.Addr(), inet.ProtoTCP, p.Len())
	if gso > 0 {
		binary.BigEndian.PutUint16(h[16:], ^inet.Fold(pseudo))
		p.SetGSO(gso)
		c.s.stats.SndSuper.Add(1)
	} else {
		binary.BigEndian.PutUint16(h[16:], inet.Fold(inet.Checksum(p.Bytes(), pseudo)))
	}
	c.outq = append(c.outq, outSeg{p, c.out})
	c.s.stats.SndTotal.Add(1)
	if flags&flagACK != 0 {
		c.ackPending = 0
		c.ackNow = false
		c.lastAckSent = ack
	}
}

// sendSegment sends n bytes of data from seq (and FIN when fin), with
// ACK and the current window: as a super-segment when n is more than a
// segment carries and the route has TSO.
func (c *conn) sendSegment(seq seqnum, n int, fin bool) {
	o := outOpts{wscale: -1}
	var blocks [4]sackBlock
	if c.tsOK {
		o.ts, o.tsVal, o.tsEcr = true, c.tsNow(), c.tsRecent
	}
	seg, gso := n, 0
	if room := c.dataRoom(); c.tso && n > room {
		seg, gso = room, room
	}
	if c.sackOK && c.ooo.len() > 0 {
		o.sack = c.sackBlocks(blocks[:])
		// Options and data together stay within the MSS.
		for len(o.sack) > 0 && seg+o.len() > c.mss {
			o.sack = o.sack[:len(o.sack)-1]
		}
		c.s.stats.SndSACKBlocks.Add(uint64(len(o.sack)))
	}
	flags := uint8(flagACK)
	if fin {
		flags |= flagFIN
	}
	var a, b []byte
	if n > 0 {
		a, b = c.snd.peek(int(seq-c.sndUna), n)
		flags |= flagPSH
		if seq.lt(c.sndMax) {
			c.s.stats.SndRexmitPack.Add(1)
			c.s.stats.SndRexmitBytes.Add(uint64(n))
		} else {
			c.s.stats.SndPack.Add(1)
			c.s.stats.SndBytes.Add(uint64(n))
		}
	} else if fin {
		c.s.stats.SndCtrl.Add(1)
	}
	c.emit(seq, flags, c.rcvNxt, c.windowField(), &o, a, b, gso)
	c.delack.Stop()
}

// sendAck sends a pure ACK. Its sequence number is snd.max, not snd.nxt:
// while retransmitting after a timeout snd.nxt lies below what the peer
// has received, and an ACK numbered there would be unacceptable to it
// (BSD does the same).
func (c *conn) sendAck() {
	c.s.stats.SndAcks.Add(1)
	c.sendSegment(c.sndMax, 0, false)
}

// sendRST queues a reset with sequence number seq.
func (c *conn) sendRST(seq seqnum) {
	o := outOpts{wscale: -1}
	c.emit(seq, flagRST|flagACK, c.rcvNxt, 0, &o, nil, nil, 0)
	c.s.stats.SndRST.Add(1)
}

// finSeq is the sequence number of our FIN (valid when finQueued).
func (c *conn) finSeq() seqnum { return c.sndUna + seqnum(c.snd.n) }

// output sends what the windows allow: new or retransmitted data, a FIN,
// a pending ACK; it arms the retransmission or persist timer. Called
// with c.mu held; the segments go out in unlockAndFlush.
func (c *conn) output() {
	switch c.state {
	case stateClosed, stateListen, stateSynSent:
		return
	case stateSynRcvd:
		if c.ackNow {
			c.sendSYN()
		}
		return
	}
	sent, sentNew := false, false
	mss := c.dataRoom()
	for {
		if c.inRecovery && c.sackOK {
			pipe := c.pipe()
			if pipe >= c.cwnd {
				break
			}
			if seq, n, ok := c.nextHole(mss); ok {
				c.sendSegment(seq, n, false)
				c.rexmitNext = seq + seqnum(n)
				sent = true
				continue
			}
		}
		// Skip what the peer holds already (retransmission after a
		// timeout).
		if c.sndNxt.lt(c.sndMax) {
			if end, ok := c.sb.sackedAt(c.sndNxt); ok {
				c.sndNxt = seqMin(end, c.sndMax)
				continue
			}
		}
		off := int(c.sndNxt - c.sndUna)
		avail := c.snd.n - off
		wnd := c.cwnd
		if !c.inRecovery {
			wnd += min(c.dupAcks, 2) * mss // limited transmit (RFC 3042)
		}
		allowed := min(c.sndWnd, wnd) - off
		if c.inRecovery && c.sackOK {
			allowed = min(c.sndWnd-off, c.cwnd-c.pipe())
		}
		n := max(0, min(avail, allowed, c.burst(mss)))
		if c.sndNxt.lt(c.sndMax) {
			// Retransmitting: stop at the next SACKed block.
			if next, ok := c.sb.nextSacked(c.sndNxt); ok {
				n = min(n, int(next-c.sndNxt))
			}
		}
		finSeq := c.finSeq()
		fin := c.finQueued && c.sndNxt+seqnum(n) == finSeq && (avail == n)
		if n == 0 && !(fin && avail == 0) {
			break
		}
		if n > 0 && n < mss && !fin && c.sndNxt.geq(c.sndMax) && !c.forceSend {
			// Nagle (RFC 896) and sender silly-window avoidance: hold a
			// small segment while data is unacknowledged, unless it
			// empties the buffer with TCP_NODELAY or fills half the
			// largest window the peer offered.
			idle := c.sndUna == c.sndMax
			if !(n == avail && (idle || c.nodelay)) && n < c.maxSndWnd/2 {
				break
			}
		}
		if fin && c.sndNxt.gt(finSeq) {
			break
		}
		c.sendSegment(c.sndNxt, n, fin)
		sent = true
		sentNew = sentNew || c.sndNxt.geq(c.sndMax)
		if c.sndNxt.geq(c.sndMax) && !c.rtTiming && n > 0 {
			c.rtTiming, c.rtSeq, c.rtStart = true, c.sndNxt, c.s.now()
		}
		c.sndNxt += seqnum(n)
		if fin {
			c.sndNxt++
		}
		c.sndMax = seqMax(c.sndMax, c.sndNxt)
		if fin {
			break
		}
	}
	if !sent && c.ackNow {
		c.sendAck()
	}
	c.armTimers()
	if sentNew {
		c.armProbe()
	}
}

// armTimers starts the retransmission timer when data is outstanding, or
// the persist timer when the peer's window holds queued data back.
func (c *conn) armTimers() {
	outstanding := c.sndUna != c.sndMax
	switch {
	case outstanding && !c.persisting:
		if !c.rexmt.Pending() {
			c.rexmt.Schedule(c.rtoBackedOff())
		}
	case !outstanding && (c.snd.n > 0 || c.finQueued) && c.state.synchronized():
		// Queued data that the window holds back, shut or too small to
		// pass silly-window avoidance: without a timer, a lost window
		// update would stall the connection for good.
		if !c.persisting || !c.rexmt.Pending() {
			c.persisting = true
			c.rexmt.Schedule(c.persistTime())
		}
	case !outstanding && !c.persisting:
		c.rexmt.Stop()
	}
}

// unlockAndFlush unlocks c.mu and hands the queued segments to the
// network in the order they were made. One caller at a time flushes;
// segments queued meanwhile by others (or by Input called back from
// Output) go out in the same loop, so c.mu is never held across
// Network.Output.
func (c *conn) unlockAndFlush() {
	if c.flushing || len(c.outq) == 0 {
		c.mu.Unlock()
		return
	}
	c.flushing = true
	for len(c.outq) > 0 {
		q := c.outq
		c.outq, c.outqSpare = c.outqSpare[:0], nil
		c.mu.Unlock()
		tooBig := false
		for i := range q {
			if err := c.s.net.Output(q[i].b, q[i].o); err != nil {
				c.s.stats.OutputErrors.Add(1)
				tooBig = tooBig || errors.Is(err, errno.EMSGSIZE)
			}
			q[i] = outSeg{}
		}
		c.mu.Lock()
		c.outqSpare = q[:0]
		if tooBig {
			c.pathMTUChanged(0)
		}
	}
	c.flushing = false
	c.mu.Unlock()
}

// pathMTUChanged lowers the MSS to fit mtu (0: ask the route, which
// may also have lost TSO) and retransmits what the smaller segments must
// carry.
func (c *conn) pathMTUChanged(mtu int) {
	if mtu == 0 {
		ri, err := c.s.net.Route(c.remote.Addr())
		if err != nil {
			return
		}
		mtu = ri.MTU
		if c.tso && !ri.TSO {
			c.tso = false
			if c.state.synchronized() && c.sndUna != c.sndMax {
				c.sndNxt = c.sndUna
				c.output()
			}
		}
	}
	mss := max(mtu-40, 64)
	if mss >= c.mss {
		return
	}
	c.mss = mss
	c.s.stats.PMTUUpdates.Add(1)
	c.cwnd = min(c.cwnd, max(c.cwnd, 2*mss))
	if c.state.synchronized() && c.sndUna != c.sndMax {
		c.sndNxt = c.sndUna
		c.output()
	}
}

// sendControl sends a segment that belongs to no connection (a RST, or
// an ACK from TIME_WAIT) straight to the network.
func (s *Stack) sendControl(local, remote netip.AddrPort, seq, ack seqnum, flags uint8, win uint16, o *outOpts) {
	if o == nil {
		o = &outOpts{wscale: -1}
	}
	hl := headerLen + o.len()
	p := pkt.New(pkt.Headroom+hl, 0)
	h := p.Prepend(hl)
	putHeader(h, local.Port(), remote.Port(), seq, ack, flags, win, o)
	sum := inet.Checksum(p.Bytes(), inet.PseudoHeader(local.Addr(), remote.Addr(), inet.ProtoTCP, p.Len()))
	binary.BigEndian.PutUint16(h[16:], inet.Fold(sum))
	s.stats.SndTotal.Add(1)
	if flags&flagRST != 0 {
		s.stats.SndRST.Add(1)
	}
	s.net.Output(p, inet.Out{Src: local.Addr(), Dst: remote.Addr(), Proto: inet.ProtoTCP}) //nolint:errcheck // lost like any segment
}

// respondRST answers seg, which reached no connection, with a reset
// (RFC 9293 3.10.7.1).
func (s *Stack) respondRST(local, remote netip.AddrPort, seg *segment) {
	if seg.h.flags&flagRST != 0 {
		return
	}
	if seg.h.flags&flagACK != 0 {
		s.sendControl(local, remote, seg.h.ack, 0, flagRST, 0, nil)
		return
	}
	s.sendControl(local, remote, 0, seg.h.seq+seqnum(seg.len()), flagRST|flagACK, 0, nil)
}
