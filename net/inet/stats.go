package inet

import (
	"reflect"
	"sync/atomic"
	"unsafe"
)

// Stats are the IPv4 layer's counters, after NetBSD's ipstat and
// icmpstat.
type Stats struct {
	// Input.
	Received     uint64 // packets received
	BadSum       uint64 // header checksum wrong
	TooShort     uint64 // shorter than a header, or than the total length says
	BadVersion   uint64
	BadHeaderLen uint64
	BadAddr      uint64 // martian source or destination
	NotForUs     uint64 // for another host, not forwarded
	NoProto      uint64 // for a protocol nobody registered
	Delivered    uint64 // handed to a transport or ICMP
	Fragments    uint64 // fragments received
	FragDropped  uint64 // fragments dropped: bad, duplicate or over the limits
	FragTimeout  uint64 // fragments dropped when their datagram timed out
	Reassembled  uint64 // datagrams put together
	Forwarded    uint64
	CantForward  uint64 // no route when forwarding, or TTL run out
	// Output.
	LocalOut   uint64 // packets sent by this host's transports
	NoRoute    uint64
	OutDropped uint64 // dropped for lack of buffers or an interface down
	Fragmented uint64 // datagrams fragmented
	OutFrags   uint64 // fragments made
	CantFrag   uint64 // too large with DontFrag (EMSGSIZE)

	// ICMP.
	ICMPIn          uint64
	ICMPBad         uint64 // short or bad checksum
	ICMPEchoIn      uint64
	ICMPEchoReplies uint64 // replies sent
	ICMPErrorsIn    uint64 // unreachable, time exceeded... received
	ICMPErrorsOut   uint64 // errors sent
	ICMPRateLimited uint64 // errors not sent over net.inet.icmp.errppslimit
	ICMPOldICMP     uint64 // errors not sent: about an ICMP error
	ICMPNotSent     uint64 // errors not sent: about a broadcast, a fragment...

	// Forwarded TCP super-segments (coalesced by the receiving link).
	Segmented   uint64 // super-segments cut up
	OutSegments uint64 // segments made of them
}

// stats mirrors Stats with atomic counters, field for field (Stats
// copies them in order).
type stats struct {
	received, badSum, tooShort, badVersion, badHeaderLen, badAddr, notForUs,
	noProto, delivered, fragments, fragDropped, fragTimeout, reassembled,
	forwarded, cantForward,
	localOut, noRoute, outDropped, fragmented, outFrags, cantFrag,
	icmpIn, icmpBad, icmpEchoIn, icmpEchoReplies, icmpErrorsIn, icmpErrorsOut,
	icmpRateLimited, icmpOldICMP, icmpNotSent,
	segmented, outSegments atomic.Uint64
}

// Stats returns the counters.
func (ip *IP) Stats() Stats {
	var out Stats
	src := reflect.ValueOf(&ip.stats).Elem()
	dst := reflect.ValueOf(&out).Elem()
	for i := range src.NumField() {
		dst.Field(i).SetUint((*atomic.Uint64)(unsafe.Pointer(src.Field(i).UnsafeAddr())).Load())
	}
	return out
}
