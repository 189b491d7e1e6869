package sys_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
	"github.com/gorump/gorump/sys"
	"github.com/gorump/gorump/sys/systest"
)

// sockaddrIn lays out a struct sockaddr_in for 127.0.0.1:port by hand,
// at netbsd-abi.md's offsets.
func sockaddrIn(port uint16) []byte {
	b := make([]byte, 16)
	b[0] = 16                               // sin_len
	b[1] = socket.AF_INET                   // sin_family
	binary.BigEndian.PutUint16(b[2:], port) // sin_port
	copy(b[4:], []byte{127, 0, 0, 1})       // sin_addr
	return b
}

// sockname returns the port getsockname reports for fd.
func sockname(t *testing.T, p *systest.Proc, fd int64) uint16 {
	t.Helper()
	m := p.Mem
	sa, n := m.Alloc(128), m.Alloc(4)
	le.PutUint32(m.Bytes(n, 4), 128)
	ok(t, p, sys.SYS_getsockname, uint64(fd), sa, n)
	b := m.Bytes(sa, 16)
	if got := le.Uint32(m.Bytes(n, 4)); got != 16 || b[0] != 16 || b[1] != socket.AF_INET {
		t.Fatalf("getsockname: len %d, % x", got, b)
	}
	return binary.BigEndian.Uint16(b[2:])
}

