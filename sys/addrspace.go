package sys

import (
	"errors"

	"github.com/gorump/gorump/kern/errno"
)

// AddrSpace is the memory of the process a syscall is made for: the C
// library's own memory for local calls, the client's memory (reached by
// requests over the connection) for the syscall server. Addresses are
// the caller's pointers as they appear in the argument slots.
//
// A method that cannot reach the memory returns an error: an errno.Errno
// is passed on to the caller as it is (a server may say ENOTCONN), any
// other error becomes EFAULT.
type AddrSpace interface {
	// CopyIn fills p from the caller's memory at addr.
	CopyIn(addr uint64, p []byte) error
	// CopyOut writes p to the caller's memory at addr.
	CopyOut(addr uint64, p []byte) error
	// CopyInStr reads a NUL-terminated string at addr and returns it
	// without the NUL. When the first max bytes hold no NUL it returns
	// ENAMETOOLONG.
	CopyInStr(addr uint64, max int) (string, error)
}

// PATH_MAX is the longest path a syscall takes, its NUL included
// (NetBSD's sys/syslimits.h).
const PATH_MAX = 1024

// faultErr maps an address-space error to the errno the caller sees.
func faultErr(err error) error {
	if err == nil {
		return nil
	}
	var e errno.Errno
	if errors.As(err, &e) {
		return e
	}
	return errno.EFAULT
}

// copyIn reads len(p) bytes at addr; a NULL addr is EFAULT.
func copyIn(as AddrSpace, addr uint64, p []byte) error {
	if addr == 0 && len(p) > 0 {
		return errno.EFAULT
	}
	if len(p) == 0 {
		return nil
	}
	return faultErr(as.CopyIn(addr, p))
}

// copyOut writes p at addr; a NULL addr is EFAULT.
func copyOut(as AddrSpace, addr uint64, p []byte) error {
	if addr == 0 && len(p) > 0 {
		return errno.EFAULT
	}
	if len(p) == 0 {
		return nil
	}
	return faultErr(as.CopyOut(addr, p))
}

// copyInPath reads a path: EFAULT for NULL or unreadable memory,
// ENAMETOOLONG past PATH_MAX.
func copyInPath(as AddrSpace, addr uint64) (string, error) {
	return copyInStr(as, addr, PATH_MAX)
}

func copyInStr(as AddrSpace, addr uint64, max int) (string, error) {
	if addr == 0 {
		return "", errno.EFAULT
	}
	s, err := as.CopyInStr(addr, max)
	if err != nil {
		return "", faultErr(err)
	}
	if len(s) >= max {
		return "", errno.ENAMETOOLONG
	}
	return s, nil
}
