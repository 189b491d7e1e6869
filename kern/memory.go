package kern

import (
	"sync/atomic"

	"github.com/gorump/gorump/kern/errno"
)

// Memory accounts for the memory a kernel's components hold (file data in
// tmpfs, socket buffers), against the limit set by RUMP_MEMLIMIT.
type Memory struct {
	limit int64 // 0: unlimited; set before boot finishes
	used  atomic.Int64
}

// Reserve accounts for n more bytes, or returns ENOMEM when that would
// pass the limit.
func (m *Memory) Reserve(n int64) error {
	for {
		used := m.used.Load()
		if m.limit > 0 && used+n > m.limit {
			return errno.ENOMEM
		}
		if m.used.CompareAndSwap(used, used+n) {
			return nil
		}
	}
}

// Release returns n bytes reserved earlier.
func (m *Memory) Release(n int64) { m.used.Add(-n) }

// Used returns the bytes currently reserved.
func (m *Memory) Used() int64 { return m.used.Load() }

// Limit returns the limit in bytes, 0 for none.
func (m *Memory) Limit() int64 { return m.limit }
