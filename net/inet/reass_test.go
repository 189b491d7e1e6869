package inet

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/net/pkt"
)

// fragOf returns a fragment of payload: data [off, end) of datagram id,
// from 10.0.0.1 to 10.0.0.2, UDP.
func fragOf(id uint16, payload []byte, off, end int, last bool) []byte {
	frag := uint16(off / 8)
	if !last {
		frag |= flagMF
	}
	return rawPacket("10.0.0.1", "10.0.0.2", ProtoUDP, id, frag, 64, nil, payload[off:end])
}

// splitAt returns the fragments of payload cut at the given offsets.
func splitAt(id uint16, payload []byte, cuts ...int) [][]byte {
	var out [][]byte
	start := 0
	for _, c := range append(cuts, len(payload)) {
		out = append(out, fragOf(id, payload, start, c, c == len(payload)))
		start = c
	}
	return out
}

func testPayload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*31 + i>>8)
	}
	return p
}

func TestReassembly(t *testing.T) {
	payload := testPayload(4000)
	other := bytes.Repeat([]byte{0xee}, 4000)
	tests := []struct {
		name   string
		frags  [][]byte
		want   []byte // nil: nothing delivered
		queues int    // left waiting
	}{
		{"in order", splitAt(1, payload, 1480, 2960), payload, 0},
		{"reversed", reversed(splitAt(2, payload, 1480, 2960)), payload, 0},
		{"eight-byte pieces", shuffled(splitAt(3, payload[:200], 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 136, 144, 152, 160, 168, 176, 184, 192)), payload[:200], 0},
		{"duplicates", append(splitAt(4, payload, 1480, 2960)[:2], append(splitAt(4, payload, 1480, 2960)[:2], splitAt(4, payload, 1480, 2960)[2])...), payload, 0},
		{"overlaps, first wins", [][]byte{
			fragOf(5, payload, 0, 2000, false),
			fragOf(5, other, 1000, 3000, false), // only 2000..3000 is new
			fragOf(5, other, 2992, 4000, true),  // only 3000..4000 is new
		}, append(append([]byte(nil), payload[:2000]...), other[2000:4000]...), 0},
		{"overlap covering older pieces", [][]byte{
			fragOf(6, payload, 1000, 1008, false),
			fragOf(6, payload, 2000, 2400, false),
			fragOf(6, other, 0, 3000, false),
			fragOf(6, other, 2992, 4000, true),
		}, func() []byte {
			w := append([]byte(nil), other...)
			copy(w[1000:1008], payload[1000:1008])
			copy(w[2000:2400], payload[2000:2400])
			return w
		}(), 0},
		{"missing middle", [][]byte{fragOf(7, payload, 0, 1480, false), fragOf(7, payload, 2960, 4000, true)}, nil, 1},
		{"missing first", splitAt(8, payload, 1480, 2960)[1:], nil, 1},
		{"too big", [][]byte{
			fragOf(9, payload, 0, 1480, false),
			rawPacket("10.0.0.1", "10.0.0.2", ProtoUDP, 9, 8189, 64, nil, payload[:100]), // 65512 + 100
		}, nil, 0},
		{"two different ends", [][]byte{
			fragOf(10, payload, 0, 1480, false),
			fragOf(10, payload, 2960, 4000, true),
			fragOf(10, payload, 1480, 2000, true),
		}, nil, 0},
		{"data past the end", [][]byte{
			fragOf(11, payload, 2000, 4000, false),
			fragOf(11, payload, 1480, 2000, true),
		}, nil, 0},
		{"odd-sized middle fragment", [][]byte{fragOf(12, payload, 0, 1001, false)}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNet(t)
			rec := newRecorder()
			n.ipb.Register(ProtoUDP, rec)
			for _, f := range tt.frags {
				n.ipb.input(n.ifb, pkt.From(pkt.Headroom, f))
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			switch {
			case tt.want == nil && len(rec.in) != 0:
				t.Errorf("delivered %d bytes", len(rec.in[0].data))
			case tt.want != nil && len(rec.in) != 1:
				t.Errorf("delivered %d datagrams", len(rec.in))
			case tt.want != nil && !bytes.Equal(rec.in[0].data, tt.want):
				t.Errorf("delivered the wrong bytes (%d of %d)", len(rec.in[0].data), len(tt.want))
			case tt.want != nil && (rec.in[0].h.Src != n.addrA || rec.in[0].h.Proto != ProtoUDP):
				t.Errorf("header %+v", rec.in[0].h)
			}
			n.ipb.reass.mu.Lock()
			if len(n.ipb.reass.queues) != tt.queues {
				t.Errorf("%d queues left, want %d", len(n.ipb.reass.queues), tt.queues)
			}
			n.ipb.reass.mu.Unlock()
		})
	}
}

