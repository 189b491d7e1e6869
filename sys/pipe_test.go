package sys_test

import (
	"testing"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/sys"
	"github.com/gorump/gorump/sys/systest"
)

// pipe makes a pipe through SYS_pipe and returns its read and write
// descriptors from retval[0] and retval[1].
func pipe(t *testing.T, p *systest.Proc) (uint64, uint64) {
	t.Helper()
	rv, e := sys.Syscall(p.L, p.Mem, sys.SYS_pipe, nil)
	if e != 0 {
		t.Fatalf("pipe: %v", e)
	}
	return uint64(rv[0]), uint64(rv[1])
}

func TestPipe(t *testing.T) {
	_, _, p := boot(t)
	m := p.Mem
	r, w := pipe(t, p)
	if r == w {
		t.Fatalf("pipe gave %d twice", r)
	}
	msg := m.Put([]byte("through the pipe"))
	if n := ok(t, p, sys.SYS_write, w, msg, 16); n != 16 {
		t.Errorf("write: %d", n)
	}
	// FIONREAD counts the bytes buffered; fstat says S_IFIFO, the read
	// end's size being the same count.
	cnt := m.Alloc(4)
	ok(t, p, sys.SYS_ioctl, r, sys.FIONREAD, cnt)
	if n := le.Uint32(m.Bytes(cnt, 4)); n != 16 {
		t.Errorf("FIONREAD = %d, want 16", n)
	}
	st := m.Alloc(sys.SizeofStat)
	ok(t, p, sys.SYS___fstat50, r, st)
	if mode, size := le.Uint32(m.Bytes(st+8, 4)), le.Uint64(m.Bytes(st+112, 8)); mode != kern.S_IFIFO|0o600 || size != 16 {
		t.Errorf("fstat: mode %#o size %d", mode, size)
	}
	fails(t, p, errno.ESPIPE, sys.SYS_lseek, r, 0, 0, 0)
	fails(t, p, errno.EBADF, sys.SYS_write, r, msg, 1)
	buf := m.Alloc(64)
	if n := ok(t, p, sys.SYS_read, r, buf, 64); n != 16 || string(m.Bytes(buf, 16)) != "through the pipe" {
		t.Errorf("read: %d %q", n, m.Bytes(buf, int(n)))
	}
	ok(t, p, sys.SYS_close, w)
	if n := ok(t, p, sys.SYS_read, r, buf, 64); n != 0 {
		t.Errorf("read at end of file: %d", n)
	}
	r, w = pipe(t, p)
	ok(t, p, sys.SYS_close, r)
	fails(t, p, errno.EPIPE, sys.SYS_write, w, msg, 1)
}

func TestPipe2(t *testing.T) {
	_, _, p := boot(t)
	m := p.Mem
	fds := m.Alloc(8)
	ok(t, p, sys.SYS_pipe2, fds, kern.O_NONBLOCK|kern.O_CLOEXEC)
	r, w := uint64(le.Uint32(m.Bytes(fds, 4))), uint64(le.Uint32(m.Bytes(fds+4, 4)))
	if fl := ok(t, p, sys.SYS_fcntl, r, kern.F_GETFL, 0); fl != kern.O_RDONLY|kern.O_NONBLOCK {
		t.Errorf("read end flags %#x", fl)
	}
	if fl := ok(t, p, sys.SYS_fcntl, w, kern.F_GETFL, 0); fl != kern.O_WRONLY|kern.O_NONBLOCK {
		t.Errorf("write end flags %#x", fl)
	}
	if fd := ok(t, p, sys.SYS_fcntl, w, kern.F_GETFD, 0); fd != kern.FD_CLOEXEC {
		t.Errorf("write end F_GETFD %d", fd)
	}
	fails(t, p, errno.EAGAIN, sys.SYS_read, r, m.Alloc(1), 1)
	fails(t, p, errno.EINVAL, sys.SYS_pipe2, fds, kern.O_APPEND)
	// A fault storing the descriptors closes them again.
	before := ok(t, p, sys.SYS_fcntl, 0, kern.F_MAXFD, 0)
	fails(t, p, errno.EFAULT, sys.SYS_pipe2, 8, 0)
	if after := ok(t, p, sys.SYS_fcntl, 0, kern.F_MAXFD, 0); after != before {
		t.Errorf("F_MAXFD %d after a faulting pipe2, %d before", after, before)
	}
}

