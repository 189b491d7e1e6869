package ifnet_test

import (
	"errors"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ether"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/ifnet/ifnettest"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// sink is a protocol that keeps the IPv4 packets it is given, one per
// kernel.
type sink struct {
	mu   sync.Mutex
	pkts [][]byte
	ch   chan struct{}
}

var sinks = kern.NewSlot[*sink]()

func init() {
	kern.Register(kern.Component{Name: "ifnet-test-sink", Level: kern.LevelNet, Init: func(k *kern.Kernel) error {
		s := &sink{ch: make(chan struct{}, 100)}
		sinks.Set(k, s)
		ifnet.Of(k).SetInput(ether.TypeIPv4, func(ifp *ifnet.Interface, b *pkt.Buf) {
			s.mu.Lock()
			s.pkts = append(s.pkts, append([]byte(nil), b.Bytes()...))
			s.mu.Unlock()
			b.Free()
			s.ch <- struct{}{}
		})
		return nil
	}})
}

func boot(t *testing.T) *kern.Kernel {
	t.Helper()
	base := runtime.NumGoroutine()
	k, err := kern.Boot(kern.Config{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := k.Halt(); err != nil {
			t.Error(err)
		}
		leaktest.Check(t, base)
	})
	return k
}

func TestAttachNames(t *testing.T) {
	k := boot(t)
	n := ifnet.Of(k)
	var links []*ifnettest.Link
	var ifs []*ifnet.Interface
	for i := range 3 {
		l, _ := ifnettest.Pair(ifnettest.Ether(byte(i+1)), ifnettest.Ether(99))
		ifp, err := n.Attach(l)
		if err != nil {
			t.Fatal(err)
		}
		links = append(links, l)
		ifs = append(ifs, ifp)
	}
	for i, ifp := range ifs {
		if want := "test" + string(rune('0'+i)); ifp.Name() != want || ifp.Index() != i+1 {
			t.Errorf("interface %d: %s index %d", i, ifp.Name(), ifp.Index())
		}
		if n.ByName(ifp.Name()) != ifp || n.ByIndex(ifp.Index()) != ifp {
			t.Errorf("lookup of %s failed", ifp.Name())
		}
	}
	if err := ifs[1].Detach(); err != nil {
		t.Fatal(err)
	}
	if !links[1].Closed() {
		t.Error("detach left the link open")
	}
	if err := ifs[1].Detach(); !errors.Is(err, errno.ENXIO) {
		t.Errorf("second detach: %v", err)
	}
	if n.ByName("test1") != nil || len(n.Interfaces()) != 2 {
		t.Errorf("detached interface still listed: %v", n.Interfaces())
	}
	l, _ := ifnettest.Pair(ifnettest.Ether(7), ifnettest.Ether(99))
	ifp, err := n.Attach(l)
	if err != nil {
		t.Fatal(err)
	}
	if ifp.Name() != "test1" || ifp.Index() != 2 {
		t.Errorf("reattach got %s index %d, want test1 index 2", ifp.Name(), ifp.Index())
	}
	if _, err := n.Attach(&badLink{}); !errors.Is(err, errno.EINVAL) {
		t.Errorf("attach of a bad link: %v", err)
	}
	k.Halt()
	for _, l := range append(links, l) {
		if !l.Closed() {
			t.Error("halt left a link open")
		}
	}
}

type badLink struct{ ifnettest.Link }

func (*badLink) Info() ifnet.LinkInfo { return ifnet.LinkInfo{Type: ifnet.LinkEthernet, MTU: 10} }

func TestAddresses(t *testing.T) {
	k := boot(t)
	n := ifnet.Of(k)
	l, _ := ifnettest.Pair(ifnettest.Ether(1), ifnettest.Ether(2))
	ifp, err := n.Attach(l)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	n.AddHooks(ifnet.Hooks{
		AddrAdded:   func(_ *ifnet.Interface, p netip.Prefix) { events = append(events, "+"+p.String()) },
		AddrRemoved: func(_ *ifnet.Interface, p netip.Prefix) { events = append(events, "-"+p.String()) },
		Up: func(_ *ifnet.Interface, up bool) {
			if up {
				events = append(events, "up")
			} else {
				events = append(events, "down")
			}
		},
	})
	tests := []struct {
		p    string
		want error
	}{
		{"10.1.2.3/24", nil},
		{"10.1.2.3/24", errno.EEXIST},
		{"10.1.2.255/24", errno.EINVAL}, // the broadcast address
		{"224.0.0.1/4", errno.EINVAL},
		{"0.0.0.0/0", errno.EINVAL},
		{"255.255.255.255/32", errno.EINVAL},
		{"fe80::1/64", errno.EINVAL},
		{"192.168.7.1/32", nil},
	}
	for _, tt := range tests {
		if err := ifp.AddAddr(netip.MustParsePrefix(tt.p)); !errors.Is(err, tt.want) && err != tt.want {
			t.Errorf("AddAddr(%s) = %v, want %v", tt.p, err, tt.want)
		}
	}
	if got := ifp.Addrs(); !slices.Equal(got, []netip.Prefix{netip.MustParsePrefix("10.1.2.3/24"), netip.MustParsePrefix("192.168.7.1/32")}) {
		t.Errorf("Addrs = %v", got)
	}
	local := []struct {
		a     string
		ifp   *ifnet.Interface
		bcast bool
	}{
		{"10.1.2.3", ifp, false},
		{"10.1.2.255", ifp, true},
		{"255.255.255.255", nil, true},
		{"10.1.2.4", nil, false},
		{"192.168.7.1", ifp, false},
	}
	for _, tt := range local {
		got, b := n.Local(netip.MustParseAddr(tt.a))
		if got != tt.ifp || b != tt.bcast {
			t.Errorf("Local(%s) = %v, %v", tt.a, got, b)
		}
	}
	if src, ok := ifp.SourceFor(netip.MustParseAddr("192.168.7.9")); !ok || src != netip.MustParseAddr("10.1.2.3") {
		t.Errorf("SourceFor off-net = %v", src)
	}
	if err := ifp.SetUp(true); err != nil {
		t.Fatal(err)
	}
	if err := ifp.RemoveAddr(netip.MustParseAddr("10.1.2.3")); err != nil {
		t.Fatal(err)
	}
	if err := ifp.RemoveAddr(netip.MustParseAddr("10.1.2.3")); !errors.Is(err, errno.EADDRNOTAVAIL) {
		t.Errorf("second remove: %v", err)
	}
	if got, _ := n.Local(netip.MustParseAddr("10.1.2.3")); got != nil {
		t.Error("removed address still local")
	}
	if err := ifp.Detach(); err != nil {
		t.Fatal(err)
	}
	want := []string{"+10.1.2.3/24", "+192.168.7.1/32", "up", "-10.1.2.3/24", "down", "-192.168.7.1/32"}
	if !slices.Equal(events, want) {
		t.Errorf("hooks saw %v, want %v", events, want)
	}
	if err := ifp.AddAddr(netip.MustParsePrefix("10.9.9.9/8")); !errors.Is(err, errno.ENXIO) {
		t.Errorf("AddAddr after detach: %v", err)
	}
}

func TestMTU(t *testing.T) {
	k := boot(t)
	l, _ := ifnettest.Pair(ifnettest.Ether(1), ifnettest.Ether(2))
	ifp, err := ifnet.Of(k).Attach(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		mtu  int
		want error
	}{{1500, nil}, {576, nil}, {68, nil}, {67, errno.EINVAL}, {1501, errno.EINVAL}} {
		if err := ifp.SetMTU(tt.mtu); err != tt.want {
			t.Errorf("SetMTU(%d) = %v", tt.mtu, err)
		}
	}
	if ifp.MTU() != 68 {
		t.Errorf("MTU = %d", ifp.MTU())
	}
}

// TestInputFilter sends frames to an interface and checks which reach
// the protocol.
func TestInputFilter(t *testing.T) {
	k := boot(t)
	la, lb := ifnettest.Pair(ifnettest.Ether(1), ifnettest.Ether(2))
	ifp, err := ifnet.Of(k).Attach(la)
	if err != nil {
		t.Fatal(err)
	}
	_ = lb
	mine := ether.Addr(ifp.HardwareAddr())
	peer := ether.Addr{2, 0, 0, 0, 0, 2}
	frame := func(dst, src ether.Addr, typ uint16, payload string) []byte {
		p := make([]byte, ether.HeaderLen+len(payload))
		ether.Header{Dst: dst, Src: src, Type: typ}.Put(p)
		copy(p[ether.HeaderLen:], payload)
		return p
	}
	s := sinks.Get(k)
	// Down: dropped.
	la.Inject(frame(mine, peer, ether.TypeIPv4, "down"))
	for ifp.Stats().PacketsIn == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := ifp.SetUp(true); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		f    []byte
		pass bool
	}{
		{frame(mine, peer, ether.TypeIPv4, "unicast"), true},
		{frame(ether.Broadcast, peer, ether.TypeIPv4, "broadcast"), true},
		{frame(ether.Addr{1, 0, 0x5e, 0, 0, 1}, peer, ether.TypeIPv4, "multicast"), true},
		{frame(ether.Addr{2, 0, 0, 0, 0, 9}, peer, ether.TypeIPv4, "other"), false},
		{frame(mine, mine, ether.TypeIPv4, "own source"), false},
		{frame(mine, ether.Broadcast, ether.TypeIPv4, "group source"), false},
		{frame(mine, peer, ether.TypeIPv6, "no proto"), false},
		{frame(mine, peer, 0x05dc, "802.3"), false},
		{frame(mine, peer, ether.TypeIPv4, "")[:10], false},
		{frame(mine, peer, ether.TypeIPv4, "last"), true},
	}
	var want []string
	for _, c := range cases {
		la.Inject(c.f)
		if c.pass {
			want = append(want, string(c.f[ether.HeaderLen:]))
		}
	}
	deadline := time.After(5 * time.Second)
	for {
		s.mu.Lock()
		n := len(s.pkts)
		s.mu.Unlock()
		if n >= len(want) {
			break
		}
		select {
		case <-s.ch:
		case <-deadline:
			t.Fatalf("got %d packets, want %d", n, len(want))
		}
	}
	time.Sleep(10 * time.Millisecond)
	s.mu.Lock()
	var got []string
	for _, p := range s.pkts {
		got = append(got, string(p))
	}
	s.mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("protocol got %q, want %q", got, want)
	}
	st := ifp.Stats()
	if st.PacketsIn != uint64(len(cases)+1) || st.DropsIn != 2 || st.NoProto != 1 || st.BroadcastIn != 1 || st.MulticastIn != 1 || st.ErrorsIn != 4 {
		t.Errorf("stats %+v", st)
	}
}

