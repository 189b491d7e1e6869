package kern

import (
	"slices"
	"sync"
)

// Waiters is a wait queue for a kernel object that blocks (a socket's
// protocol control block, a pipe): a waiter takes Chan, tries its
// operation, and, if it must wait, waits for the channel to close. The
// object calls Wake after any change of state; waking with nobody
// waiting costs a lock and nothing else. Poll and Select watch many
// queues at once through Watch.
type Waiters struct {
	mu       sync.Mutex      // guards ch and watchers
	ch       chan struct{}   // closed by Wake; nil when nobody waits
	watchers []chan struct{} // signalled by every Wake (poll)
}

// Chan returns a channel that the next Wake closes. Take it before trying
// the operation, so that a wake between the try and the wait is not lost.
func (w *Waiters) Chan() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ch == nil {
		w.ch = make(chan struct{})
	}
	return w.ch
}

// Wake wakes everyone waiting.
func (w *Waiters) Wake() {
	w.mu.Lock()
	if w.ch != nil {
		close(w.ch)
		w.ch = nil
	}
	for _, c := range w.watchers {
		select {
		case c <- struct{}{}:
		default: // a signal is pending already
		}
	}
	w.mu.Unlock()
}

// Watch makes every Wake also send on c, without blocking (give c a
// buffer of one), until Unwatch: one channel can watch many queues, as
// poll does.
func (w *Waiters) Watch(c chan struct{}) {
	w.mu.Lock()
	w.watchers = append(w.watchers, c)
	w.mu.Unlock()
}

// Unwatch undoes Watch(c).
func (w *Waiters) Unwatch(c chan struct{}) {
	w.mu.Lock()
	if i := slices.Index(w.watchers, c); i >= 0 {
		w.watchers = slices.Delete(w.watchers, i, i+1)
	}
	w.mu.Unlock()
}

// Waiting reports whether some caller has taken Chan since the last
// Wake: a call is about to sleep, or asleep. Tests use it to know when
// a call blocks.
func (w *Waiters) Waiting() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ch != nil
}

// Watchers returns how many channels watch the queue (polls asleep on
// it).
func (w *Waiters) Watchers() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.watchers)
}
