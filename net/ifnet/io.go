package ifnet

import (
	"sync/atomic"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ether"
	"github.com/gorump/gorump/net/pkt"
)

// input is the receive function given to the link: it takes ownership of
// b, checks the link header and hands the packet to its protocol.
func (ifp *Interface) input(b *pkt.Buf) {
	s := &ifp.stats
	s.ipackets.Add(1)
	s.ibytes.Add(uint64(b.Len()))
	if !ifp.up.Load() || ifp.detached.Load() {
		s.iqdrops.Add(1)
		b.Free()
		return
	}
	if ifp.info.Type == LinkLoopback {
		p := b.Bytes()
		if len(p) == 0 || p[0]>>4 != 4 || ifp.n.ipv4 == nil {
			s.noproto.Add(1)
			b.Free()
			return
		}
		ifp.n.ipv4(ifp, b)
		return
	}
	h, err := ether.Parse(b.Bytes())
	if err != nil {
		s.ierrors.Add(1)
		b.Free()
		return
	}
	switch {
	case h.Dst == ifp.info.Addr:
	case h.Dst.IsBroadcast():
		s.ibcast.Add(1)
	case h.Dst.IsMulticast():
		s.imcast.Add(1)
	default:
		// Not for us (a hub, a bridge flooding, a promiscuous TAP).
		s.iqdrops.Add(1)
		b.Free()
		return
	}
	if h.Src == ifp.info.Addr || h.Src.IsMulticast() {
		// Our own frames looping back, or a forged group source.
		s.ierrors.Add(1)
		b.Free()
		return
	}
	f := ifp.n.byEther[h.Type]
	if f == nil {
		s.noproto.Add(1)
		b.Free()
		return
	}
	b.TrimFront(ether.HeaderLen)
	f(ifp, b)
}

// Output sends the packet in b (a network-layer packet: IPv4 or ARP)
// to the station dst on the interface's link, as protocol etherType. It
// takes ownership of b. Loopback links ignore dst and etherType. Errors:
// ENETDOWN (down or detached), ENOBUFS (the link's queue is full), or
// what the link returns.
func (ifp *Interface) Output(b *pkt.Buf, dst ether.Addr, etherType uint16) error {
	if !ifp.up.Load() || ifp.detached.Load() {
		ifp.stats.oerrors.Add(1)
		b.Free()
		return errno.ENETDOWN
	}
	if ifp.info.Type == LinkEthernet {
		ether.Header{Dst: dst, Src: ifp.info.Addr, Type: etherType}.Put(b.Prepend(ether.HeaderLen))
		if dst.IsMulticast() {
			ifp.stats.omcast.Add(1)
		}
	}
	n := b.Len()
	if err := ifp.link.Transmit(b); err != nil {
		if err == errno.ENOBUFS {
			ifp.stats.oqdrops.Add(1)
		} else {
			ifp.stats.oerrors.Add(1)
		}
		return err
	}
	ifp.stats.opackets.Add(1)
	ifp.stats.obytes.Add(uint64(n))
	return nil
}

// CountNoProto counts a packet that a protocol above could not take,
// such as an IPv4 packet with an unknown protocol.
func (ifp *Interface) CountNoProto() { ifp.stats.noproto.Add(1) }

// CountInputError counts a received packet that a protocol found bad.
func (ifp *Interface) CountInputError() { ifp.stats.ierrors.Add(1) }

// Stats are an interface's counters, as netstat -i shows them.
type Stats struct {
	PacketsIn, BytesIn   uint64
	PacketsOut, BytesOut uint64
	ErrorsIn, ErrorsOut  uint64
	DropsIn, DropsOut    uint64 // dropped: down, not for us; send queue full
	BroadcastIn          uint64
	MulticastIn          uint64
	MulticastOut         uint64
	NoProto              uint64 // for a protocol the kernel lacks
}

type stats struct {
	ipackets, ibytes, opackets, obytes atomic.Uint64
	ierrors, oerrors, iqdrops, oqdrops atomic.Uint64
	ibcast, imcast, omcast, noproto    atomic.Uint64
}

// Stats returns the interface's counters.
func (ifp *Interface) Stats() Stats {
	s := &ifp.stats
	return Stats{
		PacketsIn: s.ipackets.Load(), BytesIn: s.ibytes.Load(),
		PacketsOut: s.opackets.Load(), BytesOut: s.obytes.Load(),
		ErrorsIn: s.ierrors.Load(), ErrorsOut: s.oerrors.Load(),
		DropsIn: s.iqdrops.Load(), DropsOut: s.oqdrops.Load(),
		BroadcastIn: s.ibcast.Load(), MulticastIn: s.imcast.Load(), MulticastOut: s.omcast.Load(),
		NoProto: s.noproto.Load(),
	}
}

// ifSlots counts the IfSlots handed out.
var ifSlots atomic.Int32

// IfSlot is a typed place for a protocol's per-interface state. Slots are
// made at package init; values are set by an Attach hook, before the
// interface is visible, so Get needs no lock.
type IfSlot[T any] struct{ index int }

// NewIfSlot allocates a per-interface slot. Call it from package-level
// variable initialisation.
func NewIfSlot[T any]() IfSlot[T] { return IfSlot[T]{index: int(ifSlots.Add(1)) - 1} }

// Get returns the value stored in ifp, or the zero value.
func (s IfSlot[T]) Get(ifp *Interface) T {
	if s.index < len(ifp.slots) {
		if v, ok := ifp.slots[s.index].(T); ok {
			return v
		}
	}
	var zero T
	return zero
}

// Set stores v in ifp. Only an Attach hook may call it.
func (s IfSlot[T]) Set(ifp *Interface, v T) { ifp.slots[s.index] = v }
