package tcp

import (
	"net/netip"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/inet"
	"github.com/gorump/gorump/net/pkt"
)

// segment is a received segment: its header, its payload (aliasing buf)
// and the buffer, owned by whoever handles the segment.
type segment struct {
	h       header
	payload []byte
	buf     *pkt.Buf
}

// len is the sequence space the segment occupies.
func (seg *segment) len() int {
	n := len(seg.payload)
	if seg.h.flags&flagSYN != 0 {
		n++
	}
	if seg.h.flags&flagFIN != 0 {
		n++
	}
	return n
}

// Input implements inet.Transport: it checks a segment and hands it to
// its connection, its TIME_WAIT entry or a listener, or answers it with
// a reset. It takes ownership of b.
func (s *Stack) Input(ih *inet.Header, b *pkt.Buf) {
	s.stats.RcvTotal.Add(1)
	if ih.Broadcast || !ih.Src.Is4() || !ih.Dst.Is4() || ih.Src.IsMulticast() || ih.Src.IsUnspecified() {
		b.Free()
		return
	}
	data := b.Bytes()
	var seg segment
	if !parseHeader(data, &seg.h) {
		s.stats.RcvShort.Add(1)
		b.Free()
		return
	}
	if inet.Fold(inet.Checksum(data, inet.PseudoHeader(ih.Src, ih.Dst, inet.ProtoTCP, len(data)))) != 0 {
		s.stats.RcvBadSum.Add(1)
		b.Free()
		return
	}
	if seg.h.srcPort == 0 || seg.h.dstPort == 0 {
		b.Free()
		return
	}
	seg.payload = data[seg.h.dataOff:]
	seg.buf = b
	local := netip.AddrPortFrom(ih.Dst, seg.h.dstPort)
	remote := netip.AddrPortFrom(ih.Src, seg.h.srcPort)
	k := keyOf(local, remote)
	s.mu.RLock()
	c := s.conns[k]
	s.mu.RUnlock()
	if c != nil {
		c.input(&seg)
		return
	}
	if e := s.tw.lookup(k); e != nil {
		if !s.timewaitInput(e, &seg) {
			b.Free()
			return
		}
	}
	s.mu.RLock()
	l := s.lookupListenerLocked(local, remote)
	s.mu.RUnlock()
	if l != nil && l.listenInput(&seg, local, remote) {
		return
	}
	s.stats.NoPort.Add(1)
	s.respondRST(local, remote, &seg)
	b.Free()
}

// timewaitInput handles a segment for a connection in TIME_WAIT. It
// reports true when the segment is a SYN that may open a new
// connection (RFC 9293 3.10.7.4, RFC 6191), after ending the entry.
func (s *Stack) timewaitInput(e *twEntry, seg *segment) bool {
	h := &seg.h
	if h.flags&flagRST != 0 {
		return false // RFC 1337: no TIME_WAIT assassination
	}
	if h.flags&flagSYN != 0 && h.flags&flagACK == 0 {
		newer := h.seq.gt(e.rcvNxt)
		if e.tsOK && h.opts.hasTS {
			newer = int32(h.opts.tsVal-e.tsRecent) > 0
		}
		if newer {
			s.tw.remove(e)
			s.stats.TimeWaitReuse.Add(1)
			return true
		}
	}
	if seg.len() == 0 {
		return false
	}
	// A retransmitted FIN (or anything else that takes sequence space):
	// acknowledge it and wait another 2*MSL.
	o := outOpts{wscale: -1}
	if e.tsOK {
		o.ts, o.tsVal, o.tsEcr = true, uint32(s.now()/time.Millisecond)+e.tsOffset, e.tsRecent
	}
	s.sendControl(e.local, e.remote, e.sndNxt, e.rcvNxt, flagACK, e.win, &o)
	if h.flags&flagFIN != 0 {
		s.tw.restart(e)
	}
	return false
}

