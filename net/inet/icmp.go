package inet

import (
	"encoding/binary"
	"sync"
	"time"

	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/net/route"
)

// ICMP types and codes (RFC 792).
const (
	icmpEchoReply    = 0
	icmpUnreach      = 3
	icmpSourceQuench = 4
	icmpRedirect     = 5
	icmpEcho         = 8
	icmpTimeExceeded = 11
	icmpParamProb    = 12

	codeNetUnreach   = 0
	codeHostUnreach  = 1
	codeProtoUnreach = 2
	codePortUnreach  = 3
	codeNeedFrag     = 4

	codeTTLExceeded        = 0
	codeReassemblyExceeded = 1

	icmpHeaderLen = 8
	// returnDataBytes is how much of the offending packet's data an
	// error quotes after its header (NetBSD's icmpreturndatabytes).
	returnDataBytes = 8
)

// isInfoType reports whether an ICMP type is a query or a reply, about
// which errors may be sent, rather than an error.
func isInfoType(t byte) bool {
	switch t {
	case icmpEchoReply, icmpEcho, 9, 10, 13, 14, 15, 16, 17, 18:
		return true
	}
	return false
}

// icmpInput handles a received ICMP message; it takes ownership of b,
// which holds the ICMP header and data.
func (ip *IP) icmpInput(h *Header, b *pkt.Buf) {
	s := &ip.stats
	s.icmpIn.Add(1)
	p := b.Bytes()
	if len(p) < icmpHeaderLen || Fold(Checksum(p, 0)) != 0 {
		s.icmpBad.Add(1)
		b.Free()
		return
	}
	raw := ip.transport(ProtoICMP)
	switch p[0] {
	case icmpEcho:
		s.icmpEchoIn.Add(1)
		if h.Broadcast && !ip.bmcastEcho.Load() {
			break
		}
		var r *pkt.Buf
		if raw != nil {
			r = b.Clone()
		} else {
			r, b = b, nil
		}
		q := r.Bytes()
		q[0], q[2], q[3] = icmpEchoReply, 0, 0
		binary.BigEndian.PutUint16(q[2:4], Fold(Checksum(q, 0)))
		o := Out{Src: h.Dst, Dst: h.Src, Proto: ProtoICMP, TOS: h.TOS}
		if h.Broadcast {
			o.Src = netipZero
		}
		if ip.Output(r, o) == nil {
			s.icmpEchoReplies.Add(1)
		}
	case icmpUnreach, icmpTimeExceeded:
		s.icmpErrorsIn.Add(1)
		ip.icmpControl(p)
	}
	if b == nil {
		return
	}
	if raw != nil {
		raw.Input(h, b)
		return
	}
	b.Free()
}

// plateaus are the MTUs RFC 1191 suggests trying when a router reports
// "fragmentation needed" without its next-hop MTU.
var plateaus = [...]int{32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, minMTU}

// icmpControl reports an ICMP error (message p, header included) to the
// transport of the packet it quotes.
func (ip *IP) icmpControl(p []byte) {
	quoted := p[icmpHeaderLen:]
	if len(quoted) < HeaderLen || quoted[0]>>4 != 4 {
		ip.stats.icmpBad.Add(1)
		return
	}
	hlen := int(quoted[0]&0xf) * 4
	if hlen < HeaderLen || hlen > len(quoted) {
		ip.stats.icmpBad.Add(1)
		return
	}
	qh := ipHeader{
		hlen:     hlen,
		totalLen: int(binary.BigEndian.Uint16(quoted[2:4])),
		proto:    quoted[9],
		src:      netipFrom4(quoted[12:16]),
		dst:      netipFrom4(quoted[16:20]),
	}
	if ifp, bcast := ip.ifn.Local(qh.src); ifp == nil || bcast {
		return // not about a packet of ours
	}
	c := Control{Src: qh.src, Dst: qh.dst, Transport: quoted[hlen:min(len(quoted), hlen+64)]}
	switch {
	case p[0] == icmpTimeExceeded:
		c.Kind = ControlTimeExceeded
	case p[1] == codePortUnreach:
		c.Kind = ControlPortUnreach
	case p[1] == codeNeedFrag:
		mtu := int(binary.BigEndian.Uint16(p[6:8]))
		if mtu == 0 {
			for _, m := range plateaus {
				if m < qh.totalLen {
					mtu = m
					break
				}
			}
		}
		if mtu < minMTU || (qh.totalLen > 0 && mtu >= qh.totalLen) {
			return // nonsense: the packet would have fitted
		}
		if rt := route.Of(ip.k); rt != nil {
			rt.SetPathMTU(qh.dst, mtu)
		}
		c.Kind, c.MTU = ControlNeedFrag, mtu
	default:
		c.Kind = ControlUnreachable
	}
	if qh.proto == ProtoICMP {
		return // the raw ICMP transport sees the whole message
	}
	if t := ip.transport(qh.proto); t != nil {
		t.ControlInput(&c)
	}
}

