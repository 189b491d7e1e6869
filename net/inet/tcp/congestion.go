package tcp

// congestion is a congestion-control algorithm. Its methods run with the
// connection's lock held and set c.cwnd and c.ssthresh (bytes).
type congestion interface {
	name() string
	// init sets the initial window once the MSS is known.
	init(c *conn)
	// onAck grows the window for acked new bytes outside recovery.
	onAck(c *conn, acked int)
	// onLoss sets the windows when fast recovery starts.
	onLoss(c *conn)
	// onTimeout sets the windows after a retransmission timeout.
	onTimeout(c *conn)
	// onRecoveryEnd sets the window when recovery ends.
	onRecoveryEnd(c *conn)
	// onTailLoss reduces the window, as onLoss does but from the window
	// rather than the flight, for a loss a tail loss probe repaired.
	onTailLoss(c *conn)
}

// newCongestion returns the algorithm called name, or nil.
func newCongestion(name string) congestion {
	switch name {
	case "newreno", "reno":
		return &newReno{}
	case "cubic":
		return &cubic{}
	}
	return nil
}

// initialWindow is RFC 6928's initial window in bytes, or init_win
// segments.
func initialWindow(c *conn) int {
	return int(c.s.p.initWin.Load()) * c.payloadMSS()
}

// flight is the bytes outstanding.
func flight(c *conn) int { return int(c.sndMax - c.sndUna) }

// slowStart grows cwnd by the bytes acked, at most two segments an ACK
// (appropriate byte counting, RFC 3465), less while HyStart++ sees the
// RTT rise, and reports whether cwnd was below ssthresh.
func slowStart(c *conn, acked int) bool {
	if c.cwnd >= c.ssthresh {
		return false
	}
	c.cwnd += c.hystart.growth(c, min(acked, 2*c.payloadMSS()))
	return true
}
