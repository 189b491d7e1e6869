package rump

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorump/gorump/kern/errno"
	_ "github.com/gorump/gorump/net/inet/tcp" // TCP
	_ "github.com/gorump/gorump/net/inet/udp" // UDP
	_ "github.com/gorump/gorump/net/loop"     // lo0
	_ "github.com/gorump/gorump/net/route"    // the routing table
	"github.com/gorump/gorump/net/socket"
)

// The network side of the API: Dial, Listen and ListenPacket give the
// kernel's TCP and UDP sockets as net.Conn, net.Listener and
// net.PacketConn, so Go code (net/http, say) runs over the rump kernel's
// stack unchanged. Addresses are IP literals ("10.0.0.2:80", ":8080");
// "localhost" means 127.0.0.1. Only IPv4 is there ("tcp", "tcp4", "udp",
// "udp4").
//
// Errors are *net.OpError. Inside is the NetBSD errno, which also
// matches the host's syscall.Errno of the same name, so both
// errors.Is(err, errno.ECONNREFUSED) and errors.Is(err,
// syscall.ECONNREFUSED) hold; a passed deadline gives
// os.ErrDeadlineExceeded, a closed conn net.ErrClosed.
//
// These sockets belong to no process's descriptor table; they are closed
// by Close or when the kernel halts.

// Dial connects to address on the named network.
func (k *Kernel) Dial(network, address string) (net.Conn, error) {
	return k.DialContext(context.Background(), network, address)
}

// DialContext connects to address; ctx bounds the connect (its deadline
// and cancellation), not the conn's life.
func (k *Kernel) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	typ, err := sockType(network)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	ap, err := parseAddr(address, true)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	raddr := netAddr(typ, ap)
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: raddr, Err: ctxErr(err)}
	}
	s, err := k.newSocket(typ)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: raddr, Err: wrapErrno(err)}
	}
	var deadline time.Duration
	if d, ok := ctx.Deadline(); ok {
		deadline = k.monotonic(d)
		s.SetWriteDeadline(deadline)
	}
	// The connect is cut short by a deadline in the past; once it is
	// over, a late cancellation must not leave that deadline on the conn.
	var mu sync.Mutex
	connecting := true
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if connecting {
			s.SetWriteDeadline(1)
		}
	})
	err = s.Connect(ap, false)
	mu.Lock()
	connecting = false
	mu.Unlock()
	stop()
	if err != nil {
		s.Close()
		switch cerr := ctx.Err(); {
		case cerr != nil:
			err = ctxErr(cerr)
		case err == errno.ETIMEDOUT && deadline != 0 && k.k.Clock().Monotonic() >= deadline:
			// The kernel's clock passed the context's deadline a
			// moment before the context's own timer fired.
			err = os.ErrDeadlineExceeded
		default:
			err = wrapErrno(err)
		}
		return nil, &net.OpError{Op: "dial", Net: network, Addr: raddr, Err: err}
	}
	s.SetWriteDeadline(0)
	return k.newConn(s, network), nil
}

// Listen listens for TCP connections on address (SO_REUSEADDR set, as
// Go's net.Listen does), with the largest backlog kern.somaxconn allows.
func (k *Kernel) Listen(network, address string) (net.Listener, error) {
	s, err := k.listenSocket(network, address, socket.SOCK_STREAM)
	if err != nil {
		return nil, err
	}
	local, _ := s.LocalAddr()
	return &Listener{k: k, s: s, network: network, addr: net.TCPAddrFromAddrPort(local)}, nil
}

// ListenPacket opens a UDP socket bound to address.
func (k *Kernel) ListenPacket(network, address string) (net.PacketConn, error) {
	s, err := k.listenSocket(network, address, socket.SOCK_DGRAM)
	if err != nil {
		return nil, err
	}
	return k.newConn(s, network), nil
}

