package tcp

import (
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
)

// Unacknowledged data is retransmitted after the RTO, which doubles on
// each retry; after rexmit_max the connection fails with ETIMEDOUT and
// a RST.
func TestRetransmitBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		setSysctl(t, c, "net.inet.tcp.rexmit_max", "4")
		e := c.connectActive(peerOpts(1))
		// The handshake took no time: srtt ~0, so the RTO is the minimum,
		// 200 ms.
		e.pcb.Send([]byte("data"), netip.AddrPort{}, 0)
		first := c.expectOne()
		start := time.Now()
		var at []time.Duration
		for range 4 {
			for {
				sleep(time.Millisecond)
				if s := c.sent(); len(s) > 0 {
					if s[0].seq != first.seq || string(s[0].payload) != "data" {
						t.Fatalf("retransmission %v", s[0])
					}
					at = append(at, time.Since(start))
					break
				}
			}
		}
		want := []time.Duration{200, 600, 1400, 3000}
		for i := range want {
			want[i] *= time.Millisecond
			if d := at[i] - want[i]; d < -2*time.Millisecond || d > 2*time.Millisecond {
				t.Fatalf("retransmissions at %v, want %v", at, want)
			}
		}
		sleep(3300 * time.Millisecond)
		r := c.sent()
		if len(r) != 1 || r[0].flags&flagRST == 0 {
			t.Fatalf("at the end: %v", r)
		}
		wantErr(t, e.pcb.Error(), errno.ETIMEDOUT)
		if _, _, _, err := e.pcb.Recv(make([]byte, 1), 0); err != errno.ETIMEDOUT {
			t.Fatal(err)
		}
		if c.s.Stats().RexmtTimeouts.Load() != 5 {
			t.Fatal(c.s.Stats().RexmtTimeouts.Load())
		}
	})
}

// The RTO follows the measured RTT (RFC 6298): srtt + 4*rttvar.
func TestRTOFromRTT(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		for range 30 {
			e.pcb.Send([]byte("x"), netip.AddrPort{}, 0)
			c.expectOne()
			sleep(150 * time.Millisecond)
			e.ackWith(e.pcb.sndMax, 1000, nil)
		}
		e.pcb.mu.Lock()
		srtt, rto := e.pcb.srtt, e.pcb.rto
		e.pcb.mu.Unlock()
		if srtt < 140*time.Millisecond || srtt > 160*time.Millisecond || rto < srtt || rto > time.Second {
			t.Fatalf("srtt %v rto %v", srtt, rto)
		}
	})
}

// Three duplicate ACKs trigger a fast retransmit of the first segment
// (NewReno, no SACK) before the RTO.
func TestFastRetransmitNewReno(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(outOpts{mss: 1000, wscale: -1})
		SetCongestion(e.pcb, "newreno")
		e.pcb.Send(payload(10000, 1), netip.AddrPort{}, 0)
		segs := c.sent()
		if len(segs) != 10 {
			t.Fatalf("%d segments", len(segs))
		}
		base := segs[0].seq
		e.ackWith(base+1000, 60000, nil) // the second segment is lost
		c.sent()
		for range 2 {
			e.ackWith(base+1000, 60000, nil)
		}
		c.sent() // limited transmit may send new data
		e.ackWith(base+1000, 60000, nil)
		r := c.sent()
		if len(r) == 0 || r[0].seq != base+1000 || len(r[0].payload) != 1000 {
			t.Fatalf("after 3 dup ACKs: %v", r)
		}
		if c.s.Stats().FastRexmits.Load() != 1 {
			t.Fatal("fast retransmit not counted")
		}
		// Partial ACK: the next hole goes at once.
		e.ackWith(base+3000, 60000, nil)
		r = c.sent()
		if len(r) == 0 || r[0].seq != base+3000 {
			t.Fatalf("after a partial ACK: %v", r)
		}
		e.ackWith(e.pcb.sndMax, 60000, nil)
		if e.pcb.inRecovery {
			t.Fatal("still in recovery")
		}
	})
}

