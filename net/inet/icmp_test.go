package inet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet/ifnettest"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/net/route"
)

// closedPorts is a transport with no sockets: it answers everything with
// a port unreachable, as UDP does.
type closedPorts struct{ ip *IP }

func (c closedPorts) Input(h *Header, b *pkt.Buf) {
	c.ip.PortUnreachable(h, b)
	b.Free()
}
func (closedPorts) ControlInput(*Control) {}

func udpish(sport, dport uint16, payload string) *pkt.Buf {
	b := pkt.New(pkt.Headroom, 8+len(payload))
	p := b.Bytes()
	binary.BigEndian.PutUint16(p[0:2], sport)
	binary.BigEndian.PutUint16(p[2:4], dport)
	binary.BigEndian.PutUint16(p[4:6], uint16(8+len(payload)))
	copy(p[8:], payload)
	return b
}

func TestPortUnreachable(t *testing.T) {
	n := newTestNet(t)
	rec := newRecorder()
	n.ipa.Register(ProtoUDP, rec)
	n.ipb.Register(ProtoUDP, closedPorts{n.ipb})
	if err := n.ipa.Output(udpish(1234, 9, "hello"), Out{Dst: n.addrB, Proto: ProtoUDP}); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "port unreachable", func(r *recorder) bool { return len(r.ctl) > 0 })
	c := rec.ctl[0]
	if c.Kind != ControlPortUnreach || c.Src != n.addrA || c.Dst != n.addrB || len(c.Transport) != 8 ||
		binary.BigEndian.Uint16(c.Transport[0:2]) != 1234 || binary.BigEndian.Uint16(c.Transport[2:4]) != 9 {
		t.Errorf("control %+v", c)
	}
	// The same through lo0, to this host's own address.
	n.ipa.Register(ProtoUDP, multi{rec, closedPorts{n.ipa}})
	if err := n.ipa.Output(udpish(1, 2, "me"), Out{Dst: mustAddr("127.0.0.1"), Proto: ProtoUDP}); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "local port unreachable", func(r *recorder) bool { return len(r.ctl) > 1 })
	if c := rec.ctl[1]; c.Kind != ControlPortUnreach || c.Dst != mustAddr("127.0.0.1") {
		t.Errorf("local control %+v", c)
	}
}

// multi gives input to a recorder and then to another transport.
type multi struct {
	rec  *recorder
	next Transport
}

func (m multi) Input(h *Header, b *pkt.Buf) {
	m.rec.mu.Lock()
	m.rec.in = append(m.rec.in, received{*h, append([]byte(nil), b.Bytes()...)})
	m.rec.mu.Unlock()
	m.next.Input(h, b)
}
func (m multi) ControlInput(c *Control) { m.rec.ControlInput(c) }

func TestProtocolUnreachable(t *testing.T) {
	n := newTestNet(t)
	rec := newRecorder()
	n.ipa.Register(99, rec)
	if err := n.ipa.Output(pkt.From(pkt.Headroom, []byte("0123456789")), Out{Dst: n.addrB, Proto: 99}); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "protocol unreachable", func(r *recorder) bool { return len(r.ctl) > 0 })
	if c := rec.ctl[0]; c.Kind != ControlUnreachable || !bytes.Equal(c.Transport, []byte("01234567")) {
		t.Errorf("control %+v", c)
	}
	// B counts the error after sending it: A may have it first.
	eventually(func() bool { return n.ipb.Stats().ICMPErrorsOut == 1 })
	if st := n.ipb.Stats(); st.NoProto != 1 || st.ICMPErrorsOut != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestErrorRateLimit(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		n := newBubbleNet(t)
		if err := n.kb.Sysctl().Set(kern.RootCred(), "net.inet.icmp.errppslimit", "3"); err != nil {
			t.Fatal(err)
		}
		rec := newRecorder()
		n.ipa.Register(ProtoUDP, rec)
		n.ipb.Register(ProtoUDP, closedPorts{n.ipb})
		for i := range 10 {
			if err := n.ipa.Output(udpish(uint16(i), 9, "x"), Out{Dst: n.addrB, Proto: ProtoUDP}); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		if len(rec.ctl) != 3 {
			t.Errorf("%d errors within a second, want 3", len(rec.ctl))
		}
		if st := n.ipb.Stats(); st.ICMPRateLimited != 7 {
			t.Errorf("stats %+v", st)
		}
	})
}

