package wire

import (
	"sync"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
)

// Hub is an Ethernet switch joining any number of kernels: a frame sent
// on one port goes to the port that last sent from its destination
// address or, for broadcast, multicast and addresses not yet seen, to
// every other port. Impairments apply to the frames a port receives.
type Hub struct {
	cfg Config // with defaults filled in

	mu    sync.Mutex // guards ports and where
	ports []*Port
	where map[[6]byte]*Port // learnt: the port each address sends from
}

// NewHub returns a switch with no ports. Config.Impairments apply to
// every port made; Config.Seed seeds the ports' generators and
// addresses, each port drawing from its own stream.
func NewHub(cfg Config) *Hub {
	cfg = cfg.withDefaults()
	return &Hub{cfg: cfg, where: map[[6]byte]*Port{}}
}

// Port adds a port to the hub and returns it, to be attached to a kernel.
// Its address is derived from the hub's seed and the port's number.
func (h *Hub) Port() *Port {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := uint64(len(h.ports))
	p := &Port{
		h:    h,
		info: linkInfo(h.cfg.Prefix, h.cfg.MTU, h.cfg.Seed+n<<32, byte(n)),
		in:   newDir(h.cfg.Clock, h.cfg.MTU+maxLinkHeader, h.cfg.Seed, 3+n, h.cfg.Impairments),
	}
	h.ports = append(h.ports, p)
	return p
}

// Close closes every port.
func (h *Hub) Close() error {
	h.mu.Lock()
	ports := append([]*Port(nil), h.ports...)
	h.mu.Unlock()
	for _, p := range ports {
		p.Close()
	}
	return nil
}

// Port is one port of a hub: an ifnet.Link.
type Port struct {
	h    *Hub
	info ifnet.LinkInfo
	in   *dir // frames this port receives

	mu     sync.Mutex // guards closed
	closed bool
}

var _ ifnet.Link = (*Port)(nil)

// Info describes the port: an Ethernet link with the hub's MTU.
func (p *Port) Info() ifnet.LinkInfo { return p.info }

// Addr returns the port's Ethernet address.
func (p *Port) Addr() [6]byte { return p.info.Addr }

// Start begins handing the frames switched to the port to rx, on a
// goroutine of the hub. EBUSY when called twice, ENETDOWN after Close.
func (p *Port) Start(rx func(*pkt.Buf)) error { return p.in.start(rx) }

// Transmit switches one frame, taking ownership of b: to the port its
// destination was last seen sending from, or to every other port.
// EMSGSIZE for a frame larger than the MTU allows, ENETDOWN after Close;
// a frame a receiving port drops (its queue is full, its impairments lose
// it) is not an error.
func (p *Port) Transmit(b *pkt.Buf) error {
	data := b.Bytes()
	if len(data) > p.h.cfg.MTU+maxLinkHeader {
		b.Free()
		return errno.EMSGSIZE
	}
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed || len(data) < 12 {
		b.Free()
		if closed {
			return errClosed
		}
		return errno.EINVAL
	}
	var dst, src [6]byte
	copy(dst[:], data[0:6])
	copy(src[:], data[6:12])
	h := p.h
	h.mu.Lock()
	if src[0]&1 == 0 {
		h.where[src] = p
	}
	var to []*Port
	if q := h.where[dst]; q != nil && dst[0]&1 == 0 {
		if q != p {
			to = []*Port{q}
		}
	} else {
		to = make([]*Port, 0, len(h.ports)-1)
		for _, q := range h.ports {
			if q != p {
				to = append(to, q)
			}
		}
	}
	h.mu.Unlock()
	if len(to) == 0 {
		b.Free()
		return nil
	}
	for _, q := range to[1:] {
		q.in.transmit(b.Clone()) //nolint:errcheck // a receiver's drop is the cable's business
	}
	to[0].in.transmit(b) //nolint:errcheck // likewise
	return nil
}

// Close takes the port off the hub: it sends nothing more, and no rx call
// starts after Close returns.
func (p *Port) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	h := p.h
	h.mu.Lock()
	for a, q := range h.where {
		if q == p {
			delete(h.where, a)
		}
	}
	h.mu.Unlock()
	p.in.closeReceiver()
	return nil
}

// Impair sets the impairments of the frames this port receives.
func (p *Port) Impair(imp Impairments) { p.in.impair(imp) }

// Stats returns the counters of the frames switched to this port.
func (p *Port) Stats() Stats { return p.in.stats.snapshot() }
