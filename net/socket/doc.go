// Package socket is the socket layer: the "socket" component and the
// socket syscalls. A socket is a kern.FileOps, so socket descriptors live
// in the same descriptor table as files and read, write, fstat, dup,
// fcntl and close work on them. Protocols (TCP, UDP) register a Protocol
// per family, type and protocol number from init, and give each socket a
// PCB (proto.go holds that contract).
//
// Every PCB operation is non-blocking. The socket layer does the blocking:
// a call tries the PCB; while it says EAGAIN (or EINPROGRESS from a
// connect) the call waits on the PCB's Waiters until woken, until its
// deadline passes, until the socket is closed or until the kernel halts.
// Closing the socket's last descriptor while other threads sleep in it
// (through kern.Restarter) wakes them with EBADF; the socket then closes
// when they return. To keep the ready path free of allocation and of clock
// reads, a call first tries without taking the wait channel; only after an
// EAGAIN does it take the channel and try once more before it sleeps, so
// no wake between the try and the sleep is lost.
//
// Deadlines: SO_RCVTIMEO and SO_SNDTIMEO bound how long one call waits
// (EAGAIN when they pass, as NetBSD's EWOULDBLOCK). Read and write
// deadlines (Socket.SetReadDeadline, for net.Conn) are points in time on
// the kernel's monotonic clock; a call made after its deadline fails at
// once, and changing a deadline wakes blocked calls, which re-read it.
//
// Errors are kern/errno values. There are no signals: where NetBSD raises
// SIGPIPE, a send returns EPIPE (SO_NOSIGPIPE and MSG_NOSIGNAL are
// accepted and change nothing).
//
// Locks: Socket.opMu is held shared around each PCB call and exclusively
// while the PCB closes; PCB locks are taken inside it. The per-kernel
// socket list's lock is a leaf.
package socket
