package tcp

import (
	"math/rand/v2"
	"testing"
)

// The scoreboard against a bitmap of SACKed bytes.
func TestScoreboardRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 300 {
		una := seqnum(r.Uint32())
		const size = 2000
		hi := una + size
		var sb scoreboard
		marked := make([]bool, size)
		for range 30 {
			switch r.IntN(4) {
			case 0, 1, 2:
				s := r.IntN(size + 200)
				e := s + r.IntN(300)
				b := sackBlock{una + seqnum(s) - 100, una + seqnum(e) - 100}
				sb.add(b, una, hi)
				if b.start.lt(b.end) && b.end.gt(una) && b.end.leq(hi) {
					for i := max(0, s-100); i < e-100 && i < size; i++ {
						marked[i] = true
					}
				}
			case 3:
				n := r.IntN(200)
				for i := range n {
					if i < len(marked) {
						marked[i] = false
					}
				}
				una += seqnum(n)
				marked = append(marked[n:], make([]bool, n)...)
				hi = una + size
				sb.prune(una)
			}
			count := 0
			for i, m := range marked {
				if m {
					count++
				}
				end, ok := sb.sackedAt(una + seqnum(i))
				if ok != m || (ok && !end.gt(una+seqnum(i))) {
					t.Fatalf("byte %d: sacked %v, want %v", i, ok, m)
				}
			}
			if sb.sacked != count {
				t.Fatalf("sacked %d, want %d (blocks %v)", sb.sacked, count, sb.blocks)
			}
			for i := 1; i < len(sb.blocks); i++ {
				if !sb.blocks[i-1].end.lt(sb.blocks[i].start) {
					t.Fatalf("blocks not disjoint and sorted: %v", sb.blocks)
				}
			}
		}
	}
}
