package virtif

import (
	"context"

	"github.com/gorump/gorump/net/pkt"
)

// read passes frames from the device to rx until the device is closed.
// Frames are read into buffers of the longest size the host may deliver
// (TCP super-segments where it coalesces) and copied out into packet
// buffers of their own size.
func (l *Link) read(ctx context.Context, rx func(*pkt.Buf)) {
	// One byte more than a frame can have shows a frame cut short by the
	// read.
	size := l.tap.MaxFrame(l.info.MTU)
	scratch := make([]byte, batch*(size+1))
	var views [batch][]byte
	for i := range views {
		views[i] = scratch[i*(size+1) : (i+1)*(size+1)]
	}
	var sizes, gso [batch]int
	for {
		n, err := l.tap.ReadFrames(views[:], sizes[:], gso[:])
		if err != nil {
			if l.closed.Load() || ctx.Err() != nil {
				return
			}
			l.rxErrors.Add(1)
			l.k.Printf("virtif %s: read: %v; the link stops receiving\n", l.hostName, err)
			return
		}
		for i := range n {
			if sizes[i] > size {
				l.rxErrors.Add(1)
				continue
			}
			b := pkt.From(pkt.Headroom, views[i][:sizes[i]])
			b.SetGSO(gso[i])
			rx(b)
		}
	}
}