// listenInput handles a segment for listener l. It reports false when
// the segment should be answered as if nobody listened; otherwise it
// has taken the segment.
func (l *conn) listenInput(seg *segment, local, remote netip.AddrPort) bool {
	s := l.s
	h := &seg.h
	switch {
	case h.flags&flagRST != 0:
		seg.buf.Free()
		return true
	case h.flags&flagACK != 0:
		return false // RST
	case h.flags&flagSYN == 0:
		seg.buf.Free()
		return true
	}
	if ok, _ := s.net.IsLocal(local.Addr()); !ok {
		seg.buf.Free()
		return true
	}
	l.mu.Lock()
	if l.state != stateListen {
		l.mu.Unlock()
		return false
	}
	if len(l.acceptQ) >= l.backlog || int(l.synCount.Load()) >= max(l.backlog, synQueueMin) {
		l.mu.Unlock()
		s.stats.ListenDrops.Add(1)
		seg.buf.Free()
		return true
	}
	l.synCount.Add(1)
	c := s.newConn(l.cred)
	c.parent, c.inSynQ = l, true
	c.reuseAddr, c.reusePort, c.keepalive, c.nodelay = l.reuseAddr, l.reusePort, l.keepalive, l.nodelay
	c.userMSS = l.userMSS
	c.keepIdle, c.keepIntvl, c.keepCnt, c.keepInit = l.keepIdle, l.keepIntvl, l.keepCnt, l.keepInit
	c.sndLimit, c.rcvLimit, c.sndFixed, c.rcvFixed = l.sndLimit, l.rcvLimit, l.sndFixed, l.rcvFixed
	c.out.TTL, c.out.TOS = l.out.TTL, l.out.TOS
	c.cc = newCongestion(l.cc.name())
	l.mu.Unlock()

	c.mu.Lock()
	c.local, c.remote = local, remote
	ri, err := s.net.Route(remote.Addr())
	if err != nil {
		c.leaveSynQ()
		c.mu.Unlock()
		seg.buf.Free()
		return true
	}
	if err := s.hash(c); err != nil {
		c.leaveSynQ()
		c.mu.Unlock()
		seg.buf.Free()
		return true
	}
	// The child shares the listener's port: it enters the port table so
	// that binds see it, and leaves it when closed.
	s.mu.Lock()
	s.ports[local.Port()] = append(s.ports[local.Port()], c)
	s.mu.Unlock()
	c.bound = true
	c.detached = false
	c.setupRoute(ri)
	c.irs = h.seq
	c.rcvNxt = h.seq + 1
	c.iss = s.iss(local, remote)
	c.sndUna, c.sndNxt, c.sndMax, c.recover = c.iss, c.iss, c.iss, c.iss
	c.tsOffset = uint32(s.iss(remote, local))
	c.initRcvWindow()
	c.negotiate(&h.opts)
	c.sndWnd = int(h.window)
	c.maxSndWnd = c.sndWnd
	c.sndWl1, c.sndWl2 = h.seq, c.iss
	c.lastRecv = s.now()
	c.state = stateSynRcvd
	s.stats.Accepts.Add(1)
	c.sendSYN()
	c.keep.Schedule(c.keepInit)
	c.unlockAndFlush()
	seg.buf.Free()
	return true
}

// synQueueMin is the least number of embryonic connections a listener
// keeps, whatever its backlog.
const synQueueMin = 64

// negotiate takes the options of the peer's SYN.
func (c *conn) negotiate(o *options) {
	mss := int(c.s.p.mssdflt.Load())
	if o.hasMSS && o.mss > 0 {
		mss = int(o.mss)
	}
	c.mss = max(min(c.mss, mss), 64)
	if o.hasWScale && c.rcvWS >= 0 {
		c.wsAgreed = true
		c.sndScale = o.wscale
		c.rcvScale = uint8(c.rcvWS)
	} else {
		c.rcvScale = 0
	}
	if o.hasTS && c.s.p.rfc1323.Load() {
		c.tsOK = true
		c.tsRecent = o.tsVal
	}
	c.sackOK = o.sackPerm && c.s.p.sack.Load()
	c.cc.init(c)
}

