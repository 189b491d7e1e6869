package ffstool

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gorump/gorump/kern/errno"
)

// opError is an error from one of the tools, named by the tool and, when
// one is concerned, the image: "fsck: disk.img: ...". The driver's own
// "ffs: " and "ffs: <tool>: " prefixes, wherever they were wrapped in,
// and an errno's text after a cause already stated are left out of the
// message, which says each thing once.
type opError struct {
	op, path string
	err      error
}

func (e *opError) Error() string {
	msg := plain(e.err)
	msg = strings.TrimPrefix(msg, e.op+": ")
	if e.path != "" {
		return e.op + ": " + e.path + ": " + msg
	}
	return e.op + ": " + msg
}

func (e *opError) Unwrap() error { return e.err }

// plain returns err's message without the driver's prefixes and, when
// something comes before it, the text of the errno it wraps.
func plain(err error) string {
	msg := err.Error()
	for _, p := range []string{"ffs: newfs: ", "ffs: check: ", "ffs: "} {
		msg = strings.TrimPrefix(msg, p)
		msg = strings.ReplaceAll(msg, ": "+p, ": ")
	}
	msg = strings.Replace(msg, "no superblock found", "no FFS superblock found, not an FFS image", 1)
	var e errno.Errno
	if errors.As(err, &e) {
		if cut, ok := strings.CutSuffix(msg, ": "+e.Error()); ok && cut != "" {
			msg = cut
		}
	}
	return msg
}

// wrapOp names the tool and the image (if path is not empty) in a
// failure; nil stays nil.
func wrapOp(op, path string, err error) error {
	if err == nil {
		return nil
	}
	return &opError{op: op, path: path, err: err}
}

// errIsDir is the cause when an image path names a directory.
var errIsDir = errors.New("is a directory, want an image file")

// ErrBadOption is what errors.Is finds in an error from an option value
// that no image or tree could make right: a version other than 1 or 2,
// a block size that is not a power of two, and so on. Other errors come
// from the work: the image or tree, the host, a size too small for what
// it must hold.
var ErrBadOption = errors.New("bad option value")

// optionError is an error about an option's value.
type optionError string

func (e optionError) Error() string        { return string(e) }
func (e optionError) Is(target error) bool { return target == ErrBadOption }

func badOption(format string, args ...any) error { return optionError(fmt.Sprintf(format, args...)) }

// checkGeometry checks a block and fragment size; zero means a default
// chosen later.
func checkGeometry(bsize, fsize int64) error {
	if bsize != 0 && (!pow2(bsize) || bsize < 4096 || bsize > 65536) {
		return badOption("block size %d: want a power of two from 4096 to 65536", bsize)
	}
	if fsize != 0 && (!pow2(fsize) || fsize < 512 || fsize > 65536) {
		return badOption("fragment size %d: want a power of two from 512 to 65536", fsize)
	}
	if bsize != 0 && fsize != 0 && (fsize > bsize || bsize/fsize > 8) {
		return badOption("fragment size %d: want 1 to 8 fragments in a %d-byte block", fsize, bsize)
	}
	return nil
}

// tooSmall is the error for a size that cannot hold a file system with
// the options asked for.
func tooSmall(size int64) error {
	return fmt.Errorf("size %d bytes: too small to hold an FFS file system with these options", size)
}
