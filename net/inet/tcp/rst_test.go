package tcp

import (
	"net/netip"
	"testing"
	"testing/synctest"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
)

// Segments to a port nobody uses get a RST (RFC 9293 3.10.7.1).
func TestResetClosedPort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		c.inject(seg{srcPort: 1234, dstPort: 9, seq: 100, flags: flagSYN, win: 1000})
		r := c.expectOne()
		wantFlags(t, r, flagRST|flagACK)
		if r.seq != 0 || r.ack != 101 {
			t.Fatalf("RST %v", r)
		}
		c.inject(seg{srcPort: 1234, dstPort: 9, seq: 100, ack: 555, flags: flagACK, win: 1000, payload: []byte("x")})
		r = c.expectOne()
		wantFlags(t, r, flagRST)
		if r.seq != 555 {
			t.Fatalf("RST %v", r)
		}
		c.inject(seg{srcPort: 1234, dstPort: 9, seq: 100, flags: flagRST, win: 1000})
		c.expectNone()
		if c.s.Stats().NoPort.Load() != 3 {
			t.Fatal(c.s.Stats().NoPort.Load())
		}
		// A bad checksum is dropped silently.
		b := buildSegment(remoteAddr, localAddr, seg{srcPort: 1, dstPort: 2, flags: flagSYN, out: outOpts{wscale: -1}})
		b.Bytes()[5] ^= 1
		c.s.Input(inetHeader(), b)
		c.expectNone()
		if c.s.Stats().RcvBadSum.Load() != 1 {
			t.Fatal("bad checksum not counted")
		}
	})
}

// RFC 5961: a RST exactly at rcv.nxt resets; one elsewhere in the window
// draws a challenge ACK; one outside is dropped.
func TestResetChallenge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		e.sendAt(e.sndNxt+100, flagRST, nil, nil)
		a := c.expectOne()
		wantFlags(t, a, flagACK)
		if c.s.Stats().ChallengeAcks.Load() != 1 || e.pcb.State() != "ESTABLISHED" {
			t.Fatal("no challenge ACK")
		}
		e.sendAt(e.sndNxt+1<<30, flagRST, nil, nil)
		c.expectNone()
		e.sendAt(e.sndNxt, flagRST, nil, nil)
		if e.pcb.State() != "CLOSED" {
			t.Fatal(e.pcb.State())
		}
		if _, _, _, err := e.pcb.Recv(make([]byte, 1), 0); err != errno.ECONNRESET {
			t.Fatal(err)
		}
		if _, err := e.pcb.Send([]byte("x"), netip.AddrPort{}, 0); err != errno.EPIPE {
			t.Fatal(err)
		}
		if ev := e.pcb.Events(); ev&socket.POLLHUP == 0 || ev&socket.POLLERR == 0 {
			t.Fatalf("events %#x", ev)
		}
	})
}

// RFC 5961 4: a SYN on an established connection draws a challenge ACK.
func TestSynChallenge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		e.sendAt(e.sndNxt, flagSYN, nil, nil)
		a := c.expectOne()
		wantFlags(t, a, flagACK)
		if e.pcb.State() != "ESTABLISHED" {
			t.Fatal(e.pcb.State())
		}
	})
}

// An ACK for data never sent is answered with an ACK and dropped.
func TestAckTooMuch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		e.ackWith(e.rcvNxt+5000, 100, nil)
		wantFlags(t, c.expectOne(), flagACK)
		if c.s.Stats().RcvAckTooMuch.Load() != 1 {
			t.Fatal("not counted")
		}
	})
}

// A RST to an embryonic passive connection removes it quietly.
func TestResetSynRcvd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		l := c.s.newConn(nil)
		l.Bind(netip.AddrPortFrom(netip.Addr{}, localPort))
		l.Listen(4)
		c.inject(seg{srcPort: remotePort, dstPort: localPort, seq: remoteISS, flags: flagSYN, win: 1000})
		sa := c.expectOne()
		c.inject(seg{srcPort: remotePort, dstPort: localPort, seq: remoteISS + 1, flags: flagRST, win: 1000})
		if connCount(c.s) != 0 || l.synCount.Load() != 0 {
			t.Fatalf("conns %d syn queue %d", connCount(c.s), l.synCount.Load())
		}
		_ = sa
		if _, err := l.Accept(); err != errno.EAGAIN {
			t.Fatal(err)
		}
	})
}
