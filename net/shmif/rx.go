package shmif

import (
	"context"
	"time"

	"github.com/gorump/gorump/net/pkt"
)

// rxBatch is how many frames the receiver takes from the bus per hold
// of the bus lock.
const rxBatch = 32

// waitLimit bounds a wait on the bus: a wake-up lost to a host that
// misses one, or a writer that does not send it, delays frames by this
// much at most.
const waitLimit = time.Second

// receive reads the bus while the interface is up and passes the
// frames for this link to rx, until the link closes; while the
// interface is down it waits for Init.
func (l *Link) receive(ctx context.Context, rx func(*pkt.Buf)) {
	scratch := make([]byte, rxBatch*MaxFrame)
	var frames [rxBatch][]byte
	var c cursor
	var served uint64 // the Init the cursor belongs to
	for !l.closed.Load() {
		l.busMu.RLock()
		l.mu.Lock()
		bus, mem, runs, start := l.bus, l.mem, l.runs, l.start
		l.mu.Unlock()
		if bus == nil || !l.running.Load() {
			l.busMu.RUnlock()
			select {
			case <-l.rxKick:
			case <-ctx.Done():
				return
			}
			continue
		}
		if runs != served {
			c, served = start, runs // brought up again
		}
		n, more, ok := l.readBatch(mem, &c, scratch, &frames)
		if ok && n == 0 && !more {
			// Caught up, or the bus is damaged: wait for a write. A write
			// after the check above has already woken the wait.
			bus.Wait(waitLimit) //nolint:errcheck // Close waits for this thread before it closes the bus
		}
		l.busMu.RUnlock()
		for _, f := range frames[:n] {
			rx(pkt.From(pkt.Headroom, f))
			l.stats.rxFrames.Add(1)
		}
	}
}

// readBatch copies up to rxBatch frames for this link from the bus into
// scratch, under the bus lock, and sets frames to them. more says that
// the receiver has not caught up yet; ok is false when the lock could
// not be taken.
func (l *Link) readBatch(mem busMem, c *cursor, scratch []byte, frames *[rxBatch][]byte) (n int, more, ok bool) {
	if !l.lockRunning(mem) {
		return 0, false, false
	}
	defer mem.unlock()
	if mem.magic() != Magic {
		l.stats.damaged.Add(1)
		return 0, false, true
	}
	// A batch reads at most as many frame headers as it may return,
	// passed up or not, so the lock is held for a bounded time.
	for range rxBatch {
		buf := scratch[n*MaxFrame : (n+1)*MaxFrame]
		h, size, lapped, res := mem.get(c, buf)
		if lapped {
			l.stats.lapped.Add(1)
		}
		switch res {
		case gotNothing:
			return n, false, true
		case gotDamage:
			l.stats.damaged.Add(1)
			return n, false, true
		}
		if size < minFrame || h.Sender == l.sender || !l.forUs(buf) {
			continue
		}
		frames[n] = buf[:size]
		n++
	}
	return n, true, true
}

// forUs reports whether a frame is addressed to this link, or to a
// group: what NetBSD's receiver passes up (it has no promiscuous mode
// here).
func (l *Link) forUs(frame []byte) bool {
	return frame[0]&1 != 0 || [6]byte(frame[:6]) == l.info.Addr
}
