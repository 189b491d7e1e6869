package route_test

import (
	"errors"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/ifnet/ifnettest"
	"github.com/gorump/gorump/net/route"
	"github.com/gorump/gorump/rumpuser/memhost"
)

func boot(t *testing.T) (*kern.Kernel, *ifnet.Interface, *ifnet.Interface) {
	t.Helper()
	k, err := kern.Boot(kern.Config{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Halt() })
	n := ifnet.Of(k)
	var ifs []*ifnet.Interface
	for i, addr := range []string{"10.0.0.1/24", "192.168.1.10/16"} {
		l, _ := ifnettest.Pair(ifnettest.Ether(byte(i+1)), ifnettest.Ether(99))
		ifp, err := n.Attach(l)
		if err != nil {
			t.Fatal(err)
		}
		if err := ifp.AddAddr(netip.MustParsePrefix(addr)); err != nil {
			t.Fatal(err)
		}
		ifs = append(ifs, ifp)
	}
	return k, ifs[0], ifs[1]
}

func TestLookup(t *testing.T) {
	k, if0, if1 := boot(t)
	rt := route.Of(k)
	mustAdd := func(dst, gw, ifname string) {
		t.Helper()
		var g netip.Addr
		if gw != "" {
			g = netip.MustParseAddr(gw)
		}
		if err := rt.Add(netip.MustParsePrefix(dst), g, ifname); err != nil {
			t.Fatalf("Add(%s, %s, %s): %v", dst, gw, ifname, err)
		}
	}
	mustAdd("0.0.0.0/0", "10.0.0.254", "")
	mustAdd("172.16.0.0/12", "192.168.0.1", "")
	mustAdd("172.16.5.0/24", "10.0.0.5", "test0")
	mustAdd("172.16.5.7/32", "", "test1")
	tests := []struct {
		dst, route, nexthop string
		ifp                 *ifnet.Interface
		src                 string
	}{
		{"10.0.0.7", "10.0.0.0/24", "10.0.0.7", if0, "10.0.0.1"},
		{"192.168.200.3", "192.168.0.0/16", "192.168.200.3", if1, "192.168.1.10"},
		{"8.8.8.8", "0.0.0.0/0", "10.0.0.254", if0, "10.0.0.1"},
		{"172.20.1.1", "172.16.0.0/12", "192.168.0.1", if1, "192.168.1.10"},
		{"172.16.5.1", "172.16.5.0/24", "10.0.0.5", if0, "10.0.0.1"},
		{"172.16.5.7", "172.16.5.7/32", "172.16.5.7", if1, "192.168.1.10"},
	}
	for _, tt := range tests {
		r, err := rt.Lookup(netip.MustParseAddr(tt.dst))
		if err != nil {
			t.Errorf("Lookup(%s): %v", tt.dst, err)
			continue
		}
		if r.Dst.String() != tt.route || r.NextHop(netip.MustParseAddr(tt.dst)).String() != tt.nexthop ||
			r.Interface() != tt.ifp || r.Src.String() != tt.src || r.Ifname != tt.ifp.Name() {
			t.Errorf("Lookup(%s) = %v via %v src %v", tt.dst, r, r.Interface(), r.Src)
		}
	}
	if err := rt.Add(netip.MustParsePrefix("0.0.0.0/0"), netip.MustParseAddr("10.0.0.1"), ""); !errors.Is(err, errno.EEXIST) {
		t.Errorf("duplicate Add: %v", err)
	}
	if err := rt.Add(netip.MustParsePrefix("1.0.0.0/8"), netip.MustParseAddr("99.0.0.1"), ""); !errors.Is(err, errno.ENETUNREACH) {
		t.Errorf("Add through an unreachable gateway: %v", err)
	}
	if err := rt.Add(netip.MustParsePrefix("1.0.0.0/8"), netip.Addr{}, "nope0"); !errors.Is(err, errno.ENXIO) {
		t.Errorf("Add on a missing interface: %v", err)
	}
	if err := rt.Add(netip.MustParsePrefix("1.0.0.0/8"), netip.Addr{}, ""); !errors.Is(err, errno.EINVAL) {
		t.Errorf("Add with neither gateway nor interface: %v", err)
	}
	if err := rt.Delete(netip.MustParsePrefix("0.0.0.0/0")); err != nil {
		t.Fatal(err)
	}
	if err := rt.Delete(netip.MustParsePrefix("0.0.0.0/0")); !errors.Is(err, errno.ESRCH) {
		t.Errorf("second Delete: %v", err)
	}
	if _, err := rt.Lookup(netip.MustParseAddr("8.8.8.8")); !errors.Is(err, errno.ENETUNREACH) {
		t.Errorf("Lookup without a default: %v", err)
	}
	// Connected routes follow the addresses and interfaces.
	if err := if0.RemoveAddr(netip.MustParseAddr("10.0.0.1")); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Lookup(netip.MustParseAddr("10.0.0.7")); !errors.Is(err, errno.ENETUNREACH) {
		t.Errorf("connected route outlived its address: %v", err)
	}
	if err := if1.Detach(); err != nil {
		t.Fatal(err)
	}
	for _, r := range rt.List() {
		if r.Interface() == if1 {
			t.Errorf("route %v outlived its interface", r)
		}
	}
	if got := len(rt.List()); got != 1 { // 172.16.5.0/24 via test0
		t.Errorf("routes left: %v", rt.List())
	}
}

