package wire

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/rumpuser"
)

// frame is a frame on the wire.
type frame struct {
	b *pkt.Buf
	// due is when the frame arrives, on the clock's monotonic time; it
	// means something only when timed is set. Untimed frames arrive as
	// soon as those before them have.
	due   time.Duration
	timed bool
}

// dir is one direction of a wire: the sender's queue and the goroutine
// that hands its frames to the receiver.
type dir struct {
	clock    rumpuser.Clock
	maxFrame int
	stats    counters
	closing  atomic.Bool // set by closeReceiver: stop delivering mid-batch
	wake     chan struct{}

	mu       sync.Mutex // guards the fields below
	imp      Impairments
	impaired bool // imp asks for more than a queue
	queueLen int
	rng      *rand.Rand
	// q[head:] are the frames on the wire in delivery order; timedQueued
	// counts those with timed set. An untimed frame queued behind timed
	// ones is given the last due time, so that it keeps its place.
	q           []frame
	head        int
	timedQueued int
	// held is a frame held back by Reorder, due to go out after the next
	// frame or, failing one, at heldUntil.
	held      *pkt.Buf
	heldUntil time.Duration
	// txq[txHead:] are the times at which the frames waiting for the
	// bandwidth finish being sent; lastTx is the last of them and lastDue
	// the arrival time of the last timed frame.
	txq             []time.Duration
	txHead          int
	lastTx, lastDue time.Duration
	rx              func(*pkt.Buf)
	waiting         bool // the goroutine waits for wake
	senderClosed    bool
	closed          bool
	timer           rumpuser.Timer
	done            chan struct{} // closed when the goroutine returns; nil before start
}

func newDir(clock rumpuser.Clock, maxFrame int, seed, stream uint64, imp Impairments) *dir {
	d := &dir{
		clock:    clock,
		maxFrame: maxFrame,
		wake:     make(chan struct{}, 1),
		rng:      rand.New(rand.NewPCG(seed, stream)),
	}
	d.setLocked(imp)
	return d
}

func (d *dir) impair(imp Impairments) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.setLocked(imp)
}

func (d *dir) setLocked(imp Impairments) {
	d.imp = imp
	d.impaired = imp.timed() || imp.random()
	d.queueLen = imp.QueueLen
	if d.queueLen <= 0 {
		d.queueLen = DefaultQueueLen
	}
}

func (d *dir) start(rx func(*pkt.Buf)) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errno.ENETDOWN
	}
	if d.rx != nil {
		return errno.EBUSY
	}
	d.rx = rx
	d.done = make(chan struct{})
	go d.run(rx)
	return nil
}

// drop frees a frame that will not arrive.
func (d *dir) drop(b *pkt.Buf) {
	b.Free()
	d.stats.dropped.Add(1)
}

func (d *dir) transmit(b *pkt.Buf) error {
	d.stats.sent.Add(1)
	if b.Len() > d.maxFrame {
		d.drop(b)
		return errno.EMSGSIZE
	}
	d.mu.Lock()
	switch {
	case d.senderClosed:
		d.mu.Unlock()
		d.drop(b)
		return errClosed
	case d.closed:
		d.mu.Unlock()
		d.drop(b)
		return nil
	case d.impaired:
		err := d.impairedLocked(b)
		d.mu.Unlock()
		return err
	}
	// The fast path: no clock, no generator.
	ok := d.appendUntimedLocked(b)
	d.mu.Unlock()
	if !ok {
		d.drop(b)
		return errno.ENOBUFS
	}
	return nil
}

// appendUntimedLocked queues b to go as soon as the frames ahead of it
// have; it reports false, leaving b to the caller, when the queue is
// full.
func (d *dir) appendUntimedLocked(b *pkt.Buf) bool {
	if len(d.q)-d.head >= d.queueLen {
		return false
	}
	f := frame{b: b}
	if d.timedQueued > 0 {
		f.due, f.timed = d.lastDue, true
		d.timedQueued++
	}
	d.q = append(d.q, f)
	d.kickLocked()
	return true
}

// impairedLocked sends b through the impairments.
func (d *dir) impairedLocked(b *pkt.Buf) error {
	imp := &d.imp
	if imp.Loss > 0 && d.rng.Float64() < imp.Loss {
		d.stats.lost.Add(1)
		d.drop(b)
		return nil
	}
	if imp.Corrupt > 0 && d.rng.Float64() < imp.Corrupt {
		d.corrupt(b.Bytes())
		d.stats.corrupted.Add(1)
	}
	var dup *pkt.Buf
	if imp.Duplicate > 0 && d.rng.Float64() < imp.Duplicate {
		dup = b.Clone()
		d.stats.duplicated.Add(1)
	}
	var now time.Duration
	if imp.timed() {
		now = d.clock.Monotonic()
	}
	held := d.held
	d.held = nil
	if held == nil && imp.Reorder > 0 && d.rng.Float64() < imp.Reorder {
		// Hold b back; its copy, if any, goes out now.
		d.held, d.heldUntil = b, now+holdTimeout
		d.stats.reordered.Add(1)
		b, dup = dup, nil
		if b == nil {
			d.kickLocked() // to arm the hold timer
			return nil
		}
	}
	err := d.enqueueLocked(b, now)
	if dup != nil {
		d.enqueueLocked(dup, now) //nolint:errcheck // a copy's fate is its own
	}
	if held != nil {
		d.enqueueLocked(held, now) //nolint:errcheck // so is a held frame's
	}
	return err
}

