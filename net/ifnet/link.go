package ifnet

import "github.com/gorump/gorump/net/pkt"

// LinkType is the framing a link carries.
type LinkType int

const (
	// LinkEthernet links carry Ethernet II frames (no FCS).
	LinkEthernet LinkType = iota + 1
	// LinkLoopback links carry bare IP packets.
	LinkLoopback
)

// LinkInfo describes a link when it is attached.
type LinkInfo struct {
	Type LinkType
	// Prefix names the interface: Attach adds a unit number ("vioif",
	// "shmif", "virt", "lo").
	Prefix string
	// MTU is the largest packet the link carries, without its link
	// header.
	MTU int
	// Addr is the Ethernet address of an Ethernet link.
	Addr [6]byte
	// TSO says the link takes TCP super-segments (pkt.Buf.GSO) of up to
	// 64 KiB and cuts them into MTU-sized segments itself, finishing
	// their checksums: TCP segmentation offload.
	TSO bool
}

// Link is a network device driver: what moves frames between an
// interface and the outside (a host TAP device, an in-process wire, a
// shared-memory bus).
type Link interface {
	// Info describes the link; it is read once, by Attach.
	Info() LinkInfo
	// Start begins delivering received frames to rx, which takes
	// ownership of each buffer. rx runs on the link's goroutine (one
	// started with kern.Kernel.Go, or the sender's, for links that deliver
	// synchronously); it does not block. Start is called once.
	Start(rx func(*pkt.Buf)) error
	// Transmit sends one frame, link header included. It takes ownership
	// of b. A full queue drops the frame and returns ENOBUFS.
	Transmit(b *pkt.Buf) error
	// Close stops the link: no rx call starts after Close returns.
	Close() error
}
