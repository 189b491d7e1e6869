package sys_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/net/socket"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
	"github.com/gorump/gorump/sys"
	"github.com/gorump/gorump/sys/systest"
)

// fuzzMem is the size of the fuzzed caller's memory; fuzz bytes fill
// the part after the fixtures.
const fuzzMem = 16 << 10

// fuzzFixture is what a fuzzed sequence of calls starts from: open
// descriptors of several kinds and memory holding useful arguments.
type fuzzFixture struct {
	fds   []int
	ptrs  []uint64 // strings, sockaddrs, mount args
	spare uint64   // the first byte fuzz data fills
}

func newFuzzFixture(t *testing.T, k *rump.Kernel, p *systest.Proc) *fuzzFixture {
	kp := k.InitProc()
	m := p.Mem
	fx := &fuzzFixture{}
	kp.WriteFile("/tmp/f", []byte("some file content"), 0o644)
	kp.Mkdir("/tmp/d", 0o755)
	kp.Mkdir("/mnt", 0o755)
	kp.Symlink("/tmp/f", "/tmp/l")
	must := func(fd int, err error) int {
		if err != nil {
			t.Fatal(err)
		}
		return fd
	}
	f := must(kp.Open("/tmp/f", kern.O_RDWR, 0))
	d := must(kp.Open("/tmp/d", kern.O_RDONLY, 0))
	udp := must(kp.Socket(socket.AF_INET, socket.SOCK_DGRAM|socket.SOCK_NONBLOCK, 0))
	ln := must(kp.Socket(socket.AF_INET, socket.SOCK_STREAM|socket.SOCK_NONBLOCK, 0))
	lo := sockaddrIn(0)
	ap, _ := socket.ParseSockaddr(lo)
	kp.Bind(udp, ap)
	kp.Bind(ln, ap)
	kp.Listen(ln, 4)
	la, _ := kp.GetSockName(ln)
	c := must(kp.Socket(socket.AF_INET, socket.SOCK_STREAM, 0))
	kp.Connect(c, la)
	kp.SetNonblock(c, true)
	kp.Mkfifo("/tmp/p", 0o644)
	pr, pw, err := kp.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	fx.fds = []int{f, d, udp, ln, c, -1, 1000, sys.AT_FDCWD, pr, pw}
	tmpfsArgs := make([]byte, sys.SizeofTmpfsArgs)
	binary.LittleEndian.PutUint32(tmpfsArgs, 1)
	binary.LittleEndian.PutUint64(tmpfsArgs[16:], 1<<20)
	ufsArgs := binary.LittleEndian.AppendUint64(nil, m.Str("/dev/none"))
	fx.ptrs = []uint64{
		m.Str("/tmp/f"), m.Str("/tmp/d"), m.Str("/tmp/new"), m.Str("/mnt"), m.Str("tmpfs"),
		m.Str("/tmp/l"), m.Str("ffs"), m.Str(""), m.Put(sockaddrIn(la.Port())),
		m.Put(tmpfsArgs), m.Put(ufsArgs), m.Str("/tmp/p"),
	}
	fx.spare = m.Alloc(0)
	return fx
}

// slot turns 9 fuzz bytes into an argument: the first chooses the kind
// of value, so that most calls get plausible descriptors and pointers.
func (fx *fuzzFixture) slot(m *systest.Mem, b []byte) uint64 {
	v := binary.LittleEndian.Uint64(b[1:])
	switch b[0] % 8 {
	case 0:
		return systest.Int(int(int8(v))) // a small int
	case 1:
		return systest.Int(fx.fds[v%uint64(len(fx.fds))])
	case 2:
		return fx.ptrs[v%uint64(len(fx.ptrs))]
	case 3:
		return m.Base + v%uint64(len(m.Buf)+16) // in memory, or just past it
	case 4:
		return v & 0xffff // a size
	case 5:
		return 0
	default:
		return v
	}
}

