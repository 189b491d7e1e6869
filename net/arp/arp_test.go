package arp_test

import (
	"errors"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/arp"
	"github.com/gorump/gorump/net/ether"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/ifnet/ifnettest"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/rumpuser/memhost"
)

var (
	myIP    = netip.MustParseAddr("10.0.0.1")
	peerIP  = netip.MustParseAddr("10.0.0.2")
	peerMAC = ether.Addr{2, 0, 0, 0, 0, 2}
	myMAC   = ether.Addr{2, 0, 0, 0, 0, 1}
)

// env is a kernel with one Ethernet interface, 10.0.0.1/24, whose
// outgoing frames the test reads from sent and whose incoming frames it
// injects.
type env struct {
	k     *kern.Kernel
	ifp   *ifnet.Interface
	link  *ifnettest.Link
	arp   *arp.ARP
	sent  chan []byte
	unrch chan []byte
}

func newEnv(t *testing.T) *env {
	t.Helper()
	k, err := kern.Boot(kern.Config{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Halt() })
	e := &env{k: k, arp: arp.Of(k), sent: make(chan []byte, 1000), unrch: make(chan []byte, 100)}
	e.arp.SetUnreachable(func(_ *ifnet.Interface, b *pkt.Buf) {
		e.unrch <- append([]byte(nil), b.Bytes()...)
		b.Free()
	})
	e.link, _ = ifnettest.Pair(ifnettest.Ether(1), ifnettest.Ether(2))
	e.link.SetFilter(func(f []byte) bool {
		e.sent <- append([]byte(nil), f...)
		return false
	})
	if e.ifp, err = ifnet.Of(k).Attach(e.link); err != nil {
		t.Fatal(err)
	}
	if err := e.ifp.AddAddr(netip.MustParsePrefix("10.0.0.1/24")); err != nil {
		t.Fatal(err)
	}
	if err := e.ifp.SetUp(true); err != nil {
		t.Fatal(err)
	}
	return e
}

// frames returns the frames sent since the last call, once the kernel
// has settled.
func (e *env) frames() [][]byte {
	synctest.Wait()
	var out [][]byte
	for {
		select {
		case f := <-e.sent:
			out = append(out, f)
		default:
			return out
		}
	}
}

// arpFrames parses the ARP packets among frames.
func arpFrames(t *testing.T, frames [][]byte) []arp.Packet {
	t.Helper()
	var out []arp.Packet
	for _, f := range frames {
		h, err := ether.Parse(f)
		if err != nil {
			t.Fatalf("bad frame % x", f)
		}
		if h.Type != ether.TypeARP {
			continue
		}
		p, err := arp.Parse(f[ether.HeaderLen:])
		if err != nil {
			t.Fatalf("bad ARP packet % x", f)
		}
		out = append(out, p)
	}
	return out
}

func (e *env) inject(t *testing.T, dst ether.Addr, p arp.Packet) {
	t.Helper()
	f := make([]byte, ether.HeaderLen+arp.HeaderLen)
	ether.Header{Dst: dst, Src: p.SHA, Type: ether.TypeARP}.Put(f)
	p.Put(f[ether.HeaderLen:])
	if err := e.link.Inject(f); err != nil {
		t.Fatal(err)
	}
}

func (e *env) send(t *testing.T, payload string) error {
	t.Helper()
	return e.arp.Output(e.ifp, peerIP, pkt.From(pkt.Headroom, []byte(payload)))
}

func TestGratuitousOnUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		ps := arpFrames(t, e.frames())
		if len(ps) != 1 || ps[0].Op != arp.OpRequest || ps[0].SPA != myIP || ps[0].TPA != myIP || ps[0].SHA != myMAC {
			t.Fatalf("on up: %+v", ps)
		}
		if err := e.ifp.AddAddr(netip.MustParsePrefix("10.0.1.1/24")); err != nil {
			t.Fatal(err)
		}
		ps = arpFrames(t, e.frames())
		if len(ps) != 1 || ps[0].SPA != netip.MustParseAddr("10.0.1.1") || ps[0].TPA != ps[0].SPA {
			t.Fatalf("on a new address: %+v", ps)
		}
	})
}

func TestResolveWithQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		e.frames()
		for i := range arp.MaxHold + 2 {
			if err := e.send(t, string(rune('a'+i))); err != nil {
				t.Fatal(err)
			}
		}
		ps := arpFrames(t, e.frames())
		if len(ps) != 1 || ps[0].Op != arp.OpRequest || ps[0].TPA != peerIP || ps[0].SPA != myIP || !ps[0].THA.IsZero() {
			t.Fatalf("requests: %+v", ps)
		}
		e.inject(t, myMAC, arp.Packet{Op: arp.OpReply, SHA: peerMAC, SPA: peerIP, THA: myMAC, TPA: myIP})
		fs := e.frames()
		if len(fs) != arp.MaxHold {
			t.Fatalf("%d frames after the reply, want %d", len(fs), arp.MaxHold)
		}
		for i, f := range fs {
			h, _ := ether.Parse(f)
			// The two oldest were dropped for newer ones.
			if h.Dst != peerMAC || h.Type != ether.TypeIPv4 || string(f[ether.HeaderLen:]) != string(rune('a'+i+2)) {
				t.Errorf("frame %d: %+v %q", i, h, f[ether.HeaderLen:])
			}
		}
		if err := e.send(t, "now"); err != nil {
			t.Fatal(err)
		}
		if fs := e.frames(); len(fs) != 1 || string(fs[0][ether.HeaderLen:]) != "now" {
			t.Fatalf("resolved send: %q", fs)
		}
		if mac, ok := e.arp.Lookup(e.ifp, peerIP); !ok || mac != peerMAC {
			t.Errorf("Lookup = %v, %v", mac, ok)
		}
		if len(e.arp.Entries()) != 1 {
			t.Errorf("Entries = %+v", e.arp.Entries())
		}
	})
}

func TestRetriesFail(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		e.frames()
		if err := e.send(t, "lost"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		ps := arpFrames(t, e.frames())
		if len(ps) != arp.DefaultMaxTries {
			t.Errorf("%d requests, want %d", len(ps), arp.DefaultMaxTries)
		}
		select {
		case b := <-e.unrch:
			if string(b) != "lost" {
				t.Errorf("unreachable hook got %q", b)
			}
		default:
			t.Error("the held packet was not reported unreachable")
		}
		if err := e.send(t, "again"); !errors.Is(err, errno.EHOSTUNREACH) {
			t.Errorf("send to a failed neighbour: %v", err)
		}
		time.Sleep(arp.DefaultDown)
		if err := e.send(t, "later"); err != nil {
			t.Errorf("send after the down time: %v", err)
		}
		if ps := arpFrames(t, e.frames()); len(ps) != 1 {
			t.Errorf("after the down time: %d requests", len(ps))
		}
		if st := e.arp.Stats(); st.Timeouts != 1 {
			t.Errorf("stats %+v", st)
		}
	})
}

func TestExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		e.frames()
		// A request for our address teaches us the sender and is answered.
		e.inject(t, ether.Broadcast, arp.Packet{Op: arp.OpRequest, SHA: peerMAC, SPA: peerIP, TPA: myIP})
		ps := arpFrames(t, e.frames())
		if len(ps) != 1 || ps[0].Op != arp.OpReply || ps[0].THA != peerMAC || ps[0].TPA != peerIP || ps[0].SPA != myIP || ps[0].SHA != myMAC {
			t.Fatalf("reply: %+v", ps)
		}
		if _, ok := e.arp.Lookup(e.ifp, peerIP); !ok {
			t.Fatal("not learnt from a request")
		}
		// Shortly before expiry a send re-asks, unicast, without waiting.
		time.Sleep(arp.DefaultKeep - 10*time.Second)
		if err := e.send(t, "x"); err != nil {
			t.Fatal(err)
		}
		fs := e.frames()
		ps = arpFrames(t, fs)
		if len(fs) != 2 || len(ps) != 1 || ps[0].TPA != peerIP {
			t.Fatalf("refresh: %d frames, %+v", len(fs), ps)
		}
		time.Sleep(20 * time.Second)
		if _, ok := e.arp.Lookup(e.ifp, peerIP); ok {
			t.Fatal("entry outlived net.inet.arp.keep")
		}
		if err := e.send(t, "y"); err != nil {
			t.Fatal(err)
		}
		if ps := arpFrames(t, e.frames()); len(ps) != 1 || ps[0].Op != arp.OpRequest {
			t.Fatalf("after expiry: %+v", ps)
		}
	})
}