func reversed(fs [][]byte) [][]byte {
	out := make([][]byte, len(fs))
	for i, f := range fs {
		out[len(fs)-1-i] = f
	}
	return out
}

func shuffled(fs [][]byte) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
	return fs
}

// TestReassemblyRandom compares reassembly with the payload for many
// random cuttings, orders, duplicates and overlaps.
func TestReassemblyRandom(t *testing.T) {
	n := newTestNet(t)
	rec := newRecorder()
	n.ipb.Register(ProtoUDP, rec)
	r := rand.New(rand.NewPCG(3, 4))
	for id := range uint16(300) {
		payload := testPayload(16 + r.IntN(9000))
		var frags [][]byte
		// Random pieces covering everything, with overlaps.
		for off := 0; off < len(payload); {
			start := max(0, off-8*r.IntN(3)) &^ 7
			end := min(len(payload), off+8+8*r.IntN(200))
			if end < len(payload) {
				end &^= 7
			}
			if start == 0 && end == len(payload) {
				end = len(payload) / 2 &^ 7 // a whole datagram is no fragment
			}
			frags = append(frags, fragOf(id, payload, start, end, end == len(payload)))
			off = end
		}
		for range r.IntN(3) {
			frags = append(frags, frags[r.IntN(len(frags))])
		}
		r.Shuffle(len(frags), func(i, j int) { frags[i], frags[j] = frags[j], frags[i] })
		before := len(rec.in)
		for _, f := range frags {
			n.ipb.input(n.ifb, pkt.From(pkt.Headroom, f))
		}
		rec.mu.Lock()
		got := rec.in[before:]
		// Duplicates may make up the datagram twice: that is what the
		// network did.
		if len(got) < 1 || !bytes.Equal(got[0].data, payload) || !bytes.Equal(got[len(got)-1].data, payload) {
			t.Fatalf("datagram %d (%d bytes, %d fragments): %d delivered", id, len(payload), len(frags), len(got))
		}
		rec.mu.Unlock()
	}
}