// input handles a segment for connection c, which takes it.
func (c *conn) input(seg *segment) {
	c.mu.Lock()
	if c.keepalive {
		c.lastRecv = c.s.now()
		c.keepProbes = 0
	}
	keep := false
	var accept *conn
	switch c.state {
	case stateSynSent:
		c.synSentInput(seg)
	case stateClosed, stateListen:
		c.mu.Unlock()
		c.s.respondRST(keyAddrs(seg, c))
		seg.buf.Free()
		return
	default:
		keep, accept = c.synchronizedInput(seg)
	}
	if c.state == stateTimeWait {
		c.enterTimeWait()
	}
	c.unlockAndFlush()
	c.waiters.Wake()
	if !keep {
		seg.buf.Free()
	}
	if accept != nil {
		c.queueAccept(accept)
	}
}

func keyAddrs(seg *segment, c *conn) (netip.AddrPort, netip.AddrPort, *segment) {
	return c.local, c.remote, seg
}

// queueAccept puts c, just established, in its listener's accept queue.
func (c *conn) queueAccept(l *conn) {
	l.mu.Lock()
	if l.state != stateListen {
		l.mu.Unlock()
		c.mu.Lock()
		c.parent = nil
		c.detached = true
		c.abort()
		c.unlockAndFlush()
		return
	}
	l.acceptQ = append(l.acceptQ, c)
	l.mu.Unlock()
	l.waiters.Wake()
}

// synSentInput handles a segment in SYN_SENT (RFC 9293 3.10.7.3).
func (c *conn) synSentInput(seg *segment) {
	h := &seg.h
	if h.flags&flagACK != 0 && (h.ack.leq(c.iss) || h.ack.gt(c.sndMax)) {
		if h.flags&flagRST == 0 {
			c.sendRSTTo(h.ack)
		}
		return
	}
	if h.flags&flagRST != 0 {
		if h.flags&flagACK != 0 {
			c.drop(errno.ECONNREFUSED)
		}
		return
	}
	if h.flags&flagSYN == 0 {
		return
	}
	c.irs = h.seq
	c.rcvNxt = h.seq + 1
	c.rcvAdv = c.rcvNxt
	c.negotiate(&h.opts)
	if h.flags&flagACK == 0 {
		// Simultaneous open: answer with SYN-ACK.
		c.state = stateSynRcvd
		c.sndWnd = int(h.window)
		c.maxSndWnd = c.sndWnd
		c.sndWl1, c.sndWl2 = h.seq, c.iss
		c.backoff = 0
		c.sendSYN()
		return
	}
	c.sndUna = h.ack
	c.sndWnd = int(h.window) // the window of a SYN is never scaled
	c.maxSndWnd = c.sndWnd
	c.sndWl1, c.sndWl2 = h.seq, h.ack
	c.established()
	c.ackNow = true
	c.output()
}

// sendRSTTo queues a reset with sequence number seq and no ACK.
func (c *conn) sendRSTTo(seq seqnum) {
	o := outOpts{wscale: -1}
	c.emit(seq, flagRST, 0, 0, &o, nil, nil, 0)
	c.s.stats.SndRST.Add(1)
}

// established moves c to ESTABLISHED once its SYN is acknowledged.
func (c *conn) established() {
	if c.rtTiming && c.sndUna.gt(c.rtSeq) {
		c.rttSample(c.s.now() - c.rtStart)
	}
	c.rtTiming = false
	c.backoff = 0
	c.rexmt.Stop()
	c.keep.Stop()
	c.state = stateEstablished
	c.s.stats.Connects.Add(1)
	if c.keepalive {
		c.keep.Schedule(c.keepIdle)
	}
}

