package ifnet

import "github.com/gorump/gorump/net/pkt"

// SetFree makes q free the buffers it owns with f, so that a test sees
// which it frees and when.
func (q *TxQueue) SetFree(f func(*pkt.Buf)) { q.free = f }
