package shmif

import (
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/pkt"
)

// txQueueLen is how many frames wait for the writer before Transmit
// drops them with ENOBUFS (IFQ_MAXLEN).
const txQueueLen = 256

// txBatch is how many frames the writer puts on the bus per hold of the
// bus lock; one wake-up follows each batch.
const txBatch = 32

// Transmit queues one frame for the writer, taking ownership of b. A
// frame longer than MaxFrame is dropped with EMSGSIZE, one that finds
// the queue full with ENOBUFS; after Close, ENXIO.
func (l *Link) Transmit(b *pkt.Buf) error {
	if b.Len() > MaxFrame {
		b.Free()
		l.stats.txDrops.Add(1)
		return errno.EMSGSIZE
	}
	err := l.txq.Put(b)
	if err == errno.ENOBUFS {
		l.stats.txDrops.Add(1)
	}
	return err
}

// write puts the queued frames on the bus until the link closes. It
// borrows each batch from the queue, which frees it at the next Take.
func (l *Link) write() {
	for queue, ok := l.txq.Take(nil); ok; queue, ok = l.txq.Take(queue) {
		for i := 0; i < len(queue); i += txBatch {
			l.send(queue[i:min(i+txBatch, len(queue))])
		}
	}
}

// send puts frames on the bus under one hold of the bus lock, then
// wakes the bus's listeners, as shmif_start does. Frames that cannot go
// (no bus, the interface down, the bus no longer a bus) are counted
// as dropped. It borrows the frames.
func (l *Link) send(frames []*pkt.Buf) {
	l.busMu.RLock()
	defer l.busMu.RUnlock()
	l.mu.Lock()
	bus, mem := l.bus, l.mem
	l.mu.Unlock()
	if bus == nil || !l.lockRunning(mem) {
		l.stats.txDrops.Add(uint64(len(frames)))
		return
	}
	sent := 0
	switch mem.magic() {
	case 0:
		// Someone zeroed the file: make it a bus again, as an attach
		// would.
		mem.initialize()
		fallthrough
	case Magic:
		up := l.k.Clock().Monotonic()
		h := PktHeader{Sec: uint32(up / 1e9), Usec: uint32(up % 1e9 / 1e3), Sender: l.sender}
		for _, b := range frames {
			h.Len = uint32(b.Len())
			if !mem.put(h, b.Bytes()) {
				l.stats.damaged.Add(1)
				mem.reset()
				if !mem.put(h, b.Bytes()) {
					continue // cannot happen on an empty ring
				}
			}
			sent++
		}
	default:
		l.stats.damaged.Add(1)
	}
	mem.unlock()
	l.stats.txFrames.Add(uint64(sent))
	l.stats.txDrops.Add(uint64(len(frames) - sent))
	if sent > 0 {
		wakeBus(bus) //nolint:errcheck // a lost wake-up costs the receivers at most waitLimit
	}
}