func TestSysctlKeep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		root := kern.RootCred()
		if err := e.k.Sysctl().Set(root, "net.inet.arp.keep", "60"); err != nil {
			t.Fatal(err)
		}
		e.inject(t, ether.Broadcast, arp.Packet{Op: arp.OpRequest, SHA: peerMAC, SPA: peerIP, TPA: myIP})
		e.frames()
		time.Sleep(61 * time.Second)
		if _, ok := e.arp.Lookup(e.ifp, peerIP); ok {
			t.Fatal("entry outlived a keep of 60s")
		}
	})
}

// TestBogus injects ARP packets that must be neither learnt nor answered.
func TestBogus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		e.frames()
		other := netip.MustParseAddr("10.0.0.3")
		bogus := []struct {
			name string
			dst  ether.Addr
			p    arp.Packet
		}{
			{"own MAC as sender", ether.Broadcast, arp.Packet{Op: arp.OpRequest, SHA: myMAC, SPA: other, TPA: myIP}},
			{"group MAC as sender", ether.Broadcast, arp.Packet{Op: arp.OpRequest, SHA: ether.Addr{3, 0, 0, 0, 0, 1}, SPA: other, TPA: myIP}},
			{"broadcast sender", ether.Broadcast, arp.Packet{Op: arp.OpRequest, SHA: peerMAC, SPA: netip.MustParseAddr("10.0.0.255"), TPA: myIP}},
			{"limited broadcast sender", ether.Broadcast, arp.Packet{Op: arp.OpRequest, SHA: peerMAC, SPA: netip.MustParseAddr("255.255.255.255"), TPA: myIP}},
			{"multicast sender", ether.Broadcast, arp.Packet{Op: arp.OpRequest, SHA: peerMAC, SPA: netip.MustParseAddr("224.0.0.1"), TPA: myIP}},
			{"our address claimed", ether.Broadcast, arp.Packet{Op: arp.OpRequest, SHA: peerMAC, SPA: myIP, TPA: myIP}},
			{"for someone else", ether.Broadcast, arp.Packet{Op: arp.OpRequest, SHA: peerMAC, SPA: other, TPA: netip.MustParseAddr("10.0.0.4")}},
			{"unsolicited reply for someone else", peerMAC, arp.Packet{Op: arp.OpReply, SHA: peerMAC, SPA: other, TPA: netip.MustParseAddr("10.0.0.4")}},
		}
		for _, b := range bogus {
			e.inject(t, b.dst, b.p)
			if fs := e.frames(); len(fs) != 0 {
				t.Errorf("%s: answered with %d frames", b.name, len(fs))
			}
			if len(e.arp.Entries()) != 0 {
				t.Errorf("%s: learnt %+v", b.name, e.arp.Entries())
				e.arp.Delete(other)
			}
		}
		// Malformed packets: short, wrong hardware or protocol types.
		good := make([]byte, ether.HeaderLen+arp.HeaderLen)
		ether.Header{Dst: ether.Broadcast, Src: peerMAC, Type: ether.TypeARP}.Put(good)
		arp.Packet{Op: arp.OpRequest, SHA: peerMAC, SPA: peerIP, TPA: myIP}.Put(good[ether.HeaderLen:])
		for i, mangle := range []func(p []byte) []byte{
			func(p []byte) []byte { return p[:ether.HeaderLen+27] },
			func(p []byte) []byte { p[ether.HeaderLen+1] = 6; return p },
			func(p []byte) []byte { p[ether.HeaderLen+2] = 0x86; return p },
			func(p []byte) []byte { p[ether.HeaderLen+4] = 8; return p },
			func(p []byte) []byte { p[ether.HeaderLen+5] = 16; return p },
			func(p []byte) []byte { p[ether.HeaderLen+7] = 9; return p },
		} {
			f := mangle(append([]byte(nil), good...))
			e.link.Inject(f)
			if fs := e.frames(); len(fs) != 0 || len(e.arp.Entries()) != 0 {
				t.Errorf("malformed packet %d was taken", i)
			}
		}
		// Frames from our own or a group MAC stop at ifnet: 3 + 6 bad.
		if st := e.arp.Stats(); st.Bad != 9 || st.Duplicate != 1 {
			t.Errorf("stats %+v", st)
		}
	})
}

