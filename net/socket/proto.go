package socket

import (
	"net/netip"
	"sync"

	"github.com/gorump/gorump/kern"
)

// NetBSD's address families, socket types and levels, as they cross the
// syscall boundary.
const (
	AF_INET  = 2
	AF_INET6 = 24

	SOCK_STREAM = 1
	SOCK_DGRAM  = 2
	SOCK_RAW    = 3

	SOL_SOCKET  = 0xffff
	IPPROTO_IP  = 0
	IPPROTO_TCP = 6
	IPPROTO_UDP = 17
)

// Poll events (NetBSD's values, kern's).
const (
	POLLIN     = kern.POLLIN
	POLLPRI    = kern.POLLPRI
	POLLOUT    = kern.POLLOUT
	POLLERR    = kern.POLLERR
	POLLHUP    = kern.POLLHUP
	POLLNVAL   = kern.POLLNVAL
	POLLRDNORM = kern.POLLRDNORM
	POLLWRNORM = kern.POLLWRNORM
	POLLRDBAND = kern.POLLRDBAND
	POLLWRBAND = kern.POLLWRBAND
)

// Message flags (NetBSD's values) that protocols see.
const (
	MSG_OOB       = 0x0001
	MSG_PEEK      = 0x0002
	MSG_DONTROUTE = 0x0004
	MSG_EOR       = 0x0008
	MSG_TRUNC     = 0x0010
	MSG_CTRUNC    = 0x0020
	MSG_WAITALL   = 0x0040
	MSG_DONTWAIT  = 0x0080
	MSG_NOSIGNAL  = 0x0400
)

// Shutdown directions.
const (
	SHUT_RD   = 0
	SHUT_WR   = 1
	SHUT_RDWR = 2
)

// A Protocol makes the protocol side of new sockets of one family, type
// and protocol number.
type Protocol interface {
	// Attach makes the protocol control block of a new socket in kernel
	// k, created with credentials cred. Errors: EPROTONOSUPPORT when the
	// protocol's component is not in k, ENOBUFS.
	Attach(k *kern.Kernel, cred *kern.Cred) (PCB, error)
}

