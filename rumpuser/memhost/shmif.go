package memhost

import (
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

var _ rumpuser.ShmifHost = (*Host)(nil)

// OpenBus implements rumpuser.ShmifHost over a file of the host,
// created if missing and resized to size: Mem is the file's own bytes,
// shared by every bus open on it (and seen by File.Bytes), and Wake
// wakes the Wait of each of them. Kernels that are to share a bus share
// the Host. Nothing is really mapped, so the file must not be resized
// while a bus is open on it.
func (h *Host) OpenBus(name string, size int) (rumpuser.Bus, error) {
	if size < 1 {
		return nil, errno.EINVAL
	}
	hf, err := h.Open(name, rumpuser.OpenRDWR|rumpuser.OpenCreate)
	if err != nil {
		return nil, err
	}
	f := hf.(*handle).f
	if f.typ != rumpuser.FTReg {
		return nil, errno.EINVAL
	}
	b := &bus{f: f, wake: make(chan struct{}, 1), done: make(chan struct{})}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.data) != size {
		nb := make([]byte, size)
		copy(nb, f.data)
		f.data = nb
	}
	b.mem = f.data[:size:size]
	if f.buses == nil {
		f.buses = map[*bus]struct{}{}
	}
	f.buses[b] = struct{}{}
	return b, nil
}

type bus struct {
	f    *File
	mem  []byte
	wake chan struct{} // holds a token when a Wake came since the last Wait
	done chan struct{} // closed by Close
}

func (b *bus) Mem() []byte { return b.mem }

func (b *bus) Wake(p []byte, off int64) error {
	b.f.mu.Lock()
	defer b.f.mu.Unlock()
	if _, ok := b.f.buses[b]; !ok {
		return errno.EBADF
	}
	if off < 0 || off+int64(len(p)) > int64(len(b.mem)) {
		return errno.EINVAL
	}
	copy(b.mem[off:], p)
	for o := range b.f.buses {
		select {
		case o.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

func (b *bus) Wait(d time.Duration) error {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-b.done:
		return errno.EBADF
	default:
	}
	select {
	case <-b.wake:
		return nil
	case <-timeout:
		return nil
	case <-b.done:
		return errno.EBADF
	}
}

func (b *bus) Close() error {
	b.f.mu.Lock()
	defer b.f.mu.Unlock()
	if _, ok := b.f.buses[b]; !ok {
		return nil
	}
	delete(b.f.buses, b)
	close(b.done)
	return nil
}
