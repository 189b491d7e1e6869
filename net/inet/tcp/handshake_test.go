package tcp

import (
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
)

func TestActiveOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		pcb := c.s.newConn(nil)
		wantErr(t, pcb.Connect(netip.AddrPortFrom(remoteAddr, remotePort)), errno.EINPROGRESS)
		wantErr(t, pcb.Connect(netip.AddrPortFrom(remoteAddr, remotePort)), errno.EALREADY)
		syn := c.expectOne()
		wantFlags(t, syn, flagSYN)
		o := syn.opts
		if !o.hasMSS || o.mss != 1460 || !o.hasWScale || !o.sackPerm || !o.hasTS {
			t.Fatalf("SYN options %+v", o)
		}
		if syn.srcPort < ephemeralLow {
			t.Fatalf("source port %d not ephemeral", syn.srcPort)
		}
		if ev := pcb.Events(); ev&socket.POLLOUT != 0 {
			t.Fatalf("POLLOUT while connecting: %#x", ev)
		}
		po := peerOpts(500)
		po.tsEcr = syn.opts.tsVal
		c.inject(seg{srcPort: remotePort, dstPort: syn.srcPort, seq: remoteISS, ack: syn.seq + 1, flags: flagSYN | flagACK, win: 1000, out: po})
		ack := c.expectOne()
		wantFlags(t, ack, flagACK)
		if ack.seq != syn.seq+1 || ack.ack != remoteISS+1 || !ack.opts.hasTS || ack.opts.tsEcr != 500 {
			t.Fatalf("ACK %v opts %+v", ack, ack.opts)
		}
		if ev := pcb.Events(); ev&socket.POLLOUT == 0 {
			t.Fatalf("no POLLOUT once connected: %#x", ev)
		}
		if err := pcb.Error(); err != nil {
			t.Fatal(err)
		}
		wantErr(t, pcb.Connect(netip.AddrPortFrom(remoteAddr, remotePort)), errno.EISCONN)
		if pcb.sndScale != 7 || pcb.rcvScale != uint8(pcb.rcvWS) || !pcb.sackOK || !pcb.tsOK {
			t.Fatalf("negotiated ws %d/%d sack %v ts %v", pcb.sndScale, pcb.rcvScale, pcb.sackOK, pcb.tsOK)
		}
		if c.s.Stats().Connects.Load() != 1 {
			t.Fatal("Connects not counted")
		}
	})
}

func TestPassiveOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		l, e := c.acceptPassive(peerOpts(1))
		if e.pcb.State() != "ESTABLISHED" {
			t.Fatal(e.pcb.State())
		}
		if _, err := l.Accept(); err != errno.EAGAIN {
			t.Fatalf("second accept: %v", err)
		}
		ra, _ := e.pcb.RemoteAddr()
		if ra != netip.AddrPortFrom(remoteAddr, remotePort) {
			t.Fatal(ra)
		}
		if la := e.pcb.LocalAddr(); la != netip.AddrPortFrom(localAddr, localPort) {
			t.Fatal(la)
		}
	})
}

// A peer that offers no options gets none back (RFC 7323, 2018) and the
// default MSS when it sends none.
func TestPassiveOpenNoOptions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		l := c.s.newConn(nil)
		l.Bind(netip.AddrPortFrom(netip.Addr{}, localPort))
		l.Listen(1)
		c.inject(seg{srcPort: remotePort, dstPort: localPort, seq: remoteISS, flags: flagSYN, win: 8192})
		sa := c.expectOne()
		if sa.opts.hasWScale || sa.opts.hasTS || sa.opts.sackPerm || !sa.opts.hasMSS {
			t.Fatalf("SYN-ACK options %+v", sa.opts)
		}
		c.inject(seg{srcPort: remotePort, dstPort: localPort, seq: remoteISS + 1, ack: sa.seq + 1, flags: flagACK, win: 8192})
		p, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		pc := p.(*conn)
		if pc.mss != 536 || pc.tsOK || pc.sackOK || pc.sndScale != 0 || pc.rcvScale != 0 {
			t.Fatalf("mss %d ts %v sack %v", pc.mss, pc.tsOK, pc.sackOK)
		}
		// Unscaled window: the data segment must respect 8192 bytes.
		if n, err := p.Send(make([]byte, 20000), netip.AddrPort{}, 0); err != nil || n != 20000 {
			t.Fatal(n, err)
		}
		total := 0
		for _, s := range c.sent() {
			total += len(s.payload)
			if len(s.payload) > 536 {
				t.Fatalf("segment of %d bytes over MSS 536", len(s.payload))
			}
		}
		if total > 8192 {
			t.Fatalf("sent %d bytes into an 8192-byte window", total)
		}
	})
}

func TestConnectRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		pcb := c.s.newConn(nil)
		pcb.Connect(netip.AddrPortFrom(remoteAddr, remotePort))
		syn := c.expectOne()
		// A RST without an acceptable ACK is ignored.
		c.inject(seg{srcPort: remotePort, dstPort: syn.srcPort, ack: syn.seq + 5, flags: flagRST | flagACK})
		if pcb.State() != "SYN_SENT" {
			t.Fatal(pcb.State())
		}
		c.inject(seg{srcPort: remotePort, dstPort: syn.srcPort, ack: syn.seq + 1, flags: flagRST | flagACK})
		if ev := pcb.Events(); ev&(socket.POLLOUT|socket.POLLERR) != socket.POLLOUT|socket.POLLERR {
			t.Fatalf("events %#x", ev)
		}
		wantErr(t, pcb.Error(), errno.ECONNREFUSED)
	})
}

// A SYN-ACK acknowledging something else gets a RST (RFC 9293 3.10.7.3).
func TestSynSentBadAck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		pcb := c.s.newConn(nil)
		pcb.Connect(netip.AddrPortFrom(remoteAddr, remotePort))
		syn := c.expectOne()
		c.inject(seg{srcPort: remotePort, dstPort: syn.srcPort, seq: 7, ack: syn.seq + 100, flags: flagSYN | flagACK, win: 100})
		rst := c.expectOne()
		wantFlags(t, rst, flagRST)
		if rst.seq != syn.seq+100 {
			t.Fatalf("RST %v", rst)
		}
		if pcb.State() != "SYN_SENT" {
			t.Fatal(pcb.State())
		}
	})
}

func TestSimultaneousOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		pcb := c.s.newConn(nil)
		pcb.Connect(netip.AddrPortFrom(remoteAddr, remotePort))
		syn := c.expectOne()
		c.inject(seg{srcPort: remotePort, dstPort: syn.srcPort, seq: remoteISS, flags: flagSYN, win: 65535, out: outOpts{mss: 1000, wscale: -1}})
		sa := c.expectOne()
		wantFlags(t, sa, flagSYN|flagACK)
		if sa.seq != syn.seq || sa.ack != remoteISS+1 || sa.opts.hasTS || sa.opts.hasWScale {
			t.Fatalf("SYN-ACK %v %+v", sa, sa.opts)
		}
		if pcb.State() != "SYN_RCVD" {
			t.Fatal(pcb.State())
		}
		c.inject(seg{srcPort: remotePort, dstPort: syn.srcPort, seq: remoteISS, ack: syn.seq + 1, flags: flagSYN | flagACK, win: 65535, out: outOpts{mss: 1000, wscale: -1}})
		// The peer's SYN-ACK repeats its SYN: a challenge ACK, and the
		// ACK in it completes nothing; a plain ACK does.
		c.sent()
		c.inject(seg{srcPort: remotePort, dstPort: syn.srcPort, seq: remoteISS + 1, ack: syn.seq + 1, flags: flagACK, win: 65535})
		if pcb.State() != "ESTABLISHED" {
			t.Fatal(pcb.State())
		}
		if pcb.Events()&socket.POLLOUT == 0 {
			t.Fatal("not writable")
		}
		if pcb.mss != 1000 {
			t.Fatal(pcb.mss)
		}
	})
}

// SYN retransmission backs off exponentially from 1 s, and the
// connection fails with ETIMEDOUT after syn_retries (6).
func TestSynRetransmitAndTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		setSysctl(t, c, "net.inet.tcp.keepinit", "1000")
		pcb := c.s.newConn(nil)
		start := time.Now()
		pcb.Connect(netip.AddrPortFrom(remoteAddr, remotePort))
		syn := c.expectOne()
		var at []time.Duration
		for time.Since(start) < 200*time.Second {
			sleep(10 * time.Millisecond)
			for _, s := range c.sent() {
				wantFlags(t, s, flagSYN)
				if s.seq != syn.seq {
					t.Fatalf("retransmitted SYN %v", s)
				}
				at = append(at, time.Since(start).Round(100*time.Millisecond))
			}
		}
		want := []time.Duration{1, 3, 7, 15, 31, 63}
		if len(at) != len(want) {
			t.Fatalf("SYNs retransmitted at %v", at)
		}
		for i := range want {
			if at[i] != want[i]*time.Second {
				t.Fatalf("SYNs retransmitted at %v, want 1 s doubling", at)
			}
		}
		wantErr(t, pcb.Error(), errno.ETIMEDOUT)
	})
}
