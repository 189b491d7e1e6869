package rumpuser

// TapHost is implemented by hosts that can open a host TAP device, an
// Ethernet interface of the host whose frames a program reads and writes;
// the virtif interface driver (net/virtif) finds it by type assertion.
type TapHost interface {
	// OpenTap opens the host TAP device called name, creating it if it
	// does not exist. EOPNOTSUPP where the host has no TAP devices,
	// EPERM without the privilege, EBUSY when another holds it.
	OpenTap(name string) (Tap, error)
}

// Tap is an open host TAP device carrying Ethernet frames without
// preamble or FCS. Reads and writes may run concurrently; each moves a
// batch of frames, as many as the host offers in one go.
type Tap interface {
	// ReadFrames blocks until at least one frame has arrived, then reads
	// frames into bufs, one frame per buffer, as many as are ready and fit
	// in bufs, and stores each frame's length in sizes. A frame longer
	// than its buffer is truncated. It returns the number of frames read.
	// After Close it returns EBADF. Frames come with their checksums
	// complete, whatever offloads the host uses. gso, when not nil,
	// receives each frame's segment size: for a TCP super-segment the
	// host made of smaller segments, the payload each carried (a router
	// must cut it up again), 0 for other frames.
	ReadFrames(bufs [][]byte, sizes, gso []int) (int, error)
	// MaxFrame returns the longest frame ReadFrames may return on a
	// device with the given MTU: mtu plus an Ethernet header with a VLAN
	// tag (18), or more where the host coalesces TCP segments into
	// super-segments of up to 64 KiB (segmentation offload).
	MaxFrame(mtu int) int
	// WriteFrames sends frames to the host, each a whole frame. gso, when
	// not nil, holds a segment size for each frame, 0 for an ordinary
	// one: a frame with a segment size is a TCP/IPv4 super-segment of up
	// to 64 KiB whose TCP checksum field holds only the pseudo-header's
	// sum, which the host cuts into segments of that many payload bytes
	// and finishes, as a NIC with TCP segmentation offload does. Only a
	// device whose TSO says so takes them. It returns how many frames
	// were sent, fewer only with an error.
	WriteFrames(frames [][]byte, gso []int) (int, error)
	// TSO reports whether WriteFrames takes TCP super-segments.
	TSO() bool
	// Close releases the device and makes ReadFrames return.
	Close() error
}