// listenSocket makes a socket of type want bound to address, listening
// if it is a stream socket; errors are *net.OpError for Op "listen".
func (k *Kernel) listenSocket(network, address string, want int) (*socket.Socket, error) {
	typ, err := sockType(network)
	if err == nil && typ != want {
		err = net.UnknownNetworkError(network)
	}
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	ap, err := parseAddr(address, false)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	s, err := k.boundSocket(typ, ap)
	if err == nil && typ == socket.SOCK_STREAM {
		if err = s.Listen(-1); err != nil { // kern.somaxconn
			s.Close()
		}
	}
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: netAddr(typ, ap), Err: wrapErrno(err)}
	}
	return s, nil
}

// newSocket makes a socket for the net API. UDP sockets send and receive
// datagrams up to 65507 bytes and buffer 256 KiB, as Go programs expect
// of UDP elsewhere (NetBSD's defaults, net.inet.udp.sendspace and
// recvspace, are 9216 and 41600 bytes).
func (k *Kernel) newSocket(typ int) (*socket.Socket, error) {
	s, err := socket.New(k.init.l, socket.AF_INET, typ, 0)
	if err != nil {
		return nil, err
	}
	if typ == socket.SOCK_DGRAM {
		for _, o := range [...][2]int{{socket.SO_SNDBUF, 65535}, {socket.SO_RCVBUF, 256 << 10}} {
			if err := s.SetOption(socket.SOL_SOCKET, o[0], o[1]); err != nil {
				s.Close()
				return nil, err
			}
		}
	}
	return s, nil
}

func (k *Kernel) boundSocket(typ int, ap netip.AddrPort) (*socket.Socket, error) {
	s, err := k.newSocket(typ)
	if err != nil {
		return nil, err
	}
	if typ == socket.SOCK_STREAM {
		if err := s.SetOption(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); err != nil {
			s.Close()
			return nil, err
		}
	}
	if err := s.Bind(ap); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func sockType(network string) (int, error) {
	switch network {
	case "tcp", "tcp4":
		return socket.SOCK_STREAM, nil
	case "udp", "udp4":
		return socket.SOCK_DGRAM, nil
	}
	return 0, net.UnknownNetworkError(network)
}

// parseAddr reads "host:port" with an IPv4 literal or "localhost" as the
// host; an empty host is the wildcard, or 127.0.0.1 to dial.
func parseAddr(address string, dial bool) (netip.AddrPort, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return netip.AddrPort{}, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		p, lerr := net.LookupPort("tcp", portStr)
		if lerr != nil {
			return netip.AddrPort{}, &net.AddrError{Err: "invalid port", Addr: address}
		}
		port = uint64(p)
	}
	var a netip.Addr
	switch host {
	case "":
		a = netip.IPv4Unspecified()
		if dial {
			a = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}
	case "localhost":
		a = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	default:
		a, err = netip.ParseAddr(host)
		if err != nil {
			return netip.AddrPort{}, &net.AddrError{Err: "not an IP address (rump kernels resolve no names)", Addr: host}
		}
		a = a.Unmap()
		if !a.Is4() {
			return netip.AddrPort{}, &net.AddrError{Err: "no IPv6 in this kernel", Addr: host}
		}
		if dial && a.IsUnspecified() {
			a = netip.AddrFrom4([4]byte{127, 0, 0, 1}) // as Go dials the local system
		}
	}
	return netip.AddrPortFrom(a, uint16(port)), nil
}

func netAddr(typ int, ap netip.AddrPort) net.Addr {
	if typ == socket.SOCK_DGRAM {
		return net.UDPAddrFromAddrPort(ap)
	}
	return net.TCPAddrFromAddrPort(ap)
}

// monotonic converts a wall-clock deadline to the kernel's monotonic
// clock; the zero time is no deadline.
func (k *Kernel) monotonic(t time.Time) time.Duration {
	if t.IsZero() {
		return 0
	}
	c := k.k.Clock()
	m := c.Monotonic() + t.Sub(c.Now())
	if m <= 0 {
		m = 1
	}
	return m
}

func ctxErr(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return os.ErrDeadlineExceeded
	}
	return err
}

// Errno is a NetBSD errno as the net API reports it: it unwraps to the
// errno.Errno, and also matches the host's syscall.Errno of the same
// name.
type Errno struct{ errno.Errno }

