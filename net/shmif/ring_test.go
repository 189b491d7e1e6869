package shmif

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// newBus returns a fresh bus (a zeroed file) made a bus, as the first
// attacher leaves it.
func newBus() busMem {
	m := busMem(make([]byte, BusSize))
	m.initialize()
	return m
}

// frame returns a frame of n bytes (at least 14) carrying seq after an
// Ethernet header.
func frame(n int, seq uint32) []byte {
	f := make([]byte, n)
	for i := range 6 {
		f[i] = 0xff
	}
	binary.BigEndian.PutUint16(f[12:], 0x88b5) // local experimental
	if n >= 18 {
		binary.BigEndian.PutUint32(f[14:], seq)
	}
	for i := 18; i < n; i++ {
		f[i] = byte(seq) + byte(i)
	}
	return f
}

func seqOf(f []byte) uint32 { return binary.BigEndian.Uint32(f[14:]) }

// checkFrame fails t unless f is what frame(len(f), seqOf(f)) makes.
func checkFrame(t *testing.T, f []byte) {
	t.Helper()
	want := frame(len(f), seqOf(f))
	if string(f) != string(want) {
		t.Fatalf("frame %d of %d bytes damaged", seqOf(f), len(f))
	}
}

func mustPut(t *testing.T, m busMem, sender uint64, f []byte) {
	t.Helper()
	if !m.put(PktHeader{Len: uint32(len(f)), Sec: 1, Usec: 2, Sender: sender}, f) {
		t.Fatalf("put of %d bytes: ring damaged", len(f))
	}
}

// TestRingLayout puts two frames on a new bus and checks the bytes
// where NetBSD's format puts them.
func TestRingLayout(t *testing.T) {
	m := newBus()
	ne := binary.NativeEndian
	if ne.Uint32(m[0:]) != 0xca11d054 || ne.Uint32(m[16:]) != 1048544 || ne.Uint32(m[20:]) != 0 {
		t.Fatalf("new bus header % x", m[:32])
	}
	f1, f2 := frame(60, 1), frame(1514, 2)
	mustPut(t, m, 0x1122334455667788, f1)
	mustPut(t, m, 0x1122334455667788, f2)
	// The first frame goes after the empty pseudo-frame at 0 (24
	// bytes); the second after the first.
	off1, off2 := 24, 24+24+60
	if got := ne.Uint32(m[20:]); got != uint32(off2) {
		t.Errorf("shm_last = %d, want %d", got, off2)
	}
	if ne.Uint64(m[8:]) != 0 || ne.Uint32(m[16:]) != DataSize {
		t.Errorf("gen %d first %d, want 0 and %d", ne.Uint64(m[8:]), ne.Uint32(m[16:]), DataSize)
	}
	for _, c := range []struct {
		off int
		f   []byte
	}{{off1, f1}, {off2, f2}} {
		h := m[HeaderSize+c.off:]
		if ne.Uint32(h[0:]) != uint32(len(c.f)) || ne.Uint32(h[4:]) != 1 || ne.Uint32(h[8:]) != 2 ||
			ne.Uint32(h[12:]) != 0 || ne.Uint64(h[16:]) != 0x1122334455667788 {
			t.Errorf("frame header at %d: % x", c.off, h[:24])
		}
		if string(h[24:24+len(c.f)]) != string(c.f) {
			t.Errorf("frame at %d: wrong bytes", c.off)
		}
	}
}

// TestRingWrap fills the ring past its end with a reader keeping pace:
// every frame arrives once, in order, whole, and the generation counts
// the wraps, with the frame that straddles the end split across it.
func TestRingWrap(t *testing.T) {
	m := newBus()
	c := cursor{next: m.last(), gen: m.gen()}
	buf := make([]byte, MaxFrame)
	rng := rand.New(rand.NewPCG(1, 2))
	var want uint32 = 1
	var wrote int
	for seq := uint32(1); wrote < 3*DataSize+12345; seq++ {
		f := frame(18+rng.IntN(MaxFrame-17), seq)
		mustPut(t, m, 7, f)
		wrote += PktHeaderSize + len(f)
		for {
			h, n, lapped, res := m.get(&c, buf)
			if lapped {
				t.Fatalf("lapped at frame %d", seq)
			}
			if res == gotNothing {
				break
			}
			if res != gotFrame {
				t.Fatalf("get: %v at frame %d", res, seq)
			}
			if n < minFrame {
				continue // the pseudo-frame
			}
			if h.Sender != 7 || seqOf(buf[:n]) != want {
				t.Fatalf("got frame %d from %d, want %d", seqOf(buf[:n]), h.Sender, want)
			}
			checkFrame(t, buf[:n])
			want++
		}
		if c.gen != m.gen() {
			t.Fatalf("caught-up reader at generation %d, bus at %d", c.gen, m.gen())
		}
	}
	if m.gen() != 3 {
		t.Errorf("generation %d after writing 3 rings and a bit, want 3", m.gen())
	}
	if m.first() >= DataSize || m.last() >= DataSize {
		t.Errorf("first %d last %d", m.first(), m.last())
	}
}

