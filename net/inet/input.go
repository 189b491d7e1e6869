package inet

import (
	"net/netip"
	"sync"

	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/net/route"
)

// input receives an IPv4 packet from interface ifp, the link header
// removed; it takes ownership of b.
func (ip *IP) input(ifp *ifnet.Interface, b *pkt.Buf) {
	s := &ip.stats
	s.received.Add(1)
	h, herr := parseHeader(b.Bytes())
	if herr != hdrOK {
		switch herr {
		case hdrTooShort, hdrBadLen:
			s.tooShort.Add(1)
		case hdrBadVersion:
			s.badVersion.Add(1)
		case hdrBadHeaderLen:
			s.badHeaderLen.Add(1)
		case hdrBadSum:
			s.badSum.Add(1)
		}
		ifp.CountInputError()
		b.Free()
		return
	}
	b.Truncate(h.totalLen) // link padding
	fromLoop := ifp.Type() == ifnet.LinkLoopback
	if h.src.IsMulticast() || h.src == limitedBroadcast ||
		(!fromLoop && (h.src.IsLoopback() || h.dst.IsLoopback())) || h.dst.IsUnspecified() {
		s.badAddr.Add(1)
		b.Free()
		return
	}
	lifp, bcast := ip.ifn.Local(h.dst)
	if bcast && lifp != nil && lifp != ifp && !fromLoop {
		// A directed broadcast for another interface's network (the
		// loopback interface brings this host's own broadcasts).
		bcast, lifp = false, nil
	}
	if lifp == nil && !bcast && !h.dst.IsMulticast() {
		ip.forward(&h, b)
		return
	}
	if _, srcBcast := ip.ifn.Local(h.src); srcBcast {
		s.badAddr.Add(1)
		b.Free()
		return
	}
	if h.mf() || h.fragOffset() != 0 {
		s.fragments.Add(1)
		b = ip.reass.add(ifp, &h, b)
		if b == nil {
			return
		}
		s.reassembled.Add(1)
	}
	hdr := headerPool.Get().(*Header)
	defer headerPool.Put(hdr)
	*hdr = Header{
		Src: h.src, Dst: h.dst, Proto: h.proto, TTL: h.ttl, TOS: h.tos,
		Broadcast: bcast || h.dst.IsMulticast(),
		IfIndex:   ifp.Index(),
		ipLen:     uint16(h.totalLen), ipID: h.id, ipFrag: h.frag,
	}
	b.TrimFront(h.hlen)
	if h.proto == ProtoICMP {
		s.delivered.Add(1)
		ip.icmpInput(hdr, b)
		return
	}
	t := ip.transport(h.proto)
	if t == nil {
		s.noProto.Add(1)
		ifp.CountNoProto()
		ip.icmpErrorAbout(hdr, b, icmpUnreach, codeProtoUnreach, 0)
		b.Free()
		return
	}
	s.delivered.Add(1)
	t.Input(hdr, b)
}

// headerPool recycles the Headers given to transports, which only borrow
// them (see Transport.Input).
var headerPool = sync.Pool{New: func() any { return new(Header) }}

var limitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// forward sends on a packet for another host when forwarding is on
// (RFC 1812: TTL decremented, time exceeded when it runs out, fragmented
// or answered with "fragmentation needed" when too large). It takes
// ownership of b, which holds the whole packet.
func (ip *IP) forward(h *ipHeader, b *pkt.Buf) {
	s := &ip.stats
	if !ip.forwarding.Load() || h.dst.IsMulticast() || h.src.IsUnspecified() {
		s.notForUs.Add(1)
		b.Free()
		return
	}
	if h.ttl <= 1 {
		s.cantForward.Add(1)
		ip.icmpErrorRaw(b.Bytes(), h, false, icmpTimeExceeded, codeTTLExceeded, 0)
		b.Free()
		return
	}
	rt := route.Of(ip.k)
	var r route.Route
	var err error
	if rt != nil {
		r, err = rt.Lookup(h.dst)
	}
	if rt == nil || err != nil {
		s.cantForward.Add(1)
		ip.icmpErrorRaw(b.Bytes(), h, false, icmpUnreach, codeNetUnreach, 0)
		b.Free()
		return
	}
	p := path{ifp: r.Interface(), nexthop: r.NextHop(h.dst), mtu: r.Interface().MTU()}
	if pm, ok := rt.PathMTU(h.dst); ok && pm < p.mtu {
		p.mtu = pm
	}
	if _, bcast := ip.ifn.Local(h.dst); bcast {
		// A directed broadcast for another network: RFC 2644 says drop.
		s.cantForward.Add(1)
		b.Free()
		return
	}
	pk := b.Bytes()
	pk[8]--
	setChecksum(pk, h.hlen)
	h.ttl--
	s.forwarded.Add(1)
	// A TCP super-segment the receiving link coalesced leaves as the
	// segments it was made of; its checksum is complete, so it is an
	// ordinary packet to the next link.
	gso := b.GSO()
	b.SetGSO(0)
	if h.totalLen <= p.mtu {
		ip.transmit(&p, b) //nolint:errcheck // counted; the sender retransmits
		return
	}
	if gso > 0 && h.proto == ProtoTCP && h.fragOffset() == 0 && !h.mf() {
		ip.segmentAndSend(&p, h, b, gso) //nolint:errcheck // counted
		return
	}
	if h.df() {
		ip.icmpErrorRaw(pk, h, false, icmpUnreach, codeNeedFrag, p.mtu)
		b.Free()
		return
	}
	ip.fragmentAndSend(&p, b) //nolint:errcheck // counted
}
