package ifnet_test

import (
	"errors"
	"runtime"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
)

// freeWatch records the buffers a TxQueue frees. It leaves them to the
// garbage collector rather than to pkt's pools, so that no buffer it saw
// freed comes back from pkt.From.
type freeWatch struct {
	t      testing.TB
	mu     sync.Mutex
	freed  map[*pkt.Buf]bool
	frames []byte // the first byte of each freed frame, in order
}

// watchFrees makes q report its frees to the returned watch, which fails
// t on a buffer freed twice.
func watchFrees(t testing.TB, q *ifnet.TxQueue) *freeWatch {
	w := &freeWatch{t: t, freed: make(map[*pkt.Buf]bool)}
	q.SetFree(func(b *pkt.Buf) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.freed[b] {
			w.t.Errorf("frame %d freed twice", b.Bytes()[0])
			return
		}
		w.freed[b] = true
		w.frames = append(w.frames, b.Bytes()[0])
	})
	return w
}

// has reports whether b has been freed.
func (w *freeWatch) has(b *pkt.Buf) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.freed[b]
}

func (w *freeWatch) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.freed)
}

// frames returns n one-byte frames numbered from first.
func frames(first, n int) []*pkt.Buf {
	var bs []*pkt.Buf
	for i := range n {
		bs = append(bs, pkt.From(pkt.Headroom, []byte{byte(first + i)}))
	}
	return bs
}

func put(t *testing.T, q *ifnet.TxQueue, bs []*pkt.Buf) {
	t.Helper()
	for _, b := range bs {
		if err := q.Put(b); err != nil {
			t.Fatalf("put frame %d: %v", b.Bytes()[0], err)
		}
	}
}

func TestTxQueuePutTakeClose(t *testing.T) {
	q := ifnet.NewTxQueue(8)
	w := watchFrees(t, q)
	first := frames(0, 3)
	put(t, q, first)
	batch, ok := q.Take(nil)
	if !ok || !slices.Equal(batch, first) {
		t.Fatalf("first Take = %v, %v; want the 3 frames put, in order", batch, ok)
	}
	if w.count() != 0 {
		t.Fatal("Take freed frames it handed to the writer")
	}
	second := frames(3, 2)
	put(t, q, second)
	batch, ok = q.Take(batch)
	if !ok || !slices.Equal(batch, second) {
		t.Fatalf("second Take = %v, %v; want the 2 frames put since", batch, ok)
	}
	if string(w.frames) != "\x00\x01\x02" {
		t.Errorf("second Take freed frames %v, want the first batch, 0 1 2", w.frames)
	}
	third := frames(5, 2)
	put(t, q, third)
	q.Close()
	if w.count() != 5 || !w.has(third[0]) || !w.has(third[1]) {
		t.Errorf("Close freed %v; want the frames still queued, 5 and 6", w.frames[3:])
	}
	if w.has(second[0]) || w.has(second[1]) {
		t.Error("Close freed the batch the writer holds")
	}
	if batch, ok := q.Take(batch); ok || batch != nil {
		t.Errorf("Take after Close = %v, %v; want nil, false", batch, ok)
	}
	if w.count() != 7 {
		t.Errorf("the last Take left the writer's batch unfreed: freed %v", w.frames)
	}
	late := frames(7, 1)[0]
	if err := q.Put(late); !errors.Is(err, errno.ENXIO) {
		t.Errorf("Put after Close: %v, want ENXIO", err)
	}
	if !w.has(late) {
		t.Error("Put after Close kept the frame")
	}
	q.Close() // a no-op
	if w.count() != 8 {
		t.Errorf("freed %d frames, want 8", w.count())
	}
}

func TestTxQueueFull(t *testing.T) {
	q := ifnet.NewTxQueue(2)
	w := watchFrees(t, q)
	put(t, q, frames(0, 2))
	over := frames(2, 1)[0]
	if err := q.Put(over); !errors.Is(err, errno.ENOBUFS) {
		t.Fatalf("Put to a full queue: %v, want ENOBUFS", err)
	}
	if !w.has(over) || w.count() != 1 {
		t.Errorf("a full queue freed %v, want the frame it refused", w.frames)
	}
	batch, ok := q.Take(nil)
	if !ok || len(batch) != 2 {
		t.Fatalf("Take = %d frames, %v; want the 2 queued", len(batch), ok)
	}
	// Taking the queue empties it, even while the writer holds the batch.
	put(t, q, frames(3, 2))
	q.Close()
	q.Take(batch)
	if w.count() != 5 {
		t.Errorf("freed %d of 5 frames", w.count())
	}
}

