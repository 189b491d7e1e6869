package sys

import (
	"encoding/binary"
	"sort"
	"sync"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/vfs"
)

// SlotSize is the size of one argument slot, NetBSD's register_t on LP64.
const SlotSize = 8

// MaxSlots is the most argument slots a syscall takes (SYS_MAXSYSARGS).
const MaxSlots = 8

// NumSyscalls is the size of NetBSD's syscall table (nsysent); numbers
// at or above it are ENOSYS.
const NumSyscalls = 512

// ABI is the NetBSD LP64 syscall ABI in one byte order. Its layouts are
// those of amd64, which arm64 and the other LP64 ports share.
type ABI struct {
	order byteOrder
	big   bool
}

// LittleEndian is the ABI of amd64 and arm64.
var LittleEndian = &ABI{order: binary.LittleEndian}

// BigEndian is the ABI of big-endian LP64 ports (sparc64, mips64eb).
var BigEndian = &ABI{order: binary.BigEndian, big: true}

// byteOrder is what binary.LittleEndian and binary.BigEndian both are.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// Order returns the ABI's byte order.
func (a *ABI) Order() binary.ByteOrder { return a.order }

// Syscall performs syscall num for l through the little-endian ABI: see
// ABI.Syscall.
func Syscall(l *kern.LWP, as AddrSpace, num int, args []byte) ([2]int64, errno.Errno) {
	return LittleEndian.Syscall(l, as, num, args)
}

// Syscall performs syscall num on behalf of l, as NetBSD's
// rump_syscall(num, data, dlen, retval) does. args is the syscall's
// struct sys_xxx_args: one SlotSize slot per argument in syscalls.master
// order (PAD slots included), a 32-bit value in the slot's first four
// bytes on a little-endian ABI and its last four on a big-endian one.
// Pointers in args are addresses in as.
//
// It returns retval[0] and retval[1] as NetBSD sets them (retval[1] is
// the second result of getpid, getuid and getgid) and 0 or a NetBSD
// errno. Numbers with no handler give ENOSYS; args shorter than the
// syscall's slots give EINVAL; unreadable or unwritable memory EFAULT.
func (a *ABI) Syscall(l *kern.LWP, as AddrSpace, num int, args []byte) ([2]int64, errno.Errno) {
	if num < 0 || num >= NumSyscalls {
		return [2]int64{}, errno.ENOSYS
	}
	e := &table[num]
	if e.fn == nil {
		return [2]int64{}, errno.ENOSYS
	}
	if len(args) < e.slots*SlotSize {
		return [2]int64{}, errno.EINVAL
	}
	c := calls.Get().(*call)
	*c = call{abi: a, l: l, as: as, args: args}
	r0, err := e.fn(c)
	r1 := c.r1
	*c = call{}
	calls.Put(c)
	if err != nil {
		return [2]int64{}, errnoOf(err)
	}
	return [2]int64{r0, r1}, 0
}

// calls pools call records: a handler is called through a function
// value, so the record would otherwise escape to the heap on every call.
var calls = sync.Pool{New: func() any { return new(call) }}

// call is one syscall in progress.
type call struct {
	abi  *ABI
	l    *kern.LWP
	as   AddrSpace
	args []byte
	r1   int64 // retval[1]
	v    *vfs.VFS
}

// slot returns argument i's 8 bytes.
func (c *call) slot(i int) []byte { return c.args[i*SlotSize : (i+1)*SlotSize] }

// int returns argument i as a C int (also mode_t, uid_t, socklen_t...:
// the 32 bits the ABI puts in the slot, sign-extended).
func (c *call) int(i int) int { return int(int32(c.uint(i))) }

// uint returns argument i as a 32-bit unsigned value.
func (c *call) uint(i int) uint32 {
	s := c.slot(i)
	if c.abi.big {
		return c.abi.order.Uint32(s[4:])
	}
	return c.abi.order.Uint32(s)
}

// long returns argument i as a 64-bit value (off_t, long, ssize_t).
func (c *call) long(i int) int64 { return int64(c.abi.order.Uint64(c.slot(i))) }

// ptr returns argument i as a pointer or size_t.
func (c *call) ptr(i int) uint64 { return c.abi.order.Uint64(c.slot(i)) }

// vfs returns the kernel's VFS; ENOSYS in a kernel without one.
func (c *call) vfs() (*vfs.VFS, error) {
	if c.v == nil {
		c.v = vfs.Of(c.l.Kernel())
		if c.v == nil {
			return nil, errno.ENOSYS
		}
	}
	return c.v, nil
}

// handler carries out one syscall and returns retval[0].
type handler func(c *call) (int64, error)

// entry is one slot of the dispatch table.
type entry struct {
	name  string
	slots int
	class callClass
	fn    handler
}

type callClass uint8

const (
	classStd    callClass = iota
	classNoErr            // NOERR: the result is in retval[0], errno untouched
	classCompat           // an old ABI kept for old binaries
)

// callInfo is one syscall of NetBSD's table (numbers.go).
type callInfo struct {
	num   int
	name  string
	slots int
	class callClass
}

var table [NumSyscalls]entry

func init() {
	for _, ci := range netbsdCalls {
		table[ci.num] = entry{name: ci.name, slots: ci.slots, class: ci.class}
	}
	for num, fn := range handlers() {
		if table[num].name == "" {
			panic("sys: handler for unknown syscall")
		}
		table[num].fn = fn
	}
}

// Info describes one syscall of NetBSD's rump table.
type Info struct {
	Num         int
	Name        string // as in syscalls.master ("__stat50", "compat_50_mknod")
	Slots       int    // argument slots
	Compat      bool   // an old-ABI entry
	Implemented bool   // false: ENOSYS
}

// List returns every syscall NetBSD's rump kernels offer, by number,
// with whether this table implements it.
func List() []Info {
	out := make([]Info, 0, len(netbsdCalls))
	for _, ci := range netbsdCalls {
		out = append(out, Info{Num: ci.num, Name: ci.name, Slots: ci.slots,
			Compat: ci.class == classCompat, Implemented: table[ci.num].fn != nil})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Num < out[j].Num })
	return out
}

// Names returns the names of the implemented syscalls, by number.
func Names() []string {
	var out []string
	for _, in := range List() {
		if in.Implemented {
			out = append(out, in.Name)
		}
	}
	return out
}

// Name returns syscall num's name, or "" for a number NetBSD's rump
// table does not have.
func Name(num int) string {
	if num < 0 || num >= NumSyscalls {
		return ""
	}
	return table[num].name
}

// errnoOf returns err's NetBSD errno; errors that carry none are EIO.
func errnoOf(err error) errno.Errno {
	e, _ := errno.From(err).(errno.Errno)
	return e
}

// nativeOrder is the host's byte order, in which vfs writes the records
// it formats (getdents).
var nativeOrder = binary.NativeEndian

// nativeBig reports whether the host is big-endian.
var nativeBig = binary.NativeEndian.Uint16([]byte{0, 1}) == 1

// sameAsNative reports whether the ABI's byte order is the host's.
func (a *ABI) sameAsNative() bool { return a.big == nativeBig }