// synchronizedInput handles a segment in SYN_RCVD and the states after
// it (RFC 9293 3.10.7.4). It reports whether the segment's buffer was
// kept (in the reassembly queue), and the listener to queue c on when
// the handshake completed.
func (c *conn) synchronizedInput(seg *segment) (kept bool, accept *conn) {
	h := &seg.h
	s := c.s
	// PAWS (RFC 7323 5.3).
	if c.tsOK && h.opts.hasTS && h.flags&flagRST == 0 && int32(h.opts.tsVal-c.tsRecent) < 0 {
		s.stats.RcvPAWSDrop.Add(1)
		c.ackNow = true
		c.output()
		return false, nil
	}
	// Acceptability (RFC 9293 3.10.7.4, first check).
	wnd := max(0, diff(c.rcvAdv, c.rcvNxt))
	if wnd < 0 {
		wnd = 0
	}
	segLen := seg.len()
	ok := false
	switch {
	case segLen == 0 && wnd == 0:
		ok = h.seq == c.rcvNxt
	case segLen == 0:
		ok = h.seq.inRange(c.rcvNxt, c.rcvNxt+seqnum(wnd))
	case wnd == 0:
		ok = false
	default:
		ok = h.seq.inRange(c.rcvNxt, c.rcvNxt+seqnum(wnd)) ||
			(h.seq+seqnum(segLen)-1).inRange(c.rcvNxt, c.rcvNxt+seqnum(wnd))
	}
	if !ok {
		if segLen > 0 && (h.seq + seqnum(segLen)).leq(c.rcvNxt) {
			s.stats.RcvDupPack.Add(1)
			s.stats.RcvDupBytes.Add(uint64(len(seg.payload)))
		} else if segLen > 0 {
			s.stats.RcvAfterWin.Add(1)
			if wnd == 0 && h.seq == c.rcvNxt {
				s.stats.RcvWinProbe.Add(1)
			}
		}
		if h.flags&flagRST == 0 {
			c.ackNow = true
			c.output()
		}
		return false, nil
	}
	// RST (RFC 5961 3.2).
	if h.flags&flagRST != 0 {
		if h.seq != c.rcvNxt {
			c.challengeAck()
			return false, nil
		}
		switch c.state {
		case stateSynRcvd:
			if c.parent != nil {
				c.detached = true // a passive open: the listener never saw it
				c.drop(nil)
			} else {
				c.drop(errno.ECONNREFUSED)
			}
		case stateClosing, stateLastAck:
			c.close()
		default:
			c.drop(errno.ECONNRESET)
		}
		return false, nil
	}
	// SYN (RFC 5961 4.2).
	if h.flags&flagSYN != 0 {
		if c.state == stateSynRcvd && h.seq == c.irs && h.flags&flagACK == 0 {
			c.sendSYN() // our SYN-ACK was lost
			return false, nil
		}
		c.challengeAck()
		return false, nil
	}
	if h.flags&flagACK == 0 {
		return false, nil
	}
	// Timestamps: remember the peer's for the echo (RFC 7323 4.3).
	if c.tsOK && h.opts.hasTS && h.seq.leq(c.lastAckSent) {
		c.tsRecent = h.opts.tsVal
	}
	if c.state == stateSynRcvd {
		if !h.ack.inRange(c.sndUna+1, c.sndMax+1) {
			c.sendRSTTo(h.ack)
			return false, nil
		}
		c.sndUna = c.iss + 1
		c.sndWnd = int(h.window) << c.sndScale
		c.maxSndWnd = c.sndWnd
		c.sndWl1, c.sndWl2 = h.seq, h.ack
		c.established()
		if c.parent != nil {
			accept = c.parent
			c.leaveSynQ()
		}
		if c.finQueued {
			c.state = stateFinWait1
		}
	}
	if !c.processAck(seg) {
		return false, accept
	}
	if c.state == stateClosed {
		return false, accept
	}
	kept = c.processData(seg)
	c.output()
	return kept, accept
}

// challengeAck sends a challenge ACK, at most challenge_ack_limit a
// second (RFC 5961 7).
func (c *conn) challengeAck() {
	now := c.s.now()
	if now-c.challengeTime >= time.Second {
		c.challengeTime, c.challengeCount = now, 0
	}
	if c.challengeCount >= int(c.s.p.challengeAckLimit.Load()) {
		return
	}
	c.challengeCount++
	c.s.stats.ChallengeAcks.Add(1)
	c.ackNow = true
	c.sendAck()
}

