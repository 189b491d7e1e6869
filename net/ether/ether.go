// Package ether is the Ethernet II frame header: parsing, building, and
// the addresses that matter to the stack (broadcast, multicast).
//
// It holds no state and no locks; every function only borrows the bytes
// it is given.
package ether

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/gorump/gorump/kern/errno"
)

// HeaderLen is the length of an Ethernet II header (no VLAN tag).
const HeaderLen = 14

// MinFrame is the shortest frame on the wire without its FCS; shorter
// ones are padded by the sender.
const MinFrame = 60

// EtherTypes the stack knows.
const (
	TypeIPv4 = 0x0800
	TypeARP  = 0x0806
	TypeVLAN = 0x8100
	TypeIPv6 = 0x86dd
)

// Addr is an Ethernet (MAC) address.
type Addr [6]byte

// Broadcast is ff:ff:ff:ff:ff:ff.
var Broadcast = Addr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// IsBroadcast reports whether a is the broadcast address.
func (a Addr) IsBroadcast() bool { return a == Broadcast }

// IsMulticast reports whether a is a group address (broadcast included).
func (a Addr) IsMulticast() bool { return a[0]&1 != 0 }

// IsZero reports whether a is 00:00:00:00:00:00.
func (a Addr) IsZero() bool { return a == Addr{} }

// String formats a as six colon-separated hex bytes.
func (a Addr) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5])
}

// MulticastIPv4 returns the Ethernet group address that carries the IPv4
// multicast group g (RFC 1112: 01:00:5e and the low 23 bits).
func MulticastIPv4(g netip.Addr) Addr {
	b := g.As4()
	return Addr{0x01, 0x00, 0x5e, b[1] & 0x7f, b[2], b[3]}
}

// Header is an Ethernet II header.
type Header struct {
	Dst, Src Addr
	Type     uint16
}

// Parse reads the header at the start of p. It fails with EINVAL when p
// is shorter than a header or the type field is an 802.3 length.
func Parse(p []byte) (Header, error) {
	if len(p) < HeaderLen {
		return Header{}, errno.EINVAL
	}
	var h Header
	copy(h.Dst[:], p[0:6])
	copy(h.Src[:], p[6:12])
	h.Type = binary.BigEndian.Uint16(p[12:14])
	if h.Type < 0x0600 {
		return Header{}, errno.EINVAL
	}
	return h, nil
}

// Put writes h into the first HeaderLen bytes of p.
func (h Header) Put(p []byte) {
	_ = p[HeaderLen-1]
	copy(p[0:6], h.Dst[:])
	copy(p[6:12], h.Src[:])
	binary.BigEndian.PutUint16(p[12:14], h.Type)
}