// Unwrap returns the NetBSD errno.
func (e Errno) Unwrap() error { return e.Errno }

// Is reports whether target is the host's syscall.Errno of the same name.
func (e Errno) Is(target error) bool {
	t, ok := target.(syscall.Errno)
	return ok && hostErrno(e.Errno) == t && t != 0
}

func hostErrno(e errno.Errno) syscall.Errno {
	switch e {
	case errno.EPERM:
		return syscall.EPERM
	case errno.EBADF:
		return syscall.EBADF
	case errno.EACCES:
		return syscall.EACCES
	case errno.EINVAL:
		return syscall.EINVAL
	case errno.EMFILE:
		return syscall.EMFILE
	case errno.EPIPE:
		return syscall.EPIPE
	case errno.EAGAIN:
		return syscall.EAGAIN
	case errno.EINPROGRESS:
		return syscall.EINPROGRESS
	case errno.EALREADY:
		return syscall.EALREADY
	case errno.ENOTSOCK:
		return syscall.ENOTSOCK
	case errno.EDESTADDRREQ:
		return syscall.EDESTADDRREQ
	case errno.EMSGSIZE:
		return syscall.EMSGSIZE
	case errno.ENOPROTOOPT:
		return syscall.ENOPROTOOPT
	case errno.EPROTONOSUPPORT:
		return syscall.EPROTONOSUPPORT
	case errno.EOPNOTSUPP:
		return syscall.EOPNOTSUPP
	case errno.EAFNOSUPPORT:
		return syscall.EAFNOSUPPORT
	case errno.EADDRINUSE:
		return syscall.EADDRINUSE
	case errno.EADDRNOTAVAIL:
		return syscall.EADDRNOTAVAIL
	case errno.ENETDOWN:
		return syscall.ENETDOWN
	case errno.ENETUNREACH:
		return syscall.ENETUNREACH
	case errno.ECONNABORTED:
		return syscall.ECONNABORTED
	case errno.ECONNRESET:
		return syscall.ECONNRESET
	case errno.ENOBUFS:
		return syscall.ENOBUFS
	case errno.EISCONN:
		return syscall.EISCONN
	case errno.ENOTCONN:
		return syscall.ENOTCONN
	case errno.ESHUTDOWN:
		return syscall.ESHUTDOWN
	case errno.ETIMEDOUT:
		return syscall.ETIMEDOUT
	case errno.ECONNREFUSED:
		return syscall.ECONNREFUSED
	case errno.EHOSTDOWN:
		return syscall.EHOSTDOWN
	case errno.EHOSTUNREACH:
		return syscall.EHOSTUNREACH
	}
	return 0
}

// wrapErrno makes a kernel error reportable: an errno becomes an Errno.
func wrapErrno(err error) error {
	if e, ok := err.(errno.Errno); ok {
		return Errno{e}
	}
	return err
}

// Conn is a TCP or UDP socket of a rump kernel as a net.Conn (and, for
// UDP, a net.PacketConn). Its methods are safe for concurrent use.
type Conn struct {
	k       *Kernel
	s       *socket.Socket
	network string
	stream  bool
	laddr   net.Addr
	raddr   net.Addr // nil for an unconnected UDP socket
	closed  atomic.Bool
}

var (
	_ net.Conn       = (*Conn)(nil)
	_ net.PacketConn = (*Conn)(nil)
)

func (k *Kernel) newConn(s *socket.Socket, network string) *Conn {
	c := &Conn{k: k, s: s, network: network, stream: s.Type() == socket.SOCK_STREAM}
	local, _ := s.LocalAddr()
	c.laddr = netAddr(s.Type(), local)
	if remote, err := s.RemoteAddr(); err == nil {
		c.raddr = netAddr(s.Type(), remote)
	}
	return c
}

// Socket returns the kernel socket behind c.
func (c *Conn) Socket() *socket.Socket { return c.s }