// processAck handles the acknowledgment field. It reports false when
// the segment must be dropped.
func (c *conn) processAck(seg *segment) bool {
	h := &seg.h
	s := c.s
	if h.ack.gt(c.sndMax) {
		s.stats.RcvAckTooMuch.Add(1)
		c.ackNow = true
		c.output()
		return false
	}
	if h.ack.lt(c.sndUna - seqnum(c.maxSndWnd)) {
		c.challengeAck()
		return false
	}
	sackedBefore := c.sb.sacked
	if c.sackOK && h.opts.nsack > 0 {
		s.stats.RcvSACKBlocks.Add(uint64(h.opts.nsack))
		for _, b := range h.opts.sack[:h.opts.nsack] {
			c.sb.add(b, c.sndUna, c.sndMax)
		}
	}
	newSACK := c.sb.sacked > sackedBefore
	if newSACK {
		c.probeSACKed()
	}
	wnd := int(h.window) << c.sndScale
	acked := diff(h.ack, c.sndUna)
	switch {
	case acked > 0:
		c.ackTSEcr = 0
		if c.tsOK && h.opts.hasTS {
			c.ackTSEcr = h.opts.tsEcr
		}
		c.newAck(h.ack, acked)
	case acked == 0 && len(seg.payload) == 0 && h.flags&(flagSYN|flagFIN) == 0 &&
		wnd == c.sndWnd && c.sndUna != c.sndMax:
		// With SACK, only an ACK that SACKs new data is a duplicate
		// (RFC 6675 section 2): the ACKs a network's duplicated segments
		// draw say nothing of loss.
		if !c.sackOK || newSACK {
			c.dupAck()
		}
	}
	// Window update (RFC 9293 3.10.7.4).
	if c.sndWl1.lt(h.seq) || (c.sndWl1 == h.seq && c.sndWl2.leq(h.ack)) {
		if wnd > c.sndWnd && acked == 0 && len(seg.payload) == 0 {
			s.stats.RcvWinUpd.Add(1)
		}
		c.sndWnd = wnd
		c.maxSndWnd = max(c.maxSndWnd, wnd)
		c.sndWl1, c.sndWl2 = h.seq, h.ack
		if wnd > 0 && c.persisting {
			c.persisting = false
			c.backoff = 0
			c.rexmt.Stop()
			if c.sndNxt.lt(c.sndUna) {
				c.sndNxt = c.sndUna
			}
		}
	}
	return true
}

// newAck handles an ACK that acknowledges acked new bytes up to ack.
func (c *conn) newAck(ack seqnum, acked int) {
	s := c.s
	s.stats.RcvAckPack.Add(1)
	s.stats.RcvAckBytes.Add(uint64(acked))
	finAcked := false
	data := acked
	if c.finQueued && ack == c.finSeq()+1 {
		finAcked = true
		data--
	}
	data = min(data, c.snd.n)
	c.snd.discard(data)
	// Grow the window only when it limited the sender (RFC 7661).
	cwndLimited := int(c.sndMax-c.sndUna)+3*c.payloadMSS() >= c.cwnd
	c.sndUna = ack
	if c.sndNxt.lt(c.sndUna) {
		c.sndNxt = c.sndUna
	}
	c.sb.prune(c.sndUna)
	if c.rtTiming && ack.gt(c.rtSeq) {
		c.rttSample(s.now() - c.rtStart)
		c.rtTiming = false
	}
	c.backoff = 0
	if c.inRecovery {
		if ack.geq(c.recover) {
			c.inRecovery = false
			c.dupAcks = 0
			c.cc.onRecoveryEnd(c)
		} else {
			c.partialAck(acked)
		}
	} else {
		c.dupAcks = 0
		if cwndLimited {
			c.cc.onAck(c, acked)
		}
	}
	c.probeAcked(ack)
	if c.sndUna == c.sndMax {
		c.rexmt.Stop()
	} else if !c.persisting {
		c.rexmt.Schedule(c.rto)
	}
	c.armProbe()
	if finAcked {
		c.finAcked()
	}
}

// finAcked moves the state on when our FIN is acknowledged.
func (c *conn) finAcked() {
	c.finQueued = false
	switch c.state {
	case stateFinWait1:
		c.state = stateFinWait2
		if c.detached {
			c.keep.Schedule(time.Duration(c.s.p.finWait2.Load()))
		}
	case stateClosing:
		c.state = stateTimeWait
	case stateLastAck:
		c.close()
	}
}

