package tcp

import (
	"time"

	"github.com/gorump/gorump/kern/errno"
)

// rtoBackedOff is the retransmission timeout after backoff doublings.
func (c *conn) rtoBackedOff() time.Duration {
	rto := c.rto << min(c.backoff, 16)
	return min(max(rto, time.Duration(c.s.p.rtoMin.Load())), time.Duration(c.s.p.rtoMax.Load()))
}

// persistTime is the persist timer's interval: the RTO, backed off,
// between 5 and 60 seconds as BSD bounds it (TCPTV_PERSMIN/MAX), or
// below when the minimum RTO is set lower.
func (c *conn) persistTime() time.Duration {
	lo := min(5*time.Second, 5*time.Duration(c.s.p.rtoMin.Load()))
	return min(max(c.rtoBackedOff(), lo), 60*time.Second)
}

// rexmtTimer is the retransmission (or persist) timer.
func (c *conn) rexmtTimer() {
	c.mu.Lock()
	s := c.s
	switch {
	case c.rexmt.Pending():
		// Rearmed (by an ACK) between the callout going off and this
		// call taking the lock: the timeout no longer holds.
	case c.state == stateClosed || c.state == stateListen:
	case c.persisting:
		s.stats.PersistTimeout.Add(1)
		c.windowProbe()
	case c.state == stateSynSent || c.state == stateSynRcvd:
		c.backoff++
		s.stats.RexmtTimeouts.Add(1)
		if c.backoff > int(s.p.synRetries.Load()) {
			if c.state == stateSynRcvd && c.parent != nil {
				c.detached = true
			}
			c.drop(errno.ETIMEDOUT)
			break
		}
		c.rtTiming = false
		c.sendSYN()
	case c.sndUna != c.sndMax:
		c.backoff++
		s.stats.RexmtTimeouts.Add(1)
		if c.backoff > int(s.p.rexmitMax.Load()) {
			c.sendRST(c.sndNxt)
			c.drop(errno.ETIMEDOUT)
			break
		}
		if c.backoff > 3 {
			// RFC 6298 5.7-ish: the estimate is suspect; let the next
			// sample replace it.
			c.rttvar += c.srtt / 4
			c.srtt = 0
		}
		c.cc.onTimeout(c)
		c.tlpOut = false
		c.inRecovery = false
		c.dupAcks = 0
		c.recover = c.sndMax
		c.rtTiming = false
		c.sndNxt = c.sndUna
		c.rexmitNext = c.sndUna
		c.output()
		c.rexmt.Schedule(c.rtoBackedOff())
	}
	c.unlockAndFlush()
	c.waiters.Wake()
}

// windowProbe sends one byte beyond a zero window (RFC 9293 3.8.6.1), or
// what a small window allows, and re-arms the persist timer.
func (c *conn) windowProbe() {
	if !c.state.synchronized() {
		c.persisting = false
		c.output()
		return
	}
	if c.sndWnd > 0 {
		// A window too small for silly-window avoidance, perhaps because
		// the update that widened it was lost: the override timeout
		// (RFC 9293 3.8.6.2.1) sends what fits.
		c.persisting = false
		c.forceSend = true
		c.output()
		c.forceSend = false
		return
	}
	if c.detached && c.backoff >= int(c.s.p.rexmitMax.Load()) {
		// Nobody will read this connection again and the peer keeps
		// its window shut: give up, as for unanswered retransmissions.
		c.sendRST(c.sndNxt)
		c.drop(errno.ETIMEDOUT)
		return
	}
	c.s.stats.SndProbe.Add(1)
	if c.snd.n > 0 {
		c.sendSegment(c.sndUna, 1, false)
		c.sndNxt = seqMax(c.sndNxt, c.sndUna+1)
		c.sndMax = seqMax(c.sndMax, c.sndNxt)
	} else if c.finQueued {
		c.sendSegment(c.sndUna, 0, true)
		c.sndNxt = seqMax(c.sndNxt, c.sndUna+1)
		c.sndMax = seqMax(c.sndMax, c.sndNxt)
	}
	c.backoff++
	c.rexmt.Schedule(c.persistTime())
}

// delackTimer sends a delayed ACK.
func (c *conn) delackTimer() {
	c.mu.Lock()
	if c.ackPending > 0 && c.state.synchronized() && c.state != stateTimeWait {
		c.s.stats.SndDelAcks.Add(1)
		c.ackNow = true
		c.output()
	}
	c.unlockAndFlush()
}

// keepTimer is the connection-establishment timer, the keepalive timer
// and the FIN_WAIT_2 timer of closed sockets.
func (c *conn) keepTimer() {
	c.mu.Lock()
	s := c.s
	switch c.state {
	case stateSynSent, stateSynRcvd:
		if c.state == stateSynRcvd && c.parent != nil {
			c.detached = true
		}
		c.drop(errno.ETIMEDOUT)
	case stateFinWait2:
		if c.detached {
			c.close()
		}
	case stateEstablished, stateCloseWait:
		if !c.keepalive {
			break
		}
		s.stats.KeepTimeouts.Add(1)
		idle := s.now() - c.lastRecv
		if idle < c.keepIdle && c.keepProbes == 0 {
			c.keep.Schedule(c.keepIdle - idle)
			break
		}
		if c.keepProbes >= c.keepCnt {
			s.stats.KeepDrops.Add(1)
			c.sendRST(c.sndNxt)
			c.drop(errno.ETIMEDOUT)
			break
		}
		// A probe: an ACK for one byte before snd.una, which the peer
		// must answer (RFC 9293 3.8.4).
		s.stats.KeepProbes.Add(1)
		c.keepProbes++
		o := outOpts{wscale: -1}
		if c.tsOK {
			o.ts, o.tsVal, o.tsEcr = true, c.tsNow(), c.tsRecent
		}
		c.emit(c.sndUna-1, flagACK, c.rcvNxt, c.windowField(), &o, nil, nil, 0)
		c.keep.Schedule(c.keepIntvl)
	}
	c.unlockAndFlush()
	c.waiters.Wake()
}
