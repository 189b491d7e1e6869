package inet

import (
	"encoding/binary"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/pkt"
)

// TCP flags that only the last (FIN, PSH) or the first (CWR) of the
// segments cut from a super-segment keeps, as Linux's GSO does.
const (
	tcpFIN = 0x01
	tcpPSH = 0x08
	tcpCWR = 0x80
)

// segmentAndSend cuts b, a forwarded IPv4 TCP super-segment (header h
// included, checksums complete) that a link coalesced from segments of
// gso payload bytes, back into such segments and sends them on p: what
// a NIC does to a super-segment, done in software because the sender
// never sent the packet whole. When even those segments do not fit p's
// MTU, the sender hears "fragmentation needed", as for its own
// segments. It takes ownership of b.
func (ip *IP) segmentAndSend(p *path, h *ipHeader, b *pkt.Buf, gso int) error {
	defer b.Free()
	pk := b.Bytes()[:h.totalLen]
	t := pk[h.hlen:]
	if len(t) < 20 || int(t[12]>>4)*4 < 20 || int(t[12]>>4)*4 > len(t) {
		ip.stats.outDropped.Add(1)
		return errno.EINVAL
	}
	headers := h.hlen + int(t[12]>>4)*4
	if headers+gso > p.mtu {
		ip.stats.cantFrag.Add(1)
		ip.icmpErrorRaw(pk, h, false, icmpUnreach, codeNeedFrag, p.mtu)
		return errno.EMSGSIZE
	}
	payload := pk[headers:]
	seq := binary.BigEndian.Uint32(t[4:])
	id := binary.BigEndian.Uint16(pk[4:])
	ip.stats.segmented.Add(1)
	for off := 0; off < len(payload); off += gso {
		end := min(off+gso, len(payload))
		s := pkt.New(pkt.Headroom, headers+end-off)
		q := s.Bytes()
		copy(q, pk[:headers])
		copy(q[headers:], payload[off:end])
		binary.BigEndian.PutUint16(q[2:], uint16(len(q)))
		binary.BigEndian.PutUint16(q[4:], id+uint16(off/gso))
		setChecksum(q, h.hlen)
		st := q[h.hlen:]
		binary.BigEndian.PutUint32(st[4:], seq+uint32(off))
		if end < len(payload) {
			st[13] &^= tcpFIN | tcpPSH
		}
		if off > 0 {
			st[13] &^= tcpCWR
		}
		st[16], st[17] = 0, 0
		binary.BigEndian.PutUint16(st[16:], Fold(Checksum(st, PseudoHeader(h.src, h.dst, ProtoTCP, len(st)))))
		ip.stats.outSegments.Add(1)
		if err := ip.transmit(p, s); err != nil {
			return err
		}
	}
	return nil
}