// TestNoErrorAbout checks that no ICMP error answers a broadcast, a
// non-first fragment or an ICMP error.
func TestNoErrorAbout(t *testing.T) {
	n := newTestNet(t)
	b := n.ipb
	tests := []struct {
		name string
		pk   []byte
		bc   bool
	}{
		{"broadcast", rawPacket("10.0.0.1", "10.0.0.255", 99, 1, 0, 64, nil, []byte("12345678")), true},
		{"multicast", rawPacket("10.0.0.1", "224.0.0.9", 99, 1, 0, 64, nil, []byte("12345678")), false},
		{"second fragment", rawPacket("10.0.0.1", "10.0.0.2", 99, 1, 100, 64, nil, []byte("12345678")), false},
		{"ICMP error", rawPacket("10.0.0.1", "10.0.0.2", ProtoICMP, 1, 0, 64, nil, []byte{3, 3, 0, 0, 0, 0, 0, 0}), false},
		{"unspecified source", rawPacket("0.0.0.0", "10.0.0.2", 99, 1, 0, 64, nil, []byte("12345678")), false},
	}
	for _, tt := range tests {
		before := b.Stats().ICMPErrorsOut
		h, herr := parseHeader(tt.pk)
		if herr != hdrOK {
			t.Fatalf("%s: bad test packet", tt.name)
		}
		b.icmpErrorRaw(tt.pk, &h, tt.bc, icmpUnreach, codeProtoUnreach, 0)
		if b.Stats().ICMPErrorsOut != before {
			t.Errorf("%s: answered with an error", tt.name)
		}
	}
	// But an error about an echo request is fine.
	pk := rawPacket("10.0.0.1", "10.0.0.2", ProtoICMP, 1, 0, 64, nil, echoRequest(1, 1, nil))
	h, _ := parseHeader(pk)
	b.icmpErrorRaw(pk, &h, false, icmpUnreach, codeProtoUnreach, 0)
	if b.Stats().ICMPErrorsOut != 1 {
		t.Errorf("no error about an echo request")
	}
}

