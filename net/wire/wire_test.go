package wire

import (
	"encoding/binary"
	"errors"
	"math"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
)

// seqFrame makes a frame of size bytes between the ends carrying seq
// after its Ethernet header and a pattern after that.
func seqFrame(size int, seq uint64) *pkt.Buf {
	b := pkt.New(pkt.Headroom, size)
	p := b.Bytes()
	copy(p[0:6], []byte{2, 0, 0, 0, 0, 0x0b})
	copy(p[6:12], []byte{2, 0, 0, 0, 0, 0x0a})
	binary.BigEndian.PutUint16(p[12:], 0x88b5) // local experimental
	binary.BigEndian.PutUint64(p[14:], seq)
	for i := 22; i < len(p); i++ {
		p[i] = byte(i)
	}
	return b
}

// sink collects what an end receives.
type sink struct {
	mu     sync.Mutex
	seqs   []uint64
	frames [][]byte
	times  []time.Time
	keep   bool
	cond   *sync.Cond
}

func newSink(keep bool) *sink {
	s := &sink{keep: keep}
	s.cond = sync.NewCond(&s.mu)
	return s
}

func (s *sink) rx(b *pkt.Buf) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seqs = append(s.seqs, binary.BigEndian.Uint64(b.Bytes()[14:]))
	s.times = append(s.times, time.Now())
	if s.keep {
		s.frames = append(s.frames, append([]byte(nil), b.Bytes()...))
	}
	b.Free()
	s.cond.Broadcast()
}

func (s *sink) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seqs)
}

