package tcp

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/inet"
	"github.com/gorump/gorump/net/socket"
)

// One segment is acknowledged by the delayed-ACK timer (40 ms); a
// second one at once.
func TestDelayedAck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		e.send(flagACK, []byte("hello"))
		c.expectNone()
		sleep(39 * time.Millisecond)
		c.expectNone()
		sleep(2 * time.Millisecond)
		a := c.expectOne()
		if a.ack != e.sndNxt {
			t.Fatalf("delayed ACK %v", a)
		}
		e.send(flagACK, []byte("a"))
		e.send(flagACK, []byte("b"))
		a = c.expectOne()
		if a.ack != e.sndNxt {
			t.Fatalf("ACK %v", a)
		}
		if got := recvAll(t, e.pcb); string(got) != "helloab" {
			t.Fatalf("received %q", got)
		}
		if c.s.Stats().SndDelAcks.Load() != 1 {
			t.Fatal("delayed ACK not counted")
		}
	})
}

// Out-of-order data is acknowledged at once with a SACK block, and
// delivered when the hole fills.
func TestOutOfOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		base := e.sndNxt
		e.sendAt(base+3, flagACK, []byte("def"), nil)
		a := c.expectOne()
		if a.ack != base || a.opts.nsack != 1 || a.opts.sack[0] != (sackBlock{base + 3, base + 6}) {
			t.Fatalf("dup ACK %v sack %v", a, a.opts.sack[:a.opts.nsack])
		}
		e.sendAt(base+9, flagACK, []byte("jkl"), nil)
		a = c.expectOne()
		if a.opts.nsack != 2 || a.opts.sack[0] != (sackBlock{base + 9, base + 12}) || a.opts.sack[1] != (sackBlock{base + 3, base + 6}) {
			t.Fatalf("SACK blocks %v", a.opts.sack[:a.opts.nsack])
		}
		if e.pcb.Events()&socket.POLLIN != 0 {
			t.Fatal("readable with a hole")
		}
		e.sendAt(base, flagACK, []byte("abc"), nil)
		a = c.expectOne()
		if a.ack != base+6 || a.opts.nsack != 1 {
			t.Fatalf("ACK %v sack %d", a, a.opts.nsack)
		}
		e.sendAt(base+6, flagACK, []byte("ghi"), nil)
		a = c.expectOne()
		if a.ack != base+12 {
			t.Fatalf("ACK %v", a)
		}
		if got := recvAll(t, e.pcb); string(got) != "abcdefghijkl" {
			t.Fatalf("received %q", got)
		}
	})
}

// A FIN that arrives before the data in front of it takes effect when
// the data does.
func TestOutOfOrderFIN(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		base := e.sndNxt
		e.sendAt(base+2, flagACK|flagFIN, []byte("cd"), nil)
		c.sent()
		if e.pcb.State() != "ESTABLISHED" {
			t.Fatal(e.pcb.State())
		}
		e.sendAt(base, flagACK, []byte("ab"), nil)
		a := c.expectOne()
		if a.ack != base+5 || e.pcb.State() != "CLOSE_WAIT" {
			t.Fatalf("ACK %v state %s", a, e.pcb.State())
		}
		if got := recvAll(t, e.pcb); string(got) != "abcd" {
			t.Fatalf("received %q", got)
		}
		n, _, _, err := e.pcb.Recv(make([]byte, 10), 0)
		if n != 0 || err != nil {
			t.Fatal(n, err)
		}
	})
}

// Overlapping retransmissions are trimmed: every byte once, in order.
func TestOverlappingSegments(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		base := e.sndNxt
		msg := []byte("0123456789abcdefghij")
		e.sendAt(base+10, flagACK, msg[10:15], nil)
		e.sendAt(base+5, flagACK, msg[5:18], nil)
		e.sendAt(base+12, flagACK, msg[12:20], nil)
		e.sendAt(base, flagACK, msg[0:7], nil)
		e.sendAt(base, flagACK, msg[0:3], nil) // old
		c.sent()
		if got := recvAll(t, e.pcb); !bytes.Equal(got, msg) {
			t.Fatalf("received %q", got)
		}
		if e.pcb.ooo.len() != 0 || e.pcb.rcvNxt != base+20 {
			t.Fatalf("queue %d rcvNxt %d", e.pcb.ooo.len(), e.pcb.rcvNxt-base)
		}
	})
}

// Send segments data by the MSS, within the peer's window; the ACK frees
// the buffer.
func TestSendSegmentation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(outOpts{mss: 1000, wscale: -1})
		data := payload(5000, 3)
		n, err := e.pcb.Send(data, netip.AddrPort{}, 0)
		if n != 5000 || err != nil {
			t.Fatal(n, err)
		}
		segs := c.sent()
		var got []byte
		for i, s := range segs {
			if len(s.payload) > 1000 {
				t.Fatalf("segment %d: %d bytes", i, len(s.payload))
			}
			if s.seq != e.rcvNxt+seqnum(len(got)) {
				t.Fatalf("segment %d at %d", i, s.seq-e.rcvNxt)
			}
			got = append(got, s.payload...)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("sent %d bytes", len(got))
		}
		e.ackWith(e.rcvNxt+5000, 65535, nil)
		if e.pcb.snd.n != 0 || e.pcb.rexmt.Pending() {
			t.Fatalf("buffer %d, timer %v", e.pcb.snd.n, e.pcb.rexmt.Pending())
		}
	})
}

