package sys

import (
	"math"
	"sync"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
)

// The descriptor, process and sysctl syscalls of kern.

// maxIO bounds the kernel buffer one read, write or send moves through.
// A read asking for more returns at most this much (a short read, as
// POSIX allows); writes and stream sends loop over chunks of it.
const maxIO = 1 << 20

// IOV_MAX is the most iovecs readv and friends take (sys/uio.h).
const IOV_MAX = 1024

// NGROUPS_MAX is the most supplementary groups (sys/syslimits.h).
const NGROUPS_MAX = 16

// smallBufs pools the kernel buffers of calls that move up to 64 KiB,
// the common case, so a small read costs no allocation.
var smallBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// ioBuf returns a kernel buffer of n bytes (n <= maxIO) and the pooled
// buffer to hand to putBuf when done (nil for a large one).
func ioBuf(n uint64) ([]byte, *[]byte) {
	if n <= 64<<10 {
		bp := smallBufs.Get().(*[]byte)
		return (*bp)[:n], bp
	}
	return make([]byte, n), nil
}

// putBuf returns a buffer ioBuf gave to the pool.
func putBuf(bp *[]byte) {
	if bp != nil {
		smallBufs.Put(bp)
	}
}

// ioLen checks a size_t byte count as NetBSD does (EINVAL above
// SSIZE_MAX) and returns how much of it one chunk moves.
func ioLen(n uint64) (uint64, error) {
	if n > math.MaxInt64 {
		return 0, errno.EINVAL
	}
	return min(n, maxIO), nil
}

// readOut runs rd into a kernel buffer of up to n bytes and copies what
// it read out to addr. A fault after a successful read loses the data,
// as in NetBSD.
func (c *call) readOut(addr, n uint64, rd func([]byte) (int, error)) (int64, error) {
	chunk, err := ioLen(n)
	if err != nil {
		return 0, err
	}
	buf, bp := ioBuf(chunk)
	defer putBuf(bp)
	got, err := rd(buf)
	if got > 0 {
		if ferr := copyOut(c.as, addr, buf[:got]); ferr != nil {
			return 0, ferr
		}
		return int64(got), nil
	}
	return 0, err
}

// writeIn copies n bytes at addr into the kernel chunk by chunk and runs
// wr on each, with the offset into the whole write; it stops at a short
// write and returns the bytes written, or the error if none were.
func (c *call) writeIn(addr, n uint64, wr func(p []byte, done int64) (int, error)) (int64, error) {
	if _, err := ioLen(n); err != nil {
		return 0, err
	}
	return writeChunks(n, func(p []byte, done uint64) error { return copyIn(c.as, addr+done, p) }, wr)
}

