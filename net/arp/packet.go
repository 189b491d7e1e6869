package arp

import (
	"encoding/binary"
	"net/netip"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ether"
)

// HeaderLen is the length of an ARP packet for IPv4 over Ethernet.
const HeaderLen = 28

// ARP operations.
const (
	OpRequest = 1
	OpReply   = 2
)

const (
	hwEthernet = 1
	protoIPv4  = 0x0800
)

// Packet is an ARP packet for IPv4 over Ethernet.
type Packet struct {
	Op       uint16
	SHA, THA ether.Addr // sender and target hardware addresses
	SPA, TPA netip.Addr // sender and target protocol addresses
}

// Parse reads an ARP packet from the start of p. It fails with EINVAL for
// a short packet, hardware other than Ethernet, a protocol other than
// IPv4, wrong address lengths or an unknown operation.
func Parse(p []byte) (Packet, error) {
	if len(p) < HeaderLen {
		return Packet{}, errno.EINVAL
	}
	if binary.BigEndian.Uint16(p[0:2]) != hwEthernet || binary.BigEndian.Uint16(p[2:4]) != protoIPv4 ||
		p[4] != 6 || p[5] != 4 {
		return Packet{}, errno.EINVAL
	}
	a := Packet{Op: binary.BigEndian.Uint16(p[6:8])}
	if a.Op != OpRequest && a.Op != OpReply {
		return Packet{}, errno.EINVAL
	}
	copy(a.SHA[:], p[8:14])
	a.SPA = netip.AddrFrom4([4]byte(p[14:18]))
	copy(a.THA[:], p[18:24])
	a.TPA = netip.AddrFrom4([4]byte(p[24:28]))
	return a, nil
}

// Put writes a into the first HeaderLen bytes of p. SPA and TPA must be
// IPv4 addresses (a zero Addr is written as 0.0.0.0).
func (a Packet) Put(p []byte) {
	_ = p[HeaderLen-1]
	binary.BigEndian.PutUint16(p[0:2], hwEthernet)
	binary.BigEndian.PutUint16(p[2:4], protoIPv4)
	p[4], p[5] = 6, 4
	binary.BigEndian.PutUint16(p[6:8], a.Op)
	copy(p[8:14], a.SHA[:])
	put4(p[14:18], a.SPA)
	copy(p[18:24], a.THA[:])
	put4(p[24:28], a.TPA)
}

func put4(p []byte, a netip.Addr) {
	if !a.Is4() {
		clear(p[:4])
		return
	}
	b := a.As4()
	copy(p, b[:])
}
