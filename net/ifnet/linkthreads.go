package ifnet

import (
	"context"
	"sync"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// LinkThreads are a link driver's kernel threads (a reader, a writer),
// which Link.Start starts and the driver's Close stops and waits for,
// rather than leaving them to the kernel's halt: after Close, no rx
// call runs. The zero value is ready to use.
type LinkThreads struct {
	// mu guards started and closed; holding it while a thread counts
	// itself in wg orders that Add before Wait.
	mu      sync.Mutex
	started bool
	closed  bool
	wg      sync.WaitGroup
}

// Start runs each of fs as a kernel thread of k, with the errors
// Link.Start gives: EBUSY when called twice, ENXIO after Close or once
// k has halted. A thread that has not begun by the time Close is called
// never runs.
func (t *LinkThreads) Start(k *kern.Kernel, fs ...func(ctx context.Context)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || k.Halted() {
		return errno.ENXIO
	}
	if t.started {
		return errno.EBUSY
	}
	t.started = true
	for _, f := range fs {
		k.Go(func(ctx context.Context) {
			t.mu.Lock()
			if t.closed {
				t.mu.Unlock()
				return
			}
			t.wg.Add(1)
			t.mu.Unlock()
			defer t.wg.Done()
			f(ctx)
		})
	}
	return nil
}

// Close keeps threads from starting: Start fails with ENXIO from now
// on, and threads that have not begun never run. It stops none that
// run; the driver makes those return (closing its device or its
// TxQueue) and then calls Wait. Closing twice is a no-op.
func (t *LinkThreads) Close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
}

// Wait waits for the threads that began before Close to return. Call it
// after Close.
func (t *LinkThreads) Wait() { t.wg.Wait() }