func (c *Conn) opErr(op string, addr net.Addr, err error) error {
	switch {
	case err == nil:
		return nil
	case err == io.EOF:
		return err
	case c.closed.Load() && (err == errno.EBADF || err == errno.ESHUTDOWN):
		err = net.ErrClosed
	case err == errno.EAGAIN:
		err = os.ErrDeadlineExceeded
	default:
		err = wrapErrno(err)
	}
	if addr == nil {
		addr = c.raddr
	}
	return &net.OpError{Op: op, Net: c.network, Source: c.laddr, Addr: addr, Err: err}
}

func (c *Conn) closedErr(op string) error {
	if c.closed.Load() {
		return &net.OpError{Op: op, Net: c.network, Source: c.laddr, Addr: c.raddr, Err: net.ErrClosed}
	}
	return nil
}

// Read reads data (a TCP stream; for UDP, one datagram, cut to fit b).
// At the end of a TCP stream it returns io.EOF.
func (c *Conn) Read(b []byte) (int, error) {
	if err := c.closedErr("read"); err != nil {
		return 0, err
	}
	if len(b) == 0 && c.stream {
		return 0, nil
	}
	n, _, _, err := c.s.Recv(b, 0, false)
	if err == nil && n == 0 && c.stream {
		err = io.EOF
	}
	return n, c.opErr("read", nil, err)
}

// Write writes b (for UDP, as one datagram).
func (c *Conn) Write(b []byte) (int, error) {
	if err := c.closedErr("write"); err != nil {
		return 0, err
	}
	n, err := c.s.Send(b, netip.AddrPort{}, socket.MSG_NOSIGNAL, false)
	// A stream send stopped by the write deadline returns what it sent
	// without an error; net.Conn wants one whenever n < len(b), which
	// trying the rest gives.
	for err == nil && c.stream && n < len(b) {
		var m int
		m, err = c.s.Send(b[n:], netip.AddrPort{}, socket.MSG_NOSIGNAL, false)
		n += m
	}
	return n, c.opErr("write", nil, err)
}

// ReadFrom reads one datagram and returns its sender as a *net.UDPAddr.
func (c *Conn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := c.ReadFromUDPAddrPort(b)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// ReadFromUDPAddrPort reads one datagram and returns its sender.
func (c *Conn) ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error) {
	if err := c.closedErr("read"); err != nil {
		return 0, netip.AddrPort{}, err
	}
	n, from, _, err := c.s.Recv(b, 0, false)
	return n, from, c.opErr("read", nil, err)
}

// WriteTo sends b as one datagram to addr (a *net.UDPAddr).
func (c *Conn) WriteTo(b []byte, addr net.Addr) (int, error) {
	var ap netip.AddrPort
	switch a := addr.(type) {
	case *net.UDPAddr:
		ap = a.AddrPort()
	case nil:
		return 0, c.opErr("write", addr, errno.EDESTADDRREQ)
	default:
		var err error
		if ap, err = netip.ParseAddrPort(addr.String()); err != nil {
			return 0, c.opErr("write", addr, errno.EINVAL)
		}
	}
	return c.WriteToUDPAddrPort(b, ap)
}

// WriteToUDPAddrPort sends b as one datagram to addr.
func (c *Conn) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	if err := c.closedErr("write"); err != nil {
		return 0, err
	}
	ap := netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	n, err := c.s.Send(b, ap, socket.MSG_NOSIGNAL, false)
	return n, c.opErr("write", net.UDPAddrFromAddrPort(ap), err)
}

// Close closes the socket; blocked calls return net.ErrClosed. A second
// Close reports net.ErrClosed.
func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		return &net.OpError{Op: "close", Net: c.network, Source: c.laddr, Addr: c.raddr, Err: net.ErrClosed}
	}
	return c.opErr("close", nil, c.s.Close())
}

// CloseRead shuts down the reading side of a TCP connection.
func (c *Conn) CloseRead() error {
	if err := c.closedErr("close"); err != nil {
		return err
	}
	return c.opErr("close", nil, c.s.Shutdown(socket.SHUT_RD))
}

// CloseWrite shuts down the writing side of a TCP connection: the peer
// reads end of stream.
func (c *Conn) CloseWrite() error {
	if err := c.closedErr("close"); err != nil {
		return err
	}
	return c.opErr("close", nil, c.s.Shutdown(socket.SHUT_WR))
}

