package sys_test

import (
	"testing"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
	"github.com/gorump/gorump/sys"
	"github.com/gorump/gorump/sys/systest"
)

// mmsgVec lays out n struct mmsghdrs, each with one iovec of size bytes
// (its buffer filled from data[i] when given) and, when named, a
// sockaddr of nameLen bytes; it returns the vector's address.
func mmsgVec(m *systest.Mem, n, size int, data []string, name []byte, nameLen int) uint64 {
	vec := m.Alloc(n * sys.SizeofMmsghdr)
	for i := range n {
		h := vec + uint64(i*sys.SizeofMmsghdr)
		buf := m.Alloc(size)
		if i < len(data) {
			copy(m.Bytes(buf, size), data[i])
		}
		iov := m.Alloc(sys.SizeofIovec)
		le.PutUint64(m.Bytes(iov, 8), buf)
		le.PutUint64(m.Bytes(iov+8, 8), uint64(size))
		if i < len(data) {
			le.PutUint64(m.Bytes(iov+8, 8), uint64(len(data[i])))
		}
		b := m.Bytes(h, sys.SizeofMmsghdr)
		if name != nil || nameLen > 0 {
			sa := m.Alloc(max(nameLen, len(name)))
			copy(m.Bytes(sa, len(name)), name)
			le.PutUint64(b[0:], sa)
			le.PutUint32(b[8:], uint32(max(nameLen, len(name))))
		}
		le.PutUint64(b[16:], iov)
		le.PutUint32(b[24:], 1)
	}
	return vec
}

// msgLen returns msg_len of mmsghdr i of vec.
func msgLen(m *systest.Mem, vec uint64, i int) uint32 {
	return le.Uint32(m.Bytes(vec+uint64(i*sys.SizeofMmsghdr)+48, 4))
}

// msgBuf returns the n bytes the iovec of mmsghdr i points at.
func msgBuf(m *systest.Mem, vec uint64, i, n int) string {
	iov := le.Uint64(m.Bytes(vec+uint64(i*sys.SizeofMmsghdr)+16, 8))
	return string(m.Bytes(le.Uint64(m.Bytes(iov, 8)), n))
}

func TestMmsg(t *testing.T) {
	_, _, p := boot(t)
	m := p.Mem
	rs := ok(t, p, sys.SYS___socket30, socket.AF_INET, socket.SOCK_DGRAM, 0)
	ok(t, p, sys.SYS_bind, uint64(rs), m.Put(sockaddrIn(0)), 16)
	port := sockname(t, p, rs)
	ss := ok(t, p, sys.SYS___socket30, socket.AF_INET, socket.SOCK_DGRAM, 0)
	msgs := []string{"one", "two!", "three"}
	out := mmsgVec(m, 3, 16, msgs, sockaddrIn(port), 0)
	if n := ok(t, p, sys.SYS_sendmmsg, uint64(ss), out, 3, 0); n != 3 {
		t.Fatalf("sendmmsg = %d, want 3", n)
	}
	for i, s := range msgs {
		if got := msgLen(m, out, i); got != uint32(len(s)) {
			t.Errorf("sent msg_len[%d] = %d, want %d", i, got, len(s))
		}
	}
	// Wait for all three to arrive through lo0, then take them in one
	// call that asks for up to 8 and waits for the first only.
	pfd := m.Alloc(sys.SizeofPollfd)
	le.PutUint32(m.Bytes(pfd, 4), uint32(rs))
	le.PutUint16(m.Bytes(pfd+4, 2), socket.POLLIN)
	q := m.Alloc(4)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		ok(t, p, sys.SYS_poll, pfd, 1, i(-1))
		ok(t, p, sys.SYS_ioctl, uint64(rs), sys.FIONREAD, q)
		if le.Uint32(m.Bytes(q, 4)) == 12 || time.Now().After(deadline) {
			break
		}
	}
	in := mmsgVec(m, 8, 16, nil, nil, 32)
	if n := ok(t, p, sys.SYS_recvmmsg, uint64(rs), in, 8, sys.MSG_WAITFORONE, 0); n != 3 {
		t.Fatalf("recvmmsg = %d, want 3", n)
	}
	for i, s := range msgs {
		if got := msgLen(m, in, i); got != uint32(len(s)) || msgBuf(m, in, i, len(s)) != s {
			t.Errorf("received[%d]: msg_len %d, %q; want %q", i, got, msgBuf(m, in, i, int(got)), s)
		}
		h := m.Bytes(in+uint64(i*sys.SizeofMmsghdr), sys.SizeofMmsghdr)
		if namelen := le.Uint32(h[8:]); namelen != 16 {
			t.Errorf("received[%d]: msg_namelen %d, want 16", i, namelen)
		}
	}
	// Nothing left: a nonblocking recvmmsg fails when its first receive
	// would wait; vlen 0 receives nothing.
	fails(t, p, errno.EAGAIN, sys.SYS_recvmmsg, uint64(rs), in, 8, socket.MSG_DONTWAIT, 0)
	if n := ok(t, p, sys.SYS_recvmmsg, uint64(rs), in, 0, 0, 0); n != 0 {
		t.Errorf("recvmmsg of 0 messages = %d", n)
	}
	// A failure after the first message ends the call without an error:
	// the second mmsghdr lies past the end of memory.
	one := mmsgVec(m, 1, 16, []string{"ok"}, sockaddrIn(port), 0)
	bad := m.Base + uint64(len(m.Buf)) - sys.SizeofMmsghdr
	copy(m.Bytes(bad, sys.SizeofMmsghdr), m.Bytes(one, sys.SizeofMmsghdr))
	if n := ok(t, p, sys.SYS_sendmmsg, uint64(ss), bad, 2, 0); n != 1 {
		t.Errorf("sendmmsg with a bad second message = %d, want 1", n)
	}
	fails(t, p, errno.EFAULT, sys.SYS_sendmmsg, uint64(ss), 8, 2, 0)
	// The descriptor is checked first: a pipe is not a socket.
	r, _ := pipe(t, p)
	fails(t, p, errno.ENOTSOCK, sys.SYS_sendmmsg, r, out, 0, 0)
	fails(t, p, errno.ENOTSOCK, sys.SYS_recvmmsg, r, in, 0, 0, 0)
	fails(t, p, errno.EBADF, sys.SYS_recvmmsg, 99, in, 1, 0, 0)
	fails(t, p, errno.EFAULT, sys.SYS_recvmmsg, uint64(rs), in, 1, 0, 8)
}