// With SACK the sender retransmits only the holes the blocks show.
func TestSACKRecovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		po := peerOpts(1)
		po.mss = 1012 // 1000 bytes of data with timestamps
		e := c.connectActive(po)
		e.pcb.Send(payload(10000, 1), netip.AddrPort{}, 0)
		segs := c.sent()
		if len(segs) != 10 || len(segs[0].payload) != 1000 {
			t.Fatalf("%d segments of %d", len(segs), len(segs[0].payload))
		}
		base := segs[0].seq
		// Segments 0 and 3 are lost; 1-2 and 4-9 arrive.
		win := uint16(60000 >> 7)
		sack := func(blocks ...sackBlock) { e.ackWith(base, win, blocks) }
		sack(sackBlock{base + 1000, base + 3000})
		if s := c.sent(); len(s) > 0 && s[0].seq == base {
			t.Fatalf("retransmitted too early: %v", s)
		}
		// More than three segments SACKed above the first hole: it is
		// lost (RFC 6675 IsLost), and so is the hole below the highest
		// block.
		sack(sackBlock{base + 4000, base + 6000}, sackBlock{base + 1000, base + 3000})
		r := c.sent()
		var seqs []seqnum
		for _, s := range r {
			seqs = append(seqs, s.seq-base)
		}
		if len(r) != 2 || r[0].seq != base || r[1].seq != base+3000 {
			t.Fatalf("retransmitted %v, want holes 0 and 3000", seqs)
		}
		if c.s.Stats().SACKRecovery.Load() != 1 {
			t.Fatal("SACK recovery not counted")
		}
		sack(sackBlock{base + 4000, base + 10000}, sackBlock{base + 1000, base + 3000})
		for _, s := range c.sent() {
			if s.seq-base < 10000 {
				t.Fatalf("SACKed data retransmitted: %v", s)
			}
		}
		e.ackWith(base+10000, win, nil)
		if e.pcb.inRecovery || e.pcb.sb.sacked != 0 {
			t.Fatal("recovery did not end")
		}
	})
}

// With SACK, an ACK is a duplicate only when it SACKs new data (RFC
// 6675): the ACKs that duplicated segments draw repeat what the sender
// knows and must not start a fast retransmit.
func TestSACKDupAcksNeedNewData(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		po := peerOpts(1)
		po.mss = 1012
		e := c.connectActive(po)
		e.pcb.Send(payload(5000, 1), netip.AddrPort{}, 0)
		base := c.sent()[0].seq
		win := uint16(60000 >> 7)
		e.ackWith(base, win, nil) // a window update, not a duplicate
		block := sackBlock{base + 1000, base + 2000}
		for range 5 {
			e.ackWith(base, win, []sackBlock{block})
		}
		if n := c.s.Stats().FastRexmits.Load(); n != 0 {
			t.Fatalf("%d fast retransmits for ACKs repeating one SACK block", n)
		}
		if d := e.pcb.dupAcks; d != 1 {
			t.Fatalf("%d duplicate ACKs counted, want 1", d)
		}
		e.ackWith(base, win, []sackBlock{{base + 1000, base + 3000}})
		e.ackWith(base, win, []sackBlock{{base + 1000, base + 4000}})
		if r := c.sent(); len(r) != 1 || r[0].seq != base || c.s.Stats().FastRexmits.Load() != 1 {
			t.Fatalf("after three ACKs with new SACK data: sent %v, %d fast retransmits", r, c.s.Stats().FastRexmits.Load())
		}
	})
}

// A zero window stops sending; the persist timer probes it with one
// byte, backing off, until the window opens.
func TestZeroWindowProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(outOpts{mss: 1000, wscale: -1})
		e.ackWith(e.rcvNxt, 0, nil)
		e.pcb.Send([]byte("blocked"), netip.AddrPort{}, 0)
		c.expectNone()
		start := time.Now()
		sleep(time.Second + time.Millisecond)
		_ = start
		p := c.expectOne()
		if len(p.payload) != 1 || p.payload[0] != 'b' {
			t.Fatalf("probe %v", p)
		}
		e.ackWith(e.rcvNxt, 0, nil)
		sleep(10 * time.Second)
		probes := c.sent()
		for _, p := range probes {
			if len(p.payload) != 1 || p.seq != e.rcvNxt {
				t.Fatalf("probe %v", p)
			}
		}
		// Backed off: 1 s, 1 s, 1.6 s, 3.2 s, 6.4 s...
		if len(probes) < 3 || len(probes) > 5 {
			t.Fatalf("%d probes in 10 s", len(probes))
		}
		// The window opens: the rest goes.
		e.ackWith(e.rcvNxt+1, 1000, nil)
		r := c.sent()
		if len(r) != 1 || string(r[0].payload) != "locked" {
			t.Fatalf("after the window opened: %v", r)
		}
		if e.pcb.State() != "ESTABLISHED" {
			t.Fatal(e.pcb.State())
		}
		_ = socket.POLLOUT
	})
}

// A window that opens too little for silly-window avoidance to use is
// still served when the persist timer runs out (RFC 9293 3.8.6.2.1):
// otherwise the loss of the update that would open it further stalls
// the connection for good.
func TestSmallWindowOverride(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(outOpts{mss: 1000, wscale: -1})
		e.ackWith(e.rcvNxt, 0, nil)
		e.pcb.Send(make([]byte, 5000), netip.AddrPort{}, 0)
		e.ackWith(e.rcvNxt, 100, nil)
		if r := c.sent(); len(r) != 0 {
			t.Fatalf("sent into a 100-byte window at once: %v", r)
		}
		start := time.Now()
		var r []seg
		for len(r) == 0 && time.Since(start) < time.Minute {
			sleep(100 * time.Millisecond)
			r = c.sent()
		}
		if len(r) != 1 || len(r[0].payload) != 100 || r[0].seq != e.rcvNxt {
			t.Fatalf("after the persist timeout: %v", r)
		}
		t.Logf("the 100 bytes went after %v", time.Since(start))
	})
}

