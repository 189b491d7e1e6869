package main

import (
	"bytes"
	"unsafe"

	"github.com/gorump/gorump/kern/errno"
)

// localMemory is the address space of local calls: the process's own
// memory, where the pointers a C caller passes point. An address in the
// first page (NULL and small integers mistaken for pointers) or one
// whose range wraps around is EFAULT. Other bad pointers cannot be
// caught: as in NetBSD's in-process rump kernels, touching unmapped
// memory crashes the process.
type localMemory struct{}

// minAddr is the lowest address taken as a pointer: the first page is
// never mapped.
const minAddr = 4096

// pageSize bounds how far a string scan reads at once, so it never
// reads past the page that holds the string's NUL.
const pageSize = 4096

// span returns the n bytes at addr, or EFAULT.
func span(addr uint64, n int) ([]byte, error) {
	if addr < minAddr || addr+uint64(n) < addr {
		return nil, errno.EFAULT
	}
	return unsafe.Slice((*byte)(pointer(addr)), n), nil
}

// pointer converts a C address to a pointer. Memory outside Go's heap
// is all it ever names.
func pointer(addr uint64) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&addr))
}

func (localMemory) CopyIn(addr uint64, p []byte) error {
	b, err := span(addr, len(p))
	if err != nil {
		return err
	}
	copy(p, b)
	return nil
}

func (localMemory) CopyOut(addr uint64, p []byte) error {
	b, err := span(addr, len(p))
	if err != nil {
		return err
	}
	copy(b, p)
	return nil
}

// CopyInStr reads the string at addr a page at a time, never past the
// page its NUL is on.
func (localMemory) CopyInStr(addr uint64, max int) (string, error) {
	if addr < minAddr {
		return "", errno.EFAULT
	}
	var out []byte
	for len(out) < max {
		n := int(pageSize - (addr+uint64(len(out)))%pageSize)
		n = min(n, max-len(out))
		b, err := span(addr+uint64(len(out)), n)
		if err != nil {
			return "", err
		}
		if i := bytes.IndexByte(b, 0); i >= 0 {
			return string(append(out, b[:i]...)), nil
		}
		out = append(out, b...)
	}
	return "", errno.ENAMETOOLONG
}
