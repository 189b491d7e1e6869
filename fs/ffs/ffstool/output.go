package ffstool

import (
	"bytes"
	"io"
	"os"
	"sync"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// outPage is the unit in which an output image tracks what it has
// written: a page never written reads as zeroes and is a hole in a
// regular file.
const outPage = 4096

// outputImage is the image file Makefs writes, seen by the build kernel
// as a host file: the kernel's writes go straight to the file, so the
// image never sits whole in memory. It starts as zeroes: a regular file
// is emptied and set to its size, so pages never written are holes, and
// on a device the pages never written are zeroed by finish. Writes of
// zeroes to a page not yet written are dropped, which keeps the holes
// that the image had when it was written out of memory in one go.
type outputImage struct {
	f       *os.File
	size    int64
	regular bool

	mu      sync.Mutex // guards written, and on a device orders I/O with it
	written []uint64   // a bit a page: the page has been written
}

var _ rumpuser.File = (*outputImage)(nil)

// openOutput opens (creating if need be) the image file at path for a
// build of size bytes; created reports whether it made the file.
func openOutput(path string) (o *outputImage, created bool, err error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, false, errIsDir
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err == nil {
		created = true
	} else if os.IsExist(err) {
		f, err = os.OpenFile(path, os.O_RDWR, 0)
	}
	if err != nil {
		return nil, false, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, created, err
	}
	if st.IsDir() {
		f.Close()
		return nil, created, errIsDir
	}
	return &outputImage{f: f, regular: st.Mode().IsRegular()}, created, nil
}

// reset makes the image size bytes of zeroes, for a new build.
func (o *outputImage) reset(size int64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.regular {
		if err := o.f.Truncate(0); err != nil {
			return err
		}
		if err := o.f.Truncate(size); err != nil {
			return err
		}
	} else {
		dev, err := o.f.Seek(0, io.SeekEnd)
		if err != nil {
			return err
		}
		if dev < size {
			return errno.ENOSPC
		}
	}
	o.size = size
	o.written = make([]uint64, (size+outPage*64-1)/(outPage*64))
	return nil
}

func (o *outputImage) isWritten(pg int64) bool { return o.written[pg/64]&(1<<(pg%64)) != 0 }
func (o *outputImage) markWritten(pg int64)    { o.written[pg/64] |= 1 << (pg % 64) }

// ReadAt reads the image; on a device, pages never written read as
// zeroes whatever the device held.
func (o *outputImage) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errno.EINVAL
	}
	if off >= o.size {
		return 0, io.EOF
	}
	want := len(p)
	p = p[:min(int64(len(p)), o.size-off)]
	if o.regular {
		n, err := o.f.ReadAt(p, off)
		if err == nil && n < want {
			err = io.EOF
		}
		return n, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for done := 0; done < len(p); {
		pos := off + int64(done)
		n := min(len(p)-done, int(outPage-pos%outPage))
		if o.isWritten(pos / outPage) {
			if _, err := o.f.ReadAt(p[done:done+n], pos); err != nil {
				return done, err
			}
		} else {
			clear(p[done : done+n])
		}
		done += n
	}
	if len(p) < want {
		return len(p), io.EOF
	}
	return len(p), nil
}

// WriteAt writes p at off, within the size the image was reset to.
func (o *outputImage) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > o.size {
		return 0, errno.ENOSPC
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	// Write runs of pages that must be written; skip zeroes bound for
	// pages never written.
	runStart := -1
	flush := func(end int) error {
		if runStart < 0 {
			return nil
		}
		_, err := o.f.WriteAt(p[runStart:end], off+int64(runStart))
		runStart = -1
		return err
	}
	for done := 0; done < len(p); {
		pos := off + int64(done)
		pg := pos / outPage
		n := min(len(p)-done, int(outPage-pos%outPage))
		chunk := p[done : done+n]
		switch {
		case o.isWritten(pg):
		case isZero(chunk):
			if err := flush(done); err != nil {
				return done, err
			}
			done += n
			continue
		case !o.regular && n < outPage:
			// Zero the rest of a device page first: it reads as zeroes.
			if err := flush(done); err != nil {
				return done, err
			}
			page := make([]byte, outPage)
			copy(page[pos%outPage:], chunk)
			if _, err := o.f.WriteAt(page, pg*outPage); err != nil {
				return done, err
			}
			o.markWritten(pg)
			done += n
			continue
		}
		o.markWritten(pg)
		if runStart < 0 {
			runStart = done
		}
		done += n
	}
	if err := flush(len(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

var zeroPage [outPage]byte

func isZero(p []byte) bool {
	for len(p) > 0 {
		n := min(len(p), outPage)
		if !bytes.Equal(p[:n], zeroPage[:n]) {
			return false
		}
		p = p[n:]
	}
	return true
}

func (o *outputImage) Size() (int64, error) { return o.size, nil }

// Truncate is refused: the image's size is set by reset.
func (o *outputImage) Truncate(int64) error { return errno.EINVAL }

// Sync is left to finish: the build kernel's syncs need not reach the
// disk.
func (o *outputImage) Sync(rumpuser.SyncFlags) error { return nil }

// Close does nothing: the build kernel closes the image when it halts,
// and the file stays open for finish.
func (o *outputImage) Close() error { return nil }

// finish zeroes a device's pages that were never written and syncs the
// image to stable storage.
func (o *outputImage) finish() error {
	if !o.regular {
		o.mu.Lock()
		zero := make([]byte, 1<<20)
		for pg := int64(0); pg*outPage < o.size; {
			if o.isWritten(pg) {
				pg++
				continue
			}
			end := pg
			for end*outPage < o.size && !o.isWritten(end) && end-pg < int64(len(zero))/outPage {
				end++
			}
			n := min(end*outPage, o.size) - pg*outPage
			if _, err := o.f.WriteAt(zero[:n], pg*outPage); err != nil {
				o.mu.Unlock()
				return err
			}
			pg = end
		}
		o.mu.Unlock()
	}
	return o.f.Sync()
}

// closeFile closes the image file.
func (o *outputImage) closeFile() error { return o.f.Close() }

// buildHost is the build kernel's host: a memhost, except that the
// image's name opens the output file.
type buildHost struct {
	*memhost.Host
	image *outputImage
}

func (h *buildHost) Open(name string, mode rumpuser.OpenMode) (rumpuser.File, error) {
	if name == imageName {
		return h.image, nil
	}
	return h.Host.Open(name, mode)
}

func (h *buildHost) FileInfo(name string) (rumpuser.FileInfo, error) {
	if name == imageName {
		return rumpuser.FileInfo{Size: h.image.size, Type: rumpuser.FTReg}, nil
	}
	return h.Host.FileInfo(name)
}