// TestRingLapped has writers overtake a reader: it starts again at the
// oldest frame still on the bus, says so once, and from there reads
// every frame in order.
func TestRingLapped(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	laps := 0
	for round := range 20 {
		m := newBus()
		c := cursor{next: m.last(), gen: m.gen()}
		buf := make([]byte, MaxFrame)
		var seq uint32
		// Write between a little and several rings' worth, reading at
		// random moments.
		total := rng.IntN(4 * DataSize)
		var next uint32 = 1 // the next frame expected, when not lapped
		for wrote := 0; wrote < total; {
			seq++
			f := frame(18+rng.IntN(MaxFrame-17), seq)
			mustPut(t, m, 1, f)
			wrote += PktHeaderSize + len(f)
			if rng.IntN(2000) != 0 {
				continue
			}
			for {
				_, n, lapped, res := m.get(&c, buf)
				if res == gotNothing {
					break
				}
				if res != gotFrame {
					t.Fatalf("round %d: get: %v", round, res)
				}
				if n < minFrame {
					continue
				}
				s := seqOf(buf[:n])
				checkFrame(t, buf[:n])
				if lapped {
					laps++
					if s < next {
						t.Fatalf("round %d: lapped reader went back from %d to %d", round, next, s)
					}
				} else if s != next {
					t.Fatalf("round %d: frame %d, want %d (no lap reported)", round, s, next)
				}
				next = s + 1
			}
			if next != seq+1 {
				t.Fatalf("round %d: caught up at %d, last written %d", round, next-1, seq)
			}
		}
	}
	if laps == 0 {
		t.Error("the reader was never lapped: the test tests nothing")
	}
	t.Logf("%d laps", laps)
}

// TestRingReset damages a ring in the ways a hostile writer can and
// checks that a writer repairs it and a reader skips the damage.
func TestRingReset(t *testing.T) {
	ne := binary.NativeEndian
	for _, damage := range []struct {
		name string
		do   func(m busMem)
	}{
		{"last out of the ring", func(m busMem) { ne.PutUint32(m[offLast:], DataSize+100) }},
		{"first out of the ring", func(m busMem) { ne.PutUint32(m[offFirst:], 0xffffffff) }},
		{"newest frame too long", func(m busMem) { ne.PutUint32(m[HeaderSize+int(m.last()):], MaxFrame+1) }},
		{"frame chain broken", func(m busMem) {
			for i := HeaderSize; i < BusSize; i += 4 {
				ne.PutUint32(m[i:], 1000)
			}
		}},
	} {
		t.Run(damage.name, func(t *testing.T) {
			m := newBus()
			for i := range 100 {
				mustPut(t, m, 1, frame(1000, uint32(i)))
			}
			c := cursor{next: m.last(), gen: m.gen()}
			damage.do(m)
			buf := make([]byte, MaxFrame)
			steps := 0
			for ; steps < 2*DataSize/PktHeaderSize; steps++ {
				_, _, _, res := m.get(&c, buf)
				if res != gotFrame {
					break
				}
			}
			if steps == 2*DataSize/PktHeaderSize {
				t.Fatal("reader never stops reading a damaged ring")
			}
			f := frame(100, 4242)
			if !m.put(PktHeader{Len: 100, Sender: 1}, f) {
				m.reset()
				mustPut(t, m, 1, f)
			}
			got := false
			for range 2 * DataSize / PktHeaderSize {
				_, n, _, res := m.get(&c, buf)
				if res == gotNothing {
					break
				}
				if res == gotFrame && n == 100 && seqOf(buf[:n]) == 4242 {
					got = true
				}
			}
			// After a reset the reader must find the new frame; after a
			// put that found nothing wrong, it may have been skipped
			// past with the damage, but the ring must be sound.
			if _, ok := m.nextPktOff(m.last()); !ok || m.first() > DataSize {
				t.Errorf("ring unsound after the write: first %d last %d", m.first(), m.last())
			}
			t.Logf("reader got the frame after the damage: %v", got)
		})
	}
}