// TestNeedFrag has a router report that the path to B carries 1000
// bytes: A's route learns it, the transport hears of it, DontFrag sends
// above it fail and others are fragmented to fit.
func TestNeedFrag(t *testing.T) {
	n := newTestNet(t)
	rec := newRecorder()
	n.ipa.Register(ProtoUDP, rec)
	// The packet A sent, as the router quotes it.
	orig := rawPacket("10.0.0.1", "10.0.0.2", ProtoUDP, 5, flagDF, 64, nil, udpish(4000, 53, string(make([]byte, 1400))).Bytes())
	msg := make([]byte, 8+28)
	msg[0], msg[1] = icmpUnreach, codeNeedFrag
	binary.BigEndian.PutUint16(msg[6:8], 1000)
	copy(msg[8:], orig[:28])
	binary.BigEndian.PutUint16(msg[2:4], Fold(Checksum(msg, 0)))
	n.ipa.input(n.ifa, pkt.From(pkt.Headroom, rawPacket("10.0.0.2", "10.0.0.1", ProtoICMP, 9, 0, 64, nil, msg)))
	if len(rec.ctl) != 1 || rec.ctl[0].Kind != ControlNeedFrag || rec.ctl[0].MTU != 1000 || rec.ctl[0].Dst != n.addrB {
		t.Fatalf("controls %+v", rec.ctl)
	}
	ri, err := n.ipa.Route(n.addrB)
	if err != nil || ri.MTU != 1000 || ri.Src != n.addrA || ri.Local {
		t.Fatalf("Route = %+v, %v", ri, err)
	}
	if m, ok := route.Of(n.ka).PathMTU(n.addrB); !ok || m != 1000 {
		t.Errorf("PathMTU = %d", m)
	}
	if err := n.ipa.Output(udpish(1, 2, string(make([]byte, 1000))), Out{Dst: n.addrB, Proto: ProtoUDP, DontFrag: true}); !errors.Is(err, errno.EMSGSIZE) {
		t.Errorf("DontFrag above the path MTU: %v", err)
	}
	recB := newRecorder()
	n.ipb.Register(ProtoUDP, recB)
	big := bytes.Repeat([]byte("0123456789"), 300)
	if err := n.ipa.Output(udpish(1, 2, string(big)), Out{Dst: n.addrB, Proto: ProtoUDP}); err != nil {
		t.Fatal(err)
	}
	recB.wait(t, "the fragmented datagram", func(r *recorder) bool { return len(r.in) > 0 })
	if !bytes.Equal(recB.in[0].data[8:], big) {
		t.Error("datagram damaged")
	}
	if st := n.ipa.Stats(); st.Fragmented != 1 || st.OutFrags != 4 { // 3008 bytes in 976-byte pieces
		t.Errorf("A's stats %+v", st)
	}
	// Nonsense reports are ignored: an MTU the packet fitted under.
	binary.BigEndian.PutUint16(msg[6:8], 1500)
	msg[2], msg[3] = 0, 0
	binary.BigEndian.PutUint16(msg[2:4], Fold(Checksum(msg, 0)))
	n.ipa.input(n.ifa, pkt.From(pkt.Headroom, rawPacket("10.0.0.2", "10.0.0.1", ProtoICMP, 9, 0, 64, nil, msg)))
	if len(rec.ctl) != 1 {
		t.Errorf("a bogus MTU was reported: %+v", rec.ctl)
	}
}

