package tcp

import (
	"math"
	"time"
)

// CUBIC's constants (RFC 9438 4.1-4.2).
const (
	cubicC    = 0.4
	cubicBeta = 0.7
)

// cubic is RFC 9438 congestion control. Windows are in segments here and
// in bytes in the connection.
type cubic struct {
	wMax      float64       // window before the last reduction
	wLastMax  float64       // for fast convergence
	k         float64       // seconds to reach wMax again
	epoch     time.Duration // start of this congestion-avoidance epoch; 0: none
	origin    float64
	wEst      float64 // the Reno-friendly estimate
	cwndFloat float64 // cwnd in segments with the fraction kept
}

func (q *cubic) name() string { return "cubic" }

func (q *cubic) init(c *conn) {
	c.cwnd = initialWindow(c)
	c.ssthresh = initialSsthresh
	q.epoch = 0
}

func (q *cubic) onAck(c *conn, acked int) {
	if slowStart(c, acked) {
		q.epoch = 0
		return
	}
	mss := float64(c.payloadMSS())
	cwnd := float64(c.cwnd) / mss
	now := c.s.now()
	if q.epoch == 0 {
		q.epoch = now
		if q.epoch == 0 {
			q.epoch = 1
		}
		q.cwndFloat = cwnd
		if cwnd < q.wMax {
			q.k = math.Cbrt((q.wMax - cwnd) / cubicC)
			q.origin = q.wMax
		} else {
			q.k = 0
			q.origin = cwnd
		}
		q.wEst = cwnd
	}
	if math.Abs(q.cwndFloat-cwnd) >= 1 {
		q.cwndFloat = cwnd // someone else moved cwnd
	}
	rtt := c.srtt
	t := (now - q.epoch + rtt).Seconds()
	target := q.origin + cubicC*math.Pow(t-q.k, 3)
	target = min(max(target, q.cwndFloat), 1.5*q.cwndFloat)
	segs := float64(acked) / mss
	// The Reno-friendly region (RFC 9438 4.3).
	alpha := 3 * (1 - cubicBeta) / (1 + cubicBeta)
	if q.wEst < q.wMax {
		q.wEst += alpha * segs / q.cwndFloat
	} else {
		q.wEst += segs / q.cwndFloat
	}
	wc := q.origin + cubicC*math.Pow((now-q.epoch).Seconds()-q.k, 3)
	if wc < q.wEst {
		q.cwndFloat = max(q.cwndFloat, q.wEst)
	} else {
		q.cwndFloat += (target - q.cwndFloat) / q.cwndFloat * segs
	}
	c.cwnd = max(c.cwnd, int(q.cwndFloat*mss))
}

// reduce sets wMax from the window and ssthresh from base bytes (the
// flight, or the window).
func (q *cubic) reduce(c *conn, base int) {
	mss := float64(c.payloadMSS())
	cwnd := float64(c.cwnd) / mss
	// Fast convergence (RFC 9438 4.7).
	if cwnd < q.wLastMax {
		q.wLastMax = cwnd
		q.wMax = cwnd * (1 + cubicBeta) / 2
	} else {
		q.wLastMax = cwnd
		q.wMax = cwnd
	}
	q.epoch = 0
	c.ssthresh = max(int(float64(base)*cubicBeta), 2*c.payloadMSS())
}

func (q *cubic) onLoss(c *conn) {
	q.reduce(c, flight(c))
	c.cwnd = c.ssthresh
}

func (q *cubic) onTailLoss(c *conn) {
	q.reduce(c, c.cwnd)
	c.cwnd = c.ssthresh
}

func (q *cubic) onTimeout(c *conn) {
	q.reduce(c, flight(c))
	c.cwnd = c.payloadMSS()
}

func (q *cubic) onRecoveryEnd(c *conn) {
	c.cwnd = max(c.ssthresh, c.payloadMSS())
	q.epoch = 0
}
