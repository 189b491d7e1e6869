package sys

import (
	"time"

	"github.com/gorump/gorump/net/socket"
)

// sendmmsg and recvmmsg: several messages in one call, over sendmsg
// and recvmsg, as NetBSD's uipc_syscalls.c makes them.

// Layout of struct mmsghdr (sys/socket.h): a msghdr and the bytes it
// moved.
const (
	SizeofMmsghdr = 56
	offMmsgLen    = 48
)

// Message flags of the mmsg calls (sys/socket.h).
const (
	MSG_WAITFORONE = 0x2000   // recvmmsg: wait for the first message only
	MSG_USERFLAGS  = 0xffffff // the flags a caller may pass
	// maxMmsg bounds vlen; NetBSD cuts a longer vector to it.
	maxMmsg = 1024
)

// putMsgLen stores msg_len of the mmsghdr at addr.
func (c *call) putMsgLen(addr uint64, n int64) error {
	var b [4]byte
	c.abi.order.PutUint32(b[:], uint32(n))
	return copyOut(c.as, addr+offMmsgLen, b[:])
}

// sendmmsg: s, mmsg, vlen, flags. It sends the messages in order until
// one fails and returns how many went, setting each one's msg_len. The
// failure is the call's error only when no message went; NetBSD keeps a
// later one as the socket's pending error (SO_ERROR), gorump drops it.
func sysSendmmsg(c *call) (int64, error) {
	fd, base, vlen, flags := c.int(0), c.ptr(1), min(c.uint(2), maxMmsg), int(c.uint(3)&MSG_USERFLAGS)
	if _, err := c.sockType(fd); err != nil {
		return 0, err
	}
	var dg uint32
	var err error
	for ; dg < vlen; dg++ {
		addr := base + uint64(dg)*SizeofMmsghdr
		var n int64
		if n, err = c.sendmsg(fd, addr, flags); err != nil {
			break
		}
		if err = c.putMsgLen(addr, n); err != nil {
			break
		}
	}
	if dg > 0 {
		return int64(dg), nil
	}
	return 0, err
}

// recvmmsg: s, mmsg, vlen, flags, timeout. It receives up to vlen
// messages and returns how many came, setting each one's msghdr and
// msg_len. With MSG_WAITFORONE only the first receive may wait. An
// error after the first message ends the call without being reported
// (EAGAIN: no more waiting messages), as on NetBSD, which keeps it as
// the socket's pending error. timeout is NetBSD's: not a bound on the
// wait, but checked after each message, the call ending once a second
// has passed beyond it; it is not validated.
func sysRecvmmsg(c *call) (int64, error) {
	fd, base, flags, taddr := c.int(0), c.ptr(1), int(c.uint(3)&MSG_USERFLAGS), c.ptr(4)
	var deadline time.Duration
	if taddr != 0 {
		var b [SizeofTimespec]byte
		if err := copyIn(c.as, taddr, b[:]); err != nil {
			return 0, err
		}
		now, _ := c.clockNow(CLOCK_REALTIME)
		deadline = durationOf(now) + durationOf(c.abi.Timespec(b[:]))
	}
	if _, err := c.sockType(fd); err != nil {
		return 0, err
	}
	vlen := min(c.uint(2), maxMmsg)
	var dg uint32
	var err error
	for dg < vlen {
		addr := base + uint64(dg)*SizeofMmsghdr
		n, outFlags, rerr := c.recvmsg(fd, addr, flags&^MSG_WAITFORONE)
		if err = rerr; err != nil {
			break
		}
		if err = c.putMsgLen(addr, n); err != nil {
			break
		}
		dg++
		if outFlags&socket.MSG_OOB != 0 {
			break
		}
		if taddr != 0 {
			now, _ := c.clockNow(CLOCK_REALTIME)
			if durationOf(now)-deadline >= time.Second {
				break
			}
		}
		if flags&MSG_WAITFORONE != 0 {
			flags |= socket.MSG_DONTWAIT
		}
	}
	if dg > 0 {
		return int64(dg), nil
	}
	return 0, err
}
