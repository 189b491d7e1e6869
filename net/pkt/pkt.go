// Package pkt is the packet buffer every layer of the network stack
// passes up and down: a byte slice with room in front of the data for the
// headers that lower layers prepend, taken from and returned to pools.
//
// Ownership: a *Buf has one owner at a time. A function that takes a
// *Buf takes ownership of it (it frees it, queues it or hands it on)
// unless its doc comment says it only borrows it; the caller must not
// touch the buffer afterwards.
package pkt

import (
	"math/bits"
	"sync"
)

// Headroom is room enough in front of a transport header for every
// header below it: Ethernet (14) with a VLAN tag (4), IPv4 with options
// (60) or IPv6 with a few extension headers; rounded up.
const Headroom = 128

// minClass and maxClass bound the pooled sizes: powers of two from 256
// bytes to 128 KiB. Larger buffers are allocated and left to the GC.
const (
	minClass = 8
	maxClass = 17
)

var pools [maxClass + 1]sync.Pool

// Buf is a packet: data in b[off:], with b[:off] free for headers.
type Buf struct {
	b   []byte
	off int
	gso uint16
}

// New returns a buffer holding size zero bytes with headroom bytes free in
// front of them.
func New(headroom, size int) *Buf {
	b := alloc(headroom + size)
	b.off = headroom
	b.b = b.b[:headroom+size]
	clear(b.b[headroom:])
	return b
}

// From returns a buffer holding a copy of p with headroom bytes free in
// front of it.
func From(headroom int, p []byte) *Buf {
	b := alloc(headroom + len(p))
	b.off = headroom
	b.b = b.b[:headroom+len(p)]
	copy(b.b[headroom:], p)
	return b
}

// alloc returns a Buf with capacity of at least n; its contents are
// unspecified.
func alloc(n int) *Buf {
	c := class(n)
	if c > maxClass {
		return &Buf{b: make([]byte, n)}
	}
	if v := pools[c].Get(); v != nil {
		return v.(*Buf)
	}
	return &Buf{b: make([]byte, 1<<c)}
}

func class(n int) int {
	if n <= 1<<minClass {
		return minClass
	}
	return bits.Len(uint(n - 1))
}

// Free returns the buffer to its pool. The caller must hold the only
// reference; nil is ignored.
func (b *Buf) Free() {
	if b == nil {
		return
	}
	c := cap(b.b)
	if c&(c-1) != 0 || c < 1<<minClass || c > 1<<maxClass {
		return
	}
	b.b = b.b[:c]
	b.off, b.gso = 0, 0
	pools[bits.Len(uint(c))-1].Put(b)
}

// Bytes returns the packet's data. The slice aliases the buffer: it is
// valid until the buffer is changed or freed.
func (b *Buf) Bytes() []byte { return b.b[b.off:] }

// Len returns the length of the packet's data.
func (b *Buf) Len() int { return len(b.b) - b.off }

// Headroom returns how many bytes can be prepended without copying.
func (b *Buf) Headroom() int { return b.off }

// Prepend grows the packet by n bytes at the front and returns them, for
// a header to be written into. Without headroom for them the data moves
// to a larger buffer.
func (b *Buf) Prepend(n int) []byte {
	if n > b.off {
		nb := alloc(Headroom + n + b.Len())
		nb.b = nb.b[:Headroom+n+b.Len()]
		copy(nb.b[Headroom+n:], b.Bytes())
		old := b.b
		b.b, b.off = nb.b, Headroom
		nb.b = old
		nb.off = 0
		nb.Free()
	} else {
		b.off -= n
	}
	return b.b[b.off : b.off+n]
}

// TrimFront removes n bytes from the front of the packet (a header that
// has been parsed). n must be at most Len.
func (b *Buf) TrimFront(n int) { b.off += n }

// Truncate shortens the packet to n bytes (padding after the payload).
// n must be at most Len.
func (b *Buf) Truncate(n int) { b.b = b.b[:b.off+n] }

// Append adds p at the end of the packet, moving the data to a larger
// buffer when there is no room.
func (b *Buf) Append(p []byte) {
	if len(b.b)+len(p) > cap(b.b) {
		nb := alloc(len(b.b) + len(p))
		nb.b = nb.b[:len(b.b)]
		copy(nb.b[b.off:], b.Bytes())
		b.b, nb.b = nb.b, b.b
		nb.off = 0
		nb.Free()
	}
	b.b = append(b.b, p...)
}

// Clone returns a copy of the packet with the same headroom and GSO size.
func (b *Buf) Clone() *Buf {
	c := From(b.off, b.Bytes())
	c.gso = b.gso
	return c
}

// GSO returns the segment size of a TCP super-segment: 0 for an ordinary
// packet. A super-segment is one IPv4 TCP packet larger than the path
// MTU. Going out, a link with TSO cuts it into segments of GSO payload
// bytes each, and its TCP checksum field holds only the pseudo-header's
// sum (uncomplemented, over the whole TCP length), for the link to
// finish per segment. Coming in, a link that coalesced segments (as
// Linux's TAP device does) gives the size they had, and the checksum is
// complete: a router must cut the packet up again.
func (b *Buf) GSO() int { return int(b.gso) }

// SetGSO marks the packet a TCP super-segment with segments of n payload
// bytes (0: an ordinary packet).
func (b *Buf) SetGSO(n int) { b.gso = uint16(n) }
