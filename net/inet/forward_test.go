package inet

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/net/ether"
	"github.com/gorump/gorump/net/ifnet/ifnettest"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/net/route"
)

// TestPingOnTheWire injects an echo request frame built byte by byte into
// B's link, as Linux's ping would send it, and checks the reply frame B
// puts on the wire.
func TestPingOnTheWire(t *testing.T) {
	n := newTestNet(t)
	replies := make(chan []byte, 10)
	n.lb.SetFilter(func(f []byte) bool {
		if h, err := ether.Parse(f); err == nil && h.Type == ether.TypeIPv4 {
			replies <- append([]byte(nil), f...)
		}
		return true // A must see B's ARP request to answer it
	})
	payload := []byte("abcdefghijklmnopqrstuvwabcdefghi")
	ipPkt := rawPacket("10.0.0.1", "10.0.0.2", ProtoICMP, 0x4242, flagDF, 64, nil, echoRequest(0x77, 5, payload))
	frame := make([]byte, ether.HeaderLen+len(ipPkt))
	ether.Header{Dst: n.ifb.HardwareAddr(), Src: n.ifa.HardwareAddr(), Type: ether.TypeIPv4}.Put(frame)
	copy(frame[ether.HeaderLen:], ipPkt)
	if err := n.lb.Inject(frame); err != nil {
		t.Fatal(err)
	}
	var f []byte
	select {
	case f = <-replies:
	case <-time.After(5 * time.Second):
		t.Fatal("no echo reply")
	}
	eh, _ := ether.Parse(f)
	if eh.Dst != n.ifa.HardwareAddr() || eh.Src != n.ifb.HardwareAddr() {
		t.Errorf("ethernet header %+v", eh)
	}
	h, herr := parseHeader(f[ether.HeaderLen:])
	if herr != hdrOK || h.src != n.addrB || h.dst != n.addrA || h.proto != ProtoICMP || h.ttl != 64 {
		t.Fatalf("IP header %+v (%d)", h, herr)
	}
	m := f[ether.HeaderLen+h.hlen : ether.HeaderLen+h.totalLen]
	if m[0] != icmpEchoReply || m[1] != 0 || Fold(Checksum(m, 0)) != 0 ||
		binary.BigEndian.Uint16(m[4:6]) != 0x77 || binary.BigEndian.Uint16(m[6:8]) != 5 || !bytes.Equal(m[8:], payload) {
		t.Errorf("reply % x", m)
	}
}

// router is three kernels: A (10.0.0.1) and C (10.1.0.1) on two links
// joined by R (10.0.0.254, 10.1.0.254).
type routerNet struct {
	ka, kr, kc    *kern.Kernel
	ipa, ipr, ipc *IP
}

func newRouterNet(t *testing.T) *routerNet {
	r, _ := newRouterNetLinks(t)
	return r
}

// newRouterNetLinks is newRouterNet that also returns R's link to A.
func newRouterNetLinks(t *testing.T) (*routerNet, *ifnettest.Link) {
	r := &routerNet{ka: bootKernel(t), kr: bootKernel(t), kc: bootKernel(t)}
	l1a, l1r := ifnettest.Pair(ifnettest.Ether(1), ifnettest.Ether(2))
	l2r, l2c := ifnettest.Pair(ifnettest.Ether(3), ifnettest.Ether(4))
	attach(t, r.ka, l1a, "10.0.0.1/24")
	attach(t, r.kr, l1r, "10.0.0.254/24")
	attach(t, r.kr, l2r, "10.1.0.254/24")
	attach(t, r.kc, l2c, "10.1.0.1/24")
	if err := route.Of(r.ka).Add(netip.MustParsePrefix("0.0.0.0/0"), mustAddr("10.0.0.254"), ""); err != nil {
		t.Fatal(err)
	}
	if err := route.Of(r.kc).Add(netip.MustParsePrefix("0.0.0.0/0"), mustAddr("10.1.0.254"), ""); err != nil {
		t.Fatal(err)
	}
	r.ipa, r.ipr, r.ipc = IPOf(r.ka), IPOf(r.kr), IPOf(r.kc)
	return r, l1r
}