func TestOutputErrors(t *testing.T) {
	n := newTestNet(t)
	a := n.ipa
	big := make([]byte, 2000)
	tests := []struct {
		name string
		b    *pkt.Buf
		o    Out
		want error
	}{
		{"no route", udpish(1, 2, ""), Out{Dst: mustAddr("8.8.8.8"), Proto: ProtoUDP}, errno.ENETUNREACH},
		{"foreign source", udpish(1, 2, ""), Out{Src: mustAddr("10.0.0.9"), Dst: n.addrB, Proto: ProtoUDP}, errno.EADDRNOTAVAIL},
		{"IPv6", udpish(1, 2, ""), Out{Dst: mustAddr("::1"), Proto: ProtoUDP}, errno.EAFNOSUPPORT},
		{"DontFrag too big", pkt.From(pkt.Headroom, big), Out{Dst: n.addrB, Proto: ProtoUDP, DontFrag: true}, errno.EMSGSIZE},
		{"too big for IPv4", pkt.New(pkt.Headroom, 65516), Out{Dst: n.addrB, Proto: ProtoUDP}, errno.EMSGSIZE},
		{"DontFrag local fits", pkt.From(pkt.Headroom, big), Out{Dst: n.addrA, Proto: ProtoUDP, DontFrag: true}, nil},
	}
	for _, tt := range tests {
		if err := a.Output(tt.b, tt.o); !errors.Is(err, tt.want) && err != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	n.ifa.SetUp(false)
	if err := a.Output(udpish(1, 2, ""), Out{Dst: n.addrB, Proto: ProtoUDP}); !errors.Is(err, errno.ENETDOWN) {
		t.Errorf("interface down: %v", err)
	}
	if _, err := a.Route(mustAddr("8.8.8.8")); !errors.Is(err, errno.ENETUNREACH) {
		t.Errorf("Route without a route: %v", err)
	}
	ri, err := a.Route(n.addrA)
	if err != nil || !ri.Local || ri.MTU != 32768 || ri.Src != n.addrA {
		t.Errorf("Route to self = %+v, %v", ri, err)
	}
	if l, b := a.IsLocal(mustAddr("10.0.0.255")); !l || !b {
		t.Errorf("IsLocal(broadcast) = %v, %v", l, b)
	}
	if l, b := a.IsLocal(n.addrA); !l || b {
		t.Errorf("IsLocal(own) = %v, %v", l, b)
	}
	if l, _ := a.IsLocal(n.addrB); l {
		t.Error("IsLocal(peer)")
	}
}

// TestLocalDeliveryIsAsync checks that Output to this host never runs
// Transport.Input before it returns: the transport holds its lock
// across Output, as TCP does, and Input takes the same lock.
func TestLocalDeliveryIsAsync(t *testing.T) {
	n := newTestNet(t)
	rec := newRecorder()
	tr := &lockedTransport{rec: rec}
	n.ipa.Register(ProtoUDP, tr)
	done := make(chan error)
	go func() {
		for i := range 100 {
			dst := n.addrA
			if i%2 == 0 {
				dst = mustAddr("127.0.0.1")
			}
			tr.mu.Lock()
			err := n.ipa.Output(udpish(1, 2, "x"), Out{Dst: dst, Proto: ProtoUDP})
			tr.mu.Unlock()
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Output deadlocked: it ran Input on the sender's stack")
	}
	rec.wait(t, "100 local datagrams", func(r *recorder) bool { return len(r.in) == 100 })
	for _, r := range rec.in {
		if r.h.IfIndex != 1 { // lo0
			t.Errorf("arrived on interface %d", r.h.IfIndex)
		}
	}
}

type lockedTransport struct {
	mu  sync.Mutex
	rec *recorder
}

func (l *lockedTransport) Input(h *Header, b *pkt.Buf) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rec.Input(h, b)
}
func (l *lockedTransport) ControlInput(*Control) {}

func TestTTLAndBroadcast(t *testing.T) {
	n := newTestNet(t)
	if err := n.ka.Sysctl().Set(kern.RootCred(), "net.inet.ip.ttl", "5"); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	n.ipb.Register(ProtoUDP, rec)
	self := newRecorder()
	n.ipa.Register(ProtoUDP, self)
	if err := n.ipa.Output(udpish(1, 2, "ttl"), Out{Dst: n.addrB, Proto: ProtoUDP}); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "a datagram", func(r *recorder) bool { return len(r.in) == 1 })
	for _, dst := range []string{"10.0.0.255", "255.255.255.255"} {
		if err := n.ipa.Output(udpish(1, 2, "bcast"), Out{Dst: mustAddr(dst), Proto: ProtoUDP}); err != nil {
			t.Fatalf("broadcast to %s: %v", dst, err)
		}
	}
	rec.wait(t, "three datagrams", func(r *recorder) bool { return len(r.in) == 3 })
	// The sender gets copies of its broadcasts, as on a BSD.
	self.wait(t, "own broadcasts", func(r *recorder) bool { return len(r.in) == 2 })
	for _, r := range self.in {
		if !r.h.Broadcast || r.h.Src != n.addrA {
			t.Errorf("own broadcast: %+v", r.h)
		}
	}
	if err := n.ipa.Output(udpish(1, 2, "ttl"), Out{Dst: n.addrB, Proto: ProtoUDP, TTL: 200, TOS: 0x10}); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "four datagrams", func(r *recorder) bool { return len(r.in) == 4 })
	if h := rec.in[0].h; h.TTL != 5 || h.Broadcast {
		t.Errorf("header %+v", h)
	}
	for _, r := range rec.in[1:3] {
		if !r.h.Broadcast {
			t.Errorf("broadcast not flagged: %+v", r.h)
		}
	}
	if h := rec.in[3].h; h.TTL != 200 || h.TOS != 0x10 {
		t.Errorf("header %+v", h)
	}
}

