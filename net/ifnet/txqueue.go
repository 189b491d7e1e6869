package ifnet

import (
	"sync"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/pkt"
)

// TxQueue is a link driver's transmit queue: Transmit puts frames in and
// the driver's writer thread takes them out, all that is queued at a
// time, so that a sender never waits for the device and the writer can
// hand the device a batch per call. The driver keeps its own policy: the
// queue's length, which frames it refuses before they reach the queue,
// what it counts as a drop, and how it sends a batch.
type TxQueue struct {
	limit int
	free  func(*pkt.Buf) // frees a buffer the queue owns; tests watch it

	mu     sync.Mutex // guards frames and closed
	frames []*pkt.Buf
	closed bool
	ready  sync.Cond // signalled when frames are put or the queue closes
}

// NewTxQueue returns an open queue that holds up to limit frames.
func NewTxQueue(limit int) *TxQueue {
	q := &TxQueue{limit: limit, free: (*pkt.Buf).Free}
	q.ready.L = &q.mu
	return q
}

// Put queues b for the writer, taking ownership of it: the queue holds
// it until Take hands it to the writer. A frame the queue refuses is
// freed: ENXIO after Close, ENOBUFS when limit frames are queued
// already (a drop, for the driver to count).
func (q *TxQueue) Put(b *pkt.Buf) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed:
		q.free(b)
		return errno.ENXIO
	case len(q.frames) >= q.limit:
		q.free(b)
		return errno.ENOBUFS
	}
	q.frames = append(q.frames, b)
	q.ready.Signal()
	return nil
}

// Take is the writer's side: it waits until frames are queued and
// returns them all, oldest first. It returns false once the queue is
// closed, frames still queued or not (Close frees those).
//
// done is the batch the previous Take returned (nil the first time),
// which the writer has finished with: Take frees its buffers and keeps
// its array for the frames queued next, so that a busy queue allocates
// nothing. The writer borrows the buffers of the batch it is given until
// it passes that batch back to Take; it must not free them or hand them
// on.
func (q *TxQueue) Take(done []*pkt.Buf) ([]*pkt.Buf, bool) {
	for i, b := range done {
		q.free(b)
		done[i] = nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for !q.closed && len(q.frames) == 0 {
		q.ready.Wait()
	}
	if q.closed {
		return nil, false
	}
	batch := q.frames
	q.frames = done[:0]
	return batch, true
}

// Close closes the queue, for the driver's Close: Put fails with ENXIO
// from now on, a Take waiting or to come returns false, and the frames
// still queued are freed, dropped without being counted. The batch the
// writer holds stays the writer's until it passes it back to Take.
// Closing twice is a no-op.
func (q *TxQueue) Close() {
	q.mu.Lock()
	q.closed = true
	queued := q.frames
	q.frames = nil
	q.ready.Broadcast()
	q.mu.Unlock()
	for _, b := range queued {
		q.free(b)
	}
}
