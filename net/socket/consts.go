package socket

// Socket options at level SOL_SOCKET (NetBSD's values, sys/socket.h).
const (
	SO_DEBUG       = 0x0001
	SO_ACCEPTCONN  = 0x0002
	SO_REUSEADDR   = 0x0004
	SO_KEEPALIVE   = 0x0008
	SO_DONTROUTE   = 0x0010
	SO_BROADCAST   = 0x0020
	SO_USELOOPBACK = 0x0040
	SO_LINGER      = 0x0080
	SO_OOBINLINE   = 0x0100
	SO_REUSEPORT   = 0x0200
	SO_NOSIGPIPE   = 0x0800
	SO_TIMESTAMP   = 0x2000

	SO_SNDBUF   = 0x1001
	SO_RCVBUF   = 0x1002
	SO_SNDLOWAT = 0x1003
	SO_RCVLOWAT = 0x1004
	SO_ERROR    = 0x1007
	SO_TYPE     = 0x1008
	SO_SNDTIMEO = 0x100b
	SO_RCVTIMEO = 0x100c
)

// Options at level IPPROTO_IP and IPPROTO_TCP (NetBSD's values,
// netinet/in.h and netinet/tcp.h).
const (
	IP_TOS = 3
	IP_TTL = 4

	TCP_NODELAY   = 1
	TCP_MAXSEG    = 2
	TCP_KEEPIDLE  = 3
	TCP_KEEPINTVL = 5
	TCP_KEEPCNT   = 6
	TCP_KEEPINIT  = 7
)

// Flags or-ed into socket(2)'s type argument (NetBSD's values).
const (
	SOCK_CLOEXEC   = 0x10000000
	SOCK_NONBLOCK  = 0x20000000
	SOCK_NOSIGPIPE = 0x40000000
	sockFlags      = SOCK_CLOEXEC | SOCK_NONBLOCK | SOCK_NOSIGPIPE
)

// SOMAXCONN is the largest listen backlog (kern.somaxconn's default).
const SOMAXCONN = 128

// FIONBIO and FIONREAD are the ioctls sockets answer (NetBSD's values).
const (
	FIONBIO  = 0x8004667e
	FIONREAD = 0x4004667f
)
