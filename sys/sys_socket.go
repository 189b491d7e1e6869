package sys

import (
	"math"
	"net/netip"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
)

// The socket syscalls of net/socket. Addresses cross as NetBSD's binary
// sockaddrs (socket.ParseSockaddr, socket.AppendSockaddr).

// maxSockaddr is the longest sockaddr a call takes in (sa_len is a byte).
const maxSockaddr = 255

// maxPollFds bounds poll's nfds.
const maxPollFds = 1 << 16

// sockaddrIn reads the namelen-byte sockaddr at addr.
func (c *call) sockaddrIn(addr uint64, namelen uint32) (netip.AddrPort, error) {
	if namelen > maxSockaddr || namelen < 2 {
		return netip.AddrPort{}, errno.EINVAL
	}
	b := make([]byte, namelen)
	if err := copyIn(c.as, addr, b); err != nil {
		return netip.AddrPort{}, err
	}
	return socket.ParseSockaddr(b)
}

// readLen reads the socklen_t at addr.
func (c *call) readLen(addr uint64) (uint32, error) {
	var b [4]byte
	if err := copyIn(c.as, addr, b[:]); err != nil {
		return 0, err
	}
	return c.abi.order.Uint32(b[:]), nil
}

func (c *call) writeLen(addr uint64, n uint32) error {
	var b [4]byte
	c.abi.order.PutUint32(b[:], n)
	return copyOut(c.as, addr, b[:])
}

// sockaddrOut writes ap as a sockaddr to addr, cut to the socklen_t at
// lenAddr, and stores the length written there, as NetBSD's
// copyout_sockname. A NULL addr writes nothing.
func (c *call) sockaddrOut(addr, lenAddr uint64, ap netip.AddrPort) error {
	if addr == 0 {
		return nil
	}
	n, err := c.readLen(lenAddr)
	if err != nil {
		return err
	}
	if int32(n) < 0 {
		return errno.EINVAL
	}
	var buf [socket.SizeofSockaddrIn6]byte
	sa := socket.AppendSockaddr(buf[:0], ap)
	n = min(n, uint32(len(sa)))
	if err := copyOut(c.as, addr, sa[:n]); err != nil {
		return err
	}
	return c.writeLen(lenAddr, n)
}

func sysSocket(c *call) (int64, error) {
	fd, err := socket.Open(c.l, c.int(0), c.int(1), c.int(2))
	return int64(fd), err
}

func sysBind(c *call) (int64, error) {
	ap, err := c.sockaddrIn(c.ptr(1), c.uint(2))
	if err != nil {
		return 0, err
	}
	return 0, socket.Bind(c.l, c.int(0), ap)
}

func sysConnect(c *call) (int64, error) {
	ap, err := c.sockaddrIn(c.ptr(1), c.uint(2))
	if err != nil {
		return 0, err
	}
	return 0, socket.Connect(c.l, c.int(0), ap)
}

func sysListen(c *call) (int64, error) { return 0, socket.Listen(c.l, c.int(0), c.int(1)) }

func sysShutdown(c *call) (int64, error) { return 0, socket.Shutdown(c.l, c.int(0), c.int(1)) }

// accept: s, name, anamelen. paccept adds mask (ignored: gorump has no
// signals) and flags.
func (c *call) accept(withFlags bool, flags int) (int64, error) {
	name, lenAddr := c.ptr(1), c.ptr(2)
	if name != 0 {
		// Fail before taking a connection, as NetBSD checks anamelen
		// first.
		if _, err := c.readLen(lenAddr); err != nil {
			return 0, err
		}
	}
	var fd int
	var peer netip.AddrPort
	var err error
	if !withFlags {
		fd, peer, err = socket.Accept(c.l, c.int(0))
	} else {
		fd, peer, err = socket.Accept4(c.l, c.int(0), flags)
	}
	if err != nil {
		return 0, err
	}
	if err := c.sockaddrOut(name, lenAddr, peer); err != nil {
		c.l.Close(fd) //nolint:errcheck // the fault is the error to report
		return 0, err
	}
	return int64(fd), nil
}