// fdSet lays out an fd_set of words 32-bit words holding fds.
func fdSet(m *systest.Mem, words int, fds ...uint64) uint64 {
	a := m.Alloc(4 * words)
	for _, fd := range fds {
		b := m.Bytes(a+4*(fd/32), 4)
		le.PutUint32(b, le.Uint32(b)|1<<(fd%32))
	}
	return a
}

// isSet reports whether fd is in the fd_set at a.
func isSet(m *systest.Mem, a, fd uint64) bool {
	return le.Uint32(m.Bytes(a+4*(fd/32), 4))&(1<<(fd%32)) != 0
}

func TestSelect(t *testing.T) {
	k, _, p := boot(t)
	m := p.Mem
	r, w := pipe(t, p)
	nd := w + 1
	zero := m.Alloc(sys.SizeofTimeval)
	rd, wr := fdSet(m, 1, r, w), fdSet(m, 1, r, w)
	// Only the write end is writable; nothing is readable.
	if n := ok(t, p, sys.SYS___select50, nd, rd, wr, 0, zero); n != 1 || isSet(m, rd, r) || isSet(m, wr, r) || !isSet(m, wr, w) {
		t.Errorf("select = %d, in %#x out %#x", n, le.Uint32(m.Bytes(rd, 4)), le.Uint32(m.Bytes(wr, 4)))
	}
	ok(t, p, sys.SYS_write, w, m.Put([]byte("x")), 1)
	rd = fdSet(m, 1, r)
	if n := ok(t, p, sys.SYS___select50, nd, rd, 0, 0, zero); n != 1 || !isSet(m, rd, r) {
		t.Errorf("select after a write = %d, in %#x", n, le.Uint32(m.Bytes(rd, 4)))
	}
	// A descriptor ready in two sets counts twice.
	rd, wr = fdSet(m, 1, r), fdSet(m, 1, w, r)
	if n := ok(t, p, sys.SYS___select50, nd, rd, wr, 0, zero); n != 2 {
		t.Errorf("select counting read and write = %d, want 2", n)
	}
	// Errors: a closed descriptor, a negative nd, a bad timeout.
	fails(t, p, errno.EBADF, sys.SYS___select50, 40, fdSet(m, 2, 39), 0, 0, zero)
	fails(t, p, errno.EINVAL, sys.SYS___select50, i(-1), 0, 0, 0, zero)
	badtv := m.Alloc(sys.SizeofTimeval)
	le.PutUint32(m.Bytes(badtv+8, 4), 1000000)
	fails(t, p, errno.EINVAL, sys.SYS___select50, nd, fdSet(m, 1, r), 0, 0, badtv)
	fails(t, p, errno.EFAULT, sys.SYS___select50, nd, 8, 0, 0, badtv)
	// A timeout with nothing ready returns 0 with the sets cleared.
	tv := m.Alloc(sys.SizeofTimeval)
	le.PutUint32(m.Bytes(tv+8, 4), 20000) // 20 ms
	ex := fdSet(m, 1, r)
	start := time.Now()
	if n := ok(t, p, sys.SYS___select50, nd, 0, 0, ex, tv); n != 0 || le.Uint32(m.Bytes(ex, 4)) != 0 {
		t.Errorf("select on exceptions = %d, set %#x", n, le.Uint32(m.Bytes(ex, 4)))
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("select returned after %v, before its 20 ms timeout", d)
	}
	// pselect takes a timespec and a signal mask, read and ignored.
	ts := m.Alloc(sys.SizeofTimespec)
	mask := m.Alloc(sys.SizeofSigset)
	rd = fdSet(m, 1, r)
	if n := ok(t, p, sys.SYS___pselect50, nd, rd, 0, 0, ts, mask); n != 1 {
		t.Errorf("pselect = %d", n)
	}
	fails(t, p, errno.EFAULT, sys.SYS___pselect50, nd, rd, 0, 0, ts, 8)
	le.PutUint64(m.Bytes(ts+8, 8), 1e9)
	fails(t, p, errno.EINVAL, sys.SYS___pselect50, nd, rd, 0, 0, ts, 0)
	// A select with no timeout sleeps until a write, or the halt.
	ok(t, p, sys.SYS_read, r, m.Alloc(1), 1)
	rd = fdSet(m, 1, r)
	done := make(chan int64)
	go func() {
		n, _ := p.Call(sys.SYS___select50, nd, rd, 0, 0, 0)
		done <- n
	}()
	time.Sleep(10 * time.Millisecond)
	k.InitProc().Write(int(w), []byte("y"))
	select {
	case n := <-done:
		if n != 1 || !isSet(m, rd, r) {
			t.Errorf("woken select = %d", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("select not woken by a write")
	}
	go func() {
		_, e := p.Call(sys.SYS___select50, 0, 0, 0, 0, 0)
		done <- int64(e)
	}()
	time.Sleep(10 * time.Millisecond)
	k.Halt()
	select {
	case e := <-done:
		if errno.Errno(e) != errno.EINTR {
			t.Errorf("select at halt: %v, want EINTR", errno.Errno(e))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("select not ended by the halt")
	}
}

// TestFIFO opens a FIFO made with mkfifo from both sides and moves data
// through it.
func TestFIFO(t *testing.T) {
	_, _, p := boot(t)
	m := p.Mem
	path := m.Str("/tmp/fifo")
	ok(t, p, sys.SYS_mkfifo, path, 0o644)
	fails(t, p, errno.ENXIO, sys.SYS_open, path, kern.O_WRONLY|kern.O_NONBLOCK, 0)
	r := ok(t, p, sys.SYS_open, path, kern.O_RDONLY|kern.O_NONBLOCK, 0)
	w := ok(t, p, sys.SYS_open, path, kern.O_WRONLY, 0)
	fails(t, p, errno.EAGAIN, sys.SYS_read, uint64(r), m.Alloc(1), 1)
	ok(t, p, sys.SYS_write, uint64(w), m.Put([]byte("fifo")), 4)
	cnt := m.Alloc(4)
	ok(t, p, sys.SYS_ioctl, uint64(r), sys.FIONREAD, cnt)
	if n := le.Uint32(m.Bytes(cnt, 4)); n != 4 {
		t.Errorf("FIONREAD = %d", n)
	}
	st := m.Alloc(sys.SizeofStat)
	ok(t, p, sys.SYS___fstat50, uint64(r), st)
	if mode := le.Uint32(m.Bytes(st+8, 4)); mode&kern.S_IFMT != kern.S_IFIFO {
		t.Errorf("fstat mode %#o", mode)
	}
	fails(t, p, errno.ESPIPE, sys.SYS_lseek, uint64(r), 0, 0, 0)
	buf := m.Alloc(8)
	if n := ok(t, p, sys.SYS_read, uint64(r), buf, 8); n != 4 || string(m.Bytes(buf, 4)) != "fifo" {
		t.Errorf("read: %d %q", n, m.Bytes(buf, 4))
	}
	ok(t, p, sys.SYS_close, uint64(w))
	if n := ok(t, p, sys.SYS_read, uint64(r), buf, 8); n != 0 {
		t.Errorf("read after the writer closed: %d", n)
	}
	ok(t, p, sys.SYS_close, uint64(r))
	// A fresh open finds the FIFO empty.
	rw := ok(t, p, sys.SYS_open, path, kern.O_RDWR|kern.O_NONBLOCK, 0)
	fails(t, p, errno.EAGAIN, sys.SYS_read, uint64(rw), buf, 8)
}
