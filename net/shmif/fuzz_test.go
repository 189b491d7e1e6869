package shmif

import (
	"encoding/binary"
	"testing"
)

// maxReads bounds how many gets a reader may make before it must have
// caught up with a ring nobody writes to: a reader may go round it
// from any position to the end, then once more from first after a
// resynchronisation, 24 bytes a frame at the least.
const maxReads = 3*DataSize/PktHeaderSize + 10

// drain reads with c until it has caught up, failing t if it never
// does or returns a frame that cannot be.
func drain(t *testing.T, m busMem, c *cursor, buf []byte) (frames int) {
	t.Helper()
	for range maxReads {
		_, n, _, res := m.get(c, buf)
		if res != gotFrame {
			return frames
		}
		if n < 0 || n > MaxFrame {
			t.Fatalf("frame of %d bytes", n)
		}
		if c.next > DataSize {
			t.Fatalf("cursor at %d, past the ring", c.next)
		}
		frames++
	}
	t.Fatalf("reader still reading after %d frames of a ring nobody writes to", maxReads)
	return frames
}

// FuzzRing fills a bus with hostile bytes (the header, the start and
// the end of the ring) and runs readers and a writer on it: no panic,
// no endless reading, and a writer always leaves a sound ring that a
// reader then reads to its end.
func FuzzRing(f *testing.F) {
	// Seeds: a real bus after a few frames, a fresh one, and damaged
	// headers.
	real := newBus()
	for i := range 3 {
		real.put(PktHeader{Len: 60, Sender: 9}, frame(60, uint32(i)))
	}
	f.Add(append([]byte(nil), real[:HeaderSize+300]...))
	f.Add(make([]byte, HeaderSize))
	hostile := append([]byte(nil), real[:HeaderSize+300]...)
	binary.NativeEndian.PutUint32(hostile[offLast:], DataSize-10)
	binary.NativeEndian.PutUint32(hostile[offFirst:], DataSize)
	f.Add(hostile)
	long := append([]byte(nil), real[:HeaderSize+300]...)
	binary.NativeEndian.PutUint32(long[HeaderSize+24:], 0xffffffff)
	f.Add(long)

	m := busMem(make([]byte, BusSize))
	buf := make([]byte, MaxFrame)
	f.Fuzz(func(t *testing.T, data []byte) {
		clear(m)
		copy(m, data)
		if len(data) > HeaderSize {
			// The same bytes end the ring, so frames straddle its end.
			tail := data[HeaderSize:]
			copy(m[BusSize-min(len(tail), DataSize/2):], tail)
		}
		// Readers as NetBSD's Init leaves them and at a place the input
		// picks (the spare word).
		spare := binary.NativeEndian.Uint32(m[28:])
		readers := []cursor{
			{next: m.last(), gen: m.gen()},
			{next: spare, gen: m.gen() - uint64(spare&1)},
		}
		for i := range readers {
			drain(t, m, &readers[i], buf)
		}
		fresh, tailOK := m.tail()
		fr := frame(100, 77)
		if !m.put(PktHeader{Len: 100, Sender: 5}, fr) {
			m.reset()
			if !m.put(PktHeader{Len: 100, Sender: 5}, fr) {
				t.Fatal("put fails on a ring just reset")
			}
		}
		if m.first() > DataSize || m.last() >= DataSize {
			t.Fatalf("after a put: first %d last %d", m.first(), m.last())
		}
		if _, ok := m.nextPktOff(m.last()); !ok {
			t.Fatal("after a put: the newest frame's header is bad")
		}
		for i := range readers {
			drain(t, m, &readers[i], buf)
		}
		// A reader that had caught up before the put reads the frame put,
		// last.
		var h PktHeader
		n := -1
		for range maxReads {
			hh, nn, _, res := m.get(&fresh, buf)
			if res != gotFrame {
				break
			}
			h, n = hh, nn
		}
		if tailOK && (n != 100 || h.Sender != 5 || seqOf(buf[:n]) != 77) {
			t.Fatalf("the frame put is not the last read: %d bytes from %d", n, h.Sender)
		}
		if _, ok := m.tail(); !ok {
			t.Fatal("no tail after a put")
		}
	})
}