func sysAccept(c *call) (int64, error)  { return c.accept(false, 0) }
func sysPaccept(c *call) (int64, error) { return c.accept(true, c.int(4)) }

// sockType returns SO_TYPE of the socket at fd.
func (c *call) sockType(fd int) (int, error) {
	return socket.GetSockOpt(c.l, fd, socket.SOL_SOCKET, socket.SO_TYPE)
}

// sendto: s, buf, len, flags, to, tolen.
func sysSendto(c *call) (int64, error) {
	fd, buf, n, flags := c.int(0), c.ptr(1), c.ptr(2), c.int(3)
	var to netip.AddrPort
	if addr := c.ptr(4); addr != 0 {
		var err error
		if to, err = c.sockaddrIn(addr, c.uint(5)); err != nil {
			return 0, err
		}
	}
	if n > maxIO {
		// A datagram goes in one piece or not at all.
		typ, err := c.sockType(fd)
		if err != nil {
			return 0, err
		}
		if typ != socket.SOCK_STREAM {
			return 0, errno.EMSGSIZE
		}
	}
	return c.writeIn(buf, n, func(p []byte, _ int64) (int, error) {
		return socket.SendTo(c.l, fd, p, flags, to)
	})
}

// recvfrom: s, buf, len, flags, from, fromlenaddr. A stream socket
// reports no address (*fromlenaddr 0), as NetBSD's TCP.
func sysRecvfrom(c *call) (int64, error) {
	fd, flags, from, lenAddr := c.int(0), c.int(3), c.ptr(4), c.ptr(5)
	if from != 0 {
		if _, err := c.readLen(lenAddr); err != nil {
			return 0, err
		}
	}
	var peer netip.AddrPort
	n, err := c.readOut(c.ptr(1), c.ptr(2), func(p []byte) (int, error) {
		n, ap, err := socket.RecvFrom(c.l, fd, p, flags)
		peer = ap
		return n, err
	})
	if err != nil || from == 0 {
		return n, err
	}
	return n, c.nameOut(fd, from, lenAddr, peer)
}

// nameOut reports a received datagram's sender; stream sockets report
// none.
func (c *call) nameOut(fd int, addr, lenAddr uint64, peer netip.AddrPort) error {
	typ, err := c.sockType(fd)
	if err != nil {
		return err
	}
	if typ == socket.SOCK_STREAM {
		return c.writeLen(lenAddr, 0)
	}
	return c.sockaddrOut(addr, lenAddr, peer)
}

// sendmsg: s, msg, flags. Control messages are not supported
// (EOPNOTSUPP when msg_controllen is not 0).
func sysSendmsg(c *call) (int64, error) { return c.sendmsg(c.int(0), c.ptr(1), c.int(2)) }

// sendmsg sends the message whose msghdr is at maddr.
func (c *call) sendmsg(fd int, maddr uint64, flags int) (int64, error) {
	var b [SizeofMsghdr]byte
	if err := copyIn(c.as, maddr, b[:]); err != nil {
		return 0, err
	}
	m := c.abi.msghdr(b[:])
	if m.controllen != 0 {
		return 0, errno.EOPNOTSUPP
	}
	var to netip.AddrPort
	if m.name != 0 {
		var err error
		if to, err = c.sockaddrIn(m.name, m.namelen); err != nil {
			return 0, err
		}
	}
	iov, total, err := c.msgIovecs(m.iov, m.iovlen)
	if err != nil {
		return 0, err
	}
	if total > maxIO {
		typ, err := c.sockType(fd)
		if err != nil {
			return 0, err
		}
		if typ != socket.SOCK_STREAM {
			return 0, errno.EMSGSIZE
		}
	}
	return c.writev(iov, total, func(p []byte, _ int64) (int, error) {
		return socket.SendTo(c.l, fd, p, flags, to)
	})
}

// recvmsg: s, msg, flags. It sets msg_namelen, msg_flags (MSG_TRUNC)
// and msg_controllen (0: no control messages).
func sysRecvmsg(c *call) (int64, error) {
	n, _, err := c.recvmsg(c.int(0), c.ptr(1), c.int(2))
	return n, err
}