// FuzzSyscall runs sequences of up to 8 syscalls with fuzzed numbers and
// arguments over a small address space on a fresh kernel: no call may
// panic, and every call must return once the kernel halts (calls that
// block, such as poll with INFTIM, are legitimate until then).
func FuzzSyscall(f *testing.F) {
	call := func(num int, slots ...[9]byte) []byte {
		b := binary.LittleEndian.AppendUint16(nil, uint16(num))
		for j := range sys.MaxSlots {
			var s [9]byte
			if j < len(slots) {
				s = slots[j]
			}
			b = append(b, s[:]...)
		}
		return b
	}
	fd := func(j byte) [9]byte { return [9]byte{1, j} }
	ptr := func(j byte) [9]byte { return [9]byte{2, j} }
	mem := func(off uint16) [9]byte { return [9]byte{3, byte(off), byte(off >> 8)} }
	size := func(n uint16) [9]byte { return [9]byte{4, byte(n), byte(n >> 8)} }
	num := func(n int8) [9]byte { return [9]byte{0, byte(n)} }
	seeds := [][]byte{
		call(sys.SYS_read, fd(0), mem(0), size(100)),
		call(sys.SYS_open, ptr(2), num(0x02), num(0o17)),
		call(sys.SYS___getdents30, fd(1), mem(64), size(4096)),
		call(sys.SYS___stat50, ptr(5), mem(8)),
		call(sys.SYS___mount50, ptr(4), ptr(3), num(0), ptr(9), size(40)),
		call(sys.SYS___mount50, ptr(6), ptr(3), num(0), ptr(10), size(8)),
		call(sys.SYS_sendto, fd(2), mem(0), size(10), num(0), ptr(8), size(16)),
		call(sys.SYS_recvmsg, fd(4), mem(0), num(0)),
		call(sys.SYS_sendmsg, fd(2), mem(0), num(0)),
		call(sys.SYS_poll, mem(0), size(4), num(0)),
		call(sys.SYS___pollts50, mem(0), size(2), mem(32)),
		call(sys.SYS_accept, fd(3), mem(0), mem(64)),
		call(sys.SYS_connect, fd(2), ptr(8), size(16)),
		call(sys.SYS_getsockopt, fd(4), size(0xffff), size(0x80), mem(0), mem(16)),
		call(sys.SYS_setsockopt, fd(4), size(0xffff), size(0x100c), mem(0), size(16)),
		call(sys.SYS___sysctl, mem(0), size(2), mem(16), mem(64), size(0), size(0)),
		call(sys.SYS_readv, fd(0), mem(0), num(3)),
		call(sys.SYS_writev, fd(0), mem(0), num(3)),
		call(sys.SYS_ioctl, fd(4), [9]byte{6, 0x7f, 0x66, 0x04, 0x40}, mem(0)),
		call(sys.SYS_utimensat, fd(7), ptr(0), mem(0), num(0)),
		call(sys.SYS___getcwd, mem(0), size(3)),
		call(sys.SYS_getvfsstat, mem(0), size(5000), num(1)),
		call(sys.SYS_lseek, fd(0), num(0), [9]byte{6, 0, 0, 0, 0, 0, 0, 0, 0x80}, num(2)),
		append(call(sys.SYS_getgroups, size(16), mem(0)), 1, 2, 3, 4, 5),
		call(sys.SYS_pipe),
		call(sys.SYS_pipe2, mem(0), num(4)),
		call(sys.SYS_write, fd(9), mem(0), size(600)),
		call(sys.SYS_read, fd(8), mem(0), size(100)),
		call(sys.SYS___select50, size(12), mem(0), mem(8), mem(16), mem(32)),
		call(sys.SYS___pselect50, size(300), mem(0), [9]byte{5}, [9]byte{5}, mem(32), mem(64)),
		call(sys.SYS_clock_nanosleep, num(3), num(1), mem(0), mem(16)),
		call(sys.SYS_fsync_range, fd(0), num(0x10), num(0), size(100)),
		call(sys.SYS_posix_fallocate, fd(0), num(0), num(0), size(4096)),
		call(sys.SYS_fdiscard, fd(0), num(0), num(0), size(4096)),
		call(sys.SYS_pathconf, ptr(0), num(4)),
		call(sys.SYS_fpathconf, fd(8), num(6)),
		call(sys.SYS_open, ptr(11), num(0x06), num(0)),
		call(sys.SYS_sendmmsg, fd(2), mem(0), size(3), num(0)),
		call(sys.SYS_recvmmsg, fd(2), mem(0), size(3), num(0), mem(200)),
		call(sys.SYS_setreuid, num(-1), size(1000)),
		call(sys.SYS_seteuid, size(1000)),
		call(sys.SYS_ioctl, fd(8), [9]byte{6, 0x7f, 0x66, 0x04, 0x40}, mem(0)),
	}
	for _, s := range seeds {
		f.Add(append([]byte{1}, s...))
	}
	f.Add(append(append([]byte{2}, seeds[1]...), seeds[0]...))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		ncalls := int(data[0]%8) + 1
		data = data[1:]
		host := memhost.New(memhost.Options{})
		k, err := rump.Init(rump.Options{Host: host, MemLimit: 256 << 20})
		if err != nil {
			t.Fatal(err)
		}
		p := &systest.Proc{L: k.InitProc().LWP(), Mem: systest.NewMem(0x10000, fuzzMem)}
		fx := newFuzzFixture(t, k, p)
		const callLen = 2 + sys.MaxSlots*9
		var calls [][]uint64
		var nums []int
		for len(calls) < ncalls && len(data) >= callLen {
			nums = append(nums, int(binary.LittleEndian.Uint16(data))%(sys.NumSyscalls+16))
			slots := make([]uint64, sys.MaxSlots)
			for j := range slots {
				slots[j] = fx.slot(p.Mem, data[2+9*j:])
			}
			calls = append(calls, slots)
			data = data[callLen:]
		}
		copy(p.Mem.Buf[fx.spare-p.Mem.Base:], data)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for j, slots := range calls {
				sys.Syscall(p.L, p.Mem, nums[j], systest.Args(slots...))
			}
		}()
		select {
		case <-done:
		case <-time.After(200 * time.Millisecond):
		}
		halted := make(chan struct{})
		go func() { k.Halt(); close(halted) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("a call still runs 10s after the kernel halted: %v %v", nums, calls)
		}
		select {
		case <-halted:
		case <-time.After(10 * time.Second):
			t.Fatalf("halt hangs after %v %v", nums, calls)
		}
	})
}
