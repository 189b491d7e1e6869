package tcp

import (
	"net/netip"
	"testing"
	"testing/synctest"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
)

// A full accept queue drops further SYNs; accepting makes room again.
func TestBacklogOverflow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		l := c.s.newConn(nil)
		l.Bind(netip.AddrPortFrom(netip.Addr{}, localPort))
		l.Listen(2)
		open := func(port uint16) bool {
			c.inject(seg{srcPort: port, dstPort: localPort, seq: 1, flags: flagSYN, win: 1000})
			s := c.sent()
			if len(s) == 0 {
				return false
			}
			c.inject(seg{srcPort: port, dstPort: localPort, seq: 2, ack: s[0].seq + 1, flags: flagACK, win: 1000})
			return true
		}
		if !open(1001) || !open(1002) {
			t.Fatal("first two SYNs dropped")
		}
		if l.Events()&socket.POLLIN == 0 {
			t.Fatal("listener not readable")
		}
		if open(1003) {
			t.Fatal("SYN past the backlog answered")
		}
		if c.s.Stats().ListenDrops.Load() != 1 {
			t.Fatal("drop not counted")
		}
		for range 2 {
			if _, err := l.Accept(); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := l.Accept(); err != errno.EAGAIN {
			t.Fatal(err)
		}
		if !open(1003) {
			t.Fatal("SYN dropped with room in the queue")
		}
	})
}

// Closing a listener resets the connections it had queued.
func TestListenerCloseResetsQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		l, e := c.acceptPassive(peerOpts(1))
		_ = e
		c.inject(seg{srcPort: 2000, dstPort: localPort, seq: 1, flags: flagSYN, win: 1000})
		sa := c.expectOne()
		c.inject(seg{srcPort: 2000, dstPort: localPort, seq: 2, ack: sa.seq + 1, flags: flagACK, win: 1000})
		l.Close(false)
		r := c.expectOne()
		wantFlags(t, r, flagRST|flagACK)
		if r.dstPort != 2000 {
			t.Fatal(r)
		}
		// The accepted connection lives on.
		if e.pcb.State() != "ESTABLISHED" {
			t.Fatal(e.pcb.State())
		}
		// New SYNs get RST.
		c.inject(seg{srcPort: 3000, dstPort: localPort, seq: 1, flags: flagSYN, win: 1000})
		wantFlags(t, c.expectOne(), flagRST|flagACK)
	})
}

// SYN_RCVD children that never complete time out and free their slot.
func TestSynRcvdTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		l := c.s.newConn(nil)
		l.Bind(netip.AddrPortFrom(netip.Addr{}, localPort))
		l.Listen(1)
		c.inject(seg{srcPort: 1001, dstPort: localPort, seq: 1, flags: flagSYN, win: 1000})
		c.expectOne()
		sleep(200e9)
		if n := len(c.sent()); n < 3 {
			t.Fatalf("%d SYN-ACK retransmissions", n)
		}
		if l.synCount.Load() != 0 || connCount(c.s) != 0 {
			t.Fatalf("syn queue %d conns %d", l.synCount.Load(), connCount(c.s))
		}
	})
}