// TestOutput checks the Ethernet header Output prepends and that a down
// interface refuses to send.
func TestOutput(t *testing.T) {
	k := boot(t)
	la, lb := ifnettest.Pair(ifnettest.Ether(1), ifnettest.Ether(2))
	ifp, err := ifnet.Of(k).Attach(la)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	la.SetFilter(func(f []byte) bool { got <- append([]byte(nil), f...); return false })
	_ = lb
	if err := ifp.Output(pkt.From(pkt.Headroom, []byte("x")), ether.Broadcast, ether.TypeIPv4); !errors.Is(err, errno.ENETDOWN) {
		t.Errorf("output while down: %v", err)
	}
	ifp.SetUp(true)
	if err := ifp.Output(pkt.From(pkt.Headroom, []byte("x")), ether.Addr{2, 0, 0, 0, 0, 2}, ether.TypeIPv4); err != nil {
		t.Fatal(err)
	}
	f := <-got
	h, err := ether.Parse(f)
	if err != nil || h.Dst != (ether.Addr{2, 0, 0, 0, 0, 2}) || h.Src != ifp.HardwareAddr() || h.Type != ether.TypeIPv4 || string(f[14:]) != "x" {
		t.Errorf("frame % x", f)
	}
	// The link saw the frame before Output counted it.
	for deadline := time.Now().Add(5 * time.Second); ifp.Stats().PacketsOut == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if st := ifp.Stats(); st.PacketsOut != 1 || st.BytesOut != 15 || st.ErrorsOut != 1 {
		t.Errorf("stats %+v", st)
	}
}