func TestForwarding(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		r := newRouterNet(t)
		rec := newRecorder()
		r.ipa.Register(ProtoICMP, rec)
		ping := func(ttl uint8, size int) {
			b := pkt.From(pkt.Headroom, echoRequest(1, 1, make([]byte, size)))
			if err := r.ipa.Output(b, Out{Dst: mustAddr("10.1.0.1"), Proto: ProtoICMP, TTL: ttl}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Second)
			synctest.Wait()
		}
		// Forwarding off: R drops.
		ping(0, 10)
		if len(rec.in) != 0 || r.ipr.Stats().NotForUs != 1 {
			t.Fatalf("forwarded with forwarding off: %+v", r.ipr.Stats())
		}
		if err := r.kr.Sysctl().Set(kern.RootCred(), "net.inet.ip.forwarding", "1"); err != nil {
			t.Fatal(err)
		}
		ping(0, 10)
		if len(rec.in) != 1 || rec.in[0].data[0] != icmpEchoReply || rec.in[0].h.Src != mustAddr("10.1.0.1") || rec.in[0].h.TTL != 63 {
			t.Fatalf("through the router: %+v", rec.in)
		}
		// TTL 1: R answers with time exceeded.
		ping(1, 10)
		if len(rec.in) != 2 || rec.in[1].data[0] != icmpTimeExceeded || rec.in[1].h.Src != mustAddr("10.0.0.254") {
			t.Fatalf("TTL 1: %+v", rec.in)
		}
		// A smaller MTU on R's second link: R fragments.
		r.ipr.ifn.ByName("test1").SetMTU(576)
		ping(0, 1400)
		if len(rec.in) != 3 || rec.in[2].data[0] != icmpEchoReply || len(rec.in[2].data) != 1408 {
			t.Fatalf("fragmenting router: %d messages", len(rec.in))
		}
		if st := r.ipr.Stats(); st.Forwarded != 4 || st.Fragmented != 1 || st.CantForward != 1 {
			t.Errorf("R's stats %+v", st)
		}
	})
}

// TestForwardNeedFrag sends a DF packet too large for R's next link: R
// answers "fragmentation needed" and A learns the path MTU.
func TestForwardNeedFrag(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		r := newRouterNet(t)
		r.ipr.SetForwarding(true)
		r.ipr.ifn.ByName("test1").SetMTU(1000)
		rec := newRecorder()
		r.ipa.Register(ProtoUDP, rec)
		dst := mustAddr("10.1.0.1")
		if err := r.ipa.Output(udpish(1, 2, string(make([]byte, 1200))), Out{Dst: dst, Proto: ProtoUDP, DontFrag: true}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if len(rec.ctl) != 1 || rec.ctl[0].Kind != ControlNeedFrag || rec.ctl[0].MTU != 1000 {
			t.Fatalf("controls %+v", rec.ctl)
		}
		if ri, _ := r.ipa.Route(dst); ri.MTU != 1000 {
			t.Errorf("path MTU %d", ri.MTU)
		}
	})
}

// TestPingLossyARP drops A's first two ARP requests: the third gets
// through and the queued echo request follows it, on virtual time.
func TestPingLossyARP(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		n := newBubbleNet(t)
		synctest.Wait()          // the gratuitous announcements
		var dropped atomic.Int32 // the filter runs on callout goroutines
		n.la.SetFilter(func(f []byte) bool {
			h, _ := ether.Parse(f)
			return h.Type != ether.TypeARP || dropped.Add(1) > 2
		})
		rec := newRecorder()
		n.ipa.Register(ProtoICMP, rec)
		if err := n.ipa.Output(pkt.From(pkt.Headroom, echoRequest(1, 1, []byte("x"))), Out{Dst: n.addrB, Proto: ProtoICMP}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		time.Sleep(2500 * time.Millisecond)
		synctest.Wait()
		if len(rec.in) != 1 || rec.in[0].data[0] != icmpEchoReply {
			t.Fatalf("after %v: %d replies", time.Since(start), len(rec.in))
		}
		if d := dropped.Load(); d != 3 { // two dropped, the third passed
			t.Errorf("%d ARP requests seen", d)
		}
	})
}