// TestTCP runs socket, bind, listen, connect, accept, sendto, recvfrom,
// sendmsg, recvmsg, poll and shutdown over loopback with binary
// sockaddrs.
func TestTCP(t *testing.T) {
	_, _, p := boot(t)
	m := p.Mem
	ls := ok(t, p, sys.SYS___socket30, socket.AF_INET, socket.SOCK_STREAM, 0)
	one := m.Put([]byte{1, 0, 0, 0})
	ok(t, p, sys.SYS_setsockopt, uint64(ls), socket.SOL_SOCKET, socket.SO_REUSEADDR, one, 4)
	ok(t, p, sys.SYS_bind, uint64(ls), m.Put(sockaddrIn(0)), 16)
	ok(t, p, sys.SYS_listen, uint64(ls), 5)
	port := sockname(t, p, ls)
	if port == 0 {
		t.Fatal("bound to port 0")
	}
	cs := ok(t, p, sys.SYS___socket30, socket.AF_INET, socket.SOCK_STREAM, 0)
	ok(t, p, sys.SYS_connect, uint64(cs), m.Put(sockaddrIn(port)), 16)
	peer, plen := m.Alloc(32), m.Alloc(4)
	le.PutUint32(m.Bytes(plen, 4), 32)
	as := ok(t, p, sys.SYS_accept, uint64(ls), peer, plen)
	if n := le.Uint32(m.Bytes(plen, 4)); n != 16 || binary.BigEndian.Uint16(m.Bytes(peer+2, 2)) != sockname(t, p, cs) {
		t.Errorf("accept peer: len %d, % x", n, m.Bytes(peer, 16))
	}
	// getpeername cut to 8 bytes reports 8.
	le.PutUint32(m.Bytes(plen, 4), 8)
	ok(t, p, sys.SYS_getpeername, uint64(cs), peer, plen)
	if n := le.Uint32(m.Bytes(plen, 4)); n != 8 || binary.BigEndian.Uint16(m.Bytes(peer+2, 2)) != port {
		t.Errorf("getpeername: len %d, % x", n, m.Bytes(peer, 8))
	}
	// sendto on a connected stream, recvfrom reports no address.
	ok(t, p, sys.SYS_sendto, uint64(cs), m.Put([]byte("ping")), 4, 0, 0, 0)
	pfd := m.Alloc(2 * sys.SizeofPollfd)
	pb := m.Bytes(pfd, 16)
	le.PutUint32(pb[0:], uint32(as))
	le.PutUint16(pb[4:], socket.POLLIN)
	le.PutUint32(pb[8:], uint32(cs))
	le.PutUint16(pb[12:], socket.POLLOUT)
	// Delivery through lo0 is asynchronous: wait for the data alone,
	// then see both.
	ok(t, p, sys.SYS_poll, pfd, 1, i(-1))
	if n := ok(t, p, sys.SYS_poll, pfd, 2, 0); n != 2 || le.Uint16(pb[6:]) != socket.POLLIN || le.Uint16(pb[14:]) != socket.POLLOUT {
		t.Errorf("poll = %d, revents %#x %#x", n, le.Uint16(pb[6:]), le.Uint16(pb[14:]))
	}
	buf := m.Alloc(64)
	le.PutUint32(m.Bytes(plen, 4), 32)
	if n := ok(t, p, sys.SYS_recvfrom, uint64(as), buf, 64, 0, peer, plen); n != 4 || string(m.Bytes(buf, 4)) != "ping" {
		t.Errorf("recvfrom = %d %q", n, m.Bytes(buf, 4))
	}
	if n := le.Uint32(m.Bytes(plen, 4)); n != 0 {
		t.Errorf("recvfrom on a stream: fromlen %d", n)
	}
	// Nothing queued: with FIONBIO the read would block, EAGAIN (35).
	nb := m.Put([]byte{1, 0, 0, 0})
	ok(t, p, sys.SYS_ioctl, uint64(as), sys.FIONBIO, nb)
	fails(t, p, errno.EAGAIN, sys.SYS_recvfrom, uint64(as), buf, 64, 0, 0, 0)
	// pollts with a zero timeout finds nothing to read.
	ts := m.Alloc(sys.SizeofTimespec)
	le.PutUint16(pb[12:], 0)
	if n := ok(t, p, sys.SYS___pollts50, pfd, 1, ts, 0); n != 0 {
		t.Errorf("pollts = %d with nothing queued", n)
	}
	// sendmsg from two iovecs, recvmsg into two.
	msg := m.Alloc(sys.SizeofMsghdr)
	iov := m.Alloc(2 * sys.SizeofIovec)
	setIov := func(a, l1, b, l2 uint64) {
		le.PutUint64(m.Bytes(iov, 8), a)
		le.PutUint64(m.Bytes(iov+8, 8), l1)
		le.PutUint64(m.Bytes(iov+16, 8), b)
		le.PutUint64(m.Bytes(iov+24, 8), l2)
		mb := m.Bytes(msg, sys.SizeofMsghdr)
		clear(mb)
		le.PutUint64(mb[16:], iov) // msg_iov
		le.PutUint32(mb[24:], 2)   // msg_iovlen
	}
	setIov(m.Put([]byte("hello ")), 6, m.Put([]byte("world")), 5)
	if n := ok(t, p, sys.SYS_sendmsg, uint64(cs), msg, 0); n != 11 {
		t.Errorf("sendmsg = %d", n)
	}
	ok(t, p, sys.SYS_ioctl, uint64(as), sys.FIONBIO, m.Put([]byte{0, 0, 0, 0}))
	le.PutUint16(pb[4:], socket.POLLIN|socket.POLLRDNORM)
	ok(t, p, sys.SYS_poll, pfd, 1, i(-1))
	if ev := le.Uint16(pb[6:]); ev != socket.POLLIN|socket.POLLRDNORM {
		t.Errorf("revents %#x", ev)
	}
	q := m.Alloc(4)
	ok(t, p, sys.SYS_ioctl, uint64(as), sys.FIONREAD, q)
	if n := le.Uint32(m.Bytes(q, 4)); n != 11 {
		t.Errorf("FIONREAD = %d", n)
	}
	r1, r2 := m.Alloc(3), m.Alloc(16)
	setIov(r1, 3, r2, 16)
	le.PutUint32(m.Bytes(msg+44, 4), 0xffff) // msg_flags: overwritten
	if n := ok(t, p, sys.SYS_recvmsg, uint64(as), msg, 0); n != 11 {
		t.Errorf("recvmsg = %d", n)
	}
	if got := string(m.Bytes(r1, 3)) + string(m.Bytes(r2, 8)); got != "hello world" {
		t.Errorf("recvmsg read %q", got)
	}
	if fl := le.Uint32(m.Bytes(msg+44, 4)); fl != 0 {
		t.Errorf("msg_flags %#x", fl)
	}
	// Options: SO_TYPE as an int, SO_RCVTIMEO as a timeval.
	ov, ol := m.Alloc(16), m.Alloc(4)
	le.PutUint32(m.Bytes(ol, 4), 4)
	ok(t, p, sys.SYS_getsockopt, uint64(as), socket.SOL_SOCKET, socket.SO_TYPE, ov, ol)
	if v := le.Uint32(m.Bytes(ov, 4)); v != socket.SOCK_STREAM {
		t.Errorf("SO_TYPE = %d", v)
	}
	tv := m.Alloc(sys.SizeofTimeval)
	le.PutUint64(m.Bytes(tv, 8), 2)
	le.PutUint32(m.Bytes(tv+8, 4), 500000)
	ok(t, p, sys.SYS_setsockopt, uint64(as), socket.SOL_SOCKET, socket.SO_RCVTIMEO, tv, sys.SizeofTimeval)
	le.PutUint32(m.Bytes(ol, 4), 16)
	ok(t, p, sys.SYS_getsockopt, uint64(as), socket.SOL_SOCKET, socket.SO_RCVTIMEO, ov, ol)
	if sec, usec := le.Uint64(m.Bytes(ov, 8)), le.Uint32(m.Bytes(ov+8, 4)); sec != 2 || usec != 500000 {
		t.Errorf("SO_RCVTIMEO = %d.%06d", sec, usec)
	}
	fails(t, p, errno.EINVAL, sys.SYS_setsockopt, uint64(as), socket.SOL_SOCKET, socket.SO_REUSEADDR, one, 2)
	// shutdown: the peer reads the end.
	ok(t, p, sys.SYS_shutdown, uint64(cs), 1)
	if n := ok(t, p, sys.SYS_read, uint64(as), buf, 64); n != 0 {
		t.Errorf("read after shutdown = %d", n)
	}
	file := ok(t, p, sys.SYS_open, m.Str("/tmp"), 0, 0)
	fails(t, p, errno.ENOTSOCK, sys.SYS_listen, uint64(file), 1)
	for _, fd := range []int64{as, cs, ls} {
		ok(t, p, sys.SYS_close, uint64(fd))
	}
}

