// Package disk is gorump's block-device layer: disks backed by host files
// or devices through the hypercall interface (what NetBSD calls etfs
// block devices), windows onto them for partitions, and an in-memory disk
// for tests that can lose unsynced writes as a crash would, or fail
// chosen operations.
//
// A Disk moves whole sectors: offsets and lengths are multiples of its
// sector size (512 or 4096 bytes). File systems reach disks through the
// buffer cache (dev/bufcache), not directly.
package disk

import (
	"fmt"
	"io"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

// Disk is a block device. Its methods are safe for concurrent use.
type Disk interface {
	// SectorSize returns the sector size in bytes, a power of two.
	SectorSize() int
	// Size returns the size in bytes, a multiple of the sector size.
	Size() int64
	// ReadAt reads len(p) bytes at off; both are sector multiples.
	ReadAt(p []byte, off int64) (int, error)
	// WriteAt writes p at off; both are sector multiples. The write may
	// stay in a volatile cache until Sync.
	WriteAt(p []byte, off int64) (int, error)
	// Sync makes every completed write durable.
	Sync() error
	// ReadOnly reports whether writes are refused (with EROFS).
	ReadOnly() bool
}

// checkIO validates a transfer against a disk's geometry.
func checkIO(d Disk, n int, off int64) error {
	ss := int64(d.SectorSize())
	if off < 0 || off%ss != 0 || int64(n)%ss != 0 {
		return errno.EINVAL
	}
	if off+int64(n) > d.Size() {
		return errno.EINVAL
	}
	return nil
}

// hostDisk is a disk over a host file or device.
type hostDisk struct {
	f          rumpuser.File
	sectorSize int
	size       int64
	ro         bool
}

// Options say how to open a host disk.
type Options struct {
	// SectorSize is 512 (the default) or 4096.
	SectorSize int
	// ReadOnly opens the disk for reading only.
	ReadOnly bool
}

// Open opens the host file or device name as a disk. The size is rounded
// down to whole sectors.
func Open(h rumpuser.Host, name string, opts Options) (Disk, error) {
	ss := opts.SectorSize
	if ss == 0 {
		ss = 512
	}
	if ss != 512 && ss != 4096 {
		return nil, fmt.Errorf("disk %s: sector size %d: %w", name, ss, errno.EINVAL)
	}
	mode := rumpuser.OpenRDWR | rumpuser.OpenBIO
	if opts.ReadOnly {
		mode = rumpuser.OpenRDONLY | rumpuser.OpenBIO
	}
	f, err := h.Open(name, mode)
	if err != nil {
		return nil, fmt.Errorf("disk %s: %w", name, err)
	}
	d, err := FromFile(f, ss, opts.ReadOnly)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("disk %s: %w", name, err)
	}
	return d, nil
}

// FromFile makes a disk of an open host file, such as the one behind an
// etfs registration.
func FromFile(f rumpuser.File, sectorSize int, readOnly bool) (Disk, error) {
	size, err := f.Size()
	if err != nil {
		return nil, err
	}
	size -= size % int64(sectorSize)
	if size == 0 {
		return nil, errno.EINVAL
	}
	return &hostDisk{f: f, sectorSize: sectorSize, size: size, ro: readOnly}, nil
}

func (d *hostDisk) SectorSize() int { return d.sectorSize }
func (d *hostDisk) Size() int64     { return d.size }
func (d *hostDisk) ReadOnly() bool  { return d.ro }

func (d *hostDisk) ReadAt(p []byte, off int64) (int, error) {
	if err := checkIO(d, len(p), off); err != nil {
		return 0, err
	}
	n, err := d.f.ReadAt(p, off)
	if err == io.EOF && n == len(p) {
		err = nil
	}
	if err != nil {
		return n, errno.EIO
	}
	return n, nil
}

func (d *hostDisk) WriteAt(p []byte, off int64) (int, error) {
	if d.ro {
		return 0, errno.EROFS
	}
	if err := checkIO(d, len(p), off); err != nil {
		return 0, err
	}
	n, err := d.f.WriteAt(p, off)
	if err != nil {
		return n, errno.EIO
	}
	return n, nil
}

func (d *hostDisk) Sync() error {
	if d.ro {
		return nil
	}
	return d.f.Sync(rumpuser.SyncWrite | rumpuser.SyncDurable)
}

// Slice returns the part of d that is size bytes from start: a partition.
// Both must be sector multiples inside d.
func Slice(d Disk, start, size int64) (Disk, error) {
	ss := int64(d.SectorSize())
	if start < 0 || size <= 0 || start%ss != 0 || size%ss != 0 || start+size > d.Size() {
		return nil, errno.EINVAL
	}
	return &slice{d: d, start: start, size: size}, nil
}

type slice struct {
	d           Disk
	start, size int64
}

func (s *slice) SectorSize() int { return s.d.SectorSize() }
func (s *slice) Size() int64     { return s.size }
func (s *slice) ReadOnly() bool  { return s.d.ReadOnly() }
func (s *slice) Sync() error     { return s.d.Sync() }

func (s *slice) ReadAt(p []byte, off int64) (int, error) {
	if err := checkIO(s, len(p), off); err != nil {
		return 0, err
	}
	return s.d.ReadAt(p, s.start+off)
}

func (s *slice) WriteAt(p []byte, off int64) (int, error) {
	if err := checkIO(s, len(p), off); err != nil {
		return 0, err
	}
	return s.d.WriteAt(p, s.start+off)
}