// dupAck counts a duplicate ACK and starts fast retransmit on the
// third, or earlier when SACK shows three segments lost (RFC 6675).
func (c *conn) dupAck() {
	c.s.stats.RcvDupAck.Add(1)
	c.dupAcks++
	mss := c.payloadMSS()
	if c.inRecovery {
		if !c.sackOK {
			c.cwnd += mss // NewReno inflation (RFC 6582)
		}
		return
	}
	if c.dupAcks >= 3 || (c.sackOK && c.sb.sacked > 3*mss) {
		// RFC 6582: no new recovery for ACKs below the last one's end.
		if c.sndUna.gt(c.recover) {
			c.enterRecovery()
		}
	}
}

// enterRecovery starts fast retransmit and recovery.
func (c *conn) enterRecovery() {
	s := c.s
	s.stats.FastRexmits.Add(1)
	c.inRecovery = true
	c.tlpOut = false
	c.recover = c.sndMax
	c.rtTiming = false
	c.cc.onLoss(c)
	mss := c.payloadMSS()
	n := min(c.dataRoom(), c.snd.n)
	if c.sackOK {
		s.stats.SACKRecovery.Add(1)
		c.rexmitNext = c.sndUna
		if next, ok := c.sb.nextSacked(c.sndUna); ok {
			n = min(n, int(next-c.sndUna))
		}
	}
	if n > 0 {
		c.sendSegment(c.sndUna, n, false)
		c.rexmitNext = c.sndUna + seqnum(n)
	} else if c.finQueued {
		c.sendSegment(c.sndUna, 0, true)
	}
	if !c.sackOK {
		c.cwnd = c.ssthresh + 3*mss
	}
	c.rexmt.Schedule(c.rto)
}

// partialAck handles an ACK inside recovery that leaves data
// outstanding below the recovery point.
func (c *conn) partialAck(acked int) {
	mss := c.payloadMSS()
	if c.sackOK {
		if c.rexmitNext.lt(c.sndUna) {
			c.rexmitNext = c.sndUna
		}
		return
	}
	// NewReno (RFC 6582 3.2): retransmit the next hole, deflate.
	n := min(c.dataRoom(), c.snd.n)
	if n > 0 {
		c.sendSegment(c.sndUna, n, false)
	}
	c.cwnd = max(c.cwnd-acked+mss, mss)
}

// rttSample updates the RTT estimate and the RTO (RFC 6298).
func (c *conn) rttSample(r time.Duration) {
	if r <= 0 {
		r = time.Microsecond
	}
	if c.srtt == 0 {
		c.srtt = r
		c.rttvar = r / 2
	} else {
		d := c.srtt - r
		if d < 0 {
			d = -d
		}
		c.rttvar = (3*c.rttvar + d) / 4
		c.srtt = (7*c.srtt + r) / 8
	}
	rto := c.srtt + max(time.Millisecond, 4*c.rttvar)
	c.rto = min(max(rto, time.Duration(c.s.p.rtoMin.Load())), time.Duration(c.s.p.rtoMax.Load()))
}

