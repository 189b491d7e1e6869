package ffstool

import (
	"errors"
	"strings"
)

// opError is an error from one of the tools, named by the tool and, when
// one is concerned, the image: "fsck: disk.img: ...". The driver's own
// "ffs: " and a repeated tool name are left out of the message, which
// says each thing once.
type opError struct {
	op, path string
	err      error
}

func (e *opError) Error() string {
	msg := strings.TrimPrefix(e.err.Error(), "ffs: ")
	msg = strings.TrimPrefix(msg, e.op+": ")
	if e.path != "" {
		return e.op + ": " + e.path + ": " + msg
	}
	return e.op + ": " + msg
}

func (e *opError) Unwrap() error { return e.err }

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
