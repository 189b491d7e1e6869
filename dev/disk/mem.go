package disk

import (
	"sync"

	"github.com/gorump/gorump/kern/errno"
)

// MemDisk is a disk in memory for tests. It keeps what has been synced
// apart from what has only been written, so a test can crash it (keep
// only synced data, or synced data plus a chosen prefix of the later
// writes) and can make chosen operations fail.
type MemDisk struct {
	sectorSize int

	mu      sync.Mutex // guards the fields below
	durable []byte     // contents as of the last Sync
	current []byte     // contents as the disk reads them
	pending []memWrite // writes since the last Sync, in order
	ops     int        // operations so far, for fault injection
	failAt  func(op Op, n int) bool
	ro      bool
}

type memWrite struct {
	off  int64
	data []byte
}

// Op names a disk operation for fault injection.
type Op int

const (
	OpRead Op = iota
	OpWrite
	OpSync
)

// NewMem returns a zeroed in-memory disk of size bytes.
func NewMem(size int64, sectorSize int) *MemDisk {
	if sectorSize == 0 {
		sectorSize = 512
	}
	size -= size % int64(sectorSize)
	return &MemDisk{sectorSize: sectorSize, durable: make([]byte, size), current: make([]byte, size)}
}

// NewMemFrom returns an in-memory disk holding a copy of image, all of it
// durable.
func NewMemFrom(image []byte, sectorSize int) *MemDisk {
	d := NewMem(int64(len(image)), sectorSize)
	copy(d.durable, image)
	copy(d.current, image)
	return d
}

func (d *MemDisk) SectorSize() int { return d.sectorSize }
func (d *MemDisk) Size() int64     { return int64(len(d.current)) }

// ReadOnly reports whether writes are refused.
func (d *MemDisk) ReadOnly() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ro
}

// SetReadOnly makes the disk refuse writes, or accept them again.
func (d *MemDisk) SetReadOnly(ro bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ro = ro
}

// FailWhen makes an operation fail with EIO when f returns true for it; n
// counts operations from 0. Nil removes the rule.
func (d *MemDisk) FailWhen(f func(op Op, n int) bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.failAt = f
}

func (d *MemDisk) fail(op Op) bool {
	n := d.ops
	d.ops++
	return d.failAt != nil && d.failAt(op, n)
}

func (d *MemDisk) ReadAt(p []byte, off int64) (int, error) {
	if err := checkIO(d, len(p), off); err != nil {
		return 0, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail(OpRead) {
		return 0, errno.EIO
	}
	return copy(p, d.current[off:]), nil
}

func (d *MemDisk) WriteAt(p []byte, off int64) (int, error) {
	if err := checkIO(d, len(p), off); err != nil {
		return 0, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ro {
		return 0, errno.EROFS
	}
	if d.fail(OpWrite) {
		return 0, errno.EIO
	}
	copy(d.current[off:], p)
	d.pending = append(d.pending, memWrite{off: off, data: append([]byte(nil), p...)})
	return len(p), nil
}

func (d *MemDisk) Sync() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail(OpSync) {
		return errno.EIO
	}
	copy(d.durable, d.current)
	d.pending = nil
	return nil
}

// Pending returns how many writes have not been synced.
func (d *MemDisk) Pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.pending)
}

// Crash returns the image a crash would leave: everything synced, plus
// the first keep of the writes made since (0 keeps none; a negative keep
// keeps them all). The disk itself is unchanged.
func (d *MemDisk) Crash(keep int) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	img := append([]byte(nil), d.durable...)
	if keep < 0 || keep > len(d.pending) {
		keep = len(d.pending)
	}
	for _, w := range d.pending[:keep] {
		copy(img[w.off:], w.data)
	}
	return img
}

// Bytes returns a copy of the current contents.
func (d *MemDisk) Bytes() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]byte(nil), d.current...)
}
