package sys

import (
	"encoding/binary"
	"testing"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/vfs"
)

// field is one row of a struct's layout as netbsd-abi.md section 2
// gives it: offset, size, name, and the value the test puts there.
type field struct {
	off, size int
	name      string
	val       uint64
}

// checkFields checks that b holds each field's value at its offset, in
// order, and that every byte no field covers is zero.
func checkFields(t *testing.T, what string, order binary.ByteOrder, b []byte, size int, fields []field) {
	t.Helper()
	if len(b) != size {
		t.Fatalf("%s: %d bytes, want %d", what, len(b), size)
	}
	covered := make([]bool, size)
	for _, f := range fields {
		var got uint64
		switch f.size {
		case 1:
			got = uint64(b[f.off])
		case 2:
			got = uint64(order.Uint16(b[f.off:]))
		case 4:
			got = uint64(order.Uint32(b[f.off:]))
		case 8:
			got = order.Uint64(b[f.off:])
		default:
			t.Fatalf("%s.%s: size %d", what, f.name, f.size)
		}
		if got != f.val {
			t.Errorf("%s.%s at %d: %#x, want %#x", what, f.name, f.off, got, f.val)
		}
		for i := f.off; i < f.off+f.size; i++ {
			covered[i] = true
		}
	}
	for i, c := range covered {
		if !c && b[i] != 0 {
			t.Errorf("%s: padding byte %d is %#x", what, i, b[i])
		}
	}
}

// statLayout is struct stat (sys/stat.h, __stat50), size 152, from
// netbsd-abi.md.
var statLayout = []field{
	{0, 8, "st_dev", 0x1122334455667788},
	{8, 4, "st_mode", 0o100644},
	{16, 8, "st_ino", 0x0102030405060708},
	{24, 4, "st_nlink", 3},
	{28, 4, "st_uid", 1001},
	{32, 4, "st_gid", 1002},
	{40, 8, "st_rdev", 0xabcdef},
	{48, 8, "st_atim.tv_sec", 1111},
	{56, 8, "st_atim.tv_nsec", 11},
	{64, 8, "st_mtim.tv_sec", 2222},
	{72, 8, "st_mtim.tv_nsec", 22},
	{80, 8, "st_ctim.tv_sec", 3333},
	{88, 8, "st_ctim.tv_nsec", 33},
	{96, 8, "st_birthtim.tv_sec", 4444},
	{104, 8, "st_birthtim.tv_nsec", 44},
	{112, 8, "st_size", 123456789},
	{120, 8, "st_blocks", 242},
	{128, 4, "st_blksize", 4096},
	{132, 4, "st_flags", 0x20000},
	{136, 4, "st_gen", 77},
}

func TestStatLayout(t *testing.T) {
	st := kern.Stat{Dev: 0x1122334455667788, Mode: 0o100644, Ino: 0x0102030405060708, Nlink: 3,
		UID: 1001, GID: 1002, Rdev: 0xabcdef, Atime: kern.Timespec{Sec: 1111, Nsec: 11},
		Mtime: kern.Timespec{Sec: 2222, Nsec: 22}, Ctime: kern.Timespec{Sec: 3333, Nsec: 33},
		Birthtime: kern.Timespec{Sec: 4444, Nsec: 44}, Size: 123456789, Blocks: 242,
		Blksize: 4096, Flags: 0x20000, Gen: 77}
	for _, abi := range []*ABI{LittleEndian, BigEndian} {
		b := make([]byte, SizeofStat)
		for i := range b {
			b[i] = 0xee // PutStat must clear padding
		}
		abi.PutStat(b, &st)
		checkFields(t, "stat", abi.order, b, 152, statLayout)
	}
}

// statvfsLayout is struct statvfs (sys/statvfs.h), size 2256; the
// strings are checked apart.
var statvfsLayout = []field{
	{0, 8, "f_flag", 0x1001},
	{8, 8, "f_bsize", 32768},
	{16, 8, "f_frsize", 4096},
	{24, 8, "f_iosize", 65536},
	{32, 8, "f_blocks", 1000},
	{40, 8, "f_bfree", 900},
	{48, 8, "f_bavail", 850},
	{56, 8, "f_bresvd", 50},
	{64, 8, "f_files", 500},
	{72, 8, "f_ffree", 400},
	{80, 8, "f_favail", 390},
	{88, 8, "f_fresvd", 10},
	{144, 8, "f_namemax", 255},
	{172, 4, "f_fstypename[0:4]", 0x00736666},   // "ffs\0" little-endian
	{204, 4, "f_mntonname[0:4]", 0x746e6d2f},    // "/mnt"
	{1228, 4, "f_mntfromname[0:4]", 0x7665642f}, // "/dev"
	{1232, 4, "f_mntfromname[4:8]", 0x0000642f}, // "/d\0\0"
}