// processData takes the segment's payload and FIN. It reports whether
// it kept the segment's buffer (in the receive or reassembly queue).
func (c *conn) processData(seg *segment) (kept bool) {
	h := &seg.h
	s := c.s
	fin := h.flags&flagFIN != 0
	switch c.state {
	case stateEstablished, stateFinWait1, stateFinWait2, stateSynRcvd:
	default:
		// CLOSE_WAIT, CLOSING, LAST_ACK: the peer's FIN came already.
		if fin && c.finRcvd {
			c.ackNow = true
		}
		return false
	}
	if c.finRcvd {
		return false
	}
	data := seg.payload
	start := h.dataOff // where data begins in seg.buf
	seq := h.seq
	// Trim what we have already.
	if seq.lt(c.rcvNxt) {
		d := int(c.rcvNxt - seq)
		if d > len(data) {
			d = len(data)
		}
		s.stats.RcvDupBytes.Add(uint64(d))
		data = data[d:]
		start += d
		seq += seqnum(d)
	}
	// Trim what lies beyond the window.
	wnd := max(0, diff(c.rcvAdv, c.rcvNxt))
	if end := diff(seq, c.rcvNxt) + len(data); end > wnd {
		cut := min(end-wnd, len(data))
		data = data[:len(data)-cut]
		fin = false
		s.stats.RcvAfterWin.Add(1)
	}
	if len(data) == 0 && !fin {
		return false
	}
	if c.shutRd {
		// Read side shut: acknowledge and discard.
		c.rcvNxt = seq + seqnum(len(data))
		if fin {
			c.rcvNxt++
			c.gotFIN()
		}
		c.ackNow = true
		return false
	}
	if seq != c.rcvNxt {
		// Out of order: queue it and acknowledge at once so that the
		// sender sees duplicate ACKs (and SACK blocks).
		s.stats.RcvOOPack.Add(1)
		s.stats.RcvOOBytes.Add(uint64(len(data)))
		c.lastOOO = sackBlock{seq, seq + seqnum(len(data))}
		seg.buf.TrimFront(start)
		seg.buf.Truncate(len(data))
		c.ooo.insert(seq, seg.buf, fin)
		c.ackNow = true
		return true
	}
	s.stats.RcvPack.Add(1)
	s.stats.RcvBytes.Add(uint64(len(data)))
	if len(data) >= smallPayload {
		// The packet buffer itself joins the receive queue.
		seg.buf.TrimFront(start)
		seg.buf.Truncate(len(data))
		c.rcv.push(seg.buf)
		kept = true
	} else {
		c.rcv.pushCopy(data)
	}
	c.rcvNxt += seqnum(len(data))
	c.autotune(len(data))
	hadOOO := c.ooo.len() > 0
	if hadOOO {
		var f bool
		c.rcvNxt, f = c.ooo.pull(c.rcvNxt, &c.rcv)
		fin = fin || f
		c.ackNow = true
	}
	if fin {
		c.rcvNxt++
		c.gotFIN()
		c.ackNow = true
	}
	c.ackPending++
	if c.ackPending >= 2 || (h.flags&flagPSH != 0 && c.s.p.ackOnPush.Load()) {
		c.ackNow = true
	}
	if !c.ackNow && !c.delack.Pending() {
		c.delack.Schedule(time.Duration(c.s.p.delack.Load()))
	}
	return kept
}

// gotFIN moves the state on when the peer's FIN is taken in order.
func (c *conn) gotFIN() {
	c.finRcvd = true
	c.ooo.clear()
	switch c.state {
	case stateSynRcvd, stateEstablished:
		c.state = stateCloseWait
	case stateFinWait1:
		if c.finQueued && c.sndUna == c.finSeq()+1 {
			c.state = stateTimeWait
		} else {
			c.state = stateClosing
		}
	case stateFinWait2:
		c.state = stateTimeWait
	}
}

// autotune grows the receive buffer, up to recvbuf_max, when the peer
// sends more than half of it in a round trip (so the window, not the
// application, limits the transfer).
func (c *conn) autotune(n int) {
	if c.rcvFixed || !c.s.p.autoRcvBuf.Load() {
		return
	}
	a := &c.rcvAuto
	a.bytes += n
	if 2*a.bytes <= c.rcvLimit {
		return // nothing to decide yet
	}
	now := c.s.now()
	rtt := max(c.srtt, 100*time.Microsecond)
	if now-a.start <= 2*rtt {
		c.rcvLimit = min(max(c.rcvLimit, 4*a.bytes), int(c.s.p.recvbufMax.Load()), 65535<<c.rcvScale)
	}
	a.start, a.bytes = now, 0
}

// autotune is the state of receive-buffer auto-tuning.
type autotune struct {
	limit int
	start time.Duration
	bytes int
}

// enterTimeWait hands the connection over to the TIME_WAIT table and
// closes it. Called with c.mu held.
func (c *conn) enterTimeWait() {
	e := &twEntry{
		key: keyOf(c.local, c.remote), local: c.local, remote: c.remote,
		sndNxt: c.sndMax, rcvNxt: c.rcvNxt, win: uint16(min(c.rcvWindow()>>c.rcvScale, 65535)),
		tsOK: c.tsOK, tsRecent: c.tsRecent, tsOffset: c.tsOffset,
	}
	c.close()
	if c.s.p.msl.Load() > 0 {
		c.s.tw.add(e)
	}
}
