// Package inet is the IPv4 layer: the contract that transports code
// against (transport.go: Network, Transport, Out, Header, Control; and
// the checksums in cksum.go) and its implementation, the "inet" kernel
// component (IP), with ICMP.
//
// Input runs on the receiving interface's goroutine: the header is
// checked (version, header length, total length against the buffer,
// checksum, source and destination addresses), fragments are
// reassembled, ICMP is handled here, and other protocols' packets go to
// the Transport registered for them. Packets for other hosts are
// forwarded only with net.inet.ip.forwarding=1.
//
// Output picks the route (or the loopback interface for this host's own
// addresses), the source address, fragments what the interface MTU does
// not carry (or fails with EMSGSIZE when DontFrag is set), and hands the
// packet to the interface: through ARP on Ethernet.
//
// Local delivery is asynchronous. A packet for one of this host's
// addresses (127.0.0.1 or any other) goes out through the loopback
// interface (net/loop), whose link queues it and delivers it to Input on
// its own kernel goroutine. Output therefore never calls Transport.Input
// (or ControlInput) before returning, so a transport may hold its own
// locks while it calls Output. Without a loopback interface, sends to
// local addresses fail with ENETUNREACH. The same holds for ICMP errors
// about locally generated packets that ARP could not deliver: they are
// reported to the transport from the ARP retry callout, never from
// inside Output.
//
// Buffers: Output takes ownership of its buffer on every path, error or
// not. Input functions take ownership of theirs; Transport.Input takes
// ownership of b and borrows the *Header for the call. PortUnreachable
// only borrows.
//
// Locks: the reassembly lock (reass.mu) and the ICMP rate limiter's lock
// are leaves; nothing is sent or delivered while they are held.
package inet
