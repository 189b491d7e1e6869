//go:build linux

package posix

import (
	"encoding/binary"
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

// From linux/if_tun.h and linux/virtio_net.h.
const (
	tunSetIff     = 0x400454ca // TUNSETIFF: _IOW('T', 202, int)
	tunSetOffload = 0x400454d0 // TUNSETOFFLOAD: _IOW('T', 208, unsigned int)
	iffTap        = 0x0002
	iffNoPI       = 0x1000
	iffVnetHdr    = 0x4000
	tunFCsum      = 0x01
	tunFTSO4      = 0x02

	vnetHdrLen        = 10 // struct virtio_net_hdr
	vnetFNeedsCsum    = 1
	vnetGSONone       = 0
	vnetGSOTCPv4      = 1
	maxCoalescedFrame = 14 + 4 + 65535 // Ethernet, VLAN tag, the largest IP packet
)

// ifreqFlags is struct ifreq with the flags member of its union.
type ifreqFlags struct {
	name  [syscall.IFNAMSIZ]byte
	flags uint16
	_     [22]byte
}

var _ rumpuser.TapHost = (*Host)(nil)

// OpenTap implements rumpuser.TapHost with Linux's /dev/net/tun: it
// attaches to the TAP device called name, creating it if there is none
// (a device it creates goes away when it is closed). The device speaks
// virtio-net headers with checksum and TCP segmentation offload turned
// on, so Linux sends TCP super-segments of up to 64 KiB, whose checksums
// ReadFrames completes; it takes super-segments from WriteFrames too. The
// descriptor is non-blocking and waits in Go's network poller, so Close
// wakes a blocked ReadFrames.
func (h *Host) OpenTap(name string) (rumpuser.Tap, error) {
	if name == "" || len(name) >= syscall.IFNAMSIZ {
		return nil, errno.EINVAL
	}
	fd, err := syscall.Open("/dev/net/tun", syscall.O_RDWR|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, Errno(err)
	}
	var ifr ifreqFlags
	copy(ifr.name[:], name)
	ifr.flags = iffTap | iffNoPI | iffVnetHdr
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), tunSetIff, uintptr(unsafe.Pointer(&ifr))); e != 0 {
		syscall.Close(fd)
		return nil, Errno(e)
	}
	// With checksum and TCP segmentation offload, Linux hands over whole
	// TCP super-segments of up to 64 KiB with their checksums to be
	// finished, which ReadFrames does: far fewer frames to read and to
	// pass up a stack. Without, frames are plain.
	coalesce := true
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), tunSetOffload, tunFCsum|tunFTSO4); e != 0 {
		coalesce = false
	}
	f := os.NewFile(uintptr(fd), "/dev/net/tun:"+name)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, Errno(err)
	}
	return &tap{f: f, rc: rc, coalesce: coalesce}, nil
}

type tap struct {
	f        *os.File
	rc       syscall.RawConn
	coalesce bool
	closed   atomic.Bool
}

// TSO implements rumpuser.Tap: with virtio-net headers Linux takes TCP
// super-segments whatever offloads the device has.
func (t *tap) TSO() bool { return true }

// MaxFrame implements rumpuser.Tap.
func (t *tap) MaxFrame(mtu int) int {
	if t.coalesce {
		return maxCoalescedFrame
	}
	return mtu + 18
}

func (t *tap) ReadFrames(bufs [][]byte, sizes, gso []int) (int, error) {
	n := 0
	var readErr error
	var hdr [vnetHdrLen]byte
	iov := [2]syscall.Iovec{{Base: &hdr[0]}, {}}
	iov[0].SetLen(len(hdr))
	err := t.rc.Read(func(fd uintptr) bool {
		for n < len(bufs) {
			if len(bufs[n]) == 0 {
				readErr = syscall.EINVAL
				return true
			}
			iov[1].Base = &bufs[n][0]
			iov[1].SetLen(len(bufs[n]))
			m, _, e := syscall.Syscall(syscall.SYS_READV, fd, uintptr(unsafe.Pointer(&iov[0])), 2)
			switch {
			case e == syscall.EINTR:
				continue
			case e == syscall.EAGAIN:
				return n > 0 // wait in the poller for the first frame only
			case e != 0:
				readErr = e
				return true
			case int(m) < vnetHdrLen:
				continue // no frame
			}
			size := int(m) - vnetHdrLen
			if hdr[0]&vnetFNeedsCsum != 0 && !finishChecksum(bufs[n][:min(size, len(bufs[n]))], hdr) {
				continue // a header that makes no sense: drop the frame
			}
			sizes[n] = size
			if gso != nil {
				gso[n] = 0
				if hdr[1] != vnetGSONone {
					gso[n] = int(binary.LittleEndian.Uint16(hdr[4:]))
				}
			}
			n++
		}
		return true
	})
	if n > 0 {
		return n, nil
	}
	return 0, t.err(err, readErr)
}