func TestStatvfsLayout(t *testing.T) {
	st := vfs.Statvfs{Flag: 0x1001, Bsize: 32768, Frsize: 4096, Iosize: 65536, Blocks: 1000,
		Bfree: 900, Bavail: 850, Bresvd: 50, Files: 500, Ffree: 400, Favail: 390, Fresvd: 10,
		Namemax: 255, FSType: "ffs", OnName: "/mnt", From: "/dev/d"}
	b := make([]byte, SizeofStatvfs)
	LittleEndian.PutStatvfs(b, &st)
	checkFields(t, "statvfs", binary.LittleEndian, b, 2256, statvfsLayout)
	// Names that fill their fields keep a NUL.
	long := make([]byte, 2000)
	for i := range long {
		long[i] = 'x'
	}
	st.FSType, st.OnName = string(long), string(long)
	LittleEndian.PutStatvfs(b, &st)
	if b[172+31] != 0 || b[172+30] != 'x' || b[204+1023] != 0 || b[204+1022] != 'x' {
		t.Error("long names overrun their fields")
	}
}

// TestTimeLayouts: struct timespec (16: tv_sec 0, tv_nsec 8) and struct
// timeval (16: tv_sec 0, tv_usec 8 as a 4-byte suseconds_t).
func TestTimeLayouts(t *testing.T) {
	b := make([]byte, 16)
	LittleEndian.PutTimespec(b, kern.Timespec{Sec: 5, Nsec: 6})
	checkFields(t, "timespec", binary.LittleEndian, b, 16, []field{{0, 8, "tv_sec", 5}, {8, 8, "tv_nsec", 6}})
	if ts := LittleEndian.Timespec(b); ts != (kern.Timespec{Sec: 5, Nsec: 6}) {
		t.Errorf("Timespec = %v", ts)
	}
	for i := range b {
		b[i] = 0xee
	}
	LittleEndian.PutTimeval(b, 7, 8)
	checkFields(t, "timeval", binary.LittleEndian, b, 16, []field{{0, 8, "tv_sec", 7}, {8, 4, "tv_usec", 8}})
	if sec, usec := BigEndian.Timeval([]byte{0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 10, 0, 0, 0, 0}); sec != 9 || usec != 10 {
		t.Errorf("big-endian Timeval = %d %d", sec, usec)
	}
}

// put writes each field's value at its offset into a fresh buffer.
func put(order binary.ByteOrder, size int, fields []field) []byte {
	b := make([]byte, size)
	for _, f := range fields {
		switch f.size {
		case 1:
			b[f.off] = byte(f.val)
		case 2:
			order.PutUint16(b[f.off:], uint16(f.val))
		case 4:
			order.PutUint32(b[f.off:], uint32(f.val))
		case 8:
			order.PutUint64(b[f.off:], f.val)
		}
	}
	return b
}