// waitFor waits until n frames have come, failing t after a while.
func (s *sink) waitFor(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.len() < n {
		if time.Now().After(deadline) {
			t.Fatalf("received %d frames, want %d", s.len(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// quiet waits until the direction from e has delivered or dropped all
// it was given, duplicates included.
func quiet(t *testing.T, e *End) Stats {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := e.Stats()
		if st.Sent+st.Duplicated == st.Delivered+st.Dropped {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("direction not quiet: %+v", st)
		}
		time.Sleep(time.Millisecond)
	}
}

func startPair(t *testing.T, w *Wire) (toB, toA *sink) {
	t.Helper()
	toB, toA = newSink(false), newSink(false)
	if err := w.B().Start(toB.rx); err != nil {
		t.Fatal(err)
	}
	if err := w.A().Start(toA.rx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return toB, toA
}

func TestInfo(t *testing.T) {
	w := New(Config{Seed: 7})
	a, b := w.A().Info(), w.B().Info()
	if a.Type != ifnet.LinkEthernet || a.MTU != DefaultMTU || a.Prefix != "wire" {
		t.Errorf("A: %+v", a)
	}
	if a.Addr == b.Addr {
		t.Errorf("both ends have address %x", a.Addr)
	}
	for _, addr := range [][6]byte{a.Addr, b.Addr} {
		if addr[0]&1 != 0 || addr[0]&2 == 0 {
			t.Errorf("address %x is not a locally administered unicast one", addr)
		}
	}
	if New(Config{Seed: 7}).A().Addr() != a.Addr {
		t.Error("the same seed gave another address")
	}
	if New(Config{Seed: 8}).A().Addr() == a.Addr {
		t.Error("another seed gave the same address")
	}
	if got := New(Config{MTU: 65535}).A().Info().MTU; got != 65535 {
		t.Errorf("MTU %d, want 65535", got)
	}
	if got := New(Config{MTU: 1 << 20}).A().Info().MTU; got != MaxMTU {
		t.Errorf("MTU %d, want it capped at %d", got, MaxMTU)
	}
}

func TestOrderBothWays(t *testing.T) {
	w := New(Config{})
	toB, toA := startPair(t, w)
	const n = 20000
	var wg sync.WaitGroup
	for _, e := range []*End{w.A(), w.B()} {
		wg.Go(func() {
			for i := range n {
				for {
					err := e.Transmit(seqFrame(60+i%1400, uint64(i)))
					if err == nil {
						break
					}
					if !errors.Is(err, errno.ENOBUFS) {
						t.Error(err)
						return
					}
					// A full queue: the sender outran the receiver.
					runtime.Gosched()
				}
			}
		})
	}
	wg.Wait()
	toB.waitFor(t, n)
	toA.waitFor(t, n)
	for _, s := range []*sink{toB, toA} {
		for i, seq := range s.seqs {
			if seq != uint64(i) {
				t.Fatalf("frame %d carries sequence number %d", i, seq)
			}
		}
	}
	st := quiet(t, w.A())
	if st.Delivered != n || st.Sent != n+st.Dropped || st.Duplicated+st.Corrupted+st.Reordered+st.Lost != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestFramesBeforeStartWait(t *testing.T) {
	w := New(Config{})
	defer w.Close()
	for i := range 10 {
		if err := w.A().Transmit(seqFrame(100, uint64(i))); err != nil {
			t.Fatal(err)
		}
	}
	s := newSink(false)
	if err := w.B().Start(s.rx); err != nil {
		t.Fatal(err)
	}
	s.waitFor(t, 10)
	if err := w.B().Start(s.rx); !errors.Is(err, errno.EBUSY) {
		t.Errorf("second Start: %v, want EBUSY", err)
	}
}

func TestTooLarge(t *testing.T) {
	w := New(Config{MTU: 1500})
	toB, _ := startPair(t, w)
	if err := w.A().Transmit(seqFrame(1518, 1)); err != nil {
		t.Errorf("a full-size frame with a VLAN tag: %v", err)
	}
	if err := w.A().Transmit(seqFrame(1519, 2)); !errors.Is(err, errno.EMSGSIZE) {
		t.Errorf("an oversize frame: %v, want EMSGSIZE", err)
	}
	toB.waitFor(t, 1)
	if st := quiet(t, w.A()); st.Dropped != 1 || st.Delivered != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestQueueFull(t *testing.T) {
	w := New(Config{Impairments: Impairments{QueueLen: 10}})
	defer w.Close()
	// Nobody receives yet, so the queue fills.
	var full int
	for i := range 25 {
		if err := w.A().Transmit(seqFrame(64, uint64(i))); errors.Is(err, errno.ENOBUFS) {
			full++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if full != 15 {
		t.Errorf("%d frames found the queue full, want 15", full)
	}
	s := newSink(false)
	w.B().Start(s.rx)
	s.waitFor(t, 10)
	if st := quiet(t, w.A()); st.Delivered != 10 || st.Dropped != 15 {
		t.Errorf("stats %+v", st)
	}
}

// sendAll sends n frames of size bytes from e, failing t on an error.
func sendAll(t *testing.T, e *End, n, size int) {
	t.Helper()
	for i := range n {
		if err := e.Transmit(seqFrame(size, uint64(i))); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
}

// within checks that got is within 5 standard deviations of n*p, the
// mean of a binomial count.
func within(t *testing.T, what string, got uint64, n int, p float64) {
	t.Helper()
	mean := float64(n) * p
	sd := math.Sqrt(float64(n) * p * (1 - p))
	if math.Abs(float64(got)-mean) > 5*sd {
		t.Errorf("%s: %d of %d, want about %.0f (sd %.1f)", what, got, n, mean, sd)
	}
}

func TestLoss(t *testing.T) {
	const n = 10000
	w := New(Config{Seed: 1, Impairments: Impairments{Loss: 0.2, QueueLen: n}})
	toB, _ := startPair(t, w)
	sendAll(t, w.A(), n, 100)
	st := quiet(t, w.A())
	within(t, "lost", st.Lost, n, 0.2)
	if st.Dropped != st.Lost || st.Delivered != n-st.Lost || uint64(toB.len()) != st.Delivered {
		t.Errorf("stats %+v, received %d", st, toB.len())
	}
	// What got through is in order.
	for i := 1; i < len(toB.seqs); i++ {
		if toB.seqs[i] <= toB.seqs[i-1] {
			t.Fatalf("out of order at %d: %d after %d", i, toB.seqs[i], toB.seqs[i-1])
		}
	}
	// The other direction is untouched by A's impairments set through
	// End.Impair.
	w.A().Impair(Impairments{Loss: 1})
	if got := w.B().Impairments().Loss; got != 0.2 {
		t.Errorf("B's loss changed to %v", got)
	}
}

func TestDuplicate(t *testing.T) {
	const n = 10000
	w := New(Config{Seed: 2, Impairments: Impairments{Duplicate: 0.1, QueueLen: 2 * n}})
	toB, _ := startPair(t, w)
	sendAll(t, w.A(), n, 100)
	st := quiet(t, w.A())
	within(t, "duplicated", st.Duplicated, n, 0.1)
	if st.Delivered != n+st.Duplicated || uint64(toB.len()) != st.Delivered {
		t.Errorf("stats %+v, received %d", st, toB.len())
	}
	// Copies follow their original.
	for i := 1; i < len(toB.seqs); i++ {
		if toB.seqs[i] < toB.seqs[i-1] {
			t.Fatalf("out of order at %d", i)
		}
	}
}

func TestCorrupt(t *testing.T) {
	const n = 10000
	w := New(Config{Seed: 3, Impairments: Impairments{Corrupt: 0.05, QueueLen: n}})
	s := newSink(true)
	w.B().Start(s.rx)
	defer w.Close()
	sendAll(t, w.A(), n, 200)
	st := quiet(t, w.A())
	within(t, "corrupted", st.Corrupted, n, 0.05)
	s.mu.Lock()
	defer s.mu.Unlock()
	var bad uint64
	for i, p := range s.frames {
		// The header (and so the sequence number) may be hit too: count
		// frames that differ from what was sent.
		want := seqFrame(200, uint64(i)).Bytes()
		diff := 0
		for j := range p {
			if p[j] != want[j] {
				diff++
				if j < 14 {
					t.Errorf("frame %d: Ethernet header byte %d changed", i, j)
				}
			}
		}
		if diff > 1 {
			t.Errorf("frame %d: %d bytes changed", i, diff)
		}
		if diff == 1 {
			bad++
		}
	}
	if bad != st.Corrupted {
		t.Errorf("%d frames differ, stats say %d corrupted", bad, st.Corrupted)
	}
}

// inversions counts the frames that arrive after a later one.
func inversions(seqs []uint64) int {
	n := 0
	var highest uint64
	for i, s := range seqs {
		if i > 0 && s < highest {
			n++
		}
		highest = max(highest, s)
	}
	return n
}

// TestReorder runs in virtual time: on a loaded machine a held frame
// could otherwise time out before the next frame came to overtake it.
func TestReorder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 10000
		w := New(Config{Seed: 4, Impairments: Impairments{Reorder: 0.1, QueueLen: n}})
		toB, _ := startPair(t, w)
		sendAll(t, w.A(), n, 100)
		st := quiet(t, w.A())
		// A frame is held only when none is held already, so slightly fewer
		// than 10% are.
		within(t, "reordered", st.Reordered, n, 0.1*0.9)
		if st.Delivered != n {
			t.Errorf("stats %+v", st)
		}
		if inv := inversions(toB.seqs); uint64(inv) != st.Reordered {
			t.Errorf("%d frames arrived late, stats say %d reordered", inv, st.Reordered)
		}
		seen := map[uint64]bool{}
		for _, s := range toB.seqs {
			if seen[s] {
				t.Fatalf("frame %d twice", s)
			}
			seen[s] = true
		}
	})
}

func TestReorderLastFrameGoesAlone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := New(Config{Impairments: Impairments{Reorder: 1}})
		defer w.Close()
		s := newSink(false)
		w.B().Start(s.rx)
		start := time.Now()
		sendAll(t, w.A(), 1, 100)
		synctest.Wait()
		if s.len() != 0 {
			t.Fatal("a held frame went out at once")
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if s.len() != 1 || s.times[0].Sub(start) != holdTimeout {
			t.Fatalf("held frame: %d received, at %v", s.len(), s.times)
		}
	})
}

func TestDeterministic(t *testing.T) {
	run := func(t *testing.T, seed uint64) []uint64 {
		imp := Impairments{Loss: 0.1, Duplicate: 0.1, Reorder: 0.1, Corrupt: 0.1, QueueLen: 5000}
		w := New(Config{Seed: seed, Impairments: imp})
		defer w.Close()
		s := newSink(false)
		w.B().Start(s.rx)
		sendAll(t, w.A(), 2000, 64)
		quiet(t, w.A())
		return s.seqs
	}
	// In virtual time, so that no held frame times out early on a
	// loaded machine and changes the order.
	synctest.Test(t, func(t *testing.T) {
		a, b, c := run(t, 9), run(t, 9), run(t, 10)
		if !equal(a, b) {
			t.Error("the same seed made different decisions")
		}
		if equal(a, c) {
			t.Error("another seed made the same decisions")
		}
	})
}

func equal(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDelayAndJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := New(Config{Seed: 5, Impairments: Impairments{Delay: 10 * time.Millisecond, Jitter: 5 * time.Millisecond}})
		defer w.Close()
		s := newSink(false)
		w.B().Start(s.rx)
		const n = 200
		sent := make([]time.Time, n)
		for i := range n {
			sent[i] = time.Now()
			if err := w.A().Transmit(seqFrame(100, uint64(i))); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if s.len() != n {
			t.Fatalf("%d frames arrived, want %d", s.len(), n)
		}
		var spread time.Duration
		for i, seq := range s.seqs {
			if seq != uint64(i) {
				t.Fatalf("jitter reordered: frame %d is %d", i, seq)
			}
			d := s.times[i].Sub(sent[i])
			if d < 10*time.Millisecond || d >= 15*time.Millisecond+time.Millisecond {
				t.Errorf("frame %d took %v", i, d)
			}
			spread = max(spread, d-10*time.Millisecond)
		}
		if spread < 3*time.Millisecond {
			t.Errorf("jitter hardly varied the delay: at most %v", spread)
		}
	})
}

func TestDelayExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := New(Config{Impairments: Impairments{Delay: 25 * time.Millisecond}})
		defer w.Close()
		toB, toA := newSink(false), newSink(false)
		w.B().Start(toB.rx)
		w.A().Start(toA.rx)
		start := time.Now()
		sendAll(t, w.A(), 3, 100)
		time.Sleep(24 * time.Millisecond)
		synctest.Wait()
		if toB.len() != 0 {
			t.Fatal("frames arrived before the delay")
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if toB.len() != 3 {
			t.Fatalf("%d frames at the delay, want 3", toB.len())
		}
		for _, at := range toB.times {
			if at.Sub(start) != 25*time.Millisecond {
				t.Errorf("arrived at %v", at.Sub(start))
			}
		}
		// The delay was set for both directions; taking it off one side
		// leaves the other delayed.
		w.B().Impair(Impairments{})
		sendAll(t, w.B(), 1, 100)
		sendAll(t, w.A(), 1, 100)
		synctest.Wait()
		if toA.len() != 1 || toB.len() != 3 {
			t.Errorf("after removing B's delay: %d at A, %d at B", toA.len(), toB.len())
		}
		time.Sleep(25 * time.Millisecond)
		synctest.Wait()
		if toB.len() != 4 {
			t.Errorf("A's delayed frame: %d at B", toB.len())
		}
	})
}

func TestBandwidth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 1 Mbit/s: a 1250-byte frame takes 10 ms.
		w := New(Config{Impairments: Impairments{Bandwidth: 1e6, Delay: 5 * time.Millisecond, QueueLen: 50}})
		defer w.Close()
		s := newSink(false)
		w.B().Start(s.rx)
		start := time.Now()
		var full int
		for i := range 80 {
			err := w.A().Transmit(seqFrame(1250, uint64(i)))
			if errors.Is(err, errno.ENOBUFS) {
				full++
			} else if err != nil {
				t.Fatal(err)
			}
		}
		if full != 30 {
			t.Errorf("%d frames found the queue full, want 30", full)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if s.len() != 50 {
			t.Fatalf("%d frames arrived, want 50", s.len())
		}
		for i, at := range s.times {
			want := time.Duration(i+1)*10*time.Millisecond + 5*time.Millisecond
			if at.Sub(start) != want {
				t.Errorf("frame %d arrived at %v, want %v", i, at.Sub(start), want)
			}
		}
		// Once the queue has drained, a frame goes at once again, and one
		// sent while another is being sent waits for it.
		start = time.Now()
		sendAll(t, w.A(), 2, 1250)
		time.Sleep(time.Second)
		synctest.Wait()
		if got := s.times[50].Sub(start); got != 15*time.Millisecond {
			t.Errorf("after a pause a frame took %v, want 15ms", got)
		}
		if got := s.times[51].Sub(start); got != 25*time.Millisecond {
			t.Errorf("the frame behind it took %v, want 25ms", got)
		}
		if st := w.A().Stats(); st.Dropped != 30 || st.Delivered != 52 || st.DeliveredBytes != 52*1250 {
			t.Errorf("stats %+v", st)
		}
	})
}

