// Package tcp is the Transmission Control Protocol (RFC 9293) for IPv4:
// connections, listeners and TIME_WAIT, as a transport of package inet
// and a protocol of package socket.
//
// It implements the three-way handshake with simultaneous open and close,
// half-close, resets with RFC 5961's challenge ACKs, TIME_WAIT as a
// compact entry (not a whole connection) for 2*MSL, listen backlogs (SYN
// queue and accept queue; a SYN that finds them full is dropped), the MSS
// option from the route's MTU and TCP_MAXSEG, window scaling and
// timestamps with PAWS (RFC 7323), SACK (RFC 2018) with RFC 6675 loss
// recovery, NewReno (RFC 5681, 6582) and CUBIC (RFC 9438; the default),
// HyStart++ in the first slow start (RFC 9406), tail loss probes (RFC 8985
// section 7), RFC 6298 retransmission timing with exponential backoff,
// delayed ACKs, Nagle's algorithm and TCP_NODELAY, keepalives, zero-window
// probes, send and receive buffers that grow with the connection, an
// out-of-order queue, RFC 6528 initial sequence numbers, random ephemeral
// ports, ICMP errors (fragmentation needed lowers the MSS), and
// super-segments of up to 64 KiB for interfaces with TCP segmentation
// offload (pkt.Buf.GSO).
//
// Files follow NetBSD's split: input.go (segment arrival), output.go (what
// to send), timer.go (retransmission, persist, delayed ACK, keepalive),
// sack.go (scoreboard and reassembly), buffer.go (send ring and receive
// queue), congestion.go, newreno.go, cubic.go and hystart.go, tlp.go,
// pcb.go (the socket.PCB operations), options.go (socket options), subr.go
// (the stack, ports, ISNs), timewait.go, control.go (ICMP), sysctl.go and
// stats.go. The tests drive one stack from a scripted peer over a fake
// inet.Network (context_test.go) and two stacks over an impaired link
// under testing/synctest (link_test.go, transfer_test.go).
//
// # Locks
//
// Each connection has a mutex, conn.mu, guarding all its state. The
// stack's tables (connections, listeners, ports) are guarded by
// Stack.mu, and the TIME_WAIT table by its own mutex. The order is
//
//	conn.mu -> Stack.mu -> timewaitTable.mu
//
// and no goroutine holds two connections' locks at once: a listener
// and its child are locked one after the other. Segments are built
// under conn.mu into a per-connection queue and handed to
// inet.Network.Output only after conn.mu is released (unlockAndFlush),
// by one goroutine at a time, so that Output may call Input back and
// segments leave in the order they were made. Callouts and Waiters have
// mutexes of their own that are leaves: conn.mu may be held while
// scheduling or stopping a callout or waking waiters, and a callout's
// function takes conn.mu only after the callout has let go of its own.
//
// # Buffers
//
// Input takes ownership of the packet. A segment's packet buffer, trimmed
// to its payload, joins the receive queue (or the reassembly queue, when
// out of order) and is freed once the application has read it, so that
// received bytes are copied once, into the reader's buffer; payloads
// under 512 bytes are copied into buffers of the queue's own instead, so
// that tiny segments cannot pin a packet buffer each (the lower layers
// size packet buffers to their packets, so a queued buffer holds at most
// about twice its payload). The send side
// keeps a byte ring (needed for retransmission); output copies payload
// from it into a fresh packet buffer with headroom for the lower layers,
// and the checksum is computed in one pass over header and payload.
//
// Pure ACKs carry snd.max as their sequence number, as BSD's do: after a
// retransmission timeout snd.nxt lies below what the peer has, and an
// ACK numbered there would be unacceptable to it.
package tcp
