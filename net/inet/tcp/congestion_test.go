package tcp

import (
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/net/socket"
)

// Slow start doubles the window each round trip from the initial window
// of 10 segments (RFC 6928, 3465).
func TestSlowStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(outOpts{mss: 1000, wscale: 7})
		if e.pcb.cwnd != 10*1000 {
			t.Fatalf("initial window %d", e.pcb.cwnd)
		}
		e.pcb.Send(make([]byte, 100000), netip.AddrPort{}, 0)
		sent := c.sent()
		if len(sent) != 10 {
			t.Fatalf("first flight %d segments", len(sent))
		}
		// ACK every second segment: five ACKs of 2000 bytes each add 2
		// segments each.
		for i := 1; i <= 5; i++ {
			e.ackWith(sent[0].seq+seqnum(2000*i), 1000, nil)
		}
		if e.pcb.cwnd != 20*1000 {
			t.Fatalf("window after one round %d", e.pcb.cwnd)
		}
		if n := len(c.sent()); n != 20 {
			t.Fatalf("second flight %d segments", n)
		}
	})
}

// CUBIC cuts the window to 0.7 of itself on loss (RFC 9438 4.6) where
// NewReno halves it, and grows back towards W_max along the cubic.
func TestCubicReduction(t *testing.T) {
	for _, alg := range []string{"cubic", "newreno"} {
		synctest.Test(t, func(t *testing.T) {
			c := newCtx(t)
			e := c.connectActive(outOpts{mss: 1000, wscale: 7})
			SetCongestion(e.pcb, alg)
			p := e.pcb
			p.mu.Lock()
			p.cwnd, p.ssthresh = 40000, 40000
			p.mu.Unlock()
			p.Send(make([]byte, 40000), netip.AddrPort{}, 0)
			segs := c.sent()
			base := segs[0].seq
			e.ackWith(base, 1000, nil) // a window update, not a duplicate
			for range 3 {
				e.ackWith(base, 1000, nil)
			}
			want := 28000
			if alg == "newreno" {
				want = 20000
			}
			p.mu.Lock()
			got := p.ssthresh
			p.mu.Unlock()
			if got != want {
				t.Fatalf("%s: ssthresh %d after loss, want %d", alg, got, want)
			}
			e.ackWith(base+40000, 1000, nil)
			if alg != "cubic" {
				return
			}
			// Congestion avoidance: cwnd grows, concave then convex, and
			// passes W_max (40 segments) after K seconds.
			k := p.cc.(*cubic)
			var prev int
			for range 200 {
				p.Send(make([]byte, 60000), netip.AddrPort{}, 0)
				c.sent()
				sleep(20 * time.Millisecond)
				e.ackWith(p.sndMax, 1000, nil)
				prev = p.cwnd
			}
			if prev <= 40000 || k.k < 2 || k.k > 4 {
				t.Fatalf("after 4 s: cwnd %d, K %.2f s", prev, k.k)
			}
		})
	}
}

// The receive buffer grows when the peer fills half of it within a round
// trip, up to recvbuf_max; SO_RCVBUF turns growth off.
func TestReceiveAutotune(t *testing.T) {
	for _, fixed := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			c := newCtx(t)
			e := c.connectActive(peerOpts(1))
			if fixed {
				e.pcb.SetOption(socket.SOL_SOCKET, socket.SO_RCVBUF, 256<<10)
			}
			start := e.pcb.rcvLimit
			chunk := make([]byte, 1448)
			for range 200 {
				e.send(flagACK, chunk)
			}
			c.sent()
			recvAll(t, e.pcb)
			e.pcb.mu.Lock()
			limit := e.pcb.rcvLimit
			e.pcb.mu.Unlock()
			if fixed && limit != start || !fixed && limit <= start {
				t.Fatalf("fixed %v: receive buffer %d -> %d", fixed, start, limit)
			}
		})
	}
}

// TCP_MAXSEG bounds the MSS offered and used.
func TestMaxSeg(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		p := c.s.newConn(nil)
		if err := p.SetOption(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 500); err != nil {
			t.Fatal(err)
		}
		p.Connect(netip.AddrPortFrom(remoteAddr, remotePort))
		syn := c.expectOne()
		if syn.opts.mss != 500 {
			t.Fatalf("SYN offers MSS %d", syn.opts.mss)
		}
		if v, _ := p.Option(socket.IPPROTO_TCP, socket.TCP_MAXSEG); v != 500 {
			t.Fatal(v)
		}
	})
}