func TestImpairAtRunTime(t *testing.T) {
	w := New(Config{})
	toB, _ := startPair(t, w)
	sendAll(t, w.A(), 100, 64)
	w.A().Impair(Impairments{Loss: 1})
	sendAll(t, w.A(), 100, 64)
	w.A().Impair(Impairments{})
	sendAll(t, w.A(), 100, 64)
	st := quiet(t, w.A())
	if st.Delivered != 200 || st.Lost != 100 || toB.len() != 200 {
		t.Errorf("stats %+v", st)
	}
}

// A frame sent without impairments behind delayed ones waits its turn.
func TestUndelayedWaitsBehindDelayed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := New(Config{Impairments: Impairments{Delay: time.Second}})
		defer w.Close()
		s := newSink(false)
		w.B().Start(s.rx)
		sendAll(t, w.A(), 1, 64)
		w.A().Impair(Impairments{})
		if err := w.A().Transmit(seqFrame(64, 1)); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if s.len() != 0 {
			t.Fatal("an undelayed frame overtook a delayed one")
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if !equal(s.seqs, []uint64{0, 1}) {
			t.Errorf("arrived %v", s.seqs)
		}
	})
}

func TestClose(t *testing.T) {
	base := runtime.NumGoroutine()
	w := New(Config{Impairments: Impairments{Delay: time.Hour}})
	toB, toA := newSink(false), newSink(false)
	w.A().Start(toA.rx)
	w.B().Start(toB.rx)
	sendAll(t, w.A(), 5, 64) // still on the wire at Close
	if err := w.B().Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.B().Transmit(seqFrame(64, 0)); !errors.Is(err, errno.ENETDOWN) {
		t.Errorf("Transmit on a closed end: %v, want ENETDOWN", err)
	}
	// Sending to a closed end is not an error for the sender.
	if err := w.A().Transmit(seqFrame(64, 0)); err != nil {
		t.Errorf("Transmit to a closed end: %v", err)
	}
	if err := w.B().Start(toB.rx); !errors.Is(err, errno.ENETDOWN) {
		t.Errorf("Start after Close: %v, want ENETDOWN", err)
	}
	if st := w.A().Stats(); st.Dropped != 6 || st.Delivered != 0 {
		t.Errorf("stats %+v", st)
	}
	w.Close()
	w.Close()
	if toB.len() != 0 {
		t.Errorf("%d frames arrived at a closed end", toB.len())
	}
	// A wire never started closes too.
	New(Config{}).Close()
	leaktest.Check(t, base)
}