// BenchmarkOutputResolved is the send path to a known neighbour, which
// every packet of a stream takes; the link drops the frames.
func BenchmarkOutputResolved(b *testing.B) {
	k, err := kern.Boot(kern.Config{Host: memhost.New(memhost.Options{})})
	if err != nil {
		b.Fatal(err)
	}
	defer k.Halt()
	l, _ := ifnettest.Pair(ifnettest.Ether(1), ifnettest.Ether(2))
	l.SetFilter(func([]byte) bool { return false })
	ifp, _ := ifnet.Of(k).Attach(l)
	ifp.AddAddr(netip.MustParsePrefix("10.0.0.1/24"))
	ifp.SetUp(true)
	a := arp.Of(k)
	f := make([]byte, ether.HeaderLen+arp.HeaderLen)
	ether.Header{Dst: myMAC, Src: peerMAC, Type: ether.TypeARP}.Put(f)
	arp.Packet{Op: arp.OpRequest, SHA: peerMAC, SPA: peerIP, TPA: myIP}.Put(f[ether.HeaderLen:])
	l.Inject(f)
	for {
		if _, ok := a.Lookup(ifp, peerIP); ok {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := a.Output(ifp, peerIP, pkt.New(pkt.Headroom, 64)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestHeldPacketsKeepOrder: a packet sent while the ones held during
// resolution are being sent queues behind them rather than overtaking
// them (a UDP stream's datagrams arrived swapped before).
func TestHeldPacketsKeepOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		e.frames()
		const held = 8
		for i := range held {
			if err := e.send(t, strconv.Itoa(i)); err != nil {
				t.Fatal(err)
			}
		}
		// Hold the flush after its first packet until another is sent.
		flushing, sent := make(chan struct{}), make(chan struct{})
		var once sync.Once
		e.link.SetFilter(func(f []byte) bool {
			e.sent <- append([]byte(nil), f...)
			if string(f[ether.HeaderLen:]) == "0" {
				once.Do(func() { close(flushing); <-sent })
			}
			return false
		})
		replied := make(chan struct{})
		go func() {
			defer close(replied)
			e.inject(t, myMAC, arp.Packet{Op: arp.OpReply, SHA: peerMAC, SPA: peerIP, THA: myMAC, TPA: myIP})
		}()
		<-flushing
		if err := e.send(t, strconv.Itoa(held)); err != nil {
			t.Fatal(err)
		}
		close(sent)
		<-replied
		var order []int
		for _, f := range e.frames() {
			if h, _ := ether.Parse(f); h.Type == ether.TypeIPv4 {
				n, _ := strconv.Atoi(string(f[ether.HeaderLen:]))
				order = append(order, n)
			}
		}
		for i, n := range order {
			if n != i || len(order) != held+1 {
				t.Fatalf("packets left in the order %v", order)
			}
		}
	})
}
