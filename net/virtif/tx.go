package virtif

import (
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/pkt"
)

// Transmit queues one frame for the writer, taking ownership of b. A
// frame larger than the MTU allows (64 KiB for a TCP super-segment, on a
// device with TSO) is dropped with EMSGSIZE, one that
// finds the queue full with ENOBUFS; after Close, ENXIO. Errors the host
// reports when the writer writes are counted in Errors, not returned.
func (l *Link) Transmit(b *pkt.Buf) error {
	limit := l.info.MTU
	if b.GSO() > 0 && l.info.TSO {
		limit = 65535
	}
	if b.Len() > limit+maxLinkHeader {
		b.Free()
		l.txErrors.Add(1)
		return errno.EMSGSIZE
	}
	err := l.txq.Put(b)
	if err == errno.ENOBUFS {
		l.txDrops.Add(1)
	}
	return err
}

// write writes the queued frames to the device, a batch at a time, until
// the link closes. It borrows each batch from the queue, which frees it
// at the next Take.
func (l *Link) write() {
	var views [][]byte
	var gso []int
	for batch, ok := l.txq.Take(nil); ok; batch, ok = l.txq.Take(batch) {
		views, gso = views[:0], gso[:0]
		super := false
		for _, b := range batch {
			views = append(views, b.Bytes())
			gso = append(gso, b.GSO())
			super = super || b.GSO() > 0
		}
		if !super {
			gso = nil
		}
		for sent := 0; sent < len(views); {
			var g []int
			if gso != nil {
				g = gso[sent:]
			}
			n, err := l.tap.WriteFrames(views[sent:], g)
			sent += n
			if err != nil {
				if l.closed.Load() {
					break
				}
				// Skip the frame the host refused and go on.
				l.txErrors.Add(1)
				sent++
			}
		}
		clear(views)
	}
}
