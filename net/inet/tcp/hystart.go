package tcp

import "time"

// HyStart++'s constants (RFC 9406 section 4.3).
const (
	hsMinRTTThresh   = 4 * time.Millisecond
	hsMaxRTTThresh   = 16 * time.Millisecond
	hsMinRTTDivisor  = 8
	hsRTTSamples     = 8
	hsCSSGrowthDiv   = 4
	hsCSSRounds      = 5
	hsNoRTT          = time.Duration(1<<63 - 1)
	initialSsthresh  = 1 << 30
	maxHyStartSample = time.Minute
)

// hystart is HyStart++ (RFC 9406): during the first slow start it
// watches each round's smallest RTT, and when that grows (a queue is
// filling) it slows the growth to a quarter for a few rounds and then
// leaves slow start, before the queue overflows and a window's worth of
// segments is lost. RTT samples come from timestamp echoes, so without
// timestamps slow start is the classic one.
type hystart struct {
	windowEnd   seqnum // the round ends when this is acknowledged
	started     bool
	lastMin     time.Duration // the previous round's smallest RTT
	curMin      time.Duration // this round's so far
	samples     int           // RTT samples this round
	css         bool          // in conservative slow start
	cssBaseline time.Duration // curMin when CSS began
	cssRounds   int
}

// growth returns how much of the slow-start increase inc to apply for
// the ACK being processed, and leaves slow start by setting ssthresh
// when CSS has run its rounds. Only the first slow start (ssthresh still
// at its initial value) uses it. The first samples of a round are all
// it takes (as Linux's HyStart does), so later ACKs read no clock.
func (h *hystart) growth(c *conn, inc int) int {
	if c.ssthresh != initialSsthresh || !c.s.p.hystart.Load() {
		return inc
	}
	if !h.started || c.sndUna.geq(h.windowEnd) {
		// A new round.
		if h.started {
			h.lastMin = h.curMin
		} else {
			h.started, h.lastMin = true, hsNoRTT
		}
		h.curMin, h.samples, h.windowEnd = hsNoRTT, 0, c.sndNxt
		if h.css {
			h.cssRounds++
			if h.cssRounds >= hsCSSRounds {
				c.s.stats.HyStartExits.Add(1)
				c.ssthresh = c.cwnd
				return 0
			}
		}
	}
	if h.samples < hsRTTSamples && c.ackTSEcr != 0 {
		// The echo is of the segment that drew this ACK, so the sample
		// holds after retransmissions too.
		if rtt := time.Duration(int32(c.tsNow()-c.ackTSEcr)) * time.Millisecond; rtt >= 0 && rtt < maxHyStartSample {
			h.curMin = min(h.curMin, rtt)
			h.samples++
		}
	}
	if h.samples >= hsRTTSamples && h.curMin != hsNoRTT {
		if !h.css && h.lastMin != hsNoRTT {
			thresh := min(max(h.lastMin/hsMinRTTDivisor, hsMinRTTThresh), hsMaxRTTThresh)
			if h.curMin >= h.lastMin+thresh {
				c.s.stats.HyStartCSS.Add(1)
				h.css, h.cssBaseline, h.cssRounds = true, h.curMin, 0
			}
		} else if h.css && h.curMin < h.cssBaseline {
			// The delay went down again: the rise was not a queue.
			h.css = false
		}
	}
	if h.css {
		return max(inc/hsCSSGrowthDiv, 1)
	}
	return inc
}