// recvmsg receives a message into the msghdr at maddr and updates it;
// it also returns the message's flags (msg_flags).
func (c *call) recvmsg(fd int, maddr uint64, flags int) (int64, int, error) {
	var b [SizeofMsghdr]byte
	if err := copyIn(c.as, maddr, b[:]); err != nil {
		return 0, 0, err
	}
	m := c.abi.msghdr(b[:])
	iov, total, err := c.msgIovecs(m.iov, m.iovlen)
	if err != nil {
		return 0, 0, err
	}
	var peer netip.AddrPort
	var outFlags int
	n, err := c.readv(iov, total, func(p []byte) (int, error) {
		n, ap, of, err := socket.RecvMsg(c.l, fd, [][]byte{p}, flags)
		peer, outFlags = ap, of
		return n, err
	})
	if err != nil {
		return 0, 0, err
	}
	namelen := uint32(0)
	if m.name != 0 {
		typ, err := c.sockType(fd)
		if err != nil {
			return 0, 0, err
		}
		if typ != socket.SOCK_STREAM {
			var buf [socket.SizeofSockaddrIn6]byte
			sa := socket.AppendSockaddr(buf[:0], peer)
			namelen = min(m.namelen, uint32(len(sa)))
			if err := copyOut(c.as, m.name, sa[:namelen]); err != nil {
				return 0, 0, err
			}
		}
	}
	o := c.abi.order
	o.PutUint32(b[offMsgNamelen:], namelen)
	o.PutUint32(b[offMsgControllen:], 0)
	o.PutUint32(b[offMsgFlags:], uint32(outFlags))
	return n, outFlags, copyOut(c.as, maddr, b[:])
}

// getsockopt: s, level, name, val, avalsize. SO_LINGER is a struct
// linger, SO_RCVTIMEO and SO_SNDTIMEO a struct timeval, the rest ints.
func sysGetsockopt(c *call) (int64, error) {
	fd, level, name, val, lenAddr := c.int(0), c.int(1), c.int(2), c.ptr(3), c.ptr(4)
	var size uint32
	if val != 0 {
		var err error
		if size, err = c.readLen(lenAddr); err != nil {
			return 0, err
		}
	}
	var out []byte
	o := c.abi.order
	switch {
	case level == socket.SOL_SOCKET && name == socket.SO_LINGER:
		lg, err := socket.GetSockOptLinger(c.l, fd)
		if err != nil {
			return 0, err
		}
		out = make([]byte, SizeofLinger)
		on := uint32(0)
		if lg.On {
			on = 1
		}
		o.PutUint32(out[0:], on)
		o.PutUint32(out[4:], uint32(lg.Sec))
	case level == socket.SOL_SOCKET && (name == socket.SO_RCVTIMEO || name == socket.SO_SNDTIMEO):
		d, err := socket.GetSockOptTimeval(c.l, fd, name)
		if err != nil {
			return 0, err
		}
		out = make([]byte, SizeofTimeval)
		c.abi.PutTimeval(out, int64(d/time.Second), int32(d%time.Second/time.Microsecond))
	default:
		v, err := socket.GetSockOpt(c.l, fd, level, name)
		if err != nil {
			return 0, err
		}
		out = o.AppendUint32(nil, uint32(v))
	}
	if val == 0 {
		return 0, nil
	}
	n := min(size, uint32(len(out)))
	if err := copyOut(c.as, val, out[:n]); err != nil {
		return 0, err
	}
	return 0, c.writeLen(lenAddr, n)
}