// TestDecodedLayouts builds struct iovec and struct msghdr by
// netbsd-abi.md's offsets and checks what sys reads from them.
func TestDecodedLayouts(t *testing.T) {
	for _, abi := range []*ABI{LittleEndian, BigEndian} {
		iov := abi.iovec(put(abi.order, 16, []field{{0, 8, "iov_base", 0x7000}, {8, 8, "iov_len", 99}}))
		if iov != (iovec{base: 0x7000, len: 99}) {
			t.Errorf("iovec = %+v", iov)
		}
		m := abi.msghdr(put(abi.order, 48, []field{
			{0, 8, "msg_name", 0x1000},
			{8, 4, "msg_namelen", 16},
			{16, 8, "msg_iov", 0x2000},
			{24, 4, "msg_iovlen", 3},
			{32, 8, "msg_control", 0x3000},
			{40, 4, "msg_controllen", 12},
			{44, 4, "msg_flags", 0x80},
		}))
		want := msghdr{name: 0x1000, namelen: 16, iov: 0x2000, iovlen: 3, control: 0x3000, controllen: 12, flags: 0x80}
		if m != want {
			t.Errorf("msghdr = %+v, want %+v", m, want)
		}
	}
	// The offsets sys writes through.
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"msg_namelen", offMsgNamelen, 8}, {"msg_controllen", offMsgControllen, 40}, {"msg_flags", offMsgFlags, 44},
		{"pollfd.fd", offPollFd, 0}, {"pollfd.events", offPollEvents, 4}, {"pollfd.revents", offPollRevents, 6},
		{"tmpfs_args.ta_version", offTmpfsVersion, 0}, {"ta_nodes_max", offTmpfsNodesMax, 8},
		{"ta_size_max", offTmpfsSizeMax, 16}, {"ta_root_uid", offTmpfsRootUID, 24},
		{"ta_root_gid", offTmpfsRootGID, 28}, {"ta_root_mode", offTmpfsRootMode, 32},
		{"sizeof(struct pollfd)", SizeofPollfd, 8}, {"sizeof(struct msghdr)", SizeofMsghdr, 48},
		{"sizeof(struct iovec)", SizeofIovec, 16}, {"sizeof(struct tmpfs_args)", SizeofTmpfsArgs, 40},
		{"sizeof(struct ufs_args)", SizeofUfsArgs, 8}, {"sizeof(struct linger)", SizeofLinger, 8},
		{"offsetof(struct dirent, d_name)", SizeofDirentHeader, 13},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

// TestArgSlots checks how 32-bit and 64-bit arguments sit in their
// register_t slots in both byte orders (netbsd-abi.md 1.1).
func TestArgSlots(t *testing.T) {
	le := []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}
	c := call{abi: LittleEndian, args: le}
	if c.int(0) != -1 || c.uint(0) != 0xffffffff || c.ptr(1) != 0x0807060504030201 {
		t.Errorf("little-endian: int %d uint %#x ptr %#x", c.int(0), c.uint(0), c.ptr(1))
	}
	be := []byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8}
	c = call{abi: BigEndian, args: be}
	if c.int(0) != -2 || c.long(1) != 0x0102030405060708 {
		t.Errorf("big-endian: int %d long %#x", c.int(0), c.long(1))
	}
}

// TestDirentByteOrder checks that records vfs writes in host order come
// out in the ABI's.
func TestDirentByteOrder(t *testing.T) {
	rec := make([]byte, 16)
	nativeOrder.PutUint64(rec[0:], 0x0102030405060708)
	nativeOrder.PutUint16(rec[8:], 16)
	nativeOrder.PutUint16(rec[10:], 1)
	rec[12], rec[13] = 8, 'a'
	for _, abi := range []*ABI{LittleEndian, BigEndian} {
		b := append([]byte(nil), rec...)
		abi.fromNativeDirents(b)
		checkFields(t, "dirent", abi.order, b, 16, []field{
			{0, 8, "d_fileno", 0x0102030405060708}, {8, 2, "d_reclen", 16}, {10, 2, "d_namlen", 1},
			{12, 1, "d_type", 8}, {13, 1, "d_name[0]", 'a'},
		})
	}
}

// TestList checks the table listing against the numbers.
func TestList(t *testing.T) {
	list := List()
	if len(list) != 218 {
		t.Errorf("%d syscalls listed, want NetBSD's 218", len(list))
	}
	impl := 0
	for _, in := range list {
		if Name(in.Num) != in.Name {
			t.Errorf("Name(%d) = %q, want %q", in.Num, Name(in.Num), in.Name)
		}
		if in.Implemented {
			impl++
			if in.Compat {
				t.Errorf("%s: a compat entry is implemented", in.Name)
			}
		}
	}
	if impl != len(Names()) {
		t.Errorf("%d implemented, Names has %d", impl, len(Names()))
	}
	for num, want := range map[int]string{3: "read", 5: "open", 20: "getpid", 390: "__getdents30",
		394: "__socket30", 410: "__mount50", 439: "__stat50", 440: "__fstat50", 441: "__lstat50", 456: "paccept"} {
		if Name(num) != want || table[num].fn == nil {
			t.Errorf("syscall %d: %q, implemented %v; want %q", num, Name(num), table[num].fn != nil, want)
		}
	}
}
