package tcp

import (
	"net/netip"
	"testing"
	"testing/synctest"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
)

// The PCB's errors outside the states where an operation makes sense.
func TestPCBErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		p := c.s.NewPCB(nil)
		if _, err := p.Send([]byte("x"), netip.AddrPort{}, 0); err != errno.ENOTCONN {
			t.Errorf("send unconnected: %v", err)
		}
		if _, _, _, err := p.Recv(make([]byte, 1), 0); err != errno.ENOTCONN {
			t.Errorf("recv unconnected: %v", err)
		}
		if _, err := p.Accept(); err != errno.EINVAL {
			t.Errorf("accept unlistening: %v", err)
		}
		if err := p.Shutdown(socket.SHUT_WR); err != errno.ENOTCONN {
			t.Errorf("shutdown unconnected: %v", err)
		}
		if _, err := p.RemoteAddr(); err != errno.ENOTCONN {
			t.Errorf("remote addr: %v", err)
		}
		if err := p.SetOption(socket.SOL_SOCKET, 0x7777, 1); err != errno.ENOPROTOOPT {
			t.Errorf("unknown option: %v", err)
		}
		if _, err := p.Option(socket.IPPROTO_TCP, 0x7777); err != errno.ENOPROTOOPT {
			t.Errorf("unknown option: %v", err)
		}
		if err := p.Connect(netip.AddrPortFrom(remoteAddr, 0)); err != errno.EADDRNOTAVAIL {
			t.Errorf("connect to port 0: %v", err)
		}
		if err := p.Listen(5); err != nil {
			t.Fatal(err)
		}
		if p.LocalAddr().Port() < ephemeralLow {
			t.Errorf("listen bound %v", p.LocalAddr())
		}
		if err := p.Connect(netip.AddrPortFrom(remoteAddr, 1)); err != errno.EOPNOTSUPP {
			t.Errorf("connect a listener: %v", err)
		}
		if _, _, _, err := p.Recv(make([]byte, 1), 0); err != errno.ENOTCONN {
			t.Errorf("recv on a listener: %v", err)
		}
		if v, _ := p.Option(socket.SOL_SOCKET, socket.SO_ACCEPTCONN); v != 1 {
			t.Errorf("SO_ACCEPTCONN %d", v)
		}
		p.Close(false)
	})
}

// Options read back what was set.
func TestOptionsRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		p := c.s.NewPCB(nil)
		for _, o := range []struct{ level, name, value int }{
			{socket.SOL_SOCKET, socket.SO_REUSEADDR, 1},
			{socket.SOL_SOCKET, socket.SO_REUSEPORT, 1},
			{socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1},
			{socket.SOL_SOCKET, socket.SO_SNDBUF, 100000},
			{socket.SOL_SOCKET, socket.SO_RCVBUF, 200000},
			{socket.IPPROTO_IP, socket.IP_TTL, 9},
			{socket.IPPROTO_IP, socket.IP_TOS, 0x10},
			{socket.IPPROTO_TCP, socket.TCP_NODELAY, 1},
			{socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1000},
			{socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 30},
			{socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 5},
			{socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 4},
			{socket.IPPROTO_TCP, socket.TCP_KEEPINIT, 20},
		} {
			if err := p.SetOption(o.level, o.name, o.value); err != nil {
				t.Errorf("set %#x/%#x: %v", o.level, o.name, err)
			}
			if v, err := p.Option(o.level, o.name); err != nil || v != o.value {
				t.Errorf("option %#x/%#x = %d, %v; want %d", o.level, o.name, v, err, o.value)
			}
		}
		if err := p.SetOption(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 10); err != errno.EINVAL {
			t.Errorf("TCP_MAXSEG 10: %v", err)
		}
		// IP_TTL reaches the packets.
		p.Connect(netip.AddrPortFrom(remoteAddr, remotePort))
		c.net.mu.Lock()
		o := c.net.lastOut
		c.net.mu.Unlock()
		if o.TTL != 9 || o.TOS != 0x10 || !o.DontFrag || o.Proto != 6 || o.Dst != remoteAddr || o.Src != localAddr {
			t.Errorf("SYN sent with %+v", o)
		}
	})
}

// The protocol registers with the socket layer and attaches only in a
// kernel whose TCP is up.
func TestAttach(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		pcb, err := protocol{}.Attach(c.k, nil)
		if StackOf(c.k) == nil {
			if err != errno.EPROTONOSUPPORT {
				t.Fatalf("attach without IPv4: %v", err)
			}
			return
		}
		if err != nil || pcb == nil {
			t.Fatal(err)
		}
	})
}
