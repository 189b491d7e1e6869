package tcp

import (
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
)

// Active close: FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT for 2*MSL, in which a
// retransmitted FIN is acknowledged again; then the entry is gone.
func TestActiveCloseTimeWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		e.pcb.Close(false)
		fin := c.expectOne()
		wantFlags(t, fin, flagFIN|flagACK)
		if fin.seq != e.rcvNxt || e.pcb.State() != "FIN_WAIT_1" {
			t.Fatalf("FIN %v state %s", fin, e.pcb.State())
		}
		e.ackWith(e.rcvNxt+1, 1000, nil)
		if e.pcb.State() != "FIN_WAIT_2" {
			t.Fatal(e.pcb.State())
		}
		e.rcvNxt++
		e.send(flagFIN|flagACK, nil)
		a := c.expectOne()
		wantFlags(t, a, flagACK)
		if a.ack != e.sndNxt {
			t.Fatalf("ACK of FIN %v", a)
		}
		if c.s.tw.len() != 1 || connCount(c.s) != 0 {
			t.Fatalf("TIME_WAIT entries %d, connections %d", c.s.tw.len(), connCount(c.s))
		}
		// The FIN again: ACKed from TIME_WAIT.
		sleep(10 * time.Second)
		e.sendAt(e.sndNxt-1, flagFIN|flagACK, nil, nil)
		a = c.expectOne()
		if a.ack != e.sndNxt || a.seq != e.rcvNxt || !a.opts.hasTS {
			t.Fatalf("TIME_WAIT ACK %v", a)
		}
		// 2*MSL (60 s) after the restart it is gone.
		sleep(59 * time.Second)
		if c.s.tw.len() != 1 {
			t.Fatal("TIME_WAIT ended early")
		}
		sleep(2 * time.Second)
		if c.s.tw.len() != 0 {
			t.Fatal("TIME_WAIT did not end")
		}
		// Now a segment gets a RST.
		e.send(flagACK, []byte("x"))
		wantFlags(t, c.expectOne(), flagRST)
	})
}

// A new SYN with a higher sequence number reopens a TIME_WAIT pair.
func TestTimeWaitReuse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		l, e := c.acceptPassive(peerOpts(1))
		e.pcb.Close(false)
		c.expectOne()
		e.ackWith(e.rcvNxt+1, 1000, nil)
		e.rcvNxt++
		e.send(flagFIN|flagACK, nil)
		c.expectOne()
		if c.s.tw.len() != 1 {
			t.Fatal("not in TIME_WAIT")
		}
		po := peerOpts(e.tsVal + 10)
		c.inject(seg{srcPort: remotePort, dstPort: localPort, seq: e.sndNxt + 100000, flags: flagSYN, win: 65535, out: po})
		sa := c.expectOne()
		wantFlags(t, sa, flagSYN|flagACK)
		if c.s.tw.len() != 0 || c.s.Stats().TimeWaitReuse.Load() != 1 {
			t.Fatal("TIME_WAIT entry not replaced")
		}
		_ = l
	})
}

// Passive close: the peer's FIN gives EOF and CLOSE_WAIT; our close
// sends FIN (LAST_ACK); its ACK closes.
func TestPassiveClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		e.send(flagFIN|flagACK, []byte("bye"))
		a := c.expectOne()
		if a.ack != e.sndNxt || e.pcb.State() != "CLOSE_WAIT" {
			t.Fatalf("ACK %v state %s", a, e.pcb.State())
		}
		if e.pcb.Events()&socket.POLLIN == 0 {
			t.Fatal("not readable at EOF")
		}
		if got := recvAll(t, e.pcb); string(got) != "bye" {
			t.Fatal(string(got))
		}
		// Still writable: half-close.
		if n, err := e.pcb.Send([]byte("more"), netip.AddrPort{}, 0); n != 4 || err != nil {
			t.Fatal(n, err)
		}
		d := c.expectOne()
		if string(d.payload) != "more" {
			t.Fatal(d)
		}
		e.pcb.Shutdown(socket.SHUT_WR)
		fin := c.expectOne()
		wantFlags(t, fin, flagFIN|flagACK)
		if e.pcb.State() != "LAST_ACK" {
			t.Fatal(e.pcb.State())
		}
		e.ackWith(e.rcvNxt+5, 1000, nil)
		if e.pcb.State() != "CLOSED" || c.s.tw.len() != 0 {
			t.Fatalf("state %s tw %d", e.pcb.State(), c.s.tw.len())
		}
		if ev := e.pcb.Events(); ev&socket.POLLHUP == 0 {
			t.Fatalf("events %#x", ev)
		}
		e.pcb.Close(false)
	})
}

