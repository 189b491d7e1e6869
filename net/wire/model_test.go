package wire

import (
	"errors"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/kern/errno"
)

// model is the obviously correct reference for the timing of a wire
// direction without random impairments: a bottleneck that sends frames
// one after another at the bandwidth, a queue of bounded length in front
// of it, then the delay, and first in, first out throughout.
type model struct {
	lastDone, lastArrival time.Duration
	accepted              []modelFrame
}

type modelFrame struct {
	seq           int
	done, arrival time.Duration
	shaped        bool // sent under a bandwidth
}

// send returns when frame seq of size bytes, sent at now under imp,
// arrives, or false when the wire drops it.
func (m *model) send(seq, size int, now time.Duration, imp Impairments) (time.Duration, bool) {
	qlen := imp.QueueLen
	if qlen == 0 {
		qlen = DefaultQueueLen
	}
	waiting := 0
	for _, f := range m.accepted {
		if imp.Bandwidth > 0 {
			if f.shaped && f.done > now {
				waiting++
			}
		} else if f.arrival > now {
			waiting++
		}
	}
	if waiting >= qlen {
		return 0, false
	}
	f := modelFrame{seq: seq, done: now}
	if imp.Bandwidth > 0 {
		f.done = max(now, m.lastDone) + time.Duration(int64(size)*8*int64(time.Second)/imp.Bandwidth)
		f.shaped = true
		m.lastDone = f.done
	}
	f.arrival = max(f.done+imp.Delay, m.lastArrival)
	if imp.Delay > 0 || imp.Bandwidth > 0 {
		m.lastArrival = f.arrival
	}
	m.accepted = append(m.accepted, f)
	return f.arrival, true
}

// TestAgainstModel sends frames of random sizes at random times while the
// delay, bandwidth and queue length change at random, and checks every
// drop, arrival time and the order against the model, to the nanosecond.
func TestAgainstModel(t *testing.T) {
	for seed := range uint64(8) {
		synctest.Test(t, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0))
			w := New(Config{})
			defer w.Close()
			s := newSink(false)
			w.B().Start(s.rx)
			start := time.Now()
			// Sends fall 1 ns past a microsecond and delays 500 ns past
			// one, so that no arrival ties with a send: the model need
			// not guess which of two simultaneous events goes first.
			// Bandwidths are whole bytes per microsecond.
			time.Sleep(time.Nanosecond)
			var m model
			var imp Impairments
			type arrival struct {
				seq int
				at  time.Duration
			}
			var want []arrival
			const n = 3000
			for seq := range n {
				if seq%100 == 0 {
					imp = Impairments{QueueLen: 1 + rng.IntN(40)}
					if rng.IntN(3) > 0 {
						imp.Delay = time.Duration(rng.IntN(3000))*time.Microsecond + 500
					}
					if rng.IntN(3) > 0 {
						imp.Bandwidth = int64(8e6 * (1 + rng.IntN(20)))
					}
					w.A().Impair(imp)
				}
				size := 60 + rng.IntN(1455)
				now := time.Since(start)
				err := w.A().Transmit(seqFrame(size, uint64(seq)))
				at, ok := m.send(seq, size, now, imp)
				switch {
				case ok && err != nil:
					t.Fatalf("frame %d at %v under %+v: %v, the model accepts it", seq, now, imp, err)
				case !ok && !errors.Is(err, errno.ENOBUFS):
					t.Fatalf("frame %d at %v under %+v: %v, the model drops it", seq, now, imp, err)
				case ok:
					want = append(want, arrival{seq, at})
				}
				// At least a microsecond apart: frames sent at one instant
				// without delay or bandwidth count against the queue until
				// the receiving goroutine has run, which the model cannot
				// tell.
				time.Sleep(time.Duration(1+rng.IntN(400*rng.IntN(4)+1)) * time.Microsecond)
			}
			time.Sleep(time.Minute)
			synctest.Wait()
			if s.len() != len(want) {
				t.Fatalf("%d frames arrived, the model says %d", s.len(), len(want))
			}
			for i, a := range want {
				if got := int(s.seqs[i]); got != a.seq {
					t.Fatalf("arrival %d is frame %d, the model says %d", i, got, a.seq)
				}
				if got := s.times[i].Sub(start); got != a.at {
					t.Fatalf("frame %d arrived at %v, the model says %v", a.seq, got, a.at)
				}
			}
			t.Logf("seed %d: %d of %d frames dropped", seed, n-len(want), n)
			if st := w.A().Stats(); st.Delivered != uint64(len(want)) || st.Dropped != uint64(n-len(want)) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// Closing a wire with frames in flight and timers armed ends its
// goroutines, so the synctest bubble can end.
func TestCloseWithTimersArmed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := New(Config{Impairments: Impairments{Delay: time.Hour, Reorder: 0.5, Bandwidth: 1e6}})
		s := newSink(false)
		w.A().Start(s.rx)
		w.B().Start(s.rx)
		sendAll(t, w.A(), 10, 1000)
		sendAll(t, w.B(), 10, 1000)
		synctest.Wait()
		w.Close()
		if s.len() != 0 {
			t.Errorf("%d frames arrived", s.len())
		}
	})
}
