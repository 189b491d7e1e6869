package inet

import (
	"encoding/binary"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/ifnet/ifnettest"
	_ "github.com/gorump/gorump/net/loop" // lo0, for local delivery
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// bootKernel boots a kernel with the network components linked into this
// test binary and halts it when the test ends, checking for leaks.
func bootKernel(t testing.TB) *kern.Kernel {
	t.Helper()
	k, err := kern.Boot(kern.Config{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatalf("boot: %v", err)
	}
	t.Cleanup(func() {
		if err := k.Halt(); err != nil {
			t.Errorf("halt: %v", err)
		}
	})
	return k
}

// checkLeaks makes the test fail if goroutines remain once every kernel
// the test boots afterwards has halted: call it first.
func checkLeaks(t testing.TB) {
	base := runtime.NumGoroutine()
	t.Cleanup(func() { leaktest.Check(t, base) })
}

// testNet is two kernels joined by a back-to-back Ethernet link: A is
// 10.0.0.1/24, B 10.0.0.2/24.
type testNet struct {
	ka, kb       *kern.Kernel
	ifa, ifb     *ifnet.Interface
	la, lb       *ifnettest.Link
	ipa, ipb     *IP
	addrA, addrB netip.Addr
}

func newTestNet(t testing.TB) *testNet {
	t.Helper()
	checkLeaks(t)
	return newBubbleNet(t)
}

// newBubbleNet is newTestNet for tests in a synctest bubble, which check
// for leaks outside it (with checkLeaks before synctest.Test): inside,
// the grace period is virtual and other tests' goroutines still count.
func newBubbleNet(t testing.TB) *testNet {
	t.Helper()
	n := &testNet{ka: bootKernel(t), kb: bootKernel(t)}
	n.la, n.lb = ifnettest.Pair(ifnettest.Ether(1), ifnettest.Ether(2))
	n.ifa = attach(t, n.ka, n.la, "10.0.0.1/24")
	n.ifb = attach(t, n.kb, n.lb, "10.0.0.2/24")
	n.ipa, n.ipb = IPOf(n.ka), IPOf(n.kb)
	n.addrA, n.addrB = netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	return n
}

func attach(t testing.TB, k *kern.Kernel, l ifnet.Link, addr string) *ifnet.Interface {
	t.Helper()
	ifp, err := ifnet.Of(k).Attach(l)
	if err != nil {
		t.Fatalf("attach: %v", err)
	}
	if err := ifp.AddAddr(netip.MustParsePrefix(addr)); err != nil {
		t.Fatalf("add addr: %v", err)
	}
	if err := ifp.SetUp(true); err != nil {
		t.Fatalf("up: %v", err)
	}
	return ifp
}

// recorder is a Transport that keeps what it receives.
type recorder struct {
	mu     sync.Mutex
	in     []received
	ctl    []Control
	notify chan struct{}
}

type received struct {
	h    Header
	data []byte
}

func newRecorder() *recorder { return &recorder{notify: make(chan struct{}, 1024)} }

func (r *recorder) Input(h *Header, b *pkt.Buf) {
	r.mu.Lock()
	r.in = append(r.in, received{*h, append([]byte(nil), b.Bytes()...)})
	r.mu.Unlock()
	b.Free()
	r.notify <- struct{}{}
}

func (r *recorder) ControlInput(c *Control) {
	r.mu.Lock()
	cc := *c
	cc.Transport = append([]byte(nil), c.Transport...)
	r.ctl = append(r.ctl, cc)
	r.mu.Unlock()
	r.notify <- struct{}{}
}

// wait waits until cond holds on the recorder.
func (r *recorder) wait(t testing.TB, what string, cond func(r *recorder) bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		r.mu.Lock()
		ok := cond(r)
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.notify:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// echoRequest returns an ICMP echo request with the given id, sequence
// and payload.
func echoRequest(id, seq uint16, payload []byte) []byte {
	m := make([]byte, 8+len(payload))
	m[0] = icmpEcho
	binary.BigEndian.PutUint16(m[4:6], id)
	binary.BigEndian.PutUint16(m[6:8], seq)
	copy(m[8:], payload)
	binary.BigEndian.PutUint16(m[2:4], Fold(Checksum(m, 0)))
	return m
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// fuzzNet is one test network shared by every run of a fuzz target in
// this process (booting two kernels per input would make fuzzing slow);
// it is never halted.
var fuzzNet struct {
	once sync.Once
	n    *testNet
}

func newFuzzNet(t *testing.T) *testNet {
	fuzzNet.once.Do(func() {
		boot := func() *kern.Kernel {
			k, err := kern.Boot(kern.Config{Host: memhost.New(memhost.Options{})})
			if err != nil {
				panic(err)
			}
			return k
		}
		n := &testNet{ka: boot(), kb: boot()}
		n.la, n.lb = ifnettest.Pair(ifnettest.Ether(1), ifnettest.Ether(2))
		n.ifa = attach(t, n.ka, n.la, "10.0.0.1/24")
		n.ifb = attach(t, n.kb, n.lb, "10.0.0.2/24")
		n.ipa, n.ipb = IPOf(n.ka), IPOf(n.kb)
		n.addrA, n.addrB = mustAddr("10.0.0.1"), mustAddr("10.0.0.2")
		fuzzNet.n = n
	})
	return fuzzNet.n
}

// eventually waits up to five seconds for cond to hold.
func eventually(cond func() bool) {
	for deadline := time.Now().Add(5 * time.Second); !cond() && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}