// LocalAddr returns the local address: a *net.TCPAddr or *net.UDPAddr.
func (c *Conn) LocalAddr() net.Addr { return c.laddr }

// RemoteAddr returns the peer's address, nil for an unconnected UDP
// socket.
func (c *Conn) RemoteAddr() net.Addr { return c.raddr }

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.closedErr("set"); err != nil {
		return err
	}
	m := c.k.monotonic(t)
	c.s.SetReadDeadline(m)
	c.s.SetWriteDeadline(m)
	return nil
}

// SetReadDeadline makes reads, blocked ones included, fail with
// os.ErrDeadlineExceeded from t on; the zero time clears it.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if err := c.closedErr("set"); err != nil {
		return err
	}
	c.s.SetReadDeadline(c.k.monotonic(t))
	return nil
}

// SetWriteDeadline is SetReadDeadline for writes.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if err := c.closedErr("set"); err != nil {
		return err
	}
	c.s.SetWriteDeadline(c.k.monotonic(t))
	return nil
}

// SetNoDelay sets TCP_NODELAY.
func (c *Conn) SetNoDelay(on bool) error {
	v := 0
	if on {
		v = 1
	}
	return c.opErr("set", nil, c.s.SetOption(socket.IPPROTO_TCP, socket.TCP_NODELAY, v))
}

// SetLinger sets SO_LINGER as net.TCPConn.SetLinger: negative is off,
// zero resets the connection on Close, positive waits up to sec seconds.
func (c *Conn) SetLinger(sec int) error {
	if sec < 0 {
		return c.opErr("set", nil, c.s.SetLinger(socket.Linger{}))
	}
	return c.opErr("set", nil, c.s.SetLinger(socket.Linger{On: true, Sec: sec}))
}

// SetKeepAlive sets SO_KEEPALIVE.
func (c *Conn) SetKeepAlive(on bool) error {
	v := 0
	if on {
		v = 1
	}
	return c.opErr("set", nil, c.s.SetOption(socket.SOL_SOCKET, socket.SO_KEEPALIVE, v))
}

// SetReadBuffer sets SO_RCVBUF.
func (c *Conn) SetReadBuffer(bytes int) error {
	return c.opErr("set", nil, c.s.SetOption(socket.SOL_SOCKET, socket.SO_RCVBUF, bytes))
}

// SetWriteBuffer sets SO_SNDBUF.
func (c *Conn) SetWriteBuffer(bytes int) error {
	return c.opErr("set", nil, c.s.SetOption(socket.SOL_SOCKET, socket.SO_SNDBUF, bytes))
}

// Listener is a listening TCP socket of a rump kernel as a net.Listener.
type Listener struct {
	k       *Kernel
	s       *socket.Socket
	network string
	addr    *net.TCPAddr
	closed  atomic.Bool
}

var _ net.Listener = (*Listener)(nil)

// Accept waits for a connection; after Close it returns net.ErrClosed.
func (l *Listener) Accept() (net.Conn, error) {
	s, err := l.s.Accept(false)
	if err != nil {
		switch {
		case l.closed.Load():
			err = net.ErrClosed
		case err == errno.EAGAIN:
			err = os.ErrDeadlineExceeded
		default:
			err = wrapErrno(err)
		}
		return nil, &net.OpError{Op: "accept", Net: l.network, Addr: l.addr, Err: err}
	}
	return l.k.newConn(s, l.network), nil
}

// Close stops listening; a blocked Accept returns net.ErrClosed.
func (l *Listener) Close() error {
	if l.closed.Swap(true) {
		return &net.OpError{Op: "close", Net: l.network, Addr: l.addr, Err: net.ErrClosed}
	}
	return l.s.Close()
}

// Addr returns the listening address as a *net.TCPAddr.
func (l *Listener) Addr() net.Addr { return l.addr }

// SetDeadline makes Accept fail with os.ErrDeadlineExceeded from t on.
func (l *Listener) SetDeadline(t time.Time) error {
	l.s.SetReadDeadline(l.k.monotonic(t))
	return nil
}
