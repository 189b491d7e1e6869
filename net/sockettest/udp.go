package sockettest

import (
	"bytes"
	"net/netip"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

func init() {
	cases = append(cases,
		testCase{"bind-conflict", udp, udpBindConflict},
		testCase{"ephemeral-ports", udp, ephemeralPorts(udp)},
		testCase{"datagram-boundaries", udp, udpBoundaries},
		testCase{"peek-trunc", udp, udpPeekTrunc},
		testCase{"fionread", udp, udpQueued},
		testCase{"connected-refused", udp, udpConnectedRefused},
		testCase{"connected-filter", udp, udpConnectedFilter},
		testCase{"nonblocking-recv-poll", udp, udpNonblocking},
		testCase{"rcvtimeo", udp, rcvTimeout(udp)},
		testCase{"large-datagrams", udp, udpLarge},
		testCase{"shutdown", udp, udpShutdown},
	)
}

func udpBindConflict(c *C) {
	_, addr := c.bound(udp, 0)
	fd2 := c.socket(c.Server, udp, 0)
	c.wantErr("bind a bound address", c.Server.Bind(fd2, addr), errno.EADDRINUSE)
	wild := netip.AddrPortFrom(netip.IPv4Unspecified(), addr.Port())
	c.wantErr("bind the wildcard on the port", c.Server.Bind(fd2, wild), errno.EADDRINUSE)
	c.must("SO_REUSEADDR", c.Server.SetSockOpt(fd2, rump.SOL_SOCKET, rump.SO_REUSEADDR, 1))
	c.must("bind the wildcard with SO_REUSEADDR", c.Server.Bind(fd2, wild))
	// SO_REUSEPORT on every socket: an identical binding is shared, and
	// a unicast datagram reaches exactly one of them.
	var fds []int
	for range 3 {
		fd := c.socket(c.Server, udp, 0)
		c.must("SO_REUSEPORT", c.Server.SetSockOpt(fd, rump.SOL_SOCKET, rump.SO_REUSEPORT, 1))
		fds = append(fds, fd)
	}
	c.must("bind", c.Server.Bind(fds[0], netip.AddrPortFrom(c.ServerAddr, 0)))
	shared, _ := c.Server.GetSockName(fds[0])
	for _, fd := range fds[1:] {
		c.must("bind a shared port", c.Server.Bind(fd, shared))
	}
	other := c.socket(c.Server, udp, 0)
	c.wantErr("bind without SO_REUSEPORT", c.Server.Bind(other, shared), errno.EADDRINUSE)
	cfd := c.socket(c.Client, udp, 0)
	_, err := c.Client.SendTo(cfd, []byte("one"), 0, shared)
	c.must("sendto", err)
	got := 0
	deadline := time.Now().Add(c.wait())
	for got == 0 && time.Now().Before(deadline) {
		for _, fd := range fds {
			if _, err := c.Server.Recv(fd, make([]byte, 8), rump.MSG_DONTWAIT); err == nil {
				got++
			}
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	for _, fd := range fds {
		if _, err := c.Server.Recv(fd, make([]byte, 8), rump.MSG_DONTWAIT); err == nil {
			got++
		}
	}
	if got != 1 {
		c.Errorf("a unicast datagram reached %d of the sockets sharing a port, want 1", got)
	}
}

// recvWait receives one datagram, waiting up to the case's wait.
func (c *C) recvWait(p *rump.Proc, fd int, b []byte, flags int) (int, netip.AddrPort, int, error) {
	c.Helper()
	c.must("SO_RCVTIMEO", p.SetSockOptTimeval(fd, rump.SO_RCVTIMEO, c.wait()))
	return p.RecvMsg(fd, [][]byte{b}, flags)
}

func udpBoundaries(c *C) {
	sfd, saddr := c.bound(udp, 0)
	cfd := c.socket(c.Client, udp, 0)
	msgs := [][]byte{[]byte("first"), {}, pattern(1000, 5), []byte("last")}
	for _, m := range msgs {
		_, err := c.Client.SendTo(cfd, m, 0, saddr)
		c.must("sendto", err)
	}
	caddr, _ := c.Client.GetSockName(cfd)
	b := make([]byte, 2000)
	for i, m := range msgs {
		n, from, out, err := c.recvWait(c.Server, sfd, b, 0)
		c.must("recv", err)
		if !bytes.Equal(b[:n], m) || out != 0 {
			c.Errorf("datagram %d: got %d bytes (out-flags %#x), want %d", i, n, out, len(m))
		}
		if from.Port() != caddr.Port() || from.Addr() != c.ClientAddr {
			c.Errorf("datagram %d from %v, want %v:%d", i, from, c.ClientAddr, caddr.Port())
		}
	}
}

// udpQueued checks FIONREAD: the payload of every queued datagram, as
// NetBSD counts it.
func udpQueued(c *C) {
	sfd, saddr := c.bound(udp, 0)
	cfd := c.socket(c.Client, udp, 0)
	for _, n := range []int{5, 1000} {
		_, err := c.Client.SendTo(cfd, pattern(n, 2), 0, saddr)
		c.must("sendto", err)
	}
	c.eventually("1005 bytes queued", func() bool {
		n, _ := c.Server.Queued(sfd)
		return n == 1005
	})
	b := make([]byte, 2000)
	if n, _, _, err := c.recvWait(c.Server, sfd, b, 0); n != 5 || err != nil {
		c.Fatalf("recv: %d, %v", n, err)
	}
	if n, err := c.Server.Queued(sfd); n != 1000 || err != nil {
		c.Errorf("FIONREAD after one datagram: %d, %v", n, err)
	}
}

func udpPeekTrunc(c *C) {
	cfd, sfd, _ := c.udpPair()
	_, err := c.Client.Write(cfd, []byte("0123456789"))
	c.must("write", err)
	b := make([]byte, 4)
	n, _, out, err := c.recvWait(c.Server, sfd, b, rump.MSG_PEEK)
	c.must("peek", err)
	if string(b[:n]) != "0123" || out&rump.MSG_TRUNC == 0 {
		c.Errorf("peek into 4 bytes: %q out-flags %#x, want MSG_TRUNC", b[:n], out)
	}
	big := make([]byte, 64)
	n, _, out, err = c.Server.RecvMsg(sfd, [][]byte{big}, 0)
	if err != nil || string(big[:n]) != "0123456789" || out != 0 {
		c.Errorf("read after peek: %q out-flags %#x, %v", big[:n], out, err)
	}
	// A short read drops the rest of the datagram.
	c.Client.Write(cfd, []byte("abcdef"))
	c.Client.Write(cfd, []byte("next"))
	n, _, out, err = c.recvWait(c.Server, sfd, b[:3], 0)
	if err != nil || string(b[:n]) != "abc" || out&rump.MSG_TRUNC == 0 {
		c.Errorf("short read: %q out-flags %#x, %v", b[:n], out, err)
	}
	n, _, _, err = c.recvWait(c.Server, sfd, big, 0)
	if err != nil || string(big[:n]) != "next" {
		c.Errorf("datagram after a truncated one: %q, %v", big[:n], err)
	}
	// Scatter into several buffers.
	c.Client.Write(cfd, []byte("scattered"))
	b1, b2 := make([]byte, 4), make([]byte, 10)
	c.must("SO_RCVTIMEO", c.Server.SetSockOptTimeval(sfd, rump.SO_RCVTIMEO, c.wait()))
	n, _, _, err = c.Server.RecvMsg(sfd, [][]byte{b1, b2}, 0)
	if err != nil || n != 9 || string(b1)+string(b2[:5]) != "scattered" {
		c.Errorf("recvmsg into two buffers: %d %q %q, %v", n, b1, b2, err)
	}
}

func udpConnectedRefused(c *C) {
	fd, addr := c.bound(udp, 0)
	c.Server.Close(fd)
	cfd := c.socket(c.Client, udp, 0)
	c.must("connect", c.Client.Connect(cfd, addr))
	_, err := c.Client.Write(cfd, []byte("anyone?"))
	c.must("send", err)
	_, _, _, err = c.recvWait(c.Client, cfd, make([]byte, 8), 0)
	c.wantErr("recv on a connected socket after sending to a closed port", err, errno.ECONNREFUSED)
	// An unconnected socket hears nothing of it.
	ufd := c.socket(c.Client, udp, 0)
	c.Client.SendTo(ufd, []byte("anyone?"), 0, addr)
	c.must("SO_RCVTIMEO", c.Client.SetSockOptTimeval(ufd, rump.SO_RCVTIMEO, 50*time.Millisecond))
	_, err = c.Client.Recv(ufd, make([]byte, 8), 0)
	c.wantErr("recv on an unconnected socket", err, errno.EAGAIN)
}

func udpConnectedFilter(c *C) {
	sfd, saddr := c.bound(udp, 0)
	a := c.socket(c.Client, udp, 0)
	b := c.socket(c.Client, udp, 0)
	c.must("bind", c.Client.Bind(a, netip.AddrPortFrom(c.ClientAddr, 0)))
	aaddr, _ := c.Client.GetSockName(a)
	c.must("connect", c.Server.Connect(sfd, aaddr))
	if p, err := c.Server.GetPeerName(sfd); err != nil || p != aaddr {
		c.Errorf("getpeername %v, %v", p, err)
	}
	c.Client.SendTo(b, []byte("stranger"), 0, saddr)
	c.Client.SendTo(a, []byte("peer"), 0, saddr)
	buf := make([]byte, 16)
	n, from, _, err := c.recvWait(c.Server, sfd, buf, 0)
	if err != nil || string(buf[:n]) != "peer" || from != aaddr {
		c.Errorf("connected socket received %q from %v, %v; want only its peer's", buf[:n], from, err)
	}
	_, err = c.Server.SendTo(sfd, []byte("x"), 0, saddr)
	c.wantErr("sendto with an address on a connected socket", err, errno.EISCONN)
	_, err = c.Client.Send(b, []byte("x"), 0)
	if e := errnoOf(err); e != errno.ENOTCONN && e != errno.EDESTADDRREQ {
		c.Errorf("send without an address on an unconnected socket: %v", errString(err))
	}
	_, err = c.Client.GetPeerName(b)
	c.wantErr("getpeername unconnected", err, errno.ENOTCONN)
}

func udpNonblocking(c *C) {
	cfd, sfd, _ := c.udpPair()
	c.must("FIONBIO", c.Server.SetNonblock(sfd, true))
	_, err := c.Server.Read(sfd, make([]byte, 4))
	c.wantErr("non-blocking read of an empty socket", err, errno.EAGAIN)
	if ev := c.poll(c.Server, sfd, rump.POLLIN|rump.POLLOUT, 0); ev != rump.POLLOUT {
		c.Errorf("empty socket polls %#x, want POLLOUT", ev)
	}
	c.Client.Write(cfd, []byte("x"))
	if ev := c.poll(c.Server, sfd, rump.POLLIN, c.wait()); ev&rump.POLLIN == 0 {
		c.Errorf("socket with a datagram polls %#x", ev)
	}
	if n, err := c.Server.Read(sfd, make([]byte, 4)); n != 1 || err != nil {
		c.Errorf("read: %d, %v", n, err)
	}
}

func udpLarge(c *C) {
	cfd, sfd, _ := c.udpPair()
	_, err := c.Client.Write(cfd, make([]byte, 70000))
	c.wantErr("a datagram over 65507 bytes", err, errno.EMSGSIZE)
	c.must("SO_SNDBUF", c.Client.SetSockOpt(cfd, rump.SOL_SOCKET, rump.SO_SNDBUF, 65536))
	c.must("SO_RCVBUF", c.Server.SetSockOpt(sfd, rump.SOL_SOCKET, rump.SO_RCVBUF, 200000))
	_, err = c.Client.Write(cfd, make([]byte, 65508))
	c.wantErr("a datagram of 65508 bytes", err, errno.EMSGSIZE)
	for _, size := range []int{1472, 1473, 8000, 65507} {
		m := pattern(size, byte(size))
		n, err := c.Client.Write(cfd, m)
		if err != nil || n != size {
			c.Errorf("send %d bytes: %d, %v", size, n, err)
			continue
		}
		b := make([]byte, 70000)
		n, _, out, err := c.recvWait(c.Server, sfd, b, 0)
		if err != nil || !bytes.Equal(b[:n], m) || out != 0 {
			c.Errorf("datagram of %d bytes: received %d (out-flags %#x), %v", size, n, out, err)
		}
	}
}

func udpShutdown(c *C) {
	cfd, sfd, _ := c.udpPair()
	c.must("shutdown SHUT_WR", c.Client.Shutdown(cfd, rump.SHUT_WR))
	_, err := c.Client.Write(cfd, []byte("x"))
	c.wantErr("send after SHUT_WR", err, errno.EPIPE)
	c.must("shutdown SHUT_RD", c.Server.Shutdown(sfd, rump.SHUT_RD))
	if n, err := c.Server.Read(sfd, make([]byte, 4)); n != 0 || err != nil {
		c.Errorf("read after SHUT_RD: %d, %v; want 0", n, err)
	}
}