// TestForwardSuperSegment: a TCP super-segment that R's receiving link
// coalesced leaves R as the segments it was made of, each a whole packet
// with right checksums, the sequence advancing and FIN and PSH on the
// last only. Where even those segments do not fit the next link, the
// sender hears "fragmentation needed".
func TestForwardSuperSegment(t *testing.T) {
	checkLeaks(t)
	r, l1r := newRouterNetLinks(t)
	r.ipr.SetForwarding(true)
	atC, atA := newRecorder(), newRecorder()
	r.ipc.Register(ProtoTCP, atC)
	r.ipa.Register(ProtoTCP, atA)
	const seq, gso, size = 0x01020304, 1400, 5000
	tcp := make([]byte, 20+size)
	binary.BigEndian.PutUint16(tcp[0:], 4000)
	binary.BigEndian.PutUint16(tcp[2:], 80)
	binary.BigEndian.PutUint32(tcp[4:], seq)
	tcp[12] = 5 << 4
	tcp[13] = tcpFIN | tcpPSH | tcpCWR | 0x10 // and ACK
	for i := range size {
		tcp[20+i] = byte(i)
	}
	src, dst := mustAddr("10.0.0.1"), mustAddr("10.1.0.1")
	binary.BigEndian.PutUint16(tcp[16:], Fold(Checksum(tcp, PseudoHeader(src, dst, ProtoTCP, len(tcp)))))
	frame := func() []byte {
		ipPkt := rawPacket("10.0.0.1", "10.1.0.1", ProtoTCP, 0x100, flagDF, 64, nil, tcp)
		f := make([]byte, ether.HeaderLen+len(ipPkt))
		ether.Header{Dst: l1r.Info().Addr, Src: [6]byte{2, 0, 0, 0, 0, 1}, Type: ether.TypeIPv4}.Put(f)
		copy(f[ether.HeaderLen:], ipPkt)
		return f
	}
	if err := l1r.InjectSuper(frame(), gso); err != nil {
		t.Fatal(err)
	}
	atC.wait(t, "four segments at C", func(r *recorder) bool { return len(r.in) == 4 })
	var got []byte
	for i, s := range atC.in {
		d := s.data
		wantLen := min(gso, size-i*gso)
		if len(d) != 20+wantLen || Fold(Checksum(d, PseudoHeader(src, dst, ProtoTCP, len(d)))) != 0 {
			t.Fatalf("segment %d: %d bytes, checksum %v", i, len(d), Fold(Checksum(d, PseudoHeader(src, dst, ProtoTCP, len(d)))) == 0)
		}
		if s := binary.BigEndian.Uint32(d[4:]); s != seq+uint32(i*gso) {
			t.Errorf("segment %d: seq %#x", i, s)
		}
		last := i == 3
		if (d[13]&(tcpFIN|tcpPSH) != 0) != last || (d[13]&tcpCWR != 0) != (i == 0) || d[13]&0x10 == 0 {
			t.Errorf("segment %d: flags %#x", i, d[13])
		}
		got = append(got, d[20:]...)
	}
	if !bytes.Equal(got, tcp[20:]) {
		t.Error("the payload changed")
	}
	if st := r.ipr.Stats(); st.Segmented != 1 || st.OutSegments != 4 {
		t.Errorf("R's stats: %d cut into %d", st.Segmented, st.OutSegments)
	}
	// Segments too large for the next link: fragmentation needed.
	r.ipr.ifn.ByName("test1").SetMTU(1000)
	if err := l1r.InjectSuper(frame(), gso); err != nil {
		t.Fatal(err)
	}
	atA.wait(t, "fragmentation needed at A", func(r *recorder) bool { return len(r.ctl) == 1 })
	if c := atA.ctl[0]; c.Kind != ControlNeedFrag || c.MTU != 1000 {
		t.Errorf("A heard %+v", c)
	}
}