// TestInputChecks feeds B hand-made packets and checks which are
// delivered.
func TestInputChecks(t *testing.T) {
	n := newTestNet(t)
	rec := newRecorder()
	n.ipb.Register(99, rec)
	pl := []byte("payload!")
	tests := []struct {
		name    string
		pk      []byte
		deliver bool
	}{
		{"good", rawPacket("10.0.0.1", "10.0.0.2", 99, 1, 0, 64, nil, pl), true},
		{"options", rawPacket("10.0.0.1", "10.0.0.2", 99, 1, 0, 64, []byte{1, 1, 1, 0, 7, 3, 4, 0}, pl), true},
		{"padding after", append(rawPacket("10.0.0.1", "10.0.0.2", 99, 1, 0, 64, nil, pl), 0, 0, 0), true},
		{"broadcast", rawPacket("10.0.0.1", "10.0.0.255", 99, 1, 0, 64, nil, pl), true},
		{"TTL 0 is fine for us", rawPacket("10.0.0.1", "10.0.0.2", 99, 1, 0, 0, nil, pl), true},
		{"not ours", rawPacket("10.0.0.1", "10.0.0.3", 99, 1, 0, 64, nil, pl), false},
		{"loopback source from outside", rawPacket("127.0.0.1", "10.0.0.2", 99, 1, 0, 64, nil, pl), false},
		{"loopback destination from outside", rawPacket("10.0.0.1", "127.0.0.1", 99, 1, 0, 64, nil, pl), false},
		{"multicast source", rawPacket("224.0.0.1", "10.0.0.2", 99, 1, 0, 64, nil, pl), false},
		{"broadcast source", rawPacket("10.0.0.255", "10.0.0.2", 99, 1, 0, 64, nil, pl), false},
		{"limited broadcast source", rawPacket("255.255.255.255", "10.0.0.2", 99, 1, 0, 64, nil, pl), false},
		{"bad checksum", func() []byte { p := rawPacket("10.0.0.1", "10.0.0.2", 99, 1, 0, 64, nil, pl); p[10]++; return p }(), false},
		{"truncated", rawPacket("10.0.0.1", "10.0.0.2", 99, 1, 0, 64, nil, pl)[:25], false},
	}
	for _, tt := range tests {
		before := len(rec.in)
		n.ipb.input(n.ifb, pkt.From(pkt.Headroom, tt.pk))
		got := len(rec.in) > before
		if got != tt.deliver {
			t.Errorf("%s: delivered %v", tt.name, got)
		}
		if got && !bytes.Equal(rec.in[len(rec.in)-1].data, pl) {
			t.Errorf("%s: payload %q", tt.name, rec.in[len(rec.in)-1].data)
		}
	}
}

var _ = netip.Addr{}

func TestSysctl(t *testing.T) {
	k := bootKernel(t)
	s := k.Sysctl()
	want := map[string]string{
		"net.inet.ip.forwarding":     "0",
		"net.inet.ip.ttl":            "64",
		"net.inet.ip.maxfragpackets": "200",
		"net.inet.icmp.errppslimit":  "100",
		"net.inet.icmp.bmcastecho":   "0",
		"net.inet.arp.keep":          "1200",
		"net.inet.arp.down":          "20",
		"net.inet.arp.maxtries":      "3",
	}
	for name, v := range want {
		got, _, err := s.Get(name)
		if err != nil || got != v {
			t.Errorf("%s = %q, %v; want %q", name, got, err, v)
		}
	}
	if mib, err := s.MIB("net.inet.ip.ttl"); err != nil || len(mib) != 4 || mib[0] != 4 || mib[1] != 2 || mib[2] != 0 || mib[3] != 3 {
		t.Errorf("MIB of net.inet.ip.ttl = %v, %v", mib, err)
	}
	for _, bad := range [][2]string{{"net.inet.ip.ttl", "0"}, {"net.inet.ip.ttl", "256"}, {"net.inet.ip.forwarding", "2"}, {"net.inet.icmp.errppslimit", "-2"}} {
		if err := s.Set(kern.RootCred(), bad[0], bad[1]); err == nil {
			t.Errorf("%s accepted %s", bad[0], bad[1])
		}
	}
	if err := s.Set(kern.RootCred(), "net.inet.ip.forwarding", "1"); err != nil || !IPOf(k).forwarding.Load() {
		t.Errorf("setting forwarding: %v", err)
	}
}

