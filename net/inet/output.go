package inet

import (
	"net/netip"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ether"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/net/route"
)

// cast says how a packet is addressed at the link layer.
type cast uint8

const (
	unicast cast = iota
	broadcast
	multicast
)

// path is where a packet goes: the interface, the next hop and how.
type path struct {
	ifp     *ifnet.Interface
	nexthop netip.Addr
	src     netip.Addr // the source the route suggests
	mtu     int
	cast    cast
	local   bool // the destination is this host
}

// findPath works out where a packet to dst goes. src is the source the
// sender asked for (or the zero Addr); it picks the interface of a
// limited broadcast.
func (ip *IP) findPath(dst, src netip.Addr) (path, error) {
	lifp, bcast := ip.ifn.Local(dst)
	switch {
	case lifp != nil && !bcast:
		lo := ip.ifn.Loopback()
		if lo == nil {
			return path{}, errno.ENETUNREACH
		}
		return path{ifp: lo, nexthop: dst, src: dst, mtu: lo.MTU(), local: true}, nil
	case bcast && lifp == nil: // 255.255.255.255
		ifp := ip.broadcastInterface(src)
		if ifp == nil {
			return path{}, errno.ENETUNREACH
		}
		s, _ := ifp.SourceFor(dst)
		return path{ifp: ifp, nexthop: dst, src: s, mtu: ifp.MTU(), cast: broadcast}, nil
	case bcast:
		s, _ := lifp.SourceFor(dst)
		return path{ifp: lifp, nexthop: dst, src: s, mtu: lifp.MTU(), cast: broadcast}, nil
	}
	rt := route.Of(ip.k)
	if rt == nil {
		return path{}, errno.ENETUNREACH
	}
	r, err := rt.Lookup(dst)
	if err != nil {
		return path{}, err
	}
	p := path{ifp: r.Interface(), nexthop: r.NextHop(dst), src: r.Src, mtu: r.Interface().MTU()}
	if dst.IsMulticast() {
		p.cast, p.nexthop = multicast, dst
	}
	if pm, ok := rt.PathMTU(dst); ok && pm < p.mtu {
		p.mtu = pm
	}
	return p, nil
}

// tso reports whether a TCP super-segment can go this way.
func (p *path) tso() bool { return p.cast == unicast && !p.local && p.ifp.TSO() }

// superSegmentFits reports whether b, a TCP super-segment without its IP
// header, can go on p: the interface still takes them, and every segment
// it cuts (the IP and TCP headers and GSO bytes of payload) fits the
// path MTU.
func (p *path) superSegmentFits(b *pkt.Buf) bool {
	t := b.Bytes()
	if !p.tso() || len(t) < 20 {
		return false
	}
	tcpHeader := int(t[12]>>4) * 4
	return HeaderLen+tcpHeader+b.GSO() <= p.mtu
}

// broadcastInterface picks the interface for a limited broadcast: the
// one holding src, else the first Ethernet interface that is up.
func (ip *IP) broadcastInterface(src netip.Addr) *ifnet.Interface {
	if src.IsValid() {
		if ifp, _ := ip.ifn.Local(src); ifp != nil && ifp.Type() == ifnet.LinkEthernet {
			return ifp
		}
	}
	for _, ifp := range ip.ifn.Interfaces() {
		if ifp.Type() == ifnet.LinkEthernet && ifp.Up() {
			return ifp
		}
	}
	return nil
}

// Output implements Network.
func (ip *IP) Output(b *pkt.Buf, o Out) error {
	ip.stats.localOut.Add(1)
	if !o.Dst.Is4() || (o.Src.IsValid() && !o.Src.Is4()) {
		b.Free()
		return errno.EAFNOSUPPORT
	}
	if o.Src.IsValid() && !o.Src.IsUnspecified() {
		if ifp, bcast := ip.ifn.Local(o.Src); ifp == nil || bcast {
			b.Free()
			return errno.EADDRNOTAVAIL
		}
	}
	p, err := ip.findPath(o.Dst, o.Src)
	if err != nil {
		ip.stats.noRoute.Add(1)
		b.Free()
		return err
	}
	if !p.ifp.Up() {
		ip.stats.outDropped.Add(1)
		b.Free()
		return errno.ENETDOWN
	}
	src := o.Src
	if !src.IsValid() || src.IsUnspecified() {
		src = p.src
	}
	if !src.IsValid() {
		b.Free()
		return errno.EADDRNOTAVAIL
	}
	total := b.Len() + HeaderLen
	if total > MaxPacket {
		b.Free()
		return errno.EMSGSIZE
	}
	gso := b.GSO() > 0
	if gso && (o.Proto != ProtoTCP || !o.DontFrag || !p.superSegmentFits(b)) {
		// The route or the interface changed since TCP asked: TCP
		// learns it from EMSGSIZE and sends ordinary segments.
		ip.stats.cantFrag.Add(1)
		b.Free()
		return errno.EMSGSIZE
	}
	if o.DontFrag && total > p.mtu && !gso {
		ip.stats.cantFrag.Add(1)
		b.Free()
		return errno.EMSGSIZE
	}
	h := ipHeader{
		hlen:     HeaderLen,
		tos:      o.TOS,
		totalLen: total,
		id:       uint16(ip.nextID.Add(1)),
		ttl:      o.TTL,
		proto:    o.Proto,
		src:      src,
		dst:      o.Dst,
	}
	if h.ttl == 0 {
		h.ttl = uint8(ip.ttl.Load())
		if p.cast == multicast {
			h.ttl = 1
		}
	}
	if o.DontFrag {
		h.frag = flagDF
	}
	putHeader(b.Prepend(HeaderLen), &h)
	if total > p.mtu && !gso {
		return ip.fragmentAndSend(&p, b)
	}
	return ip.transmit(&p, b)
}

