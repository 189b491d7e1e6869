package ffstool

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/kern/errno"
)

// NewfsOptions describe a file system Newfs makes, and whether it may
// write over data.
type NewfsOptions struct {
	ffs.NewfsOptions
	// Force writes over a file or device that holds data but no FFS,
	// which Newfs otherwise refuses (ErrHoldsData).
	Force bool
}

// ErrHoldsData is what errors.Is finds in Newfs's refusal to write over
// a file or device that holds data but no FFS.
var ErrHoldsData = errors.New("holds data and no FFS file system")

// CheckOptions, CheckReport and Problem are ffs's, for callers that use
// the tools without the driver.
type (
	CheckOptions = ffs.CheckOptions
	CheckReport  = ffs.CheckReport
	Problem      = ffs.Problem
)

// Newfs makes an empty FFS on the host file or device at path, as
// NetBSD's newfs -F does for a file. It writes over an FFS, an empty
// file and a file that is all holes, and refuses anything else that
// holds data (ErrHoldsData) unless opts.Force is set, as mke2fs asks
// before it writes over a file system. A missing file is created with
// opts.Size bytes, and a shorter regular file is extended to opts.Size;
// otherwise the file system fills the file (or opts.Size of it). A zero
// opts.Time means SOURCE_DATE_EPOCH, or else now; with a zero opts.ID
// the file-system id is derived from SOURCE_DATE_EPOCH when it is set
// (so the image is reproducible), and random otherwise.
func Newfs(path string, opts NewfsOptions) (Info, error) {
	_, statErr := os.Stat(path)
	info, err := newfs(path, opts)
	if err != nil && os.IsNotExist(statErr) {
		os.Remove(path) // a failure leaves no file it made
	}
	return info, wrapOp("newfs", path, unwrapPath(err))
}

func newfs(path string, opts NewfsOptions) (Info, error) {
	if err := checkNewfsOptions(opts.NewfsOptions); err != nil {
		return Info{}, err
	}
	st, err := os.Stat(path)
	switch {
	case os.IsNotExist(err) && opts.Size == 0:
		return Info{}, fmt.Errorf("does not exist, and no size was given to create it")
	case os.IsNotExist(err):
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return Info{}, err
		}
		err = f.Truncate(opts.Size)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return Info{}, err
		}
	case err != nil:
		return Info{}, err
	case st.IsDir():
		return Info{}, errIsDir
	case !opts.Force:
		if err := checkOverwrite(path); err != nil {
			return Info{}, err
		}
	}
	switch {
	case err != nil:
	case st.Mode().IsRegular() && st.Size() < opts.Size:
		if err := os.Truncate(path, opts.Size); err != nil {
			return Info{}, err
		}
	}
	envEpoch := os.Getenv("SOURCE_DATE_EPOCH") != ""
	if opts.Time == 0 {
		t, err := Epoch(time.Time{})
		if err != nil {
			return Info{}, err
		}
		opts.Time = t.Unix()
	}
	if opts.ID == 0 {
		if envEpoch {
			opts.ID = uint32(opts.Time) ^ 0x9e3779b9
		} else {
			var b [4]byte
			rand.Read(b[:])
			opts.ID = binary.LittleEndian.Uint32(b[:])
		}
	}
	d, err := openFileDisk(path, false)
	if err != nil {
		return Info{}, err
	}
	defer d.Close()
	if err := ffs.Newfs(d, opts.NewfsOptions); err != nil {
		size := d.Size()
		if opts.Size > 0 {
			size = min(size, opts.Size)
		}
		switch {
		case isNoSpace(err):
			return Info{}, tooSmall(size)
		case errors.Is(err, errno.EINVAL):
			// A size given goes with a default picked for the image's size.
			return Info{}, badOption("%s: does not go with the sizes picked for %d bytes", plain(err), size)
		}
		return Info{}, err
	}
	if err := d.Sync(); err != nil {
		return Info{}, err
	}
	return ffs.Probe(d)
}

// checkOverwrite refuses the existing file or device at path if it
// holds data but no FFS.
func checkOverwrite(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil || size == 0 || nextData(f, 0, size) >= size {
		return err
	}
	if _, err := Probe(path); err == nil {
		return nil
	}
	return holdsData(size)
}

// holdsData is ErrHoldsData for a file of so many bytes.
type holdsData int64

func (n holdsData) Error() string {
	return fmt.Sprintf("holds %d bytes of data and no FFS file system", int64(n))
}

func (n holdsData) Is(target error) bool { return target == ErrHoldsData }

// checkNewfsOptions checks what Newfs can check before it touches the
// image.
func checkNewfsOptions(o ffs.NewfsOptions) error {
	if o.Version != 0 && o.Version != 1 && o.Version != 2 {
		return badOption("version %d: want 1 or 2", o.Version)
	}
	if err := checkGeometry(o.BlockSize, o.FragmentSize); err != nil {
		return err
	}
	for _, v := range []struct {
		name string
		n    int64
	}{{"size", o.Size}, {"density", o.Density}} {
		if v.n < 0 {
			return badOption("%s %d is negative", v.name, v.n)
		}
	}
	if o.MinFree < 0 || o.MinFree > 99 {
		return badOption("minfree %d%%: want 0 to 99", o.MinFree)
	}
	if o.VolumeName != "" && o.Version == 1 {
		return badOption("a volume name needs UFS2 (version 2)")
	}
	if len(o.VolumeName) > 31 {
		return badOption("volume name %q: at most 31 bytes", o.VolumeName)
	}
	return nil
}

// Probe describes the FFS in the host file or device at path.
func Probe(path string) (Info, error) {
	d, err := openFileDisk(path, true)
	if err != nil {
		return Info{}, wrapOp("probe", path, unwrapPath(err))
	}
	defer d.Close()
	info, err := ffs.Probe(d)
	if err != nil {
		return Info{}, wrapOp("probe", path, err)
	}
	return info, nil
}

// Check checks the FFS in the host file or device at path with
// ffs.Check, and with opts.Repair repairs it as fsck_ffs -y does. It
// returns the report of what it found (and fixed), or an error when the
// image cannot be checked (no FFS, a failed read or write).
func Check(path string, opts CheckOptions) (*CheckReport, error) {
	d, err := openFileDisk(path, !opts.Repair)
	if err != nil {
		return nil, wrapOp("fsck", path, unwrapPath(err))
	}
	defer d.Close()
	rep, err := ffs.Check(d, opts)
	if err != nil {
		return nil, wrapOp("fsck", path, err)
	}
	return rep, nil
}
