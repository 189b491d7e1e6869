package tcp

// newReno is RFC 5681 congestion control with RFC 6582's recovery.
type newReno struct {
	acked int // bytes acked towards the next increase in avoidance
}

func (r *newReno) name() string { return "newreno" }

func (r *newReno) init(c *conn) {
	c.cwnd = initialWindow(c)
	c.ssthresh = initialSsthresh
}

func (r *newReno) onAck(c *conn, acked int) {
	if slowStart(c, acked) {
		return
	}
	r.acked += acked
	if r.acked >= c.cwnd {
		r.acked -= c.cwnd
		c.cwnd += c.payloadMSS()
	}
}

func (r *newReno) onLoss(c *conn) {
	c.ssthresh = max(flight(c)/2, 2*c.payloadMSS())
	c.cwnd = c.ssthresh
	r.acked = 0
}

func (r *newReno) onTailLoss(c *conn) {
	c.ssthresh = max(c.cwnd/2, 2*c.payloadMSS())
	c.cwnd = c.ssthresh
	r.acked = 0
}

func (r *newReno) onTimeout(c *conn) {
	c.ssthresh = max(flight(c)/2, 2*c.payloadMSS())
	c.cwnd = c.payloadMSS()
	r.acked = 0
}

func (r *newReno) onRecoveryEnd(c *conn) {
	c.cwnd = max(min(c.ssthresh, flight(c)+c.payloadMSS()), c.payloadMSS())
}
