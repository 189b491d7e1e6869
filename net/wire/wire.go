package wire

import (
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/rumpuser"
)

// DefaultMTU is the MTU of a wire whose Config leaves it zero.
const DefaultMTU = 1500

// MaxMTU is the largest MTU a wire carries.
const MaxMTU = 65535

// DefaultQueueLen is the queue length of a direction whose Impairments
// leave it zero, the default txqueuelen of a Linux Ethernet device.
const DefaultQueueLen = 1000

// maxLinkHeader is the longest Ethernet header a frame may carry on top of
// the MTU: destination, source, a VLAN tag and the type.
const maxLinkHeader = 18

// Config describes a new wire.
type Config struct {
	// MTU is the largest packet, without its Ethernet header, that the
	// wire carries; 0 means DefaultMTU. It is at most MaxMTU.
	MTU int
	// Seed seeds the generator behind every impairment and derives the
	// ends' Ethernet addresses: wires that one kernel sees more than one
	// of need different seeds.
	Seed uint64
	// Clock times delays and bandwidth; nil means Go's time package
	// (rumpuser.GoClock), which is virtual inside a synctest bubble when
	// the wire is made there.
	Clock rumpuser.Clock
	// Impairments apply to both directions from the start; End.Impair
	// changes them later.
	Impairments Impairments
	// Prefix names the interfaces the ends become when attached; empty
	// means "wire".
	Prefix string
}

// Wire is an Ethernet cable with two ends. Its methods are safe for
// concurrent use.
type Wire struct {
	a, b End
}

// New returns a wire; its goroutines start when the ends are started and
// stop when they are closed.
func New(cfg Config) *Wire {
	cfg = cfg.withDefaults()
	mtu, clock, prefix := cfg.MTU, cfg.Clock, cfg.Prefix
	w := &Wire{}
	// Each direction draws from its own stream, so that traffic one way
	// does not change the decisions made the other way.
	ab := newDir(clock, mtu+maxLinkHeader, cfg.Seed, 1, cfg.Impairments)
	ba := newDir(clock, mtu+maxLinkHeader, cfg.Seed, 2, cfg.Impairments)
	w.a = End{info: linkInfo(prefix, mtu, cfg.Seed, 0x0a), out: ab, in: ba}
	w.b = End{info: linkInfo(prefix, mtu, cfg.Seed, 0x0b), out: ba, in: ab}
	return w
}

// withDefaults fills in the fields left zero and bounds the MTU.
func (cfg Config) withDefaults() Config {
	if cfg.MTU <= 0 {
		cfg.MTU = DefaultMTU
	}
	cfg.MTU = min(cfg.MTU, MaxMTU)
	if cfg.Clock == nil {
		cfg.Clock = rumpuser.GoClock()
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "wire"
	}
	return cfg
}

func linkInfo(prefix string, mtu int, seed uint64, last byte) ifnet.LinkInfo {
	h := splitmix64(seed)
	// Locally administered (bit 1), unicast (bit 0 clear); the last byte
	// tells the ends apart.
	addr := [6]byte{0x02, byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h), last}
	return ifnet.LinkInfo{Type: ifnet.LinkEthernet, Prefix: prefix, MTU: mtu, Addr: addr}
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// A returns the first end.
func (w *Wire) A() *End { return &w.a }

// B returns the second end.
func (w *Wire) B() *End { return &w.b }

// Impair sets the impairments of both directions.
func (w *Wire) Impair(imp Impairments) {
	w.a.Impair(imp)
	w.b.Impair(imp)
}

// Close closes both ends. Frames still on the wire are dropped.
func (w *Wire) Close() error {
	w.a.Close()
	w.b.Close()
	return nil
}

// End is one end of a wire: an ifnet.Link whose frames come out of the
// other end. Its impairments and statistics are those of the frames it
// sends.
type End struct {
	info ifnet.LinkInfo
	out  *dir // frames this end sends
	in   *dir // frames this end receives
}

var _ ifnet.Link = (*End)(nil)

// Info describes the end: an Ethernet link with the wire's MTU and an
// address derived from its seed.
func (e *End) Info() ifnet.LinkInfo { return e.info }

// Addr returns the end's Ethernet address.
func (e *End) Addr() [6]byte { return e.info.Addr }

// Start begins handing the frames the other end sends to rx, on a
// goroutine of the wire; frames sent before Start wait in the queue. It
// fails with EBUSY when called twice and ENETDOWN after Close.
func (e *End) Start(rx func(*pkt.Buf)) error { return e.in.start(rx) }

// Transmit sends one Ethernet frame to the other end, taking ownership of
// b. It returns EMSGSIZE for a frame larger than the MTU allows, ENOBUFS
// when the direction's queue is full and ENETDOWN after this end is
// closed; the frame is dropped in each case. A frame the impairments lose
// is not an error, nor is one sent to a closed end: the cable cannot tell.
func (e *End) Transmit(b *pkt.Buf) error { return e.out.transmit(b) }

// Close stops the end: it sends nothing more, and no rx call starts after
// Close returns. Frames still queued for it are dropped. Closing twice is
// a no-op. Close waits for a running rx call, so rx must not call it.
func (e *End) Close() error {
	e.out.closeSender()
	e.in.closeReceiver()
	return nil
}

// Impair sets the impairments of the frames this end sends, from the next
// frame on; frames already on the wire keep the timing they were given.
func (e *End) Impair(imp Impairments) { e.out.impair(imp) }

// Impairments returns the impairments of the frames this end sends.
func (e *End) Impairments() Impairments {
	e.out.mu.Lock()
	defer e.out.mu.Unlock()
	return e.out.imp
}

// Stats returns the counters of the frames this end sends.
func (e *End) Stats() Stats { return e.out.stats.snapshot() }

// errClosed is what a closed end's Transmit returns.
var errClosed error = errno.ENETDOWN

// holdTimeout is how long a frame held back for reordering waits for a
// later frame to overtake it before it goes out alone.
const holdTimeout = 5 * time.Millisecond
