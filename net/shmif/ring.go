package shmif

// The ring, as NetBSD's shmif_busops.c and if_shmem.c run it. Every
// function here is called with the bus locked. Nothing in the file is
// trusted: every offset and length read from it is checked before it
// is used, and what does not check out is damage, which the reader
// skips and the writer repairs.

// advance returns off moved delta bytes on around the ring; off may be
// DataSize (a new bus's first) and delta at most DataSize.
func advance(off, delta uint32) uint32 {
	n := uint64(off) + uint64(delta)
	if n >= DataSize {
		n -= DataSize
	}
	return uint32(n)
}

// read copies len(dst) bytes of the ring from off, wrapping at its end,
// and returns the offset after them and whether the read reached or
// crossed the end. off is at most DataSize and len(dst) below it.
func (m busMem) read(dst []byte, off uint32) (next uint32, wrapped bool) {
	ring := m.data()
	chunk := min(len(dst), DataSize-int(off))
	copy(dst, ring[off:int(off)+chunk])
	wrapped = int(off)+chunk == DataSize
	rest := len(dst) - chunk
	if rest == 0 {
		return uint32((int(off) + chunk) % DataSize), wrapped
	}
	copy(dst[chunk:], ring[:rest])
	return uint32(rest), true
}

// nextPktOff returns the offset after the frame whose header is at off
// (shmif_nextpktoff). ok is false when off is out of the ring or the
// header's length is over MaxFrame.
func (m busMem) nextPktOff(off uint32) (next uint32, ok bool) {
	if off > DataSize {
		return 0, false
	}
	var h [PktHeaderSize]byte
	m.read(h[:], off)
	n := ParsePktHeader(h[:]).Len
	if n > MaxFrame {
		return 0, false
	}
	return advance(off, PktHeaderSize+n), true
}

// maxAdvance bounds the frames advanceFirst may step over: more than a
// ring holds means the frame headers chain in a circle.
const maxAdvance = DataSize/PktHeaderSize + 2

// advanceFirst moves first past every frame that a write of n bytes at
// off overlaps (shmif_advancefirst). It reports false when it meets a
// bad frame header.
func (m busMem) advanceFirst(off uint32, n int) bool {
	for range maxAdvance {
		first := uint64(m.first())
		if uint64(off) > first+PktHeaderSize || uint64(off)+uint64(n) <= first {
			return true
		}
		next, ok := m.nextPktOff(uint32(first))
		if !ok {
			return false
		}
		m.setFirst(next)
	}
	return false
}

// write copies src into the ring at off, wrapping at its end, after
// moving first past the frames it overwrites (shmif_buswrite). It
// returns the offset after the bytes and whether the write reached or
// crossed the end; ok is false when the ring is damaged, and the write
// may then be partly done.
func (m busMem) write(off uint32, src []byte) (next uint32, wrapped, ok bool) {
	ring := m.data()
	chunk := min(len(src), DataSize-int(off))
	rest := len(src) - chunk
	overlap := chunk
	if rest > 0 {
		overlap++
	}
	if !m.advanceFirst(off, overlap) {
		return 0, false, false
	}
	copy(ring[off:], src[:chunk])
	wrapped = int(off)+chunk == DataSize
	if rest == 0 {
		return uint32((int(off) + chunk) % DataSize), wrapped, true
	}
	if !m.advanceFirst(0, rest) {
		return 0, false, false
	}
	copy(ring, src[chunk:])
	return uint32(rest), true, true
}

// put appends a frame to the ring as shmif_start does: its header goes
// after the newest frame, which it becomes, and the generation goes up
// if the write reached the end of the ring. It reports false when the
// ring is damaged (first, last or a frame header out of bounds); put
// may have changed the ring by then, and reset must follow.
func (m busMem) put(h PktHeader, frame []byte) bool {
	if m.first() > DataSize {
		return false
	}
	last, ok := m.nextPktOff(m.last())
	if !ok {
		return false
	}
	m.setLast(last)
	var hb [PktHeaderSize]byte
	h.put(hb[:])
	off, wrapHdr, ok := m.write(last, hb[:])
	if !ok {
		return false
	}
	_, wrapData, ok := m.write(off, frame)
	if !ok {
		return false
	}
	if wrapHdr || wrapData {
		m.setGen(m.gen() + 1)
	}
	return true
}