// PCB is a protocol control block: one socket's state in its protocol.
// Every operation is non-blocking: where a blocking socket would wait,
// the PCB returns EAGAIN (or EINPROGRESS from Connect), and the socket
// layer waits on Waiters until Events says the operation can proceed or a
// deadline passes. The PCB wakes its Waiters whenever Events may have
// changed. Errors are kern/errno values.
type PCB interface {
	// Bind sets the local address; port 0 picks an ephemeral port.
	// EADDRINUSE, EADDRNOTAVAIL, EACCES (a port below 1024 without root),
	// EINVAL (already bound).
	Bind(addr netip.AddrPort) error
	// Listen makes a stream socket accept connections, queueing at most
	// backlog completed ones. An unbound socket gets an ephemeral port.
	Listen(backlog int) error
	// Accept takes a completed connection from the queue: EAGAIN when
	// there is none, EINVAL when not listening.
	Accept() (PCB, error)
	// Connect starts connecting to addr. It returns nil when the socket is
	// connected at once (datagram sockets), EINPROGRESS when the socket
	// layer must wait for POLLOUT and then read the outcome from Error,
	// EISCONN, EALREADY, ECONNREFUSED, ENETUNREACH, EADDRINUSE...
	Connect(addr netip.AddrPort) error
	// Send queues bytes from p for to (the zero AddrPort: the connected
	// peer). It returns how many it took: a stream protocol may take part
	// of p; EAGAIN when it can take none; EPIPE after shutdown for
	// writing or a reset; EMSGSIZE for a datagram too large; ENOTCONN,
	// EDESTADDRREQ.
	Send(p []byte, to netip.AddrPort, flags int) (int, error)
	// Recv reads into p. n == 0 with a nil error is the end of a stream.
	// from is the sender of a datagram; outFlags can hold MSG_TRUNC.
	// EAGAIN when nothing is there; ECONNRESET, ETIMEDOUT after the
	// connection failed; ENOTCONN.
	Recv(p []byte, flags int) (n int, from netip.AddrPort, outFlags int, err error)
	// Shutdown closes one or both directions (SHUT_RD, SHUT_WR,
	// SHUT_RDWR). ENOTCONN on an unconnected stream socket.
	Shutdown(how int) error
	// Close releases the PCB when the socket's last descriptor closes.
	// With linger set and a zero lingerTime a stream connection is reset;
	// with a positive one, the socket layer has already waited (up to
	// lingerTime) for POLLOUT|POLLHUP after a Shutdown(SHUT_WR). Close
	// never blocks: a stream connection finishes closing in the
	// background.
	Close(linger bool) error
	// SetOption sets an option at level SOL_SOCKET, IPPROTO_IP,
	// IPPROTO_TCP or IPPROTO_UDP whose value is an int. The socket layer
	// handles SO_TYPE, SO_ERROR, SO_ACCEPTCONN, SO_LINGER, SO_RCVTIMEO,
	// SO_SNDTIMEO and SO_NOSIGPIPE itself and passes the rest on, such as
	// SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE, SO_BROADCAST, SO_RCVBUF,
	// SO_SNDBUF, TCP_NODELAY, TCP_MAXSEG, TCP_KEEPIDLE, TCP_KEEPINTVL,
	// TCP_KEEPCNT, IP_TTL, IP_TOS. ENOPROTOOPT for options it lacks,
	// EINVAL for a bad value.
	SetOption(level, name, value int) error
	// Option returns an int option's value; ENOPROTOOPT as SetOption.
	Option(level, name int) (int, error)
	// LocalAddr is the bound address (zero when unbound).
	LocalAddr() netip.AddrPort
	// RemoteAddr is the peer's address; ENOTCONN when there is none.
	RemoteAddr() (netip.AddrPort, error)
	// Events returns the POLL* events that hold now: POLLIN when Recv (or
	// Accept) would not return EAGAIN, POLLOUT when Send would not,
	// POLLHUP when the connection is closed both ways or failed, POLLERR
	// when Error is pending.
	Events() int
	// Error returns and clears the pending error (SO_ERROR), as after a
	// failed connect.
	Error() error
	// Waiters is woken whenever Events may have changed.
	Waiters() *Waiters
}

// QueuedPCB is a PCB that can say how many bytes wait to be received
// (FIONREAD): a stream's buffered bytes, or the payload of every queued
// datagram, as NetBSD's so_rcv.sb_cc counts them.
type QueuedPCB interface {
	PCB
	Queued() int
}

// Waiters is the wait queue a PCB wakes whenever its Events may have
// changed (kern.Waiters).
type Waiters = kern.Waiters

var protocols struct {
	mu    sync.Mutex // guards byKey
	byKey map[protoKey]Protocol
}

type protoKey struct{ family, typ, proto int }

// Register makes p the protocol for sockets of (family, typ, proto); a
// zero proto registers the default for the family and type (TCP for
// AF_INET stream sockets). Protocol packages call it from init. It panics
// when the triple is taken.
func Register(family, typ, proto int, p Protocol) {
	protocols.mu.Lock()
	defer protocols.mu.Unlock()
	if protocols.byKey == nil {
		protocols.byKey = map[protoKey]Protocol{}
	}
	key := protoKey{family, typ, proto}
	if protocols.byKey[key] != nil {
		panic("socket: protocol registered twice")
	}
	protocols.byKey[key] = p
}

// lookup finds the protocol for socket(family, typ, proto).
func lookup(family, typ, proto int) Protocol {
	protocols.mu.Lock()
	defer protocols.mu.Unlock()
	return protocols.byKey[protoKey{family, typ, proto}]
}