// No rx call runs after Close returns, even with frames streaming in.
func TestCloseWhileDelivering(t *testing.T) {
	base := runtime.NumGoroutine()
	for range 20 {
		w := New(Config{})
		var mu sync.Mutex
		closed := false
		w.B().Start(func(b *pkt.Buf) {
			mu.Lock()
			defer mu.Unlock()
			if closed {
				t.Error("rx after Close")
			}
			b.Free()
		})
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				w.A().Transmit(seqFrame(64, 0))
			}
		})
		time.Sleep(time.Millisecond)
		w.B().Close()
		mu.Lock()
		closed = true
		mu.Unlock()
		close(stop)
		wg.Wait()
		w.Close()
	}
	leaktest.Check(t, base)
}

func benchmarkFrames(b *testing.B, size int, imp Impairments) {
	w := New(Config{MTU: MaxMTU, Impairments: imp})
	defer w.Close()
	w.B().Start(func(p *pkt.Buf) { p.Free() })
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for range b.N {
		for w.A().Transmit(pkt.New(pkt.Headroom, size)) != nil {
			// The queue was full and the frame dropped: send another.
			runtime.Gosched()
		}
	}
	for {
		st := w.A().Stats()
		if st.Sent+st.Duplicated == st.Delivered+st.Dropped {
			break
		}
		runtime.Gosched()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

func BenchmarkFrames64(b *testing.B)    { benchmarkFrames(b, 64, Impairments{}) }
func BenchmarkFrames1514(b *testing.B)  { benchmarkFrames(b, 1514, Impairments{}) }
func BenchmarkFrames65549(b *testing.B) { benchmarkFrames(b, 65549, Impairments{}) }

func BenchmarkFramesImpaired(b *testing.B) {
	benchmarkFrames(b, 1514, Impairments{Loss: 0.001, Duplicate: 0.001, Reorder: 0.001})
}
