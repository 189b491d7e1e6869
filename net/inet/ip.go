package inet

import (
	"encoding/binary"
	"net/netip"
)

// IPv4 header layout.
const (
	HeaderLen    = 20 // without options
	MaxHeaderLen = 60
	MaxPacket    = 65535

	flagDF      = 0x4000
	flagMF      = 0x2000
	offsetMask  = 0x1fff
	defaultTTL  = 64
	minMTU      = 68
	versionIHL5 = 0x45
)

// ipHeader is a parsed IPv4 header.
type ipHeader struct {
	hlen     int
	tos      uint8
	totalLen int
	id       uint16
	frag     uint16 // flags and offset, as on the wire
	ttl      uint8
	proto    uint8
	src, dst netip.Addr
}

func (h *ipHeader) mf() bool        { return h.frag&flagMF != 0 }
func (h *ipHeader) df() bool        { return h.frag&flagDF != 0 }
func (h *ipHeader) fragOffset() int { return int(h.frag&offsetMask) * 8 }

// headerError says what is wrong with a header, for the statistics.
type headerError int

const (
	hdrOK headerError = iota
	hdrTooShort
	hdrBadVersion
	hdrBadHeaderLen
	hdrBadLen
	hdrBadSum
)

// parseHeader reads and checks the IPv4 header at the start of p: the
// version, the header length, the total length against len(p) and the
// header checksum. Options are skipped (their length honoured).
func parseHeader(p []byte) (ipHeader, headerError) {
	if len(p) < HeaderLen {
		return ipHeader{}, hdrTooShort
	}
	if p[0]>>4 != 4 {
		return ipHeader{}, hdrBadVersion
	}
	hlen := int(p[0]&0xf) * 4
	if hlen < HeaderLen || hlen > len(p) {
		return ipHeader{}, hdrBadHeaderLen
	}
	total := int(binary.BigEndian.Uint16(p[2:4]))
	if total < hlen || total > len(p) {
		return ipHeader{}, hdrBadLen
	}
	if Fold(Checksum(p[:hlen], 0)) != 0 {
		return ipHeader{}, hdrBadSum
	}
	return ipHeader{
		hlen:     hlen,
		tos:      p[1],
		totalLen: total,
		id:       binary.BigEndian.Uint16(p[4:6]),
		frag:     binary.BigEndian.Uint16(p[6:8]),
		ttl:      p[8],
		proto:    p[9],
		src:      netip.AddrFrom4([4]byte(p[12:16])),
		dst:      netip.AddrFrom4([4]byte(p[16:20])),
	}, hdrOK
}

// putHeader writes a 20-byte header (no options) with its checksum into
// p.
func putHeader(p []byte, h *ipHeader) {
	_ = p[HeaderLen-1]
	p[0] = versionIHL5
	p[1] = h.tos
	binary.BigEndian.PutUint16(p[2:4], uint16(h.totalLen))
	binary.BigEndian.PutUint16(p[4:6], h.id)
	binary.BigEndian.PutUint16(p[6:8], h.frag)
	p[8] = h.ttl
	p[9] = h.proto
	p[10], p[11] = 0, 0
	s, d := h.src.As4(), h.dst.As4()
	copy(p[12:16], s[:])
	copy(p[16:20], d[:])
	binary.BigEndian.PutUint16(p[10:12], Fold(Checksum(p[:HeaderLen], 0)))
}

// setChecksum recomputes the checksum of the header at the start of p,
// whose length is hlen.
func setChecksum(p []byte, hlen int) {
	p[10], p[11] = 0, 0
	binary.BigEndian.PutUint16(p[10:12], Fold(Checksum(p[:hlen], 0)))
}

// copiedOptions returns the options of header hdr that RFC 791 says go
// into every fragment (those with the copied flag), padded to a multiple
// of four bytes. Malformed options end the list.
func copiedOptions(hdr []byte) []byte {
	opts := hdr[HeaderLen:]
	var out []byte
	for i := 0; i < len(opts); {
		t := opts[i]
		switch t {
		case 0: // end of list
			i = len(opts)
			continue
		case 1: // no-op
			i++
			continue
		}
		if i+1 >= len(opts) {
			break
		}
		l := int(opts[i+1])
		if l < 2 || i+l > len(opts) {
			break
		}
		if t&0x80 != 0 {
			out = append(out, opts[i:i+l]...)
		}
		i += l
	}
	for len(out)%4 != 0 {
		out = append(out, 0)
	}
	return out
}

var netipZero netip.Addr

func netipFrom4(p []byte) netip.Addr { return netip.AddrFrom4([4]byte(p[:4])) }