// TestTxQueueCloseWakesTake runs in a synctest bubble, which fails the
// test if the writer's goroutine is left blocked.
func TestTxQueueCloseWakesTake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := ifnet.NewTxQueue(4)
		w := watchFrees(t, q)
		type took struct {
			batch []*pkt.Buf
			ok    bool
		}
		res := make(chan took, 2)
		go func() {
			batch, ok := q.Take(nil)
			res <- took{slices.Clone(batch), ok} // the next Take clears batch
			batch, ok = q.Take(batch)
			res <- took{batch, ok}
		}()
		synctest.Wait()
		select {
		case r := <-res:
			t.Fatalf("Take on an empty queue returned %v, %v", r.batch, r.ok)
		default:
		}
		b := frames(0, 1)
		put(t, q, b)
		if r := <-res; !r.ok || !slices.Equal(r.batch, b) {
			t.Fatalf("Take = %v, %v; want the frame put", r.batch, r.ok)
		}
		synctest.Wait() // the writer waits again
		q.Close()
		if r := <-res; r.ok || r.batch != nil {
			t.Fatalf("Take after Close = %v, %v; want nil, false", r.batch, r.ok)
		}
		if !w.has(b[0]) {
			t.Error("the writer's last batch was not freed")
		}
	})
}

// TestTxQueueConcurrent has senders put frames while a writer takes them
// and Close comes: every frame is taken in the order its sender put it
// or refused, and freed once.
func TestTxQueueConcurrent(t *testing.T) {
	base := runtime.NumGoroutine()
	defer leaktest.Check(t, base)
	const senders, each = 4, 2000
	q := ifnet.NewTxQueue(64)
	w := watchFrees(t, q)
	var wg sync.WaitGroup
	var mu sync.Mutex
	refused, closed := 0, 0
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				// The frame's bytes: its sender, and its number within.
				b := pkt.From(pkt.Headroom, []byte{0, byte(s), byte(i >> 8), byte(i)})
				err := q.Put(b)
				mu.Lock()
				switch {
				case errors.Is(err, errno.ENOBUFS):
					refused++
				case errors.Is(err, errno.ENXIO):
					closed++
				case err != nil:
					t.Errorf("Put: %v", err)
				}
				mu.Unlock()
				if i%64 == 0 {
					runtime.Gosched()
				}
			}
		})
	}
	taken := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		last := make([]int, senders)
		for i := range last {
			last[i] = -1
		}
		for batch, ok := q.Take(nil); ok; batch, ok = q.Take(batch) {
			for _, b := range batch {
				p := b.Bytes()
				s, n := int(p[1]), int(p[2])<<8|int(p[3])
				if n <= last[s] {
					t.Errorf("sender %d: frame %d after %d", s, n, last[s])
				}
				last[s] = n
			}
			taken += len(batch)
		}
	}()
	// Close while the senders are still busy.
	for w.count() < senders*each/2 {
		runtime.Gosched()
	}
	q.Close()
	wg.Wait()
	<-done
	if w.count() != senders*each {
		t.Errorf("freed %d of %d frames", w.count(), senders*each)
	}
	t.Logf("%d frames taken, %d refused for a full queue, %d after Close, %d dropped by Close",
		taken, refused, closed, senders*each-taken-refused-closed)
}

// TestTxQueueNoAllocs checks that a queue in use, whose writer passes
// each batch back, allocates nothing.
func TestTxQueueNoAllocs(t *testing.T) {
	q := ifnet.NewTxQueue(8)
	q.SetFree(func(*pkt.Buf) {})
	b := pkt.New(pkt.Headroom, 1)
	var batch []*pkt.Buf
	step := func() {
		q.Put(b)
		q.Put(b)
		batch, _ = q.Take(batch)
	}
	step()
	step()
	if n := testing.AllocsPerRun(100, step); n != 0 {
		t.Errorf("%v allocations per Put, Put, Take", n)
	}
	q.Close()
}
