package wire

import (
	"encoding/binary"
	"runtime"
	"testing"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/net/pkt"
)

// hubFrame makes a frame from src to dst carrying seq.
func hubFrame(dst, src [6]byte, seq uint64) *pkt.Buf {
	b := pkt.New(pkt.Headroom, 64)
	p := b.Bytes()
	copy(p[0:6], dst[:])
	copy(p[6:12], src[:])
	binary.BigEndian.PutUint16(p[12:], 0x88b5)
	binary.BigEndian.PutUint64(p[14:], seq)
	return b
}

func TestHub(t *testing.T) {
	base := runtime.NumGoroutine()
	h := NewHub(Config{Seed: 1})
	ports := []*Port{h.Port(), h.Port(), h.Port()}
	sinks := []*sink{newSink(false), newSink(false), newSink(false)}
	for i, p := range ports {
		if err := p.Start(sinks[i].rx); err != nil {
			t.Fatal(err)
		}
		for j := range i {
			if ports[j].Addr() == p.Addr() {
				t.Fatalf("ports %d and %d share address %x", j, i, p.Addr())
			}
		}
	}
	bcast := [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	counts := func() [3]int { return [3]int{sinks[0].len(), sinks[1].len(), sinks[2].len()} }
	wait := func(want [3]int) {
		t.Helper()
		for i, s := range sinks {
			s.waitFor(t, want[i])
		}
		for _, p := range ports {
			quiet(t, &End{out: p.in})
		}
		if got := counts(); got != want {
			t.Fatalf("received %v, want %v", got, want)
		}
	}
	// Broadcast from 0 reaches 1 and 2, and the hub learns 0.
	ports[0].Transmit(hubFrame(bcast, ports[0].Addr(), 1))
	wait([3]int{0, 1, 1})
	// 1 answers 0 directly; the hub learns 1.
	ports[1].Transmit(hubFrame(ports[0].Addr(), ports[1].Addr(), 2))
	wait([3]int{1, 1, 1})
	// 2 sends to 1, learnt: only 1 receives.
	ports[2].Transmit(hubFrame(ports[1].Addr(), ports[2].Addr(), 3))
	wait([3]int{1, 2, 1})
	// An address never seen floods.
	ports[2].Transmit(hubFrame([6]byte{2, 9, 9, 9, 9, 9}, ports[2].Addr(), 4))
	wait([3]int{2, 3, 1})
	// Impairments apply to what a port receives.
	ports[1].Impair(Impairments{Loss: 1})
	ports[0].Transmit(hubFrame(bcast, ports[0].Addr(), 5))
	wait([3]int{2, 3, 2})
	if st := ports[1].Stats(); st.Lost != 1 {
		t.Errorf("port 1 stats %+v", st)
	}
	// A closed port sends nothing and is unlearnt.
	ports[2].Close()
	if err := ports[2].Transmit(hubFrame(bcast, ports[2].Addr(), 6)); err == nil {
		t.Error("a closed port sent")
	}
	h.Close()
	leaktest.Check(t, base)
}
