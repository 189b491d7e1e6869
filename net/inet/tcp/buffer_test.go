package tcp

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/gorump/gorump/net/pkt"
)

// The send ring against a plain byte slice, over random writes, peeks
// and discards.
func TestRingRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var ring ring
	var ref []byte
	next := byte(0)
	for range 20000 {
		switch r.IntN(3) {
		case 0:
			p := make([]byte, r.IntN(3000))
			for i := range p {
				p[i] = next
				next++
			}
			limit := r.IntN(20000)
			n := ring.write(p, limit)
			if want := min(len(p), max(0, limit-len(ref))); n != want {
				t.Fatalf("write %d under %d with %d held: %d", len(p), limit, len(ref), n)
			}
			ref = append(ref, p[:n]...)
			next -= byte(len(p) - n)
		case 1:
			if len(ref) == 0 {
				continue
			}
			off := r.IntN(len(ref))
			n := r.IntN(len(ref) - off + 1)
			a, b := ring.peek(off, n)
			if got := append(append([]byte(nil), a...), b...); !bytes.Equal(got, ref[off:off+n]) {
				t.Fatalf("peek(%d, %d) differs", off, n)
			}
		case 2:
			n := r.IntN(len(ref) + 1)
			ring.discard(n)
			ref = ref[n:]
		}
		if ring.n != len(ref) {
			t.Fatalf("ring holds %d, want %d", ring.n, len(ref))
		}
	}
}

// The receive queue against a byte slice: pushes of packet buffers and
// copies, reads and peeks.
func TestRcvQueueRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var q rcvQueue
	var ref []byte
	next := byte(0)
	for range 20000 {
		switch r.IntN(3) {
		case 0:
			p := make([]byte, r.IntN(3000))
			for i := range p {
				p[i] = next
				next++
			}
			if r.IntN(2) == 0 {
				q.push(pkt.From(pkt.Headroom, p))
			} else {
				q.pushCopy(p)
			}
			ref = append(ref, p...)
		case 1:
			p := make([]byte, r.IntN(5000))
			n := q.peek(p)
			if !bytes.Equal(p[:n], ref[:min(len(p), len(ref))]) {
				t.Fatal("peek differs")
			}
		case 2:
			p := make([]byte, r.IntN(5000))
			n := q.read(p)
			if n != min(len(p), len(ref)) || !bytes.Equal(p[:n], ref[:n]) {
				t.Fatalf("read %d of %d", n, len(ref))
			}
			ref = ref[n:]
		}
		if q.n != len(ref) {
			t.Fatalf("queue holds %d, want %d", q.n, len(ref))
		}
	}
	q.clear()
}

// The reassembly queue against a map of bytes: random overlapping
// segments, pulled in order, give the stream exactly.
func TestReassemblyRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := range 200 {
		stream := payload(5000, uint64(round))
		base := seqnum(r.Uint32())
		var ooo reassembly
		var q rcvQueue
		rcvNxt := base
		for rcvNxt != base+seqnum(len(stream)) {
			off := r.IntN(len(stream))
			n := 1 + r.IntN(min(700, len(stream)-off))
			seq := base + seqnum(off)
			data := stream[off : off+n]
			if seq.leq(rcvNxt) {
				if end := seq + seqnum(n); end.gt(rcvNxt) {
					q.pushCopy(data[int(rcvNxt-seq):])
					rcvNxt = end
				}
				rcvNxt, _ = ooo.pull(rcvNxt, &q)
				continue
			}
			ooo.insert(seq, pkt.From(pkt.Headroom, data), false)
			// The queue stays sorted, disjoint, and its ranges match.
			for i := 1; i < len(ooo.segs); i++ {
				if ooo.segs[i-1].end().gt(ooo.segs[i].seq) {
					t.Fatal("overlapping segments queued")
				}
			}
			total := 0
			for _, s := range ooo.segs {
				total += s.buf.Len()
				o := int(s.seq - base)
				if !bytes.Equal(s.buf.Bytes(), stream[o:o+s.buf.Len()]) {
					t.Fatal("queued bytes differ from the stream")
				}
			}
			if total != ooo.bytes {
				t.Fatalf("bytes %d, counted %d", total, ooo.bytes)
			}
		}
		got := make([]byte, len(stream)+1)
		if n := q.read(got); !bytes.Equal(got[:n], stream) {
			t.Fatalf("round %d: reassembled %d bytes wrong", round, n)
		}
		ooo.clear()
	}
}
