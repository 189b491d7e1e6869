package tcp

import "github.com/gorump/gorump/net/pkt"

// ring is a byte FIFO that grows on demand up to a limit the caller
// gives: send and receive buffers start small, so an idle connection
// costs little, and grow while the connection is busy.
type ring struct {
	buf  []byte
	head int // index of the first byte
	n    int // bytes held
}

// minRing is the first allocation of a ring.
const minRing = 4096

// free returns how many bytes can be written under limit.
func (r *ring) free(limit int) int { return max(0, limit-r.n) }

// write appends as much of p as fits under limit and returns the count.
func (r *ring) write(p []byte, limit int) int {
	n := min(len(p), r.free(limit))
	if n == 0 {
		return 0
	}
	r.reserve(r.n+n, limit)
	tail := r.head + r.n
	if tail >= len(r.buf) {
		tail -= len(r.buf)
	}
	c := copy(r.buf[tail:], p[:n])
	if c < n {
		copy(r.buf, p[c:n])
	}
	r.n += n
	return n
}

// reserve makes room for need bytes, growing up to max(limit, need).
func (r *ring) reserve(need, limit int) {
	if need <= len(r.buf) {
		return
	}
	size := max(minRing, 2*len(r.buf))
	for size < need {
		size *= 2
	}
	size = min(size, max(limit, need))
	nb := make([]byte, size)
	a, b := r.peek(0, r.n)
	copy(nb[copy(nb, a):], b)
	r.buf, r.head = nb, 0
}

// peek returns the n bytes at offset off as at most two slices aliasing
// the ring.
func (r *ring) peek(off, n int) (a, b []byte) {
	if n == 0 {
		return nil, nil
	}
	start := r.head + off
	if start >= len(r.buf) {
		start -= len(r.buf)
	}
	if start+n <= len(r.buf) {
		return r.buf[start : start+n], nil
	}
	return r.buf[start:], r.buf[:n-(len(r.buf)-start)]
}

// discard drops n bytes from the front.
func (r *ring) discard(n int) {
	r.n -= n
	r.head += n
	if r.head >= len(r.buf) {
		r.head -= len(r.buf)
	}
	if r.n == 0 {
		r.head = 0
	}
}

// rcvQueue is the receive buffer: the packet buffers of in-order
// segments, queued as they arrived so that their payload is copied only
// once, into the reader's buffer. Small payloads are copied together
// into buffers of the queue's own, so that a peer sending tiny segments
// cannot pin a packet buffer per byte.
type rcvQueue struct {
	bufs    []*pkt.Buf // bufs[0].Bytes() starts at the next byte to read
	n       int        // bytes queued
	tailOwn bool       // the last buffer is the queue's own, with room up to ownSize
}

// Payloads under smallPayload bytes are copied; ownSize is the size of
// the buffers they are copied into.
const (
	smallPayload = 512
	ownSize      = 4096
)

// push queues b, whose Bytes are the payload; the queue takes it.
func (q *rcvQueue) push(b *pkt.Buf) {
	if b.Len() < smallPayload {
		q.pushCopy(b.Bytes())
		b.Free()
		return
	}
	q.bufs = append(q.bufs, b)
	q.n += b.Len()
	q.tailOwn = false
}

// pushCopy queues a copy of p.
func (q *rcvQueue) pushCopy(p []byte) {
	q.n += len(p)
	for len(p) > 0 {
		if !q.tailOwn || q.bufs[len(q.bufs)-1].Len() == ownSize {
			b := pkt.New(0, ownSize)
			b.Truncate(0)
			q.bufs = append(q.bufs, b)
			q.tailOwn = true
		}
		last := q.bufs[len(q.bufs)-1]
		k := min(len(p), ownSize-last.Len())
		last.Append(p[:k])
		p = p[k:]
	}
}

// read moves up to len(p) bytes into p and returns the count.
func (q *rcvQueue) read(p []byte) int {
	n := 0
	for n < len(p) && len(q.bufs) > 0 {
		b := q.bufs[0]
		k := copy(p[n:], b.Bytes())
		n += k
		if k < b.Len() {
			b.TrimFront(k)
			break
		}
		b.Free()
		q.bufs[0] = nil
		q.bufs = q.bufs[1:]
	}
	if len(q.bufs) == 0 {
		q.bufs, q.tailOwn = q.bufs[:0:0], false
	}
	q.n -= n
	return n
}

// peek copies up to len(p) bytes into p without taking them.
func (q *rcvQueue) peek(p []byte) int {
	n := 0
	for _, b := range q.bufs {
		if n == len(p) {
			break
		}
		n += copy(p[n:], b.Bytes())
	}
	return n
}

// clear frees everything queued.
func (q *rcvQueue) clear() {
	for _, b := range q.bufs {
		b.Free()
	}
	q.bufs, q.n, q.tailOwn = nil, 0, false
}