// TestLookupMatchesLinearScan compares the table with a brute-force
// longest-prefix match over many random routes.
func TestLookupMatchesLinearScan(t *testing.T) {
	k, if0, _ := boot(t)
	rt := route.Of(k)
	seed := uint32(1)
	rnd := func() uint32 { seed = seed*1664525 + 1013904223; return seed }
	var prefixes []netip.Prefix
	for range 300 {
		v := rnd()
		p, _ := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).Prefix(int(rnd() % 33))
		if rt.Add(p, netip.Addr{}, if0.Name()) == nil {
			prefixes = append(prefixes, p)
		}
	}
	prefixes = append(prefixes, netip.MustParsePrefix("10.0.0.0/24"))
	for range 10000 {
		v := rnd()
		a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		best := -1
		for i, p := range prefixes {
			if p.Contains(a) && (best < 0 || p.Bits() > prefixes[best].Bits()) {
				best = i
			}
		}
		r, err := rt.Lookup(a)
		if best < 0 {
			if err == nil {
				t.Fatalf("Lookup(%v) = %v, want none", a, r)
			}
			continue
		}
		if err != nil || r.Dst != prefixes[best] {
			t.Fatalf("Lookup(%v) = %v, %v, want %v", a, r.Dst, err, prefixes[best])
		}
	}
}

func TestPathMTU(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k, _, _ := boot(t)
		rt := route.Of(k)
		dst := netip.MustParseAddr("10.0.0.9")
		if _, ok := rt.PathMTU(dst); ok {
			t.Fatal("path MTU before any was learnt")
		}
		rt.SetPathMTU(dst, 1400)
		rt.SetPathMTU(dst, 1450) // higher: ignored
		if m, ok := rt.PathMTU(dst); !ok || m != 1400 {
			t.Fatalf("PathMTU = %d, %v", m, ok)
		}
		rt.SetPathMTU(dst, 20)
		if m, _ := rt.PathMTU(dst); m != 68 {
			t.Fatalf("PathMTU after a tiny report = %d, want 68", m)
		}
		time.Sleep(route.PMTUExpire + time.Second)
		if m, ok := rt.PathMTU(dst); ok {
			t.Fatalf("PathMTU after expiry = %d", m)
		}
	})
}

func BenchmarkLookup(b *testing.B) {
	k, err := kern.Boot(kern.Config{Host: memhost.New(memhost.Options{})})
	if err != nil {
		b.Fatal(err)
	}
	defer k.Halt()
	l, _ := ifnettest.Pair(ifnettest.Ether(1), ifnettest.Ether(2))
	ifp, _ := ifnet.Of(k).Attach(l)
	ifp.AddAddr(netip.MustParsePrefix("10.0.0.1/24"))
	rt := route.Of(k)
	rt.Add(netip.MustParsePrefix("0.0.0.0/0"), netip.MustParseAddr("10.0.0.254"), "")
	dst := netip.MustParseAddr("8.8.8.8")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rt.Lookup(dst); err != nil {
			b.Fatal(err)
		}
	}
}
