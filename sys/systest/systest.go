// Package systest drives package sys as a C program would: an address
// space over a Go byte slice with a bump allocator for arguments, and a
// caller that packs register_t slots and makes the syscall.
package systest

import (
	"bytes"
	"encoding/binary"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/sys"
)

// Mem is an address space over a byte slice: address Base is Buf[0], and
// every address outside Buf faults (EFAULT).
type Mem struct {
	Base uint64
	Buf  []byte
	next uint64 // offset of the next free byte
}

// NewMem returns size bytes of memory at address base.
func NewMem(base uint64, size int) *Mem { return &Mem{Base: base, Buf: make([]byte, size)} }

// span returns the offset of [addr, addr+n) in Buf, or false when it
// does not lie wholly inside.
func (m *Mem) span(addr uint64, n int) (uint64, bool) {
	if addr < m.Base {
		return 0, false
	}
	off := addr - m.Base
	if off > uint64(len(m.Buf)) || uint64(n) > uint64(len(m.Buf))-off {
		return 0, false
	}
	return off, true
}

// CopyIn implements sys.AddrSpace.
func (m *Mem) CopyIn(addr uint64, p []byte) error {
	off, ok := m.span(addr, len(p))
	if !ok {
		return errno.EFAULT
	}
	copy(p, m.Buf[off:])
	return nil
}

// CopyOut implements sys.AddrSpace.
func (m *Mem) CopyOut(addr uint64, p []byte) error {
	off, ok := m.span(addr, len(p))
	if !ok {
		return errno.EFAULT
	}
	copy(m.Buf[off:], p)
	return nil
}

// CopyInStr implements sys.AddrSpace: it reads up to limit bytes, stopping
// at a NUL, and faults when the string runs off the end of Buf.
func (m *Mem) CopyInStr(addr uint64, limit int) (string, error) {
	off, ok := m.span(addr, 0)
	if !ok || off == uint64(len(m.Buf)) {
		return "", errno.EFAULT
	}
	limit = max(limit, 0)
	n := min(uint64(len(m.Buf))-off, uint64(limit))
	s := m.Buf[off : off+n]
	if i := bytes.IndexByte(s, 0); i >= 0 {
		return string(s[:i]), nil
	}
	if n == uint64(limit) {
		return "", errno.ENAMETOOLONG
	}
	return "", errno.EFAULT // ran off the end of memory
}

// Alloc reserves n zeroed bytes, 8-aligned, and returns their address.
// It panics when Buf is full: tests size their memory.
func (m *Mem) Alloc(n int) uint64 {
	off := (m.next + 7) &^ 7
	if off+uint64(n) > uint64(len(m.Buf)) {
		panic("systest: out of memory")
	}
	m.next = off + uint64(n)
	clear(m.Buf[off:m.next])
	return m.Base + off
}

// Reset frees every allocation.
func (m *Mem) Reset() { m.next = 0 }

// Str allocates s with its NUL and returns its address.
func (m *Mem) Str(s string) uint64 {
	a := m.Alloc(len(s) + 1)
	copy(m.Bytes(a, len(s)), s)
	return a
}

// Put allocates a copy of b and returns its address.
func (m *Mem) Put(b []byte) uint64 {
	a := m.Alloc(len(b))
	copy(m.Bytes(a, len(b)), b)
	return a
}

// Bytes returns the n bytes at addr, aliasing Buf.
func (m *Mem) Bytes(addr uint64, n int) []byte {
	off, ok := m.span(addr, n)
	if !ok {
		panic("systest: Bytes outside memory")
	}
	return m.Buf[off : off+uint64(n)]
}

// Int returns a C int as its register_t slot holds it: the 32 bits
// zero-extended, as NetBSD's generated wrappers leave them (-1 is
// 0x00000000ffffffff).
func Int(v int) uint64 { return uint64(uint32(int32(v))) }

// Args packs argument slots little-endian, as struct sys_xxx_args.
func Args(slots ...uint64) []byte {
	b := make([]byte, len(slots)*sys.SlotSize)
	for i, s := range slots {
		binary.LittleEndian.PutUint64(b[i*sys.SlotSize:], s)
	}
	return b
}

// Proc makes syscalls for one LWP with arguments in Mem.
type Proc struct {
	L   *kern.LWP
	Mem *Mem
}

// NewProc returns a caller for l with size bytes of memory at a
// non-zero base, so that NULL faults.
func NewProc(l *kern.LWP, size int) *Proc {
	return &Proc{L: l, Mem: NewMem(0x10000, size)}
}

// Call makes syscall num with the given slots and returns retval[0] and
// the errno.
func (p *Proc) Call(num int, slots ...uint64) (int64, errno.Errno) {
	rv, e := sys.Syscall(p.L, p.Mem, num, Args(slots...))
	return rv[0], e
}
