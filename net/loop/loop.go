// Package loop is the loopback interface: the "loop" component attaches
// lo0 at boot with 127.0.0.1/8, MTU 32768 as on NetBSD, and brings it up.
//
// The IPv4 layer sends every packet for one of this host's own addresses
// through lo0. Delivery is asynchronous: Transmit only queues the packet,
// and a goroutine, started when the queue stops being empty and ending
// when it is empty again, hands queued packets to the interface's input.
// So sending never runs the receiving protocol's input on the sender's
// stack, and a protocol may hold its locks while it sends to itself.
//
// Buffers: Transmit takes ownership of the packet; the receive function
// takes ownership of each packet it is given. There are no locks but
// Link.mu, a leaf, never held while the receive function runs.
package loop

import (
	"net/netip"
	"sync"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
)

// MTU is the loopback MTU, NetBSD's LOMTU.
const MTU = 32768

// QueueLen is how many packets wait for delivery before Transmit fails
// with ENOBUFS (NetBSD's ifqmaxlen is 256; a fast local TCP flow wants
// more).
const QueueLen = 1024

func init() {
	kern.Register(kern.Component{Name: "loop", Level: kern.LevelNetIf, Init: initLoop})
}

func initLoop(k *kern.Kernel) error {
	n := ifnet.Of(k)
	if n == nil {
		return errno.ENXIO
	}
	ifp, err := n.Attach(New(k))
	if err != nil {
		return err
	}
	if err := ifp.AddAddr(netip.MustParsePrefix("127.0.0.1/8")); err != nil {
		return err
	}
	return ifp.SetUp(true)
}

// Link is a loopback link: what it transmits, it receives.
//
// An idle kernel runs no goroutine: the first packet queued starts one,
// which delivers until the queue is empty and then ends.
type Link struct {
	mu      sync.Mutex // guards the fields below
	rx      func(*pkt.Buf)
	q       []*pkt.Buf // waiting for delivery, oldest first
	spare   []*pkt.Buf // the drained queue, reused
	running bool       // a delivering goroutine is on its way or running
	closed  bool
	idle    sync.Cond // signalled when running goes false
}

// New returns a loopback link; attach it with ifnet.Attach. lo0 is
// attached at boot; more ("lo1") are for tests. k is unused: delivery
// needs no kernel thread while idle.
func New(k *kern.Kernel) *Link {
	l := &Link{}
	l.idle.L = &l.mu
	return l
}

// Info implements ifnet.Link.
func (l *Link) Info() ifnet.LinkInfo {
	return ifnet.LinkInfo{Type: ifnet.LinkLoopback, Prefix: "lo", MTU: MTU}
}

// Start implements ifnet.Link.
func (l *Link) Start(rx func(*pkt.Buf)) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rx != nil || l.closed {
		return errno.EINVAL
	}
	l.rx = rx
	return nil
}

// Transmit implements ifnet.Link: it queues b for delivery and returns;
// ENOBUFS when QueueLen packets wait, ENETDOWN after Close.
func (l *Link) Transmit(b *pkt.Buf) error {
	l.mu.Lock()
	if l.closed || l.rx == nil {
		l.mu.Unlock()
		b.Free()
		return errno.ENETDOWN
	}
	if len(l.q) >= QueueLen {
		l.mu.Unlock()
		b.Free()
		return errno.ENOBUFS
	}
	l.q = append(l.q, b)
	start := !l.running
	l.running = true
	l.mu.Unlock()
	if start {
		// Close waits for this goroutine, and the interface is closed
		// when the kernel halts, so it never outlives its kernel.
		go l.deliver()
	}
	return nil
}

// deliver hands queued packets to the receive function until the queue
// is empty or the link closes.
func (l *Link) deliver() {
	l.mu.Lock()
	for len(l.q) > 0 && !l.closed {
		batch := l.q
		l.q, l.spare = l.spare[:0], nil
		rx := l.rx
		l.mu.Unlock()
		for i, b := range batch {
			rx(b)
			batch[i] = nil
		}
		l.mu.Lock()
		if l.spare == nil {
			l.spare = batch[:0]
		}
	}
	l.running = false
	l.idle.Broadcast()
	l.mu.Unlock()
}

// Close implements ifnet.Link: it stops delivery, waits for the packet
// being delivered and drops the rest.
func (l *Link) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for l.running {
		l.idle.Wait()
	}
	for _, b := range l.q {
		b.Free()
	}
	l.q = nil
	return nil
}