// writeChunks writes total bytes with wr, a chunk of up to maxIO bytes at
// a time, each filled by fill from the caller's memory at offset done. It
// stops at a short write or a fault and returns the bytes written, or the
// error if none were.
func writeChunks(total uint64, fill func(p []byte, done uint64) error, wr func(p []byte, done int64) (int, error)) (int64, error) {
	if total == 0 {
		_, err := wr(nil, 0)
		return 0, err
	}
	buf, bp := ioBuf(min(total, maxIO))
	defer putBuf(bp)
	var done int64
	for uint64(done) < total {
		p := buf[:min(total-uint64(done), maxIO)]
		if err := fill(p, uint64(done)); err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		w, err := wr(p, done)
		done += int64(w)
		if err != nil || w < len(p) {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
	}
	return done, nil
}

func sysRead(c *call) (int64, error) {
	fd := c.int(0)
	return c.readOut(c.ptr(1), c.ptr(2), func(p []byte) (int, error) { return c.l.Read(fd, p) })
}

func sysWrite(c *call) (int64, error) {
	fd := c.int(0)
	return c.writeIn(c.ptr(1), c.ptr(2), func(p []byte, _ int64) (int, error) { return c.l.Write(fd, p) })
}

// pread: fd, buf, nbyte, PAD, offset.
func sysPread(c *call) (int64, error) {
	fd, off := c.int(0), c.long(4)
	return c.readOut(c.ptr(1), c.ptr(2), func(p []byte) (int, error) { return c.l.Pread(fd, p, off) })
}

func sysPwrite(c *call) (int64, error) {
	fd, off := c.int(0), c.long(4)
	return c.writeIn(c.ptr(1), c.ptr(2), func(p []byte, done int64) (int, error) {
		return c.l.Pwrite(fd, p, off+done)
	})
}

// iovecs reads iovcnt struct iovecs at addr, checking them as NetBSD's
// dofilereadv does (a count outside [1, IOV_MAX] is EINVAL), and returns
// them with their total length.
func (c *call) iovecs(addr uint64, iovcnt int) ([]iovec, uint64, error) {
	if iovcnt <= 0 || iovcnt > IOV_MAX {
		return nil, 0, errno.EINVAL
	}
	return c.readIovecs(addr, iovcnt)
}

// msgIovecs reads a msghdr's iovecs: sendmsg and recvmsg take none, and
// more than IOV_MAX is EMSGSIZE.
func (c *call) msgIovecs(addr uint64, iovlen int32) ([]iovec, uint64, error) {
	if iovlen < 0 || iovlen > IOV_MAX {
		return nil, 0, errno.EMSGSIZE
	}
	return c.readIovecs(addr, int(iovlen))
}

func (c *call) readIovecs(addr uint64, iovcnt int) ([]iovec, uint64, error) {
	raw := make([]byte, iovcnt*SizeofIovec)
	if err := copyIn(c.as, addr, raw); err != nil {
		return nil, 0, err
	}
	iov := make([]iovec, iovcnt)
	var total uint64
	for i := range iov {
		iov[i] = c.abi.iovec(raw[i*SizeofIovec:])
		if iov[i].len > math.MaxInt64 || total+iov[i].len > math.MaxInt64 {
			return nil, 0, errno.EINVAL
		}
		total += iov[i].len
	}
	return iov, total, nil
}

// scatter copies p out over iov in order.
func (c *call) scatter(iov []iovec, p []byte) error {
	for _, v := range iov {
		if len(p) == 0 {
			break
		}
		n := min(uint64(len(p)), v.len)
		if err := copyOut(c.as, v.base, p[:n]); err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// gather copies into p from iov, starting skip bytes into the vector.
func (c *call) gather(iov []iovec, skip uint64, p []byte) error {
	for _, v := range iov {
		if len(p) == 0 {
			break
		}
		if skip >= v.len {
			skip -= v.len
			continue
		}
		n := min(uint64(len(p)), v.len-skip)
		if err := copyIn(c.as, v.base+skip, p[:n]); err != nil {
			return err
		}
		p = p[n:]
		skip = 0
	}
	return nil
}

// readv reads into iov with rd: one read of up to maxIO bytes.
func (c *call) readv(iov []iovec, total uint64, rd func([]byte) (int, error)) (int64, error) {
	buf, bp := ioBuf(min(total, maxIO))
	defer putBuf(bp)
	got, err := rd(buf)
	if got > 0 {
		if ferr := c.scatter(iov, buf[:got]); ferr != nil {
			return 0, ferr
		}
		return int64(got), nil
	}
	return 0, err
}

// writev writes iov with wr, a chunk of up to maxIO bytes at a time.
func (c *call) writev(iov []iovec, total uint64, wr func(p []byte, done int64) (int, error)) (int64, error) {
	return writeChunks(total, func(p []byte, done uint64) error { return c.gather(iov, done, p) }, wr)
}

func sysReadv(c *call) (int64, error) {
	fd := c.int(0)
	iov, total, err := c.iovecs(c.ptr(1), c.int(2))
	if err != nil {
		return 0, err
	}
	return c.readv(iov, total, func(p []byte) (int, error) { return c.l.Read(fd, p) })
}

func sysWritev(c *call) (int64, error) {
	fd := c.int(0)
	iov, total, err := c.iovecs(c.ptr(1), c.int(2))
	if err != nil {
		return 0, err
	}
	return c.writev(iov, total, func(p []byte, _ int64) (int, error) { return c.l.Write(fd, p) })
}

// preadv: fd, iovp, iovcnt, PAD, offset.
func sysPreadv(c *call) (int64, error) {
	fd, off := c.int(0), c.long(4)
	iov, total, err := c.iovecs(c.ptr(1), c.int(2))
	if err != nil {
		return 0, err
	}
	return c.readv(iov, total, func(p []byte) (int, error) { return c.l.Pread(fd, p, off) })
}

func sysPwritev(c *call) (int64, error) {
	fd, off := c.int(0), c.long(4)
	iov, total, err := c.iovecs(c.ptr(1), c.int(2))
	if err != nil {
		return 0, err
	}
	return c.writev(iov, total, func(p []byte, done int64) (int, error) { return c.l.Pwrite(fd, p, off+done) })
}

// lseek: fd, PAD, offset, whence.
func sysLseek(c *call) (int64, error) { return c.l.Lseek(c.int(0), c.long(2), c.int(3)) }

func sysClose(c *call) (int64, error) { return 0, c.l.Close(c.int(0)) }

func sysDup(c *call) (int64, error) {
	fd, err := c.l.Dup(c.int(0))
	return int64(fd), err
}

func sysDup2(c *call) (int64, error) {
	to := c.int(1)
	return int64(to), c.l.Dup2(c.int(0), to)
}

func sysDup3(c *call) (int64, error) {
	to := c.int(1)
	return int64(to), c.l.Dup3(c.int(0), to, c.int(2))
}

// fcntl: fd, cmd, arg. The commands kern has take an int argument,
// which sits in the slot as the pointer-sized arg.
func sysFcntl(c *call) (int64, error) {
	r, err := c.l.Fcntl(c.int(0), c.int(1), c.int(2))
	return int64(r), err
}

func sysFstat(c *call) (int64, error) {
	st, err := c.l.Fstat(c.int(0))
	if err != nil {
		return 0, err
	}
	return 0, c.putStat(c.ptr(1), &st)
}

func (c *call) putStat(addr uint64, st *kern.Stat) error {
	var b [SizeofStat]byte
	c.abi.PutStat(b[:], st)
	return copyOut(c.as, addr, b[:])
}

func sysFsync(c *call) (int64, error)     { return 0, c.l.Fsync(c.int(0), false) }
func sysFdatasync(c *call) (int64, error) { return 0, c.l.Fsync(c.int(0), true) }

// getpid returns the pid and, in retval[1], the parent's (NetBSD's
// getpid_with_ppid).
func sysGetpid(c *call) (int64, error) {
	c.r1 = int64(c.l.Getppid())
	return int64(c.l.Getpid()), nil
}

func sysGetppid(c *call) (int64, error) { return int64(c.l.Getppid()), nil }

// getuid returns the real and, in retval[1], the effective user id
// (NetBSD's getuid_with_euid).
func sysGetuid(c *call) (int64, error) {
	c.r1 = int64(c.l.Geteuid())
	return int64(c.l.Getuid()), nil
}

func sysGeteuid(c *call) (int64, error) { return int64(c.l.Geteuid()), nil }

// getgid returns the real and, in retval[1], the effective group id.
func sysGetgid(c *call) (int64, error) {
	c.r1 = int64(c.l.Getegid())
	return int64(c.l.Getgid()), nil
}

func sysGetegid(c *call) (int64, error) { return int64(c.l.Getegid()), nil }

// reboot: opt, bootstr. The kernel halts; what the process does then is
// its embedder's (kern.Rebooter). bootstr, for RB_STRING, means nothing
// to a rump kernel and is not read.
func sysReboot(c *call) (int64, error) {
	return 0, c.l.Proc().Kernel().Reboot(c.l, kern.RebootFlags(c.int(0)))
}

func sysSetuid(c *call) (int64, error) { return 0, c.l.Setuid(c.uint(0)) }
func sysSetgid(c *call) (int64, error) { return 0, c.l.Setgid(c.uint(0)) }

// getgroups: gidsetsize, gidset. Size 0 asks for the count.
func sysGetgroups(c *call) (int64, error) {
	groups := c.l.Getgroups()
	n := c.int(0)
	if n == 0 {
		return int64(len(groups)), nil
	}
	if n < len(groups) {
		return 0, errno.EINVAL
	}
	b := make([]byte, 4*len(groups))
	for i, g := range groups {
		c.abi.order.PutUint32(b[4*i:], g)
	}
	return int64(len(groups)), copyOut(c.as, c.ptr(1), b)
}

func sysSetgroups(c *call) (int64, error) {
	n := c.int(0)
	if n < 0 || n > NGROUPS_MAX {
		return 0, errno.EINVAL
	}
	b := make([]byte, 4*n)
	if err := copyIn(c.as, c.ptr(1), b); err != nil {
		return 0, err
	}
	groups := make([]uint32, n)
	for i := range groups {
		groups[i] = c.abi.order.Uint32(b[4*i:])
	}
	return 0, c.l.Setgroups(groups)
}

func sysUmask(c *call) (int64, error) { return int64(c.l.Umask(c.uint(0))), nil }

// ioctl numbers sys answers (sys/filio.h).
const (
	FIOCLEX  = 0x20006601
	FIONCLEX = 0x20006602
	FIONBIO  = socket.FIONBIO
	FIONREAD = socket.FIONREAD
)

// ioctl: fd, com, data. FIONBIO and FIONREAD on any descriptor (a file's
// FIONREAD is the bytes from its offset to its end, a pipe's or FIFO's
// the bytes buffered), FIOCLEX and FIONCLEX; other commands ENOTTY.
func sysIoctl(c *call) (int64, error) {
	fd, com, data := c.int(0), uint32(c.ptr(1)), c.ptr(2)
	files := c.l.Proc().Files()
	f, err := files.Get(fd)
	if err != nil {
		return 0, err
	}
	isSock := socket.Of(f) != nil
	q, isQueue := f.Ops().(kern.Queuer)
	queued := 0
	if isQueue {
		queued = q.Queued(f)
	}
	f.Release(c.l) //nolint:errcheck // only a reference
	var b [4]byte
	switch com {
	case FIOCLEX, FIONCLEX:
		return 0, files.SetCloseOnExec(fd, com == FIOCLEX)
	case FIONBIO:
		if err := copyIn(c.as, data, b[:]); err != nil {
			return 0, err
		}
		return 0, socket.IoctlFIONBIO(c.l, fd, c.abi.order.Uint32(b[:]) != 0)
	case FIONREAD:
		var n int
		switch {
		case isSock:
			n, err = socket.IoctlFIONREAD(c.l, fd)
		case isQueue:
			n = queued
		default:
			n, err = c.fileQueued(fd)
		}
		if err != nil {
			return 0, err
		}
		c.abi.order.PutUint32(b[:], uint32(n))
		return 0, copyOut(c.as, data, b[:])
	}
	return 0, errno.ENOTTY
}

// fileQueued is FIONREAD on a file that is not a socket: what is left
// from the offset to the end of a regular file, else 0.
func (c *call) fileQueued(fd int) (int, error) {
	st, err := c.l.Fstat(fd)
	if err != nil {
		return 0, err
	}
	if st.Mode&kern.S_IFMT != kern.S_IFREG {
		return 0, nil
	}
	off, err := c.l.Lseek(fd, 0, kern.SEEK_CUR)
	if err != nil {
		return 0, err
	}
	return int(min(max(st.Size-off, 0), math.MaxInt32)), nil
}
