package inet

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
)

// syncLink delivers a frame to its peer on the sender's goroutine: the
// benchmark then measures the stack's own work per packet.
type syncLink struct {
	info ifnet.LinkInfo
	peer *syncLink
	mu   sync.RWMutex
	rx   func(*pkt.Buf)
}

func (l *syncLink) Info() ifnet.LinkInfo { return l.info }
func (l *syncLink) Start(rx func(*pkt.Buf)) error {
	l.mu.Lock()
	l.rx = rx
	l.mu.Unlock()
	return nil
}
func (l *syncLink) Transmit(b *pkt.Buf) error {
	p := l.peer
	p.mu.RLock()
	rx := p.rx
	p.mu.RUnlock()
	if rx == nil {
		b.Free()
		return nil
	}
	rx(b)
	return nil
}
func (l *syncLink) Close() error {
	l.mu.Lock()
	l.rx = nil
	l.mu.Unlock()
	return nil
}

// counter is a transport that counts and frees.
type counter struct{ n, bytes atomic.Int64 }

func (c *counter) Input(h *Header, b *pkt.Buf) {
	c.n.Add(1)
	c.bytes.Add(int64(b.Len()))
	b.Free()
}
func (c *counter) ControlInput(*Control) {}

func benchNet(b *testing.B, sync bool) *testNet {
	if !sync {
		return newTestNet(b)
	}
	n := &testNet{ka: bootKernel(b), kb: bootKernel(b)}
	la := &syncLink{info: ethInfo(1)}
	lb := &syncLink{info: ethInfo(2)}
	la.peer, lb.peer = lb, la
	n.ifa = attach(b, n.ka, la, "10.0.0.1/24")
	n.ifb = attach(b, n.kb, lb, "10.0.0.2/24")
	n.ipa, n.ipb = IPOf(n.ka), IPOf(n.kb)
	n.addrA, n.addrB = mustAddr("10.0.0.1"), mustAddr("10.0.0.2")
	return n
}

func ethInfo(last byte) ifnet.LinkInfo {
	return ifnet.LinkInfo{Type: ifnet.LinkEthernet, Prefix: "sync", MTU: 1500, Addr: [6]byte{2, 0, 0, 0, 0, last}}
}

func benchmarkPath(b *testing.B, sync bool, size int, local bool) {
	n := benchNet(b, sync)
	c := &counter{}
	dst := n.addrB
	if local {
		n.ipa.Register(253, c)
		dst = n.addrA
	} else {
		n.ipb.Register(253, c)
	}
	payload := make([]byte, size)
	// Resolve B first.
	for c.n.Load() == 0 {
		n.ipa.Output(pkt.From(pkt.Headroom, payload), Out{Dst: dst, Proto: 253})
		runtime.Gosched()
	}
	start := c.n.Load()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	sent := int64(0)
	for b.Loop() {
		for {
			err := n.ipa.Output(pkt.From(pkt.Headroom, payload), Out{Dst: dst, Proto: 253})
			if err == nil {
				sent++
				break
			}
			if !errors.Is(err, errno.ENOBUFS) {
				b.Fatal(err)
			}
			runtime.Gosched()
		}
	}
	for c.n.Load()-start < sent*int64(1+size/1500) && c.n.Load()-start < sent {
		runtime.Gosched()
	}
}

// BenchmarkOutputInput1460 sends 1460-byte payloads from A to B over a
// link that delivers on the sender's goroutine: header building, route
// and ARP lookups, Ethernet framing, input checks and demultiplexing.
func BenchmarkOutputInput1460(b *testing.B) { benchmarkPath(b, true, 1460, false) }

// BenchmarkOutputInput1460Queued is the same over ifnettest's queued
// link, one goroutine per direction.
func BenchmarkOutputInput1460Queued(b *testing.B) { benchmarkPath(b, false, 1460, false) }

// BenchmarkOutputInputFragmented sends 8000-byte datagrams, fragmented
// and reassembled.
func BenchmarkOutputInputFragmented(b *testing.B) { benchmarkPath(b, true, 8000, false) }

// BenchmarkLoopback1460 sends 1460-byte payloads to this host through
// lo0.
func BenchmarkLoopback1460(b *testing.B) { benchmarkPath(b, true, 1460, true) }
