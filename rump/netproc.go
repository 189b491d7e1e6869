package rump

import (
	"net/netip"
	"time"

	"github.com/gorump/gorump/net/socket"
)

// The socket syscalls as Proc methods. Addresses are netip.AddrPort;
// errors are NetBSD errno values, as the other syscalls give.

// Linger is SO_LINGER's value.
type Linger = socket.Linger

// Socket makes a socket (socket(2)); typ may carry SOCK_NONBLOCK,
// SOCK_CLOEXEC and SOCK_NOSIGPIPE.
func (p *Proc) Socket(family, typ, proto int) (int, error) {
	return socket.Open(p.l, family, typ, proto)
}

// Bind sets a socket's local address.
func (p *Proc) Bind(fd int, addr netip.AddrPort) error { return socket.Bind(p.l, fd, addr) }

// Listen makes a stream socket accept connections.
func (p *Proc) Listen(fd, backlog int) error { return socket.Listen(p.l, fd, backlog) }

// Accept takes a connection and returns its descriptor and peer.
func (p *Proc) Accept(fd int) (int, netip.AddrPort, error) { return socket.Accept(p.l, fd) }

// Accept4 is Accept with SOCK_NONBLOCK and SOCK_CLOEXEC flags.
func (p *Proc) Accept4(fd, flags int) (int, netip.AddrPort, error) {
	return socket.Accept4(p.l, fd, flags)
}

// Connect connects a socket to addr.
func (p *Proc) Connect(fd int, addr netip.AddrPort) error { return socket.Connect(p.l, fd, addr) }

// Send sends on a connected socket.
func (p *Proc) Send(fd int, b []byte, flags int) (int, error) { return socket.Send(p.l, fd, b, flags) }

// SendTo sends to addr.
func (p *Proc) SendTo(fd int, b []byte, flags int, to netip.AddrPort) (int, error) {
	return socket.SendTo(p.l, fd, b, flags, to)
}

// SendMsg sends the concatenation of bufs to addr.
func (p *Proc) SendMsg(fd int, bufs [][]byte, to netip.AddrPort, flags int) (int, error) {
	return socket.SendMsg(p.l, fd, bufs, to, flags)
}

// Recv receives from a socket.
func (p *Proc) Recv(fd int, b []byte, flags int) (int, error) { return socket.Recv(p.l, fd, b, flags) }

// RecvFrom receives and returns the sender.
func (p *Proc) RecvFrom(fd int, b []byte, flags int) (int, netip.AddrPort, error) {
	return socket.RecvFrom(p.l, fd, b, flags)
}

// RecvMsg receives into bufs and returns the count, the sender and the
// out-flags (MSG_TRUNC).
func (p *Proc) RecvMsg(fd int, bufs [][]byte, flags int) (int, netip.AddrPort, int, error) {
	return socket.RecvMsg(p.l, fd, bufs, flags)
}

// Shutdown closes one or both directions (SHUT_RD, SHUT_WR, SHUT_RDWR).
func (p *Proc) Shutdown(fd, how int) error { return socket.Shutdown(p.l, fd, how) }

// GetSockOpt returns an int socket option.
func (p *Proc) GetSockOpt(fd, level, name int) (int, error) {
	return socket.GetSockOpt(p.l, fd, level, name)
}

// SetSockOpt sets an int socket option.
func (p *Proc) SetSockOpt(fd, level, name, value int) error {
	return socket.SetSockOpt(p.l, fd, level, name, value)
}

// GetSockOptLinger returns SO_LINGER.
func (p *Proc) GetSockOptLinger(fd int) (Linger, error) { return socket.GetSockOptLinger(p.l, fd) }

// SetSockOptLinger sets SO_LINGER.
func (p *Proc) SetSockOptLinger(fd int, l Linger) error { return socket.SetSockOptLinger(p.l, fd, l) }

// GetSockOptTimeval returns SO_RCVTIMEO or SO_SNDTIMEO.
func (p *Proc) GetSockOptTimeval(fd, name int) (time.Duration, error) {
	return socket.GetSockOptTimeval(p.l, fd, name)
}

// SetSockOptTimeval sets SO_RCVTIMEO or SO_SNDTIMEO.
func (p *Proc) SetSockOptTimeval(fd, name int, d time.Duration) error {
	return socket.SetSockOptTimeval(p.l, fd, name, d)
}

// GetSockName returns a socket's local address.
func (p *Proc) GetSockName(fd int) (netip.AddrPort, error) { return socket.GetSockName(p.l, fd) }

// GetPeerName returns a socket's peer address.
func (p *Proc) GetPeerName(fd int) (netip.AddrPort, error) { return socket.GetPeerName(p.l, fd) }

// Queued returns how many bytes wait to be received on the socket at fd,
// as ioctl(FIONREAD).
func (p *Proc) Queued(fd int) (int, error) { return socket.IoctlFIONREAD(p.l, fd) }

// SetNonblock sets or clears O_NONBLOCK, as ioctl(FIONBIO).
func (p *Proc) SetNonblock(fd int, on bool) error { return socket.IoctlFIONBIO(p.l, fd, on) }