// transmit hands the whole IPv4 packet b to p's interface; it takes
// ownership of b.
func (ip *IP) transmit(p *path, b *pkt.Buf) error {
	var err error
	switch {
	case p.ifp.Type() != ifnet.LinkEthernet:
		err = p.ifp.Output(b, ether.Addr{}, ether.TypeIPv4)
	case p.cast == broadcast:
		// This host is on the network too: like a simplex BSD
		// interface, hand it a copy through the loopback interface.
		if lo := ip.ifn.Loopback(); lo != nil {
			lo.Output(b.Clone(), ether.Addr{}, ether.TypeIPv4) //nolint:errcheck // the copy is best effort
		}
		err = p.ifp.Output(b, ether.Broadcast, ether.TypeIPv4)
	case p.cast == multicast:
		err = p.ifp.Output(b, ether.MulticastIPv4(p.nexthop), ether.TypeIPv4)
	default:
		err = ip.arp.Output(p.ifp, p.nexthop, b)
	}
	if err != nil {
		ip.stats.outDropped.Add(1)
	}
	return err
}

// fragmentAndSend splits the whole IPv4 packet b into fragments that fit
// p.mtu and sends them; it takes ownership of b. The first error ends
// the sending: the rest of the datagram is useless without it.
func (ip *IP) fragmentAndSend(p *path, b *pkt.Buf) error {
	defer b.Free()
	frags, err := fragment(b.Bytes(), p.mtu)
	if err != nil {
		ip.stats.cantFrag.Add(1)
		return err
	}
	ip.stats.fragmented.Add(1)
	for i, f := range frags {
		ip.stats.outFrags.Add(1)
		if err := ip.transmit(p, f); err != nil {
			for _, g := range frags[i+1:] {
				g.Free()
			}
			return err
		}
	}
	return nil
}

// fragment splits the IPv4 packet pk (header included) into fragments of
// at most mtu bytes, each a new buffer with headroom. It fails with
// EMSGSIZE when the header leaves no room for eight bytes of data, and
// for a packet with DF set.
func fragment(pk []byte, mtu int) ([]*pkt.Buf, error) {
	h, herr := parseHeader(pk)
	if herr != hdrOK {
		return nil, errno.EINVAL
	}
	if h.df() {
		return nil, errno.EMSGSIZE
	}
	hdr := pk[:h.hlen]
	data := pk[h.hlen:h.totalLen]
	laterHdr := append(append([]byte(nil), hdr[:HeaderLen]...), copiedOptions(hdr)...)
	laterHdr[0] = 0x40 | byte(len(laterHdr)/4)
	baseOff := h.fragOffset()
	var out []*pkt.Buf
	for off, first := 0, true; off < len(data); first = false {
		fh := hdr
		if !first {
			fh = laterHdr
		}
		room := (mtu - len(fh)) &^ 7
		if room < 8 {
			for _, f := range out {
				f.Free()
			}
			return nil, errno.EMSGSIZE
		}
		n := min(room, len(data)-off)
		f := pkt.New(pkt.Headroom, len(fh)+n)
		q := f.Bytes()
		copy(q, fh)
		copy(q[len(fh):], data[off:off+n])
		frag := uint16((baseOff+off)/8) & offsetMask
		if off+n < len(data) || h.mf() {
			frag |= flagMF
		}
		q[2], q[3] = byte((len(fh)+n)>>8), byte(len(fh)+n)
		q[6], q[7] = byte(frag>>8), byte(frag)
		setChecksum(q, len(fh))
		out = append(out, f)
		off += n
	}
	return out, nil
}