// TestUDP sends datagrams with sendto and reads their senders with
// recvfrom, and paccepts nothing.
func TestUDP(t *testing.T) {
	_, _, p := boot(t)
	m := p.Mem
	a := ok(t, p, sys.SYS___socket30, socket.AF_INET, socket.SOCK_DGRAM, 0)
	b := ok(t, p, sys.SYS___socket30, socket.AF_INET, socket.SOCK_DGRAM|socket.SOCK_NONBLOCK, 0)
	ok(t, p, sys.SYS_bind, uint64(a), m.Put(sockaddrIn(0)), 16)
	ok(t, p, sys.SYS_bind, uint64(b), m.Put(sockaddrIn(0)), 16)
	pa, pb := sockname(t, p, a), sockname(t, p, b)
	buf, from, flen := m.Alloc(64), m.Alloc(16), m.Alloc(4)
	fails(t, p, errno.EAGAIN, sys.SYS_recvfrom, uint64(b), buf, 64, 0, 0, 0)
	ok(t, p, sys.SYS_sendto, uint64(a), m.Put([]byte("dgram")), 5, 0, m.Put(sockaddrIn(pb)), 16)
	pfd := m.Alloc(sys.SizeofPollfd)
	le.PutUint32(m.Bytes(pfd, 4), uint32(b))
	le.PutUint16(m.Bytes(pfd+4, 2), socket.POLLIN)
	if n := ok(t, p, sys.SYS_poll, pfd, 1, i(-1)); n != 1 {
		t.Errorf("poll = %d", n)
	}
	le.PutUint32(m.Bytes(flen, 4), 16)
	if n := ok(t, p, sys.SYS_recvfrom, uint64(b), buf, 64, 0, from, flen); n != 5 || string(m.Bytes(buf, 5)) != "dgram" {
		t.Errorf("recvfrom = %d %q", n, m.Bytes(buf, 5))
	}
	if !bytes.Equal(m.Bytes(from, 16), sockaddrIn(pa)) || le.Uint32(m.Bytes(flen, 4)) != 16 {
		t.Errorf("from % x len %d, want % x", m.Bytes(from, 16), le.Uint32(m.Bytes(flen, 4)), sockaddrIn(pa))
	}
	// A datagram longer than the buffer: MSG_TRUNC in recvmsg's flags.
	ok(t, p, sys.SYS_sendto, uint64(a), m.Put([]byte("0123456789")), 10, 0, m.Put(sockaddrIn(pb)), 16)
	ok(t, p, sys.SYS_poll, pfd, 1, i(-1))
	msg, iov := m.Alloc(sys.SizeofMsghdr), m.Alloc(sys.SizeofIovec)
	le.PutUint64(m.Bytes(iov, 8), buf)
	le.PutUint64(m.Bytes(iov+8, 8), 4)
	mb := m.Bytes(msg, sys.SizeofMsghdr)
	le.PutUint64(mb[0:], from)
	le.PutUint32(mb[8:], 16)
	le.PutUint64(mb[16:], iov)
	le.PutUint32(mb[24:], 1)
	if n := ok(t, p, sys.SYS_recvmsg, uint64(b), msg, 0); n != 4 {
		t.Errorf("recvmsg = %d", n)
	}
	if fl, nl := le.Uint32(mb[44:]), le.Uint32(mb[8:]); fl&socket.MSG_TRUNC == 0 || nl != 16 {
		t.Errorf("recvmsg: msg_flags %#x msg_namelen %d", fl, nl)
	}
	// An empty datagram from no iovecs; too many iovecs.
	le.PutUint64(mb[0:], m.Put(sockaddrIn(pb)))
	le.PutUint32(mb[24:], 0)
	if n := ok(t, p, sys.SYS_sendmsg, uint64(a), msg, 0); n != 0 {
		t.Errorf("empty sendmsg = %d", n)
	}
	ok(t, p, sys.SYS_poll, pfd, 1, i(-1))
	if n := ok(t, p, sys.SYS_recvfrom, uint64(b), buf, 64, 0, 0, 0); n != 0 {
		t.Errorf("empty datagram read as %d bytes", n)
	}
	le.PutUint32(mb[24:], 2000)
	fails(t, p, errno.EMSGSIZE, sys.SYS_sendmsg, uint64(a), msg, 0)
	le.PutUint32(mb[24:], 1)
	le.PutUint32(mb[40:], 12) // msg_controllen
	fails(t, p, errno.EOPNOTSUPP, sys.SYS_sendmsg, uint64(a), msg, 0)
	fails(t, p, errno.EINVAL, sys.SYS_bind, uint64(a), m.Put(sockaddrIn(0)), 1)
	fails(t, p, errno.EINVAL, sys.SYS_poll, pfd, 1, i(-5))
	fails(t, p, errno.EFAULT, sys.SYS_poll, 0, 1, 0)
	if n := ok(t, p, sys.SYS_poll, 0, 0, 0); n != 0 {
		t.Errorf("poll of nothing = %d", n)
	}
}

// TestPaccept takes a connection with flags.
func TestPaccept(t *testing.T) {
	_, _, p := boot(t)
	m := p.Mem
	ls := ok(t, p, sys.SYS___socket30, socket.AF_INET, socket.SOCK_STREAM, 0)
	ok(t, p, sys.SYS_bind, uint64(ls), m.Put(sockaddrIn(0)), 16)
	ok(t, p, sys.SYS_listen, uint64(ls), 1)
	cs := ok(t, p, sys.SYS___socket30, socket.AF_INET, socket.SOCK_STREAM, 0)
	ok(t, p, sys.SYS_connect, uint64(cs), m.Put(sockaddrIn(sockname(t, p, ls))), 16)
	fd := ok(t, p, sys.SYS_paccept, uint64(ls), 0, 0, 0, socket.SOCK_NONBLOCK)
	buf := m.Alloc(8)
	fails(t, p, errno.EAGAIN, sys.SYS_read, uint64(fd), buf, 8)
	fails(t, p, errno.EINVAL, sys.SYS_paccept, uint64(ls), 0, 0, 0, 0x1)
	fails(t, p, errno.EINVAL, sys.SYS_paccept, uint64(ls), 0, 0, 0, i(-1))
}
