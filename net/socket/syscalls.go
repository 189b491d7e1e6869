package socket

import (
	"net/netip"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// The socket syscalls. Each takes the calling LWP and descriptors of its
// process, and returns kern/errno values: EBADF for a bad descriptor,
// ENOTSOCK for a descriptor that is not a socket. A call blocks unless the
// descriptor has O_NONBLOCK (fcntl F_SETFL, FIONBIO, SOCK_NONBLOCK) or the
// call has MSG_DONTWAIT.

// Open is socket(2): it makes a socket and returns its descriptor. typ may carry
// SOCK_NONBLOCK, SOCK_CLOEXEC and SOCK_NOSIGPIPE.
func Open(l *kern.LWP, family, typ, proto int) (int, error) {
	flags := typ & sockFlags
	typ &^= sockFlags
	if typ&^0xff != 0 {
		return -1, errno.EINVAL
	}
	s, err := New(l, family, typ, proto)
	if err != nil {
		return -1, err
	}
	if flags&SOCK_NOSIGPIPE != 0 {
		s.nosigpipe.Store(true)
	}
	return Install(l, s, flags&SOCK_NONBLOCK != 0, flags&SOCK_CLOEXEC != 0)
}

// Bind sets the local address of the socket at fd.
func Bind(l *kern.LWP, fd int, addr netip.AddrPort) error {
	s, f, err := getSock(l, fd)
	if err != nil {
		return err
	}
	defer f.Release(l)
	return s.Bind(addr)
}

// Listen makes the stream socket at fd accept connections.
func Listen(l *kern.LWP, fd, backlog int) error {
	s, f, err := getSock(l, fd)
	if err != nil {
		return err
	}
	defer f.Release(l)
	return s.Listen(backlog)
}

// Accept takes a connection from the listening socket at fd and returns
// its descriptor and the peer's address. As on BSD, the new descriptor
// inherits O_NONBLOCK from the listening one.
func Accept(l *kern.LWP, fd int) (int, netip.AddrPort, error) {
	return accept(l, fd, -1)
}

// Accept4 is Accept with flags (SOCK_NONBLOCK, SOCK_CLOEXEC,
// SOCK_NOSIGPIPE) for the new descriptor, as NetBSD's paccept.
func Accept4(l *kern.LWP, fd, flags int) (int, netip.AddrPort, error) {
	if flags&^sockFlags != 0 {
		return -1, netip.AddrPort{}, errno.EINVAL
	}
	return accept(l, fd, flags)
}

func accept(l *kern.LWP, fd, flags int) (int, netip.AddrPort, error) {
	s, f, err := getSock(l, fd)
	if err != nil {
		return -1, netip.AddrPort{}, err
	}
	defer f.Release(l)
	nonblock := f.Flags()&kern.O_NONBLOCK != 0
	c, err := s.Accept(nonblock)
	if err != nil {
		return -1, netip.AddrPort{}, err
	}
	peer, _ := c.RemoteAddr()
	cloexec := false
	if flags >= 0 {
		nonblock = flags&SOCK_NONBLOCK != 0
		cloexec = flags&SOCK_CLOEXEC != 0
		if flags&SOCK_NOSIGPIPE != 0 {
			c.nosigpipe.Store(true)
		}
	}
	nfd, err := Install(l, c, nonblock, cloexec)
	if err != nil {
		return -1, netip.AddrPort{}, err
	}
	return nfd, peer, nil
}

// Connect connects the socket at fd to addr: see Socket.Connect.
func Connect(l *kern.LWP, fd int, addr netip.AddrPort) error {
	s, f, err := getSock(l, fd)
	if err != nil {
		return err
	}
	defer f.Release(l)
	return s.Connect(addr, f.Flags()&kern.O_NONBLOCK != 0)
}

// Send sends p on the connected socket at fd.
func Send(l *kern.LWP, fd int, p []byte, flags int) (int, error) {
	return SendTo(l, fd, p, flags, netip.AddrPort{})
}

// SendTo sends p to to (the zero AddrPort: the connected peer).
func SendTo(l *kern.LWP, fd int, p []byte, flags int, to netip.AddrPort) (int, error) {
	s, f, err := getSock(l, fd)
	if err != nil {
		return 0, err
	}
	defer f.Release(l)
	return s.Send(p, to, flags, f.Flags()&kern.O_NONBLOCK != 0)
}

// SendMsg sends the concatenation of bufs (one datagram on a datagram
// socket) to to.
func SendMsg(l *kern.LWP, fd int, bufs [][]byte, to netip.AddrPort, flags int) (int, error) {
	if len(bufs) == 1 {
		return SendTo(l, fd, bufs[0], flags, to)
	}
	var p []byte
	for _, b := range bufs {
		p = append(p, b...)
	}
	return SendTo(l, fd, p, flags, to)
}

// Recv receives into p from the socket at fd.
func Recv(l *kern.LWP, fd int, p []byte, flags int) (int, error) {
	n, _, _, err := recvFrom(l, fd, p, flags)
	return n, err
}

// RecvFrom receives into p and returns the sender's address (for a
// datagram socket; the peer's for a connected stream).
func RecvFrom(l *kern.LWP, fd int, p []byte, flags int) (int, netip.AddrPort, error) {
	n, from, _, err := recvFrom(l, fd, p, flags)
	return n, from, err
}

func recvFrom(l *kern.LWP, fd int, p []byte, flags int) (int, netip.AddrPort, int, error) {
	s, f, err := getSock(l, fd)
	if err != nil {
		return 0, netip.AddrPort{}, 0, err
	}
	defer f.Release(l)
	return s.Recv(p, flags, f.Flags()&kern.O_NONBLOCK != 0)
}

// RecvMsg receives into bufs in order and returns the count, the sender
// and out-flags (MSG_TRUNC when a datagram did not fit).
func RecvMsg(l *kern.LWP, fd int, bufs [][]byte, flags int) (int, netip.AddrPort, int, error) {
	if len(bufs) == 1 {
		return recvFrom(l, fd, bufs[0], flags)
	}
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	p := make([]byte, total)
	n, from, outFlags, err := recvFrom(l, fd, p, flags)
	rest := p[:n]
	for _, b := range bufs {
		rest = rest[copy(b, rest):]
	}
	return n, from, outFlags, err
}

// Shutdown closes one or both directions of the socket at fd.
func Shutdown(l *kern.LWP, fd, how int) error {
	s, f, err := getSock(l, fd)
	if err != nil {
		return err
	}
	defer f.Release(l)
	return s.Shutdown(how)
}

// GetSockOpt returns an int option of the socket at fd.
func GetSockOpt(l *kern.LWP, fd, level, name int) (int, error) {
	s, f, err := getSock(l, fd)
	if err != nil {
		return 0, err
	}
	defer f.Release(l)
	return s.Option(level, name)
}

// SetSockOpt sets an int option of the socket at fd.
func SetSockOpt(l *kern.LWP, fd, level, name, value int) error {
	s, f, err := getSock(l, fd)
	if err != nil {
		return err
	}
	defer f.Release(l)
	return s.SetOption(level, name, value)
}

// GetSockOptLinger returns SO_LINGER of the socket at fd.
func GetSockOptLinger(l *kern.LWP, fd int) (Linger, error) {
	s, f, err := getSock(l, fd)
	if err != nil {
		return Linger{}, err
	}
	defer f.Release(l)
	return s.Linger(), nil
}

// SetSockOptLinger sets SO_LINGER of the socket at fd.
func SetSockOptLinger(l *kern.LWP, fd int, lg Linger) error {
	s, f, err := getSock(l, fd)
	if err != nil {
		return err
	}
	defer f.Release(l)
	return s.SetLinger(lg)
}

// GetSockOptTimeval returns SO_RCVTIMEO or SO_SNDTIMEO of the socket at
// fd.
func GetSockOptTimeval(l *kern.LWP, fd, name int) (time.Duration, error) {
	s, f, err := getSock(l, fd)
	if err != nil {
		return 0, err
	}
	defer f.Release(l)
	return s.Timeout(name)
}

// SetSockOptTimeval sets SO_RCVTIMEO or SO_SNDTIMEO of the socket at fd.
func SetSockOptTimeval(l *kern.LWP, fd, name int, d time.Duration) error {
	s, f, err := getSock(l, fd)
	if err != nil {
		return err
	}
	defer f.Release(l)
	return s.SetTimeout(name, d)
}

// GetSockName returns the local address of the socket at fd.
func GetSockName(l *kern.LWP, fd int) (netip.AddrPort, error) {
	s, f, err := getSock(l, fd)
	if err != nil {
		return netip.AddrPort{}, err
	}
	defer f.Release(l)
	return s.LocalAddr()
}

// GetPeerName returns the peer address of the socket at fd; ENOTCONN
// when it has none.
func GetPeerName(l *kern.LWP, fd int) (netip.AddrPort, error) {
	s, f, err := getSock(l, fd)
	if err != nil {
		return netip.AddrPort{}, err
	}
	defer f.Release(l)
	return s.RemoteAddr()
}

// IoctlFIONREAD returns how many bytes wait to be received on the socket
// at fd, as ioctl(FIONREAD).
func IoctlFIONREAD(l *kern.LWP, fd int) (int, error) {
	s, f, err := getSock(l, fd)
	if err != nil {
		return 0, err
	}
	defer f.Release(l)
	return s.Queued()
}

// IoctlFIONBIO sets or clears O_NONBLOCK on fd, as ioctl(FIONBIO).
func IoctlFIONBIO(l *kern.LWP, fd int, on bool) error {
	fl, err := l.Fcntl(fd, kern.F_GETFL, 0)
	if err != nil {
		return err
	}
	if on {
		fl |= kern.O_NONBLOCK
	} else {
		fl &^= kern.O_NONBLOCK
	}
	_, err = l.Fcntl(fd, kern.F_SETFL, fl)
	return err
}
