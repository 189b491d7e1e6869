package socket

import (
	"encoding/binary"
	"net/netip"

	"github.com/gorump/gorump/kern/errno"
)

// Sizes of NetBSD's struct sockaddr_in and sockaddr_in6.
const (
	SizeofSockaddrIn  = 16
	SizeofSockaddrIn6 = 28
)

// AppendSockaddr appends addr as NetBSD's binary sockaddr: a sockaddr_in
// (sin_len 16, sin_family AF_INET, port big-endian, address, 8 zero
// bytes) for an IPv4 address, a sockaddr_in6 (sin6_len 28, AF_INET6,
// port, flow info 0, address, scope id) otherwise.
func AppendSockaddr(b []byte, addr netip.AddrPort) []byte {
	a := addr.Addr()
	if a.Is4() || !a.IsValid() {
		a4 := a.As4()
		if !a.IsValid() {
			a4 = [4]byte{}
		}
		b = append(b, SizeofSockaddrIn, AF_INET)
		b = binary.BigEndian.AppendUint16(b, addr.Port())
		b = append(b, a4[:]...)
		return append(b, 0, 0, 0, 0, 0, 0, 0, 0)
	}
	a16 := a.As16()
	b = append(b, SizeofSockaddrIn6, AF_INET6)
	b = binary.BigEndian.AppendUint16(b, addr.Port())
	b = append(b, 0, 0, 0, 0)
	b = append(b, a16[:]...)
	return binary.BigEndian.AppendUint32(b, 0)
}

// ParseSockaddr reads a binary sockaddr_in or sockaddr_in6 as NetBSD
// lays them out. A zero sa_len is taken as the family's size, as
// NetBSD's sockargs accepts from callers that leave it unset. Errors:
// EINVAL for a short buffer or a bad length, EAFNOSUPPORT for another
// family.
func ParseSockaddr(b []byte) (netip.AddrPort, error) {
	if len(b) < 2 {
		return netip.AddrPort{}, errno.EINVAL
	}
	n := int(b[0])
	switch b[1] {
	case AF_INET:
		if n == 0 {
			n = SizeofSockaddrIn
		}
		if n < 8 || len(b) < 8 || n > len(b) {
			return netip.AddrPort{}, errno.EINVAL
		}
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), binary.BigEndian.Uint16(b[2:4])), nil
	case AF_INET6:
		if n == 0 {
			n = SizeofSockaddrIn6
		}
		if n < 24 || len(b) < 24 || n > len(b) {
			return netip.AddrPort{}, errno.EINVAL
		}
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[8:24])), binary.BigEndian.Uint16(b[2:4])), nil
	}
	return netip.AddrPort{}, errno.EAFNOSUPPORT
}
