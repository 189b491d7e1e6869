package shmif

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/gorump/gorump/kern/errno"
)

// The bus file, NetBSD's struct shmif_mem of shmifvar.h, in the host's
// byte order: a 32-byte header, then the ring.
const (
	// Magic marks an initialised bus; a fresh file has 0 there.
	Magic = 0xca11d054
	// Version is the bus format's version (SHMIF_VERSION).
	Version = 3
	// BusSize is the size of the bus file (BUSMEM_SIZE).
	BusSize = 1 << 20
	// HeaderSize is the size of the bus header.
	HeaderSize = 32
	// DataSize is the size of the ring that follows the header
	// (BUSMEM_DATASIZE); offsets in the ring count from its start.
	DataSize = BusSize - HeaderSize
	// PktHeaderSize is the size of the header in front of each frame,
	// struct shmif_pkthdr as LP64 ABIs lay it out (4 bytes of padding
	// before sp_sender; i386 would have 20).
	PktHeaderSize = 24
	// MaxFrame is the longest frame on the bus: an Ethernet header and
	// ETHERMTU bytes, no FCS. A frame header claiming more is damage.
	MaxFrame = 14 + MTU
	// MTU is the interfaces' MTU (ETHERMTU).
	MTU = 1500
)

// Offsets of the bus header's fields.
const (
	offMagic   = 0
	offVersion = 4 // also IFMEM_WAKEUP, where senders write to wake the others
	offGen     = 8
	offFirst   = 16
	offLast    = 20
	offLock    = 24
	// 28: shm_spare[1], unused
)

// Offsets of a frame header's fields.
const (
	pktLen    = 0
	pktSec    = 4
	pktUsec   = 8
	pktSender = 16
	// 12: padding
)

// minFrame is the shortest frame receivers pass up (ETHER_HDR_LEN):
// shorter ones, such as the empty pseudo-frame at offset 0 of a new
// bus, are ignored.
const minFrame = 14

// Header is the bus header as the file holds it.
type Header struct {
	Magic   uint32
	Version uint32
	Gen     uint64 // generation: how many times writes have wrapped the ring
	First   uint32 // ring offset of the oldest valid frame (DataSize on a new bus)
	Last    uint32 // ring offset of the newest frame's header
	Lock    uint32 // 0 unlocked, 1 locked
}

// PktHeader is the header in front of a frame in the ring.
type PktHeader struct {
	Len    uint32 // of the frame that follows
	Sec    uint32 // the sender's uptime when it sent the frame
	Usec   uint32
	Sender uint64 // random per interface: receivers skip their own frames
}

// ReadHeader parses the header of a bus file's contents, which it
// reads without taking the bus lock (as shmif_dumpbus does). It returns
// ENOEXEC when mem is shorter than a header or holds neither Magic nor
// a fresh file's 0 there.
func ReadHeader(mem []byte) (Header, error) {
	if len(mem) < HeaderSize {
		return Header{}, fmt.Errorf("shmif: bus of %d bytes: %w", len(mem), errno.ENOEXEC)
	}
	ne := binary.NativeEndian
	h := Header{
		Magic: ne.Uint32(mem[offMagic:]), Version: ne.Uint32(mem[offVersion:]),
		Gen: ne.Uint64(mem[offGen:]), First: ne.Uint32(mem[offFirst:]), Last: ne.Uint32(mem[offLast:]),
		Lock: ne.Uint32(mem[offLock:]),
	}
	if h.Magic != 0 && h.Magic != Magic {
		return h, fmt.Errorf("shmif: bus is not magical (%#x): %w", h.Magic, errno.ENOEXEC)
	}
	return h, nil
}

// ParsePktHeader decodes a frame header from the first PktHeaderSize
// bytes of p, which must hold that many.
func ParsePktHeader(p []byte) PktHeader {
	ne := binary.NativeEndian
	return PktHeader{Len: ne.Uint32(p[pktLen:]), Sec: ne.Uint32(p[pktSec:]), Usec: ne.Uint32(p[pktUsec:]),
		Sender: ne.Uint64(p[pktSender:])}
}

// put encodes h into the first PktHeaderSize bytes of p, padding zeroed.
func (h PktHeader) put(p []byte) {
	ne := binary.NativeEndian
	ne.PutUint32(p[pktLen:], h.Len)
	ne.PutUint32(p[pktSec:], h.Sec)
	ne.PutUint32(p[pktUsec:], h.Usec)
	ne.PutUint32(p[pktUsec+4:], 0)
	ne.PutUint64(p[pktSender:], h.Sender)
}

// busMem is a mapped bus file, BusSize bytes. Its field accessors must
// be used with the bus locked, but for magic, which is read before the
// lock is taken and so is always accessed atomically.
type busMem []byte

func (m busMem) word(off int) *uint32 { return (*uint32)(unsafe.Pointer(&m[off])) }

// aligned reports whether the lock and magic words can be used
// atomically: a mapping starts on a page, but a host's memory need not.
func (m busMem) aligned() bool {
	return len(m) == BusSize && uintptr(unsafe.Pointer(&m[0]))%8 == 0
}

func (m busMem) magic() uint32     { return atomic.LoadUint32(m.word(offMagic)) }
func (m busMem) setMagic(v uint32) { atomic.StoreUint32(m.word(offMagic), v) }

func (m busMem) gen() uint64       { return binary.NativeEndian.Uint64(m[offGen:]) }
func (m busMem) setGen(v uint64)   { binary.NativeEndian.PutUint64(m[offGen:], v) }
func (m busMem) first() uint32     { return binary.NativeEndian.Uint32(m[offFirst:]) }
func (m busMem) setFirst(v uint32) { binary.NativeEndian.PutUint32(m[offFirst:], v) }
func (m busMem) last() uint32      { return binary.NativeEndian.Uint32(m[offLast:]) }
func (m busMem) setLast(v uint32)  { binary.NativeEndian.PutUint32(m[offLast:], v) }

// data returns the ring.
func (m busMem) data() []byte { return m[HeaderSize:BusSize] }
