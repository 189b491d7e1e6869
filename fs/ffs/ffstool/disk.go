package ffstool

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/kern/errno"
)

// fileDisk is a disk over a host file or block device opened with os:
// the host side of the tools reaches images directly, not through a
// kernel.
type fileDisk struct {
	f    *os.File
	size int64
	ro   bool
}

var _ disk.Disk = (*fileDisk)(nil)

// minImage is less than any FFS takes: its boot area, the superblock
// and a cylinder group's header.
const minImage = 16384

// openFileDisk opens the host file or device at path as a disk of
// 512-byte sectors; its size is rounded down to whole sectors.
func openFileDisk(path string, readOnly bool) (*fileDisk, error) {
	flag := os.O_RDWR
	if readOnly {
		flag = os.O_RDONLY
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, errIsDir
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, err
	}
	if size < minImage {
		f.Close()
		return nil, fmt.Errorf("%d bytes, too small to hold an FFS file system", size)
	}
	size -= size % 512
	return &fileDisk{f: f, size: size, ro: readOnly}, nil
}

func (d *fileDisk) SectorSize() int { return 512 }
func (d *fileDisk) Size() int64     { return d.size }
func (d *fileDisk) ReadOnly() bool  { return d.ro }
func (d *fileDisk) Close() error    { return d.f.Close() }

func (d *fileDisk) check(n int, off int64) error {
	if off < 0 || off%512 != 0 || n%512 != 0 || off+int64(n) > d.size {
		return errno.EINVAL
	}
	return nil
}

func (d *fileDisk) ReadAt(p []byte, off int64) (int, error) {
	if err := d.check(len(p), off); err != nil {
		return 0, err
	}
	n, err := d.f.ReadAt(p, off)
	if err == io.EOF && n == len(p) {
		err = nil
	}
	if err != nil {
		return n, fmt.Errorf("%w: %v", errno.EIO, err)
	}
	return n, nil
}

func (d *fileDisk) WriteAt(p []byte, off int64) (int, error) {
	if d.ro {
		return 0, errno.EROFS
	}
	if err := d.check(len(p), off); err != nil {
		return 0, err
	}
	n, err := d.f.WriteAt(p, off)
	if err != nil {
		return n, fmt.Errorf("%w: %v", errno.EIO, err)
	}
	return n, nil
}

func (d *fileDisk) Sync() error {
	if d.ro {
		return nil
	}
	return d.f.Sync()
}

// sparseDisk is an in-memory disk that keeps only pages holding a
// non-zero byte, for laying out file systems of any size to see what
// they offer.
type sparseDisk struct {
	size int64

	mu    sync.Mutex // guards pages
	pages map[int64][]byte
}

const sparsePage = 4096

func newSparseDisk(size int64) *sparseDisk {
	return &sparseDisk{size: size - size%512, pages: map[int64][]byte{}}
}

func (d *sparseDisk) SectorSize() int { return 512 }
func (d *sparseDisk) Size() int64     { return d.size }
func (d *sparseDisk) ReadOnly() bool  { return false }
func (d *sparseDisk) Sync() error     { return nil }

func (d *sparseDisk) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > d.size {
		return 0, errno.EINVAL
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for done := 0; done < len(p); {
		pos := off + int64(done)
		pg, in := pos/sparsePage, pos%sparsePage
		n := min(len(p)-done, int(sparsePage-in))
		if page, ok := d.pages[pg]; ok {
			copy(p[done:done+n], page[in:])
		} else {
			clear(p[done : done+n])
		}
		done += n
	}
	return len(p), nil
}

func (d *sparseDisk) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > d.size {
		return 0, errno.EINVAL
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var zero [sparsePage]byte
	for done := 0; done < len(p); {
		pos := off + int64(done)
		pg, in := pos/sparsePage, pos%sparsePage
		n := min(len(p)-done, int(sparsePage-in))
		page, ok := d.pages[pg]
		if !ok {
			if bytes.Equal(p[done:done+n], zero[:n]) {
				done += n
				continue
			}
			page = make([]byte, sparsePage)
			d.pages[pg] = page
		}
		copy(page[in:], p[done:done+n])
		if bytes.Equal(page, zero[:]) {
			delete(d.pages, pg)
		}
		done += n
	}
	return len(p), nil
}