// corrupt flips one byte after the Ethernet header (anywhere in a frame
// too short to have one).
func (d *dir) corrupt(p []byte) {
	if len(p) == 0 {
		return
	}
	const etherHeader = 14
	i := 0
	if len(p) > etherHeader {
		i = etherHeader + d.rng.IntN(len(p)-etherHeader)
	} else {
		i = d.rng.IntN(len(p))
	}
	p[i] ^= byte(1 + d.rng.IntN(255))
}

// enqueueLocked puts b on the wire at time now, through the bandwidth and
// the delay.
func (d *dir) enqueueLocked(b *pkt.Buf, now time.Duration) error {
	imp := &d.imp
	if !imp.timed() {
		if !d.appendUntimedLocked(b) {
			d.drop(b)
			return errno.ENOBUFS
		}
		return nil
	}
	sent := now
	if bw := imp.Bandwidth; bw > 0 {
		for d.txHead < len(d.txq) && d.txq[d.txHead] <= now {
			d.txHead++
		}
		d.txq, d.txHead = compact(d.txq, d.txHead)
		if len(d.txq)-d.txHead >= d.queueLen {
			d.drop(b)
			return errno.ENOBUFS
		}
		sent = max(now, d.lastTx) + time.Duration(uint64(b.Len())*8*uint64(time.Second)/uint64(bw))
		d.lastTx = sent
		d.txq = append(d.txq, sent)
	} else if len(d.q)-d.head >= d.queueLen {
		d.drop(b)
		return errno.ENOBUFS
	}
	due := sent + imp.Delay
	if imp.Jitter > 0 {
		due += time.Duration(d.rng.Int64N(int64(imp.Jitter)))
	}
	due = max(due, d.lastDue)
	d.lastDue = due
	d.q = append(d.q, frame{b: b, due: due, timed: true})
	d.timedQueued++
	d.kickLocked()
	return nil
}

// compact moves s[head:] to the front of s once the dead part is large.
func compact[T any](s []T, head int) ([]T, int) {
	if head == len(s) {
		return s[:0], 0
	}
	if head < 256 || head < len(s)/2 {
		return s, head
	}
	n := copy(s, s[head:])
	clear(s[n:])
	return s[:n], 0
}

// kickLocked wakes the goroutine if it waits.
func (d *dir) kickLocked() {
	if d.waiting {
		d.waiting = false
		d.kick()
	}
}

func (d *dir) kick() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// run hands the frames to rx until the receiver closes.
func (d *dir) run(rx func(*pkt.Buf)) {
	defer close(d.done)
	var batch []frame
	for {
		d.mu.Lock()
		for {
			if d.closed {
				d.mu.Unlock()
				return
			}
			batch = d.takeLocked(batch)
			if len(batch) > 0 {
				break
			}
			d.waiting = true
			d.mu.Unlock()
			<-d.wake
			d.mu.Lock()
		}
		d.mu.Unlock()
		var n, bytes uint64
		for i := range batch {
			b := batch[i].b
			batch[i] = frame{}
			if d.closing.Load() {
				d.drop(b)
				continue
			}
			n++
			bytes += uint64(b.Len())
			rx(b)
		}
		d.stats.delivered.Add(n)
		d.stats.deliveredBytes.Add(bytes)
		batch = batch[:0]
	}
}

// takeLocked appends to batch (which is empty) the frames that have
// arrived. When none has, it arms the timer for the next one.
func (d *dir) takeLocked(batch []frame) []frame {
	if d.timedQueued == 0 && d.head == 0 && d.held == nil {
		// Nothing is timed: take the whole queue, handing the batch's
		// array back to the senders.
		batch, d.q = d.q, batch
		return batch
	}
	var now time.Duration
	haveNow := false
	pending := d.q[d.head:]
	n := 0
	for ; n < len(pending); n++ {
		f := &pending[n]
		if !f.timed {
			continue
		}
		if !haveNow {
			now, haveNow = d.clock.Monotonic(), true
		}
		if f.due > now {
			break
		}
		d.timedQueued--
	}
	batch = append(batch, pending[:n]...)
	clear(pending[:n])
	d.head += n
	d.q, d.head = compact(d.q, d.head)
	if d.held != nil && d.head == len(d.q) {
		if !haveNow {
			now, haveNow = d.clock.Monotonic(), true
		}
		if d.heldUntil <= now {
			batch = append(batch, frame{b: d.held})
			d.held = nil
		}
	}
	if len(batch) > 0 {
		return batch
	}
	// Nothing has arrived: wake up when the first frame does.
	var next time.Duration
	switch {
	case d.head < len(d.q):
		next = d.q[d.head].due
	case d.held != nil:
		next = d.heldUntil
	default:
		return batch
	}
	if !haveNow {
		now = d.clock.Monotonic()
	}
	wait := max(next-now, 0)
	if d.timer == nil {
		d.timer = d.clock.AfterFunc(wait, d.kick)
	} else {
		d.timer.Reset(wait)
	}
	return batch
}

// closeSender makes later sends fail.
func (d *dir) closeSender() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.senderClosed = true
}

// closeReceiver stops the goroutine and drops what is on the wire; no rx
// call starts after it returns.
func (d *dir) closeReceiver() {
	d.mu.Lock()
	if !d.closed {
		d.closed = true
		d.closing.Store(true)
		for _, f := range d.q[d.head:] {
			d.drop(f.b)
		}
		d.q, d.head, d.timedQueued = nil, 0, 0
		if d.held != nil {
			d.drop(d.held)
			d.held = nil
		}
		if d.timer != nil {
			d.timer.Stop()
		}
		d.kick()
	}
	done := d.done
	d.mu.Unlock()
	if done != nil {
		<-done
	}
}
