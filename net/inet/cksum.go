package inet

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// Checksum adds p to the running ones'-complement sum initial and returns
// the new sum, unfolded. Finish the sum with Fold. Sums of pieces may be
// added together when every piece but the last has an even length.
func Checksum(p []byte, initial uint64) uint64 {
	sum, carry := initial, uint64(0)
	for len(p) >= 32 {
		sum, carry = bits.Add64(sum, binary.BigEndian.Uint64(p[0:]), carry)
		sum, carry = bits.Add64(sum, binary.BigEndian.Uint64(p[8:]), carry)
		sum, carry = bits.Add64(sum, binary.BigEndian.Uint64(p[16:]), carry)
		sum, carry = bits.Add64(sum, binary.BigEndian.Uint64(p[24:]), carry)
		p = p[32:]
	}
	for len(p) >= 8 {
		sum, carry = bits.Add64(sum, binary.BigEndian.Uint64(p), carry)
		p = p[8:]
	}
	sum += carry
	var tail uint64
	switch {
	case len(p) >= 4:
		tail = uint64(binary.BigEndian.Uint32(p)) << 32
		p = p[4:]
		fallthrough
	default:
		for i, v := range p {
			tail |= uint64(v) << (24 - 8*i)
		}
	}
	sum, carry = bits.Add64(sum, tail, 0)
	return sum + carry
}

// Fold folds a running sum to 16 bits and complements it: the value to
// store in a checksum field. A packet whose stored checksum is right
// folds to 0 when summed whole.
func Fold(sum uint64) uint16 {
	s := (sum >> 32) + (sum & 0xffffffff)
	s = (s >> 32) + (s & 0xffffffff)
	s = (s >> 16) + (s & 0xffff)
	s = (s >> 16) + (s & 0xffff)
	s = (s >> 16) + (s & 0xffff)
	return ^uint16(s)
}

// PseudoHeader returns the running sum of the IPv4 pseudo-header that
// TCP and UDP checksums cover.
func PseudoHeader(src, dst netip.Addr, proto uint8, length int) uint64 {
	s, d := src.As4(), dst.As4()
	return uint64(binary.BigEndian.Uint32(s[:])) + uint64(binary.BigEndian.Uint32(d[:])) +
		uint64(proto) + uint64(length)
}
