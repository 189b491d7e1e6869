package tcp

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"testing/synctest"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/inet"
)

func quote(s seg) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint16(b, s.srcPort)
	binary.BigEndian.PutUint16(b[2:], s.dstPort)
	binary.BigEndian.PutUint32(b[4:], uint32(s.seq))
	return b
}

// Fragmentation needed lowers the MSS and resends in smaller segments.
func TestICMPNeedFrag(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(outOpts{mss: 1460, wscale: -1})
		e.pcb.Send(payload(3000, 1), netip.AddrPort{}, 0)
		segs := c.sent()
		if len(segs[0].payload) != 1460 {
			t.Fatal(len(segs[0].payload))
		}
		c.s.ControlInput(&inet.Control{Kind: inet.ControlNeedFrag, Src: localAddr, Dst: remoteAddr, MTU: 1000, Transport: quote(segs[0])})
		r := c.sent()
		if len(r) == 0 || r[0].seq != segs[0].seq || len(r[0].payload) != 960 {
			t.Fatalf("after need-frag: %v", r)
		}
		// A quote outside the window is ignored.
		bad := segs[0]
		bad.seq += 1 << 20
		c.s.ControlInput(&inet.Control{Kind: inet.ControlNeedFrag, Src: localAddr, Dst: remoteAddr, MTU: 600, Transport: quote(bad)})
		if e.pcb.mss != 960 {
			t.Fatal(e.pcb.mss)
		}
	})
}

// Unreachable during SYN_SENT fails the connect.
func TestICMPUnreachableSynSent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		p := c.s.newConn(nil)
		p.Connect(netip.AddrPortFrom(remoteAddr, remotePort))
		syn := c.expectOne()
		c.s.ControlInput(&inet.Control{Kind: inet.ControlUnreachable, Src: localAddr, Dst: remoteAddr, Transport: quote(syn)})
		wantErr(t, p.Error(), errno.EHOSTUNREACH)
		if p.State() != "CLOSED" {
			t.Fatal(p.State())
		}
	})
}

// Output that fails with EMSGSIZE lowers the MSS to the route's MTU.
func TestRouteErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		c.net.routeErr = errno.ENETUNREACH
		wantErr(t, c.s.newConn(nil).Connect(netip.AddrPortFrom(remoteAddr, 1)), errno.ENETUNREACH)
	})
}

// Malformed ICMP reports are ignored.
func TestICMPMalformed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		c.s.ControlInput(&inet.Control{Kind: inet.ControlUnreachable})
		c.s.ControlInput(&inet.Control{Kind: inet.ControlUnreachable, Src: localAddr, Dst: remoteAddr, Transport: []byte{1, 2}})
		c.s.ControlInput(&inet.Control{Kind: inet.ControlNeedFrag, Src: localAddr, Dst: remoteAddr, MTU: 1, Transport: make([]byte, 8)})
	})
}