// initialize makes a fresh bus (magic 0) a bus, as the first attacher
// does in NetBSD: the ring is empty but for the zero-length frame at
// offset 0 that the zeroes of a new file make, and first is past the
// end.
func (m busMem) initialize() {
	m.setMagic(Magic)
	m.setFirst(DataSize)
}

// reset empties a damaged ring: it becomes a new bus's ring again, a
// generation later, so that every reader, NetBSD's included, finds its
// position invalid and starts again at first.
func (m busMem) reset() {
	clear(m.data()[:PktHeaderSize])
	m.setFirst(DataSize)
	m.setLast(0)
	m.setGen(m.gen() + 1)
}

// ringState is what a reader saw of the bus when it resynchronised.
type ringState struct {
	gen         uint64
	first, last uint32
}

// cursor is a reader's place in the ring: the offset of the next frame
// header it reads and the generation it belongs to (sc_nextpacket and
// sc_devgen).
type cursor struct {
	next uint32
	gen  uint64
	// resynced is the bus as it was at the last resynchronisation: if
	// the reader must resynchronise again with nothing written since,
	// the frame headers do not chain from first to last.
	resynced ringState
	valid    bool // resynced is set
}

// tail returns a cursor past the newest frame, caught up: it reads the
// frames written from now on. ok is false when the newest frame's header is
// bad, and the cursor is then at that frame, which makes the next get
// start again at first. (NetBSD's receiver starts at the newest frame
// itself, reading it again, and from first again when that frame
// straddles the end of the ring.)
func (m busMem) tail() (c cursor, ok bool) {
	next, ok := m.nextPktOff(m.last())
	if !ok {
		return cursor{next: m.last(), gen: m.gen()}, false
	}
	return cursor{next: next, gen: m.gen()}, true
}

// getResult is what get found.
type getResult int

const (
	gotFrame   getResult = iota
	gotNothing           // the reader has caught up with the writers
	gotDamage            // the bus header or a frame header is bad
)

// stillValid reports whether the cursor still points at a frame that
// has not been overwritten: between first and the end of the newest
// frame, one generation behind if the ring wrapped since (as NetBSD's
// stillvalid_p, on a ring unrolled to twice its size).
func (c *cursor) stillValid(gen uint64, first, lastNext uint32) bool {
	if c.next > DataSize || gen-c.gen > 1 {
		return false
	}
	dev, end := uint64(c.next), uint64(lastNext)
	if first >= lastNext {
		end += DataSize
		if gen == c.gen {
			dev += DataSize
		}
	} else if gen != c.gen {
		return false
	}
	return dev >= uint64(first) && dev <= end
}

// get reads the frame at the cursor into buf, which holds MaxFrame
// bytes, and moves the cursor past it, as NetBSD's receiver does. A
// cursor that writers have lapped starts again at the oldest frame on
// the bus, and lapped says so. On gotDamage the cursor has been moved
// to the end of the newest frame when there is one to move to, so the
// reader waits for new frames rather than reading garbage again.
func (m busMem) get(c *cursor, buf []byte) (h PktHeader, n int, lapped bool, res getResult) {
	gen, first, last := m.gen(), m.first(), m.last()
	if first > DataSize {
		return h, 0, false, gotDamage
	}
	lastNext, ok := m.nextPktOff(last)
	if !ok {
		return h, 0, false, gotDamage
	}
	caughtUp := func() { c.next, c.gen = lastNext, gen }
	if c.gen == gen && c.next == lastNext {
		return h, 0, false, gotNothing
	}
	next := c.next
	if !c.stillValid(gen, first, lastNext) {
		now := ringState{gen, first, last}
		if c.valid && c.resynced == now {
			caughtUp()
			return h, 0, false, gotDamage
		}
		c.resynced, c.valid = now, true
		next = first
		c.gen = gen
		if first > last {
			c.gen = gen - 1 // the oldest frame is before the wrap
		}
		lapped = true
	}
	var hb [PktHeaderSize]byte
	next, wrapHdr := m.read(hb[:], next)
	h = ParsePktHeader(hb[:])
	if h.Len > MaxFrame {
		caughtUp()
		return h, 0, lapped, gotDamage
	}
	next, wrapData := m.read(buf[:h.Len], next)
	c.next = next
	if wrapHdr || wrapData {
		c.gen++
	}
	return h, int(h.Len), lapped, gotFrame
}
