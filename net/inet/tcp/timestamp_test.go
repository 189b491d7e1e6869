package tcp

import (
	"testing"
	"testing/synctest"
	"time"
)

// Timestamps echo the peer's latest TSval; PAWS drops a segment with an
// older one and acknowledges it.
func TestTimestampsAndPAWS(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(100))
		e.send(flagACK|flagPSH, []byte("a"))
		e.send(flagACK|flagPSH, []byte("b"))
		// A delayed ACK echoes the earliest unacknowledged segment's
		// TSval (RFC 7323 4.3).
		a := c.expectOne()
		if !a.opts.hasTS || a.opts.tsEcr != e.tsVal-1 {
			t.Fatalf("echo %d, want %d", a.opts.tsEcr, e.tsVal-1)
		}
		// Our TSval advances with the clock (milliseconds).
		sleep(50 * time.Millisecond)
		e.send(flagACK, []byte("c"))
		e.send(flagACK, []byte("d"))
		b := c.expectOne()
		if d := b.opts.tsVal - a.opts.tsVal; d != 50 {
			t.Fatalf("TSval advanced %d in 50 ms", d)
		}
		// An old timestamp: dropped by PAWS, re-ACKed.
		old := e.tsVal
		e.tsVal = 5
		e.send(flagACK, []byte("e"))
		e.tsVal = old + 1
		r := c.expectOne()
		if r.ack != e.sndNxt-1 {
			t.Fatalf("PAWS: data accepted: %v", r)
		}
		if c.s.Stats().RcvPAWSDrop.Load() != 1 {
			t.Fatal("PAWS drop not counted")
		}
		if got := recvAll(t, e.pcb); string(got) != "abcd" {
			t.Fatal(string(got))
		}
	})
}

// Window scaling: the peer's shift scales its windows after the SYN;
// ours scales what we advertise.
func TestWindowScale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		po := peerOpts(1)
		po.wscale = 4
		e := c.connectActive(po)
		e.ackWith(e.rcvNxt, 100, nil)
		if e.pcb.sndWnd != 1600 {
			t.Fatalf("send window %d, want 100<<4", e.pcb.sndWnd)
		}
		if e.pcb.rcvScale == 0 {
			t.Fatal("no receive scale")
		}
		e.send(flagACK, []byte("x"))
		e.send(flagACK, []byte("y"))
		a := c.expectOne()
		if got := int(a.win) << e.pcb.rcvScale; got < 200<<10 {
			t.Fatalf("advertised %d bytes", got)
		}
	})
}
