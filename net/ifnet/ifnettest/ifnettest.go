// Package ifnettest is a fake link driver for tests: two Ethernet links
// joined back to back, each delivering what the other sends on its own
// goroutine, with hooks to watch, drop or inject frames.
package ifnettest

import (
	"sync"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
)

// QueueLen is how many frames a link holds before Transmit fails with
// ENOBUFS.
const QueueLen = 1024

// Link is one end of a Pair.
type Link struct {
	info ifnet.LinkInfo
	peer *Link
	q    chan *pkt.Buf
	stop chan struct{}
	wg   sync.WaitGroup

	mu      sync.RWMutex // guards the fields below
	rx      func(*pkt.Buf)
	started bool
	closed  bool
	// filter, when set, sees every frame this end sends (borrowed) and
	// drops it by returning false.
	filter func(frame []byte) bool
}

// Pair returns two joined links described by a and b.
func Pair(a, b ifnet.LinkInfo) (*Link, *Link) {
	la := &Link{info: a, q: make(chan *pkt.Buf, QueueLen), stop: make(chan struct{})}
	lb := &Link{info: b, q: make(chan *pkt.Buf, QueueLen), stop: make(chan struct{})}
	la.peer, lb.peer = lb, la
	return la, lb
}

// Ether returns the LinkInfo of an Ethernet link named "test" with MTU
// 1500 and the address 02:00:00:00:00:last.
func Ether(last byte) ifnet.LinkInfo {
	return ifnet.LinkInfo{Type: ifnet.LinkEthernet, Prefix: "test", MTU: 1500, Addr: [6]byte{2, 0, 0, 0, 0, last}}
}

// SetFilter makes f see every frame this end sends; frames for which it
// returns false are dropped. f borrows the frame.
func (l *Link) SetFilter(f func(frame []byte) bool) {
	l.mu.Lock()
	l.filter = f
	l.mu.Unlock()
}

// Inject delivers a copy of frame to this end as if the peer had sent it.
func (l *Link) Inject(frame []byte) error { return l.deliver(pkt.From(pkt.Headroom, frame)) }

// InjectSuper delivers a copy of frame, a TCP super-segment coalesced
// from segments of gso payload bytes, as a link with receive offload
// would (pkt.Buf.GSO).
func (l *Link) InjectSuper(frame []byte, gso int) error {
	b := pkt.From(pkt.Headroom, frame)
	b.SetGSO(gso)
	return l.deliver(b)
}

// Info implements ifnet.Link.
func (l *Link) Info() ifnet.LinkInfo { return l.info }

// Start implements ifnet.Link.
func (l *Link) Start(rx func(*pkt.Buf)) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started || l.closed {
		return errno.EINVAL
	}
	l.started, l.rx = true, rx
	l.wg.Add(1)
	go l.run()
	return nil
}

func (l *Link) run() {
	defer l.wg.Done()
	for {
		select {
		case <-l.stop:
			return
		case b := <-l.q:
			l.rx(b)
		}
	}
}

// Transmit implements ifnet.Link.
func (l *Link) Transmit(b *pkt.Buf) error {
	l.mu.RLock()
	f := l.filter
	l.mu.RUnlock()
	if f != nil && !f(b.Bytes()) {
		b.Free()
		return nil
	}
	return l.peer.deliver(b)
}

func (l *Link) deliver(b *pkt.Buf) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed || !l.started {
		b.Free() // the cable leads nowhere
		return nil
	}
	select {
	case l.q <- b:
		return nil
	default:
		b.Free()
		return errno.ENOBUFS
	}
}

// Close implements ifnet.Link.
func (l *Link) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	close(l.stop)
	l.wg.Wait()
	for {
		select {
		case b := <-l.q:
			b.Free()
		default:
			return nil
		}
	}
}

// Closed reports whether Close has been called.
func (l *Link) Closed() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.closed
}