func (t *tap) WriteFrames(frames [][]byte, gso []int) (int, error) {
	n := 0
	var writeErr error
	var hdr [vnetHdrLen]byte
	iov := [2]syscall.Iovec{{Base: &hdr[0]}, {}}
	iov[0].SetLen(len(hdr))
	err := t.rc.Write(func(fd uintptr) bool {
		for n < len(frames) {
			if len(frames[n]) == 0 {
				n++
				continue
			}
			// A zero header asks nothing of Linux: checksums complete.
			hdr = [vnetHdrLen]byte{}
			if gso != nil && gso[n] > 0 {
				var ok bool
				if hdr, ok = superSegmentHeader(frames[n], gso[n]); !ok {
					writeErr = syscall.EINVAL
					return true
				}
			}
			iov[1].Base = &frames[n][0]
			iov[1].SetLen(len(frames[n]))
			_, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), 2)
			switch {
			case e == syscall.EINTR:
				continue
			case e == syscall.EAGAIN:
				return false
			case e != 0:
				writeErr = e
				return true
			}
			n++
		}
		return true
	})
	if n == len(frames) {
		return n, nil
	}
	return n, t.err(err, writeErr)
}

func (t *tap) Close() error {
	t.closed.Store(true)
	return Errno(t.f.Close())
}

// err turns the error of a RawConn call, or failing that the one of the
// system call inside it, into an errno. RawConn reports a closed file
// with an error of the internal/poll package, not os.ErrClosed.
func (t *tap) err(connErr, callErr error) error {
	if t.closed.Load() || errors.Is(connErr, os.ErrClosed) {
		return errno.EBADF
	}
	if connErr != nil {
		return Errno(connErr)
	}
	return Errno(callErr)
}

// superSegmentHeader returns the virtio-net header that has Linux cut
// frame, an Ethernet frame holding a TCP/IPv4 super-segment, into
// segments of gso payload bytes and finish their checksums from the
// pseudo-header sum in the TCP checksum field. It reports false when
// the frame holds no such packet.
func superSegmentHeader(frame []byte, gso int) ([vnetHdrLen]byte, bool) {
	var hdr [vnetHdrLen]byte
	l2 := 14
	if len(frame) >= 18 && binary.BigEndian.Uint16(frame[12:]) == 0x8100 {
		l2 = 18 // a VLAN tag
	}
	if len(frame) < l2+20 || binary.BigEndian.Uint16(frame[l2-2:]) != 0x0800 || frame[l2]>>4 != 4 || frame[l2+9] != 6 {
		return hdr, false
	}
	l4 := l2 + int(frame[l2]&0xf)*4
	if len(frame) < l4+20 {
		return hdr, false
	}
	headers := l4 + int(frame[l4+12]>>4)*4
	if headers < l4+20 || headers >= len(frame) || gso <= 0 || gso > 0xffff {
		return hdr, false
	}
	hdr[0] = vnetFNeedsCsum
	hdr[1] = vnetGSOTCPv4
	binary.LittleEndian.PutUint16(hdr[2:], uint16(headers))
	binary.LittleEndian.PutUint16(hdr[4:], uint16(gso))
	binary.LittleEndian.PutUint16(hdr[6:], uint16(l4))
	binary.LittleEndian.PutUint16(hdr[8:], 16) // TCP's checksum field
	return hdr, true
}

// finishChecksum completes the checksum Linux left partial (a frame sent
// with CHECKSUM_PARTIAL): the ones'-complement sum from csum_start to the
// end, whose field at csum_start+csum_offset holds the pseudo-header's
// sum. It reports false when the offsets fall outside the frame.
func finishChecksum(frame []byte, hdr [vnetHdrLen]byte) bool {
	start := int(binary.LittleEndian.Uint16(hdr[6:]))
	offset := int(binary.LittleEndian.Uint16(hdr[8:]))
	field := start + offset
	// The field is a 16-bit word of the summed region (TCP's at 16, UDP's
	// at 6): an odd offset is no checksum at all.
	if start >= len(frame) || field+2 > len(frame) || offset%2 != 0 {
		return false
	}
	var sum uint64
	p := frame[start:]
	for len(p) >= 8 {
		sum += uint64(binary.BigEndian.Uint32(p)) + uint64(binary.BigEndian.Uint32(p[4:]))
		p = p[8:]
	}
	for len(p) >= 2 {
		sum += uint64(binary.BigEndian.Uint16(p))
		p = p[2:]
	}
	if len(p) == 1 {
		sum += uint64(p[0]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	// A result of zero goes out as all ones, as Linux does it
	// (CSUM_MANGLED_0): to UDP a zero means no checksum at all, and the
	// two are the same to a ones'-complement check.
	cs := ^uint16(sum)
	if cs == 0 {
		cs = 0xffff
	}
	binary.BigEndian.PutUint16(frame[field:], cs)
	return true
}
