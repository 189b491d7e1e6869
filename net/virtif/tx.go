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
	l.txMu.Lock()
	switch {
	case l.txClosed:
		l.txMu.Unlock()
		b.Free()
		return errno.ENXIO
	case len(l.txq) >= txQueueLen:
		l.txMu.Unlock()
		b.Free()
		l.txDrops.Add(1)
		return errno.ENOBUFS
	}
	l.txq = append(l.txq, b)
	wake := l.txWaiting
	l.txWaiting = false
	l.txMu.Unlock()
	if wake {
		l.kickWriter()
	}
	return nil
}

func (l *Link) kickWriter() {
	select {
	case l.txWake <- struct{}{}:
	default:
	}
}

// write writes the queued frames to the device, a batch at a time, until
// the link closes.
func (l *Link) write() {
	var batch []*pkt.Buf
	var views [][]byte
	var gso []int
	for {
		l.txMu.Lock()
		for {
			if l.txClosed {
				l.txMu.Unlock()
				return // Close frees what is queued
			}
			if len(l.txq) > 0 {
				break
			}
			l.txWaiting = true
			l.txMu.Unlock()
			<-l.txWake
			l.txMu.Lock()
		}
		// Take the queue, leaving the last batch's array in its place.
		batch, l.txq = l.txq, batch[:0]
		l.txMu.Unlock()
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
		for i, b := range batch {
			b.Free()
			batch[i] = nil
		}
		clear(views)
	}
}