// A closed socket whose peer never opens its window is given up after
// rexmit_max probes instead of probing for ever.
func TestZeroWindowClosedSocketGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		setSysctl(t, c, "net.inet.tcp.rexmit_max", "3")
		e := c.connectActive(outOpts{mss: 1000, wscale: -1})
		e.ackWith(e.rcvNxt, 0, nil)
		e.pcb.Send([]byte("blocked"), netip.AddrPort{}, 0)
		e.pcb.Close(false)
		sleep(10 * time.Minute)
		if e.pcb.State() != "CLOSED" || connCount(c.s) != 0 {
			t.Fatalf("state %s, %d connections", e.pcb.State(), connCount(c.s))
		}
	})
}

// A tail loss probe (RFC 8985): the last two segments of a flight are lost
// and no later segment draws duplicate ACKs. One or two probe timeouts on
// (10 ms each here, the floor), not at the 200 ms timeout, the sender
// sends its last segment again; the peer SACKs it, which shows the one
// before it lost, and fast recovery resends that at once. With
// net.inet.tcp.tlp=0 the retransmission timer does it all.
func TestTailLossProbe(t *testing.T) {
	for _, on := range []bool{true, false} {
		synctest.Test(t, func(t *testing.T) {
			c := newCtx(t)
			if !on {
				setSysctl(t, c, "net.inet.tcp.tlp", "0")
			}
			po := peerOpts(1)
			po.mss = 1012 // 1000 bytes of data with timestamps
			e := c.connectActive(po)
			win := uint16(60000 >> 7)
			e.pcb.Send(payload(4000, 1), netip.AddrPort{}, 0)
			base := c.sent()[0].seq
			e.ackWith(base+2000, win, nil) // 2000-3999 lost
			start := time.Now()
			var first seg
			for time.Since(start) < time.Second {
				sleep(time.Millisecond)
				if s := c.sent(); len(s) > 0 {
					first = s[0]
					break
				}
			}
			took := time.Since(start)
			if !on {
				if took < 200*time.Millisecond || first.seq != base+2000 {
					t.Fatalf("without TLP: first resend of %d after %v, want 2000 at the 200 ms timeout", first.seq-base, took)
				}
				return
			}
			if took > 21*time.Millisecond || first.seq != base+3000 || len(first.payload) != 1000 {
				t.Fatalf("probe: %v after %v, want the last segment (3000) within 20 ms", first, took)
			}
			e.ackWith(base+2000, win, []sackBlock{{base + 3000, base + 4000}})
			r := c.sent()
			if len(r) != 1 || r[0].seq != base+2000 || len(r[0].payload) != 1000 {
				t.Fatalf("after the probe was SACKed: %v, want 2000 resent", r)
			}
			st := c.s.Stats()
			if st.TLPProbes.Load() != 1 || st.FastRexmits.Load() != 1 || st.RexmtTimeouts.Load() != 0 {
				t.Errorf("%d probes, %d fast retransmits, %d timeouts", st.TLPProbes.Load(), st.FastRexmits.Load(), st.RexmtTimeouts.Load())
			}
			e.ackWith(base+4000, win, nil)
			if e.pcb.inRecovery || e.pcb.tlpOut {
				t.Error("recovery or the probe episode did not end")
			}
		})
	}
}

// A probe that resends the last segment and is answered by an ACK of
// everything repaired a loss, for all the sender knows without DSACK:
// the window is reduced as for fast recovery, from the window.
func TestTailLossProbeRepairs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		po := peerOpts(1)
		po.mss = 1012
		e := c.connectActive(po)
		win := uint16(60000 >> 7)
		e.pcb.Send(payload(3000, 1), netip.AddrPort{}, 0)
		base := c.sent()[0].seq
		e.ackWith(base+1000, win, nil)
		cwnd := e.pcb.cwnd
		sleep(25 * time.Millisecond) // one or two probe timeouts
		if r := c.sent(); len(r) != 1 || r[0].seq != base+2000 {
			t.Fatalf("probe: %v", r)
		}
		e.ackWith(base+3000, win, nil)
		if n := c.s.Stats().TLPRecoveries.Load(); n != 1 {
			t.Fatalf("%d recoveries by probe", n)
		}
		if e.pcb.cwnd >= cwnd || e.pcb.cwnd < cwnd/2 {
			t.Errorf("cwnd %d after the repair, was %d", e.pcb.cwnd, cwnd)
		}
	})
}