func TestReassemblyLimits(t *testing.T) {
	n := newTestNet(t)
	payload := testPayload(65000)
	// More datagrams than net.inet.ip.maxfragpackets.
	for id := range uint16(DefaultMaxFragQueues + 50) {
		n.ipb.input(n.ifb, pkt.From(pkt.Headroom, fragOf(id, payload, 0, 8, false)))
	}
	r := &n.ipb.reass
	r.mu.Lock()
	if len(r.queues) != DefaultMaxFragQueues {
		t.Errorf("%d queues", len(r.queues))
	}
	r.mu.Unlock()
	// More bytes than MaxFragBytes: large datagrams missing their
	// first fragment.
	for id := range uint16(100) {
		n.ipb.input(n.ifb, pkt.From(pkt.Headroom, fragOf(1000+id, payload, 64000, 65000, true)))
	}
	r.mu.Lock()
	if r.bytes > MaxFragBytes {
		t.Errorf("holding %d bytes", r.bytes)
	}
	sum := 0
	for _, q := range r.queues {
		sum += cap(q.data)
	}
	if sum != r.bytes {
		t.Errorf("byte count %d, queues hold %d", r.bytes, sum)
	}
	r.mu.Unlock()
	// Too many fragments for one datagram.
	for i := range MaxFragsPerDatagram + 10 {
		n.ipb.input(n.ifb, pkt.From(pkt.Headroom, fragOf(5000, payload, 8*i, 8*i+8, false)))
	}
	r.mu.Lock()
	for _, q := range r.queues {
		if q.nfrags > MaxFragsPerDatagram {
			t.Errorf("a datagram holds %d fragments", q.nfrags)
		}
	}
	r.mu.Unlock()
	if st := n.ipb.Stats(); st.FragDropped == 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestReassemblyTimeout lets a datagram's first fragment wait past
// FragTimeout: B drops it and tells A with an ICMP time exceeded
// (reassembly), quoting the fragment.
func TestReassemblyTimeout(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		n := newBubbleNet(t)
		rec := newRecorder()
		n.ipa.Register(ProtoICMP, rec)
		payload := testPayload(3000)
		n.ipb.input(n.ifb, pkt.From(pkt.Headroom, fragOf(77, payload, 0, 1480, false)))
		n.ipb.input(n.ifb, pkt.From(pkt.Headroom, fragOf(78, payload, 1480, 2960, false))) // no first fragment: no ICMP
		time.Sleep(FragTimeout - time.Second)
		synctest.Wait()
		n.ipb.reass.mu.Lock()
		if len(n.ipb.reass.queues) != 2 {
			t.Errorf("%d queues before the timeout", len(n.ipb.reass.queues))
		}
		n.ipb.reass.mu.Unlock()
		time.Sleep(2 * time.Second)
		synctest.Wait()
		n.ipb.reass.mu.Lock()
		if len(n.ipb.reass.queues) != 0 {
			t.Errorf("%d queues after the timeout", len(n.ipb.reass.queues))
		}
		n.ipb.reass.mu.Unlock()
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if len(rec.in) != 1 {
			t.Fatalf("A got %d ICMP messages", len(rec.in))
		}
		m := rec.in[0].data
		if m[0] != icmpTimeExceeded || m[1] != codeReassemblyExceeded {
			t.Fatalf("ICMP type %d code %d", m[0], m[1])
		}
		q, herr := parseHeaderLoose(m[8:])
		if herr != hdrOK || q.id != 77 || q.src != n.addrA || !bytes.Equal(m[8+20:], payload[:8]) {
			t.Errorf("quoted %+v % x", q, m[8:])
		}
		if st := n.ipb.Stats(); st.FragTimeout != 2 {
			t.Errorf("stats %+v", st)
		}
	})
}

func FuzzReassembly(f *testing.F) {
	payload := testPayload(3000)
	var seed []byte
	for _, fr := range splitAt(1, payload, 1480, 2960) {
		seed = append(seed, fr[4:8]...)
	}
	f.Add(seed, uint16(100))
	f.Add([]byte{0, 1, 0x20, 0, 0, 1, 0, 0}, uint16(3000))
	// Each 4-byte record of ops is an (id, flags+offset) pair; the data
	// length comes from the next record's bytes.
	f.Fuzz(func(t *testing.T, ops []byte, size uint16) {
		n := newFuzzNet(t)
		for i := 0; i+4 <= len(ops) && i < 4*64; i += 4 {
			id := uint16(ops[i]) & 3
			frag := uint16(ops[i+2])<<8 | uint16(ops[i+3])
			l := int(size%2000) + int(ops[i+1])
			data := testPayload(l)
			p := rawPacket("10.0.0.1", "10.0.0.2", ProtoUDP, id, frag, 64, nil, data)
			n.ipb.input(n.ifb, pkt.From(pkt.Headroom, p))
		}
		r := &n.ipb.reass
		r.mu.Lock()
		defer r.mu.Unlock()
		sum := 0
		for _, q := range r.queues {
			sum += cap(q.data)
			for i, sp := range q.have {
				if sp.start >= sp.end || sp.end > len(q.data) || (i > 0 && q.have[i-1].end >= sp.start) {
					t.Fatalf("bad spans %v for %d bytes", q.have, len(q.data))
				}
			}
			if q.total >= 0 && len(q.data) > q.total {
				t.Fatalf("holding %d bytes of a %d-byte datagram", len(q.data), q.total)
			}
		}
		if sum != r.bytes || r.bytes > MaxFragBytes {
			t.Fatalf("bytes %d, counted %d", sum, r.bytes)
		}
	})
}