// Half-close: after SHUT_WR data still flows in.
func TestHalfClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		e.pcb.Shutdown(socket.SHUT_WR)
		wantFlags(t, c.expectOne(), flagFIN|flagACK)
		if _, err := e.pcb.Send([]byte("x"), netip.AddrPort{}, 0); err != errno.EPIPE {
			t.Fatal(err)
		}
		e.ackWith(e.rcvNxt+1, 1000, nil)
		for i := range 5 {
			e.send(flagACK, []byte{byte('a' + i)})
		}
		c.sent()
		if got := recvAll(t, e.pcb); string(got) != "abcde" {
			t.Fatal(string(got))
		}
		if e.pcb.State() != "FIN_WAIT_2" {
			t.Fatal(e.pcb.State())
		}
	})
}

// Simultaneous close: both FINs cross; CLOSING, then TIME_WAIT.
func TestSimultaneousClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		e.pcb.Shutdown(socket.SHUT_WR)
		fin := c.expectOne()
		e.send(flagFIN|flagACK, nil) // acks nothing of ours yet
		a := c.expectOne()
		if a.ack != e.sndNxt || e.pcb.State() != "CLOSING" {
			t.Fatalf("ACK %v state %s", a, e.pcb.State())
		}
		e.ackWith(fin.seq+1, 1000, nil)
		if c.s.tw.len() != 1 {
			t.Fatalf("state %s, not TIME_WAIT", e.pcb.State())
		}
	})
}

// Closing with unread data resets the connection (RFC 2525).
func TestCloseWithUnreadDataResets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		e.send(flagACK, []byte("unread"))
		e.pcb.Close(false)
		segs := c.sent()
		last := segs[len(segs)-1]
		wantFlags(t, last, flagRST|flagACK)
		if connCount(c.s) != 0 {
			t.Fatal("connection left")
		}
	})
}

// Linger with a zero time resets.
func TestCloseLingerZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		e.pcb.Close(true)
		wantFlags(t, c.expectOne(), flagRST|flagACK)
	})
}

// A closed socket in FIN_WAIT_2 gives up after finwait2_timeout.
func TestFinWait2Timeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		e.pcb.Close(false)
		c.expectOne()
		e.ackWith(e.rcvNxt+1, 1000, nil)
		if e.pcb.State() != "FIN_WAIT_2" {
			t.Fatal(e.pcb.State())
		}
		sleep(61 * time.Second)
		if e.pcb.State() != "CLOSED" || connCount(c.s) != 0 || portCount(c.s) != 0 {
			t.Fatalf("state %s conns %d ports %d", e.pcb.State(), connCount(c.s), portCount(c.s))
		}
	})
}

// Many connections closed by the client leave TIME_WAIT entries, not
// connections, on the client; they all go after 2*MSL.
func TestManyTimeWaits(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, linkConfig{delay: time.Millisecond})
		defer p.close()
		l := p.b.NewPCB(nil)
		l.Bind(netip.AddrPortFrom(netip.Addr{}, 7000))
		l.Listen(128)
		for range n {
			cl := p.a.NewPCB(nil)
			cl.Connect(netip.AddrPortFrom(addrB, 7000))
			waitEvents(cl, socket.POLLOUT)
			waitEvents(l, socket.POLLIN)
			sv, err := l.Accept()
			if err != nil {
				t.Fatal(err)
			}
			cl.Close(false)
			waitEvents(sv, socket.POLLIN) // the client's FIN
			sv.Close(false)
		}
		time.Sleep(time.Second)
		if tw, conns := p.a.tw.len(), connCount(p.a); tw != n || conns != 0 {
			t.Fatalf("client: %d TIME_WAIT entries, %d connections", tw, conns)
		}
		if connCount(p.b) != 0 || p.b.tw.len() != 0 {
			t.Fatalf("server: %d connections, %d TIME_WAIT", connCount(p.b), p.b.tw.len())
		}
		time.Sleep(time.Minute)
		if tw := p.a.tw.len(); tw != 0 {
			t.Fatalf("%d TIME_WAIT entries after 2*MSL", tw)
		}
		if portCount(p.a) != 0 {
			t.Fatalf("%d ports held", portCount(p.a))
		}
	})
}