// PortUnreachable implements Network.
func (ip *IP) PortUnreachable(h *Header, b *pkt.Buf) {
	ip.icmpErrorAbout(h, b, icmpUnreach, codePortUnreach, 0)
}

// icmpErrorAbout sends an ICMP error about a received packet whose IP
// header was parsed into h and removed from b; b is only borrowed.
func (ip *IP) icmpErrorAbout(h *Header, b *pkt.Buf, typ, code byte, mtu int) {
	ih := ipHeader{hlen: HeaderLen, tos: h.TOS, totalLen: int(h.ipLen), id: h.ipID, frag: h.ipFrag,
		ttl: h.TTL, proto: h.Proto, src: h.Src, dst: h.Dst}
	if ih.totalLen < HeaderLen {
		ih.totalLen = HeaderLen + b.Len()
	}
	data := b.Bytes()
	pk := make([]byte, HeaderLen+min(len(data), returnDataBytes))
	putHeader(pk, &ih)
	copy(pk[HeaderLen:], data)
	ip.icmpErrorRaw(pk, &ih, h.Broadcast, typ, code, mtu)
}

// icmpErrorRaw sends an ICMP error about the packet pk (its header h and
// at least the start of its data), unless the rules of RFC 1122 3.2.2
// forbid it or the rate limit holds it back. pk is only borrowed.
func (ip *IP) icmpErrorRaw(pk []byte, h *ipHeader, dstBroadcast bool, typ, code byte, mtu int) {
	s := &ip.stats
	if dstBroadcast || h.dst.IsMulticast() || h.fragOffset() != 0 ||
		!h.src.Is4() || h.src.IsUnspecified() || h.src.IsMulticast() || h.src == limitedBroadcast {
		s.icmpNotSent.Add(1)
		return
	}
	if _, bcast := ip.ifn.Local(h.dst); bcast {
		s.icmpNotSent.Add(1)
		return
	}
	if _, bcast := ip.ifn.Local(h.src); bcast {
		s.icmpNotSent.Add(1)
		return
	}
	if h.proto == ProtoICMP && (len(pk) <= h.hlen || !isInfoType(pk[h.hlen])) {
		s.icmpOldICMP.Add(1)
		return
	}
	if !ip.icmpErr.allow(ip.errPPSLimit.Load(), ip.k.Clock().Monotonic()) {
		s.icmpRateLimited.Add(1)
		return
	}
	quoted := pk[:min(len(pk), h.hlen+returnDataBytes)]
	b := pkt.New(pkt.Headroom, icmpHeaderLen+len(quoted))
	q := b.Bytes()
	q[0], q[1] = typ, code
	if typ == icmpUnreach && code == codeNeedFrag {
		binary.BigEndian.PutUint16(q[6:8], uint16(mtu))
	}
	copy(q[icmpHeaderLen:], quoted)
	binary.BigEndian.PutUint16(q[2:4], Fold(Checksum(q, 0)))
	o := Out{Dst: h.src, Proto: ProtoICMP}
	if ifp, bcast := ip.ifn.Local(h.dst); ifp != nil && !bcast {
		o.Src = h.dst
	}
	if ip.Output(b, o) == nil {
		s.icmpErrorsOut.Add(1)
	}
}

// rateLimit counts events per second of the monotonic clock (NetBSD's
// ppsratecheck).
type rateLimit struct {
	mu    sync.Mutex // guards the fields below
	sec   time.Duration
	count int
}

// allow reports whether one more event fits under limit per second; a
// negative limit lets everything through, zero nothing.
func (r *rateLimit) allow(limit int32, now time.Duration) bool {
	if limit < 0 {
		return true
	}
	sec := now.Truncate(time.Second)
	r.mu.Lock()
	defer r.mu.Unlock()
	if sec != r.sec {
		r.sec, r.count = sec, 0
	}
	if r.count >= int(limit) {
		return false
	}
	r.count++
	return true
}
