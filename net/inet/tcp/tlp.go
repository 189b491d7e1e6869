package tcp

import "time"

// Tail loss probe timing (RFC 8985 section 7.2).
const (
	tlpMinPTO = 10 * time.Millisecond  // the shortest probe timeout
	tlpDelAck = 200 * time.Millisecond // WCDelAckT: a peer's worst delayed ACK
)

// A tail loss probe (RFC 8985 section 7) turns the loss of the last
// segments of a flight, which no later segment reveals with duplicate
// ACKs, from a retransmission timeout into a quick repair: when the ACKs
// stop for about two round trips, the sender probes with one segment,
// new data if the window allows, else its last segment again, and the
// ACK that answers shows what is missing.

// probeAllowed reports whether a probe may be scheduled: data
// outstanding and not being resent after a timeout, SACK on, outside
// recovery, no probe out, an RTT measured, and the window open.
func (c *conn) probeAllowed() bool {
	return c.s.p.tlp.Load() && c.sackOK && c.state.synchronized() && c.state != stateTimeWait &&
		c.sndUna != c.sndMax && c.sndNxt == c.sndMax && !c.inRecovery && !c.tlpOut &&
		!c.persisting && c.backoff == 0 && c.srtt > 0
}

// pto is the probe timeout, or 0 when the retransmission timer would
// come first.
func (c *conn) pto() time.Duration {
	pto := 2 * c.srtt
	if int(c.sndMax-c.sndUna) <= c.payloadMSS() {
		pto += tlpDelAck // one segment out: its ACK may be delayed
	}
	pto = max(pto, tlpMinPTO)
	if pto >= c.rtoBackedOff() {
		return 0
	}
	return pto
}

// tlpQuarters is how many quarters of a probe timeout without progress
// make the probe go.
const tlpQuarters = 4

// armProbe notes progress, new data sent or acknowledged, which puts the
// probe off. The ACK path reads no clock and touches no timer: the
// callout, armed when idle, goes off after a probe timeout; then every
// quarter of one it looks for progress, and it sends the probe once a
// whole timeout has passed without any. A probe so goes between one and
// one and a quarter probe timeouts after the last progress.
func (c *conn) armProbe() {
	c.tlpProgress++
	if c.probeAllowed() && !c.tlp.Pending() {
		if pto := c.pto(); pto > 0 {
			c.tlpSeen, c.tlpQuiet = c.tlpProgress, tlpQuarters-1
			c.tlp.Schedule(pto)
		}
	}
}

// tlpTimer sends a tail loss probe when no progress came for a probe
// timeout, and restarts the retransmission timer behind it.
func (c *conn) tlpTimer() {
	c.mu.Lock()
	if pto := c.pto(); !c.tlp.Pending() && c.probeAllowed() && pto > 0 {
		if c.tlpSeen != c.tlpProgress {
			c.tlpSeen, c.tlpQuiet = c.tlpProgress, 0
		} else {
			c.tlpQuiet++
		}
		if c.tlpQuiet < tlpQuarters {
			c.tlp.Schedule(pto / tlpQuarters)
		} else {
			c.tailProbe()
			c.rexmt.Schedule(c.rtoBackedOff())
		}
	}
	c.unlockAndFlush()
}

// tailProbe sends one segment of new data if the windows allow, else the
// last segment sent again.
func (c *conn) tailProbe() {
	c.s.stats.TLPProbes.Add(1)
	room := c.dataRoom()
	flight := int(c.sndMax - c.sndUna)
	dataEnd := c.sndUna + seqnum(c.snd.n) // where a FIN goes
	if unsent := int(dataEnd - c.sndMax); unsent > 0 && c.sndWnd > flight {
		n := min(unsent, room, c.sndWnd-flight)
		fin := c.finQueued && c.sndMax+seqnum(n) == dataEnd
		c.tlpSeq = c.sndMax
		c.sendSegment(c.sndMax, n, fin)
		c.sndMax += seqnum(n)
		if fin {
			c.sndMax++
		}
		c.sndNxt = c.sndMax
		c.tlpRexmit = false
	} else {
		end := seqMin(c.sndMax, dataEnd)
		n := min(room, int(end-c.sndUna))
		c.tlpSeq = end - seqnum(n)
		c.sendSegment(c.tlpSeq, n, c.finQueued && c.sndMax == dataEnd+1)
		c.tlpRexmit = true
	}
	c.tlpOut, c.tlpEnd = true, c.sndMax
}

// probeSACKed starts fast recovery when the peer SACKs the probe while
// bytes below it are missing: the probe went out after all of them, so
// they were lost, not reordered (RACK's rule, RFC 8985, applied to the
// probe), and no three duplicate ACKs will come to say so at a tail.
func (c *conn) probeSACKed() {
	if !c.tlpOut || c.inRecovery || !c.sndUna.gt(c.recover) || c.tlpSeq == c.tlpEnd {
		return
	}
	if _, ok := c.sb.sackedAt(c.tlpSeq); ok && c.sndUna.lt(c.tlpSeq) {
		c.enterRecovery()
	}
}

// probeAcked ends the probe episode once ack covers what the probe sent.
// A retransmitted probe is taken to have repaired a loss, there being no
// DSACK to say otherwise (RFC 8985 7.4.2): the window is reduced as for
// fast recovery, from the window rather than the small flight of a tail.
func (c *conn) probeAcked(ack seqnum) {
	if !c.tlpOut || ack.lt(c.tlpEnd) {
		return
	}
	c.tlpOut = false
	if c.tlpRexmit {
		c.s.stats.TLPRecoveries.Add(1)
		c.cc.onTailLoss(c)
	}
}