// setsockopt: s, level, name, val, valsize.
func sysSetsockopt(c *call) (int64, error) {
	fd, level, name, val, size := c.int(0), c.int(1), c.int(2), c.ptr(3), c.uint(4)
	need := uint32(4)
	switch {
	case level == socket.SOL_SOCKET && name == socket.SO_LINGER:
		need = SizeofLinger
	case level == socket.SOL_SOCKET && (name == socket.SO_RCVTIMEO || name == socket.SO_SNDTIMEO):
		need = SizeofTimeval
	}
	if size < need {
		return 0, errno.EINVAL
	}
	b := make([]byte, need)
	if err := copyIn(c.as, val, b); err != nil {
		return 0, err
	}
	o := c.abi.order
	switch need {
	case SizeofLinger:
		return 0, socket.SetSockOptLinger(c.l, fd, socket.Linger{On: o.Uint32(b) != 0, Sec: int(int32(o.Uint32(b[4:])))})
	case SizeofTimeval:
		sec, usec := c.abi.Timeval(b)
		if sec < 0 || usec < 0 || usec >= 1000000 || sec > math.MaxInt64/int64(time.Second)-1 {
			return 0, errno.EDOM
		}
		d := time.Duration(sec)*time.Second + time.Duration(usec)*time.Microsecond
		return 0, socket.SetSockOptTimeval(c.l, fd, name, d)
	}
	return 0, socket.SetSockOpt(c.l, fd, level, name, int(int32(o.Uint32(b))))
}

func sysGetsockname(c *call) (int64, error) {
	ap, err := socket.GetSockName(c.l, c.int(0))
	if err != nil {
		return 0, err
	}
	if c.ptr(1) == 0 {
		return 0, errno.EFAULT
	}
	return 0, c.sockaddrOut(c.ptr(1), c.ptr(2), ap)
}

func sysGetpeername(c *call) (int64, error) {
	ap, err := socket.GetPeerName(c.l, c.int(0))
	if err != nil {
		return 0, err
	}
	if c.ptr(1) == 0 {
		return 0, errno.EFAULT
	}
	return 0, c.sockaddrOut(c.ptr(1), c.ptr(2), ap)
}

// poll runs kern.Poll on the nfds struct pollfds at addr and writes
// their revents back.
func (c *call) poll(addr uint64, nfds uint32, timeout time.Duration) (int64, error) {
	if nfds > maxPollFds {
		return 0, errno.EINVAL
	}
	raw := make([]byte, nfds*SizeofPollfd)
	if err := copyIn(c.as, addr, raw); err != nil {
		return 0, err
	}
	o := c.abi.order
	fds := make([]kern.PollFd, nfds)
	for i := range fds {
		r := raw[i*SizeofPollfd:]
		fds[i] = kern.PollFd{Fd: int(int32(o.Uint32(r[offPollFd:]))), Events: int16(o.Uint16(r[offPollEvents:]))}
	}
	n, err := kern.Poll(c.l, fds, timeout)
	if err != nil {
		return 0, err
	}
	for i := range fds {
		o.PutUint16(raw[i*SizeofPollfd+offPollRevents:], uint16(fds[i].Revents))
	}
	return int64(n), copyOut(c.as, addr, raw)
}

// poll: fds, nfds, timeout (milliseconds; INFTIM -1 waits for ever,
// other negative values are EINVAL).
func sysPoll(c *call) (int64, error) {
	ms := c.int(2)
	timeout := time.Duration(ms) * time.Millisecond
	switch {
	case ms == -1:
		timeout = -1
	case ms < 0:
		return 0, errno.EINVAL
	}
	return c.poll(c.ptr(0), c.uint(1), timeout)
}

// pollts: fds, nfds, ts, mask. A NULL ts waits for ever; mask is ignored
// (gorump delivers no signals).
func sysPollts(c *call) (int64, error) {
	timeout := time.Duration(-1)
	if addr := c.ptr(2); addr != 0 {
		var b [SizeofTimespec]byte
		if err := copyIn(c.as, addr, b[:]); err != nil {
			return 0, err
		}
		ts := c.abi.Timespec(b[:])
		if ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1e9 {
			return 0, errno.EINVAL
		}
		if ts.Sec > math.MaxInt64/int64(time.Second)-1 {
			ts.Sec = math.MaxInt64/int64(time.Second) - 1
		}
		timeout = time.Duration(ts.Sec)*time.Second + time.Duration(ts.Nsec)
	}
	return c.poll(c.ptr(0), c.uint(1), timeout)
}
