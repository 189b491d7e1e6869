package tcp

import (
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
)

// SetOption implements socket.PCB.
func (c *conn) SetOption(level, name, value int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := value != 0
	switch level {
	case socket.SOL_SOCKET:
		switch name {
		case socket.SO_REUSEADDR:
			c.reuseAddr = b
		case socket.SO_REUSEPORT:
			c.reusePort = b
		case socket.SO_KEEPALIVE:
			c.keepalive = b
			c.lastRecv = c.s.now()
			if b && c.state.synchronized() {
				c.keep.Schedule(c.keepIdle)
			}
		case socket.SO_SNDBUF:
			if value <= 0 {
				return errno.EINVAL
			}
			c.sndLimit = max(value, 1024)
			c.sndFixed = true
			c.waiters.Wake()
		case socket.SO_RCVBUF:
			if value <= 0 {
				return errno.EINVAL
			}
			c.rcvLimit = max(value, 1024)
			c.rcvFixed = true
		case socket.SO_SNDLOWAT, socket.SO_RCVLOWAT, socket.SO_DEBUG, socket.SO_DONTROUTE, socket.SO_OOBINLINE:
			// Accepted and ignored.
		default:
			return errno.ENOPROTOOPT
		}
	case socket.IPPROTO_IP:
		switch name {
		case socket.IP_TTL:
			if value < 0 || value > 255 {
				return errno.EINVAL
			}
			c.out.TTL = uint8(value)
		case socket.IP_TOS:
			if value < 0 || value > 255 {
				return errno.EINVAL
			}
			c.out.TOS = uint8(value)
		default:
			return errno.ENOPROTOOPT
		}
	case socket.IPPROTO_TCP:
		switch name {
		case socket.TCP_NODELAY:
			c.nodelay = b
			if b {
				c.output()
			}
		case socket.TCP_MAXSEG:
			if value < 64 || value > 65535 {
				return errno.EINVAL
			}
			c.userMSS = value
			if c.state <= stateListen {
				break
			}
			c.mss = min(c.mss, value)
		case socket.TCP_KEEPIDLE:
			if value < 1 {
				return errno.EINVAL
			}
			c.keepIdle = time.Duration(value) * time.Second
		case socket.TCP_KEEPINTVL:
			if value < 1 {
				return errno.EINVAL
			}
			c.keepIntvl = time.Duration(value) * time.Second
		case socket.TCP_KEEPCNT:
			if value < 1 {
				return errno.EINVAL
			}
			c.keepCnt = value
		case socket.TCP_KEEPINIT:
			if value < 1 {
				return errno.EINVAL
			}
			c.keepInit = time.Duration(value) * time.Second
		default:
			return errno.ENOPROTOOPT
		}
	default:
		return errno.ENOPROTOOPT
	}
	return nil
}

// Option implements socket.PCB.
func (c *conn) Option(level, name int) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	bi := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	switch level {
	case socket.SOL_SOCKET:
		switch name {
		case socket.SO_REUSEADDR:
			return bi(c.reuseAddr), nil
		case socket.SO_REUSEPORT:
			return bi(c.reusePort), nil
		case socket.SO_KEEPALIVE:
			return bi(c.keepalive), nil
		case socket.SO_SNDBUF:
			return c.sndLimit, nil
		case socket.SO_RCVBUF:
			return c.rcvLimit, nil
		case socket.SO_ACCEPTCONN:
			return bi(c.state == stateListen), nil
		}
	case socket.IPPROTO_IP:
		switch name {
		case socket.IP_TTL:
			if c.out.TTL == 0 {
				return 64, nil
			}
			return int(c.out.TTL), nil
		case socket.IP_TOS:
			return int(c.out.TOS), nil
		}
	case socket.IPPROTO_TCP:
		switch name {
		case socket.TCP_NODELAY:
			return bi(c.nodelay), nil
		case socket.TCP_MAXSEG:
			if c.state.synchronized() || c.state == stateSynRcvd {
				return c.payloadMSS(), nil
			}
			if c.userMSS > 0 {
				return c.userMSS, nil
			}
			return int(c.s.p.mssdflt.Load()), nil
		case socket.TCP_KEEPIDLE:
			return int(c.keepIdle / time.Second), nil
		case socket.TCP_KEEPINTVL:
			return int(c.keepIntvl / time.Second), nil
		case socket.TCP_KEEPCNT:
			return c.keepCnt, nil
		case socket.TCP_KEEPINIT:
			return int(c.keepInit / time.Second), nil
		}
	}
	return 0, errno.ENOPROTOOPT
}

// SetCongestion chooses the connection's congestion control ("cubic" or
// "newreno"), as NetBSD's TCP_CONGCTL does. EINVAL for an unknown name.
func SetCongestion(pcb socket.PCB, name string) error {
	c, ok := pcb.(*conn)
	if !ok {
		return errno.EINVAL
	}
	cc := newCongestion(name)
	if cc == nil {
		return errno.EINVAL
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cc = cc
	if c.state.synchronized() {
		cw, st := c.cwnd, c.ssthresh
		cc.init(c)
		c.cwnd, c.ssthresh = cw, st
	}
	return nil
}