// Nagle holds a small segment while data is unacknowledged; TCP_NODELAY
// sends it.
func TestNagle(t *testing.T) {
	for _, nodelay := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			c := newCtx(t)
			e := c.connectActive(peerOpts(1))
			if nodelay {
				e.pcb.SetOption(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
			}
			e.pcb.Send([]byte("a"), netip.AddrPort{}, 0)
			c.expectOne()
			e.pcb.Send([]byte("b"), netip.AddrPort{}, 0)
			if nodelay {
				c.expectOne()
				return
			}
			c.expectNone()
			e.ackWith(e.rcvNxt+1, 1000, nil)
			s := c.expectOne()
			if string(s.payload) != "b" {
				t.Fatalf("%v", s)
			}
		})
	}
}

// The send buffer bounds Send: EAGAIN when full, and POLLOUT returns
// when ACKs free room.
func TestSendBufferFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(outOpts{mss: 1460, wscale: -1})
		e.pcb.SetOption(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)
		n, err := e.pcb.Send(make([]byte, 20000), netip.AddrPort{}, 0)
		if n != 8192 || err != nil {
			t.Fatal(n, err)
		}
		if _, err := e.pcb.Send([]byte("x"), netip.AddrPort{}, 0); err != errno.EAGAIN {
			t.Fatal(err)
		}
		if e.pcb.Events()&socket.POLLOUT != 0 {
			t.Fatal("POLLOUT with a full buffer")
		}
		sent := 0
		for _, s := range c.sent() {
			sent += len(s.payload)
		}
		e.ackWith(e.rcvNxt+seqnum(sent), 65535, nil)
		if e.pcb.Events()&socket.POLLOUT == 0 {
			t.Fatal("no POLLOUT after the ACK")
		}
	})
}

// The receive window shrinks as data waits unread and a window update
// goes out when the application reads.
func TestReceiveWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		setSysctl(t, c, "net.inet.tcp.recvspace", "4000")
		setSysctl(t, c, "net.inet.tcp.recvbuf_auto", "0")
		e := c.connectActive(outOpts{mss: 1460, wscale: -1})
		e.send(flagACK, make([]byte, 1000))
		e.send(flagACK, make([]byte, 1000))
		a := c.expectOne()
		t.Logf("limit %d n %d adv %d scale %d", e.pcb.rcvLimit, e.pcb.rcv.n, e.pcb.rcvAdv-e.pcb.rcvNxt, e.pcb.rcvScale)
		if a.win > 2000 {
			t.Fatalf("window %d with 2000 of 4000 bytes unread", a.win)
		}
		// Beyond the window: trimmed.
		e.send(flagACK, make([]byte, 1000))
		e.send(flagACK, make([]byte, 1000))
		a = c.sent()[0]
		if a.win != 0 || a.ack != e.sndNxt {
			t.Fatalf("ACK %v, want a zero window", a)
		}
		recvAll(t, e.pcb)
		a = c.expectOne()
		if a.win < 4000-1 {
			t.Fatalf("window update %v", a)
		}
		if c.s.Stats().SndWinUpd.Load() == 0 {
			t.Fatal("window update not counted")
		}
	})
}

// With TSO on the route, data goes out as super-segments: whole segments'
// worth of payload, GSO set to what one segment carries, and the checksum
// field holding the pseudo-header's sum for the link to finish. When the
// route loses TSO, the super-segment the network refuses (EMSGSIZE) is
// sent again as ordinary segments.
func TestTSO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		c.net.tso = true
		po := peerOpts(1)
		po.mss = 1012 // 1000 bytes of data with timestamps
		e := c.connectActive(po)
		e.ackWith(e.rcvNxt, 60000>>7, nil)
		e.pcb.Send(payload(4500, 1), netip.AddrPort{}, 0)
		bufs := c.net.take()
		if len(bufs) != 1 || bufs[0].GSO() != 1000 || bufs[0].Len() != 32+4500 {
			t.Fatalf("sent %d buffers; the first %d bytes with GSO %d, want one of %d with GSO 1000", len(bufs), bufs[0].Len(), bufs[0].GSO(), 32+4500)
		}
		p := bufs[0].Bytes()
		want := ^inet.Fold(inet.PseudoHeader(localAddr, remoteAddr, inet.ProtoTCP, len(p)))
		if got := binary.BigEndian.Uint16(p[16:]); got != want {
			t.Errorf("checksum field %#04x, want the pseudo-header sum %#04x", got, want)
		}
		bufs[0].Free()

		c.net.mu.Lock()
		c.net.tso = false
		c.net.mu.Unlock()
		e.ackWith(e.rcvNxt+4500, 60000>>7, nil)
		e.pcb.Send(payload(2500, 2), netip.AddrPort{}, 0)
		r := c.sent()
		if len(r) != 3 || len(r[0].payload) != 1000 || len(r[2].payload) != 500 {
			t.Fatalf("after TSO went away: %v", r)
		}
	})
}