// TestOutputSuperSegment: a TCP super-segment (pkt.Buf.GSO) goes out
// whole on an interface with TSO, and is refused with EMSGSIZE where it
// cannot go: TSO turned off, a segment that would not fit the MTU, a
// protocol other than TCP, or DF unset.
func TestOutputSuperSegment(t *testing.T) {
	checkLeaks(t)
	ka, kb := bootKernel(t), bootKernel(t)
	tsoInfo := ifnettest.Ether(1)
	tsoInfo.TSO = true
	la, lb := ifnettest.Pair(tsoInfo, ifnettest.Ether(2))
	ifa := attach(t, ka, la, "10.0.0.1/24")
	ifb := attach(t, kb, lb, "10.0.0.2/24")
	ipa, dst := IPOf(ka), mustAddr("10.0.0.2")
	var mu sync.Mutex
	var sizes []int
	// IPv4 frames are recorded and go no further; ARP passes, so that A
	// resolves B.
	la.SetFilter(func(frame []byte) bool {
		if binary.BigEndian.Uint16(frame[12:]) != 0x0800 {
			return true
		}
		mu.Lock()
		sizes = append(sizes, len(frame))
		mu.Unlock()
		return false
	})
	super := func(gso int) *pkt.Buf {
		b := pkt.New(pkt.Headroom, 20+10000)
		b.Bytes()[12] = 5 << 4 // a 20-byte TCP header
		b.SetGSO(gso)
		return b
	}
	if ri, err := ipa.Route(dst); err != nil || !ri.TSO {
		t.Fatalf("route over a TSO interface: %+v, %v", ri, err)
	}
	tcpOut := Out{Dst: dst, Proto: ProtoTCP, DontFrag: true}
	eventually(func() bool {
		ipa.Output(super(1460), tcpOut) //nolint:errcheck // checked below, once ARP is done
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(sizes, 14+20+20+10000)
	})
	mu.Lock()
	if !slices.Contains(sizes, 14+20+20+10000) {
		t.Fatalf("no whole super-segment on the link; IPv4 frames of %v bytes", sizes)
	}
	mu.Unlock()
	for _, c := range []struct {
		name string
		gso  int
		o    Out
	}{
		{"segments above the MTU", 1461, tcpOut},
		{"UDP", 1400, Out{Dst: dst, Proto: ProtoUDP, DontFrag: true}},
		{"without DF", 1400, Out{Dst: dst, Proto: ProtoTCP}},
		{"to this host", 1400, Out{Dst: mustAddr("10.0.0.1"), Proto: ProtoTCP, DontFrag: true}},
	} {
		if err := ipa.Output(super(c.gso), c.o); !errors.Is(err, errno.EMSGSIZE) {
			t.Errorf("%s: %v, want EMSGSIZE", c.name, err)
		}
	}
	if err := ifa.SetTSO(false); err != nil {
		t.Fatal(err)
	}
	if ri, _ := ipa.Route(dst); ri.TSO {
		t.Error("the route still says TSO after it was turned off")
	}
	if err := ipa.Output(super(1460), tcpOut); !errors.Is(err, errno.EMSGSIZE) {
		t.Errorf("TSO off: %v, want EMSGSIZE", err)
	}
	if err := ifb.SetTSO(true); !errors.Is(err, errno.EOPNOTSUPP) {
		t.Errorf("TSO on a link without it: %v, want EOPNOTSUPP", err)
	}
}
