package sockettest

import (
	"bytes"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

func init() {
	cases = append(cases,
		testCase{"bind-conflict", tcp, tcpBindConflict},
		testCase{"ephemeral-ports", tcp, ephemeralPorts(tcp)},
		testCase{"connect-refused", tcp, tcpConnectRefused},
		testCase{"listen-backlog", tcp, tcpBacklog},
		testCase{"accept-addresses", tcp, tcpAcceptAddresses},
		testCase{"nonblocking-connect", tcp, tcpNonblockingConnect},
		testCase{"nonblocking-accept", tcp, tcpNonblockingAccept},
		testCase{"nonblocking-recv", tcp, tcpNonblockingRecv},
		testCase{"nonblocking-send", tcp, tcpNonblockingSend},
		testCase{"poll-readiness", tcp, tcpPoll},
		testCase{"shutdown-write", tcp, tcpShutdownWrite},
		testCase{"shutdown-read", tcp, tcpShutdownRead},
		testCase{"close-with-pending-data", tcp, tcpClosePending},
		testCase{"linger-zero-resets", tcp, tcpLingerZero},
		testCase{"linger-positive", tcp, tcpLingerPositive},
		testCase{"rcvtimeo", tcp, rcvTimeout(tcp)},
		testCase{"peek-waitall", tcp, tcpPeekWaitAll},
		testCase{"fionread", tcp, tcpQueued},
		testCase{"large-transfer-both-ways", tcp, tcpLargeBothWays},
		testCase{"many-connections", tcp, tcpManyConnections},
		testCase{"listener-options", tcp, tcpListenerOptions},
	)
}

func tcpBindConflict(c *C) {
	fd, addr := c.bound(tcp, 0)
	c.must("listen", c.Server.Listen(fd, 1))
	fd2 := c.socket(c.Server, tcp, 0)
	c.wantErr("bind to a listening address", c.Server.Bind(fd2, addr), errno.EADDRINUSE)
	wild := netip.AddrPortFrom(netip.IPv4Unspecified(), addr.Port())
	c.wantErr("bind the wildcard on the port", c.Server.Bind(fd2, wild), errno.EADDRINUSE)
	// SO_REUSEPORT on both lets two sockets share an address.
	a := c.socket(c.Server, tcp, 0)
	b := c.socket(c.Server, tcp, 0)
	for _, s := range []int{a, b} {
		c.must("SO_REUSEPORT", c.Server.SetSockOpt(s, rump.SOL_SOCKET, rump.SO_REUSEPORT, 1))
	}
	c.must("bind first", c.Server.Bind(a, netip.AddrPortFrom(c.ServerAddr, 0)))
	shared, _ := c.Server.GetSockName(a)
	c.must("bind second with SO_REUSEPORT", c.Server.Bind(b, shared))
	// After the listener closes, the port is free again (SO_REUSEADDR,
	// as servers set it).
	c.must("close", c.Server.Close(fd))
	fd3 := c.socket(c.Server, tcp, 0)
	c.must("SO_REUSEADDR", c.Server.SetSockOpt(fd3, rump.SOL_SOCKET, rump.SO_REUSEADDR, 1))
	c.must("bind a closed listener's address", c.Server.Bind(fd3, addr))
	c.wantErr("bind twice", c.Server.Bind(fd3, netip.AddrPortFrom(c.ServerAddr, 0)), errno.EINVAL)
}

func ephemeralPorts(pr proto) func(c *C) {
	return func(c *C) {
		seen := map[uint16]bool{}
		for range 10 {
			fd := c.socket(c.Server, pr, 0)
			c.must("bind port 0", c.Server.Bind(fd, netip.AddrPortFrom(c.ServerAddr, 0)))
			a, err := c.Server.GetSockName(fd)
			c.must("getsockname", err)
			if a.Port() < 1024 || seen[a.Port()] {
				c.Errorf("ephemeral port %d: reserved or handed out twice", a.Port())
			}
			if a.Addr() != c.ServerAddr {
				c.Errorf("bound to %v, asked for %v", a.Addr(), c.ServerAddr)
			}
			seen[a.Port()] = true
		}
		// An unbound socket gets a port when it connects (TCP) or sends
		// (UDP).
		sfd, saddr := c.bound(pr, 0)
		if pr == tcp {
			c.must("listen", c.Server.Listen(sfd, 1))
		}
		cfd := c.socket(c.Client, pr, 0)
		if a, _ := c.Client.GetSockName(cfd); a.Port() != 0 {
			c.Errorf("unbound socket has port %d", a.Port())
		}
		if pr == tcp {
			c.must("connect", c.Client.Connect(cfd, saddr))
		} else {
			_, err := c.Client.SendTo(cfd, []byte("x"), 0, saddr)
			c.must("sendto", err)
		}
		a, _ := c.Client.GetSockName(cfd)
		if a.Port() < 1024 {
			c.Errorf("implicitly bound socket has port %d", a.Port())
		}
		if pr == tcp && a.Addr() != c.ClientAddr {
			c.Errorf("connected socket's local address %v, want %v", a.Addr(), c.ClientAddr)
		}
	}
}

func tcpConnectRefused(c *C) {
	// A port that was bound and closed again is surely unused.
	fd, addr := c.bound(tcp, 0)
	c.Server.Close(fd)
	cfd := c.socket(c.Client, tcp, 0)
	c.wantErr("connect to a closed port", c.Client.Connect(cfd, addr), errno.ECONNREFUSED)
	// Non-blocking: EINPROGRESS, then the error through poll and
	// SO_ERROR.
	nfd := c.socket(c.Client, tcp, rump.SOCK_NONBLOCK)
	err := c.Client.Connect(nfd, addr)
	if err == nil {
		c.Fatal("non-blocking connect to a closed port succeeded")
	}
	if errnoOf(err) == errno.EINPROGRESS {
		if ev := c.poll(c.Client, nfd, rump.POLLOUT, c.wait()); ev&(rump.POLLERR|rump.POLLHUP) == 0 {
			c.Errorf("poll after a refused connect: %#x, want POLLERR or POLLHUP", ev)
		}
		v, err := c.Client.GetSockOpt(nfd, rump.SOL_SOCKET, rump.SO_ERROR)
		c.must("SO_ERROR", err)
		if errno.Errno(v) != errno.ECONNREFUSED {
			c.Errorf("SO_ERROR %v, want ECONNREFUSED", errno.Errno(v).Name())
		}
	} else {
		c.wantErr("non-blocking connect to a closed port", err, errno.ECONNREFUSED)
	}
}

func errnoOf(err error) errno.Errno {
	e, _ := errno.From(err).(errno.Errno)
	return e
}

func tcpBacklog(c *C) {
	lfd, addr := c.listener(2)
	var cfds []int
	for range 2 {
		fd := c.socket(c.Client, tcp, 0)
		c.must("connect within the backlog", c.Client.Connect(fd, addr))
		cfds = append(cfds, fd)
	}
	if ev := c.poll(c.Server, lfd, rump.POLLIN, c.wait()); ev&rump.POLLIN == 0 {
		c.Fatalf("listener with queued connections polls %#x", ev)
	}
	// Accept hands them out in the order they completed: the order of
	// the connects, unless the link lost the ACK that completed one.
	var want []netip.AddrPort
	for _, cfd := range cfds {
		local, _ := c.Client.GetSockName(cfd)
		want = append(want, local)
	}
	for i := range cfds {
		sfd, peer, err := c.Server.Accept(lfd)
		c.must("accept", err)
		switch j := slices.Index(want, peer); {
		case j < 0:
			c.Errorf("accept %d: peer %v, not one of the clients %v", i, peer, want)
		case j != 0 && !c.cfg.Lossy:
			c.Errorf("accept %d: peer %v, want %v", i, peer, want[0])
		default:
			want = slices.Delete(want, j, j+1)
		}
		c.Server.Close(sfd)
	}
	if ev := c.poll(c.Server, lfd, rump.POLLIN, 0); ev != 0 {
		c.Errorf("drained listener polls %#x", ev)
	}
}

func tcpAcceptAddresses(c *C) {
	lfd, addr := c.listener(1)
	if v, err := c.Server.GetSockOpt(lfd, rump.SOL_SOCKET, rump.SO_ACCEPTCONN); err != nil || v == 0 {
		c.Errorf("SO_ACCEPTCONN on a listener: %d, %v", v, err)
	}
	_, err := c.Server.GetPeerName(lfd)
	c.wantErr("getpeername on a listener", err, errno.ENOTCONN)
	cfd := c.socket(c.Client, tcp, 0)
	_, err = c.Client.GetPeerName(cfd)
	c.wantErr("getpeername before connect", err, errno.ENOTCONN)
	c.must("connect", c.Client.Connect(cfd, addr))
	sfd, peer, err := c.Server.Accept(lfd)
	c.must("accept", err)
	defer c.Server.Close(sfd)
	clocal, _ := c.Client.GetSockName(cfd)
	cpeer, _ := c.Client.GetPeerName(cfd)
	slocal, _ := c.Server.GetSockName(sfd)
	speer, _ := c.Server.GetPeerName(sfd)
	if cpeer != addr || slocal != addr {
		c.Errorf("server address %v: client's peer %v, accepted socket's name %v", addr, cpeer, slocal)
	}
	if peer != clocal || speer != clocal {
		c.Errorf("client address %v: accept gave %v, getpeername %v", clocal, peer, speer)
	}
	if v, _ := c.Server.GetSockOpt(sfd, rump.SOL_SOCKET, rump.SO_TYPE); v != rump.SOCK_STREAM {
		c.Errorf("SO_TYPE %d", v)
	}
}

func tcpNonblockingConnect(c *C) {
	lfd, addr := c.listener(4)
	fd := c.socket(c.Client, tcp, rump.SOCK_NONBLOCK)
	err := c.Client.Connect(fd, addr)
	if err != nil && errnoOf(err) != errno.EINPROGRESS {
		c.Fatalf("non-blocking connect: %v", err)
	}
	if err != nil {
		if err := c.Client.Connect(fd, addr); err != nil && errnoOf(err) != errno.EALREADY && errnoOf(err) != errno.EISCONN {
			c.Errorf("second connect while connecting: %v, want EALREADY (or EISCONN if done)", errString(err))
		}
		if ev := c.poll(c.Client, fd, rump.POLLOUT, c.wait()); ev&rump.POLLOUT == 0 {
			c.Fatalf("poll for the connect: %#x", ev)
		}
	}
	v, err := c.Client.GetSockOpt(fd, rump.SOL_SOCKET, rump.SO_ERROR)
	if err != nil || v != 0 {
		c.Errorf("SO_ERROR after connecting: %d, %v", v, err)
	}
	c.wantErr("connect when connected", c.Client.Connect(fd, addr), errno.EISCONN)
	sfd, _, err := c.Server.Accept(lfd)
	c.must("accept", err)
	c.Server.Close(sfd)
}

func tcpNonblockingAccept(c *C) {
	lfd, addr := c.listener(4)
	c.must("FIONBIO", c.Server.SetNonblock(lfd, true))
	_, _, err := c.Server.Accept(lfd)
	c.wantErr("non-blocking accept with no connection", err, errno.EAGAIN)
	cfd := c.socket(c.Client, tcp, 0)
	c.must("connect", c.Client.Connect(cfd, addr))
	var sfd int
	c.eventually("accept", func() bool {
		sfd, _, err = c.Server.Accept(lfd)
		return err == nil
	})
	defer c.Server.Close(sfd)
	fl, _ := c.Server.Fcntl(sfd, rump.F_GETFL, 0)
	if fl&rump.O_NONBLOCK == 0 {
		c.Errorf("accepted socket lost the listener's O_NONBLOCK")
	}
	// accept4 takes the flags it is given instead.
	cfd2 := c.socket(c.Client, tcp, 0)
	c.must("connect", c.Client.Connect(cfd2, addr))
	var sfd2 int
	c.eventually("accept4", func() bool {
		sfd2, _, err = c.Server.Accept4(lfd, rump.SOCK_CLOEXEC)
		return err == nil
	})
	defer c.Server.Close(sfd2)
	fl, _ = c.Server.Fcntl(sfd2, rump.F_GETFL, 0)
	fd, _ := c.Server.Fcntl(sfd2, rump.F_GETFD, 0)
	if fl&rump.O_NONBLOCK != 0 || fd&rump.FD_CLOEXEC == 0 {
		c.Errorf("accept4(SOCK_CLOEXEC): flags %#x, fd flags %#x", fl, fd)
	}
}

func tcpNonblockingRecv(c *C) {
	cfd, sfd := c.connected()
	b := make([]byte, 10)
	_, err := c.Server.Recv(sfd, b, rump.MSG_DONTWAIT)
	c.wantErr("MSG_DONTWAIT with nothing to read", err, errno.EAGAIN)
	_, err = c.Server.Fcntl(sfd, rump.F_SETFL, rump.O_NONBLOCK)
	c.must("F_SETFL", err)
	_, err = c.Server.Read(sfd, b)
	c.wantErr("O_NONBLOCK read with nothing to read", err, errno.EAGAIN)
	c.writeAll(c.Client, cfd, []byte("now"))
	var n int
	c.eventually("data arrives", func() bool {
		n, err = c.Server.Read(sfd, b)
		return err == nil
	})
	if string(b[:n]) != "now" {
		c.Errorf("read %q", b[:n])
	}
}

func tcpNonblockingSend(c *C) {
	cfd, sfd := c.connected()
	c.must("FIONBIO", c.Client.SetNonblock(cfd, true))
	chunk := pattern(64<<10, 1)
	total := 0
	var err error
	for i := 0; i < 4096; i++ {
		// Continue the endless repetition of chunk where the last
		// (perhaps partial) write stopped.
		var n int
		n, err = c.Client.Write(cfd, rotated(chunk, total, len(chunk)))
		total += n
		if err != nil {
			break
		}
	}
	c.wantErr("non-blocking writes into a peer that does not read", err, errno.EAGAIN)
	if total == 0 {
		c.Fatal("nothing was sent before EAGAIN")
	}
	// Data in flight at EAGAIN may still be acknowledged into the peer's
	// receive buffer and make room; once the peer's window has closed the
	// socket stays full and must not poll writable.
	full := false
	for range 1000 {
		if ev := c.poll(c.Client, cfd, rump.POLLOUT, 20*time.Millisecond); ev&rump.POLLOUT == 0 {
			full = true
			break
		}
		n, _ := c.Client.Write(cfd, rotated(chunk, total, len(chunk)))
		total += n
	}
	if !full {
		c.Errorf("a socket whose peer does not read still polls writable after 1000 rounds of filling")
	}
	// The reader drains it; the writer becomes writable again.
	got := 0
	b := make([]byte, 64<<10)
	for got < total {
		n, err := c.Server.Read(sfd, b)
		c.must("read", err)
		if !bytes.Equal(b[:n], rotated(chunk, got, n)) {
			c.Fatalf("data differs at offset %d", got)
		}
		got += n
	}
	if ev := c.poll(c.Client, cfd, rump.POLLOUT, c.wait()); ev&rump.POLLOUT == 0 {
		c.Errorf("drained socket polls %#x, want POLLOUT", ev)
	}
}

// rotated returns n bytes of the endless repetition of chunk from off.
func rotated(chunk []byte, off, n int) []byte {
	out := make([]byte, 0, n)
	for len(out) < n {
		i := (off + len(out)) % len(chunk)
		out = append(out, chunk[i:min(len(chunk), i+n-len(out))]...)
	}
	return out
}

func tcpPoll(c *C) {
	cfd, sfd := c.connected()
	if ev := c.poll(c.Client, cfd, rump.POLLIN|rump.POLLOUT, c.wait()); ev != rump.POLLOUT {
		c.Errorf("idle connected socket polls %#x, want POLLOUT", ev)
	}
	c.writeAll(c.Client, cfd, []byte("x"))
	if ev := c.poll(c.Server, sfd, rump.POLLIN, c.wait()); ev&rump.POLLIN == 0 {
		c.Errorf("socket with data polls %#x", ev)
	}
	c.readN(c.Server, sfd, 1)
	c.must("close", c.Client.Close(cfd))
	if ev := c.poll(c.Server, sfd, rump.POLLIN, c.wait()); ev&(rump.POLLIN|rump.POLLHUP) == 0 {
		c.Errorf("socket whose peer closed polls %#x, want POLLIN", ev)
	}
	fds := []rump.PollFd{{Fd: cfd, Events: rump.POLLIN}, {Fd: -1, Events: rump.POLLIN}}
	n, err := c.Client.Poll(fds, 0)
	c.must("poll", err)
	if n != 1 || fds[0].Revents != rump.POLLNVAL || fds[1].Revents != 0 {
		c.Errorf("poll of a closed and a negative descriptor: %d, %#x %#x", n, fds[0].Revents, fds[1].Revents)
	}
	// A poll with nothing ready times out.
	start := time.Now()
	lfd, _ := c.listener(1)
	if ev := c.poll(c.Server, lfd, rump.POLLIN, 30*time.Millisecond); ev != 0 {
		c.Errorf("idle listener polls %#x", ev)
	}
	if d := time.Since(start); d < 25*time.Millisecond {
		c.Errorf("poll timed out after %v", d)
	}
}

func tcpShutdownWrite(c *C) {
	cfd, sfd := c.connected()
	c.writeAll(c.Client, cfd, []byte("before"))
	c.must("shutdown SHUT_WR", c.Client.Shutdown(cfd, rump.SHUT_WR))
	_, err := c.Client.Write(cfd, []byte("after"))
	c.wantErr("write after SHUT_WR", err, errno.EPIPE)
	got, err := c.readAll(c.Server, sfd)
	if err != nil || string(got) != "before" {
		c.Fatalf("peer reads %q, %v; want the data and then end of stream", got, err)
	}
	// The other direction stays open: a half-close.
	c.writeAll(c.Server, sfd, []byte("reply"))
	c.must("server closes", c.Server.Close(sfd))
	got, err = c.readAll(c.Client, cfd)
	if err != nil || string(got) != "reply" {
		c.Errorf("half-closed client reads %q, %v", got, err)
	}
	c.wantErr("shutdown with a bad how", c.Client.Shutdown(cfd, 9), errno.EINVAL)
}

func tcpShutdownRead(c *C) {
	cfd, sfd := c.connected()
	c.must("shutdown SHUT_RD", c.Server.Shutdown(sfd, rump.SHUT_RD))
	b := make([]byte, 4)
	if n, err := c.Server.Read(sfd, b); n != 0 || err != nil {
		c.Errorf("read after SHUT_RD: %d, %v; want end of stream", n, err)
	}
	// Writing still works.
	c.writeAll(c.Server, sfd, []byte("out"))
	if got := c.readN(c.Client, cfd, 3); string(got) != "out" {
		c.Errorf("client reads %q", got)
	}
}

func tcpClosePending(c *C) {
	cfd, sfd := c.connected()
	data := pattern(256<<10, 2)
	done := make(chan error, 1)
	go func() {
		for b := data; len(b) > 0; {
			n, err := c.Client.Write(cfd, b)
			if err != nil {
				done <- err
				return
			}
			b = b[n:]
		}
		done <- c.Client.Close(cfd)
	}()
	got, err := c.readAll(c.Server, sfd)
	if err != nil || !bytes.Equal(got, data) {
		c.Errorf("after the writer closed, the reader got %d of %d bytes (%v), differing at %s", len(got), len(data), err, firstDiff(got, data))
	}
	c.must("writer", <-done)
}

func tcpLingerZero(c *C) {
	cfd, sfd := c.connected()
	c.must("SO_LINGER", c.Client.SetSockOptLinger(cfd, rump.Linger{On: true, Sec: 0}))
	if lg, _ := c.Client.GetSockOptLinger(cfd); lg != (rump.Linger{On: true}) {
		c.Errorf("SO_LINGER reads back %+v", lg)
	}
	c.writeAll(c.Client, cfd, []byte("lost"))
	c.must("close", c.Client.Close(cfd))
	var err error
	c.eventually("the reset arrives", func() bool {
		b := make([]byte, 16)
		var n int
		n, err = c.Server.Recv(sfd, b, rump.MSG_DONTWAIT)
		return err != nil && errnoOf(err) != errno.EAGAIN || err == nil && n == 0
	})
	c.wantErr("read after the peer closed with SO_LINGER 0", err, errno.ECONNRESET)
	_, err = c.Server.Write(sfd, []byte("x"))
	if e := errnoOf(err); e != errno.EPIPE && e != errno.ECONNRESET {
		c.Errorf("write on a reset connection: %v, want EPIPE", errString(err))
	}
}

func rcvTimeout(pr proto) func(c *C) {
	return func(c *C) {
		var fd int
		if pr == tcp {
			fd, _ = c.connected()
		} else {
			fd, _, _ = c.udpPair()
		}
		c.must("SO_RCVTIMEO", c.Client.SetSockOptTimeval(fd, rump.SO_RCVTIMEO, 50*time.Millisecond))
		if d, _ := c.Client.GetSockOptTimeval(fd, rump.SO_RCVTIMEO); d != 50*time.Millisecond {
			c.Errorf("SO_RCVTIMEO reads back %v", d)
		}
		start := time.Now()
		_, err := c.Client.Read(fd, make([]byte, 8))
		c.wantErr("read past SO_RCVTIMEO", err, errno.EAGAIN)
		if d := time.Since(start); d < 45*time.Millisecond {
			c.Errorf("timed out after %v", d)
		}
	}
}

func tcpPeekWaitAll(c *C) {
	cfd, sfd := c.connected()
	c.writeAll(c.Client, cfd, []byte("abc"))
	b := make([]byte, 16)
	var n int
	c.eventually("data", func() bool {
		n, _ = c.Server.Recv(sfd, b, rump.MSG_PEEK|rump.MSG_DONTWAIT)
		return n == 3
	})
	if string(b[:n]) != "abc" {
		c.Errorf("peek %q", b[:n])
	}
	if n, _ := c.Server.Recv(sfd, b[:1], 0); n != 1 || b[0] != 'a' {
		c.Errorf("read after peek %q", b[:n])
	}
	go func() {
		for _, s := range []string{"de", "fg", "hij"} {
			time.Sleep(5 * time.Millisecond)
			c.Client.Write(cfd, []byte(s))
		}
	}()
	n, err := c.Server.Recv(sfd, b[:9], rump.MSG_WAITALL)
	if err != nil || string(b[:n]) != "bcdefghij" {
		c.Errorf("MSG_WAITALL read %q, %v", b[:n], err)
	}
	// MSG_WAITALL returns what there is at the end of the stream.
	c.writeAll(c.Client, cfd, []byte("kl"))
	c.Client.Shutdown(cfd, rump.SHUT_WR)
	n, err = c.Server.Recv(sfd, b, rump.MSG_WAITALL)
	if err != nil || string(b[:n]) != "kl" {
		c.Errorf("MSG_WAITALL at end of stream %q, %v", b[:n], err)
	}
}

// tcpQueued checks FIONREAD: the bytes buffered, whatever the segments
// they came in.
func tcpQueued(c *C) {
	cfd, sfd := c.connected()
	if n, err := c.Server.Queued(sfd); n != 0 || err != nil {
		c.Errorf("FIONREAD on a new connection: %d, %v", n, err)
	}
	c.writeAll(c.Client, cfd, []byte("abc"))
	c.writeAll(c.Client, cfd, pattern(5000, 1))
	c.eventually("5003 bytes queued", func() bool {
		n, _ := c.Server.Queued(sfd)
		return n == 5003
	})
	c.readN(c.Server, sfd, 1000)
	if n, err := c.Server.Queued(sfd); n != 4003 || err != nil {
		c.Errorf("FIONREAD after reading 1000 bytes: %d, %v", n, err)
	}
}

func tcpLargeBothWays(c *C) {
	cfd, sfd := c.connected()
	size := 4 << 20
	if c.cfg.Slow {
		size = 512 << 10
	}
	up, down := pattern(size, 3), pattern(size, 4)
	var wg sync.WaitGroup
	send := func(p *rump.Proc, fd int, data []byte) {
		defer wg.Done()
		for b := data; len(b) > 0; {
			n, err := p.Write(fd, b[:min(len(b), 100_000)])
			if err != nil {
				c.Errorf("write: %v", err)
				return
			}
			b = b[n:]
		}
		if err := p.Shutdown(fd, rump.SHUT_WR); err != nil {
			c.Errorf("shutdown: %v", err)
		}
	}
	wg.Add(2)
	go send(c.Client, cfd, up)
	go send(c.Server, sfd, down)
	var gotUp, gotDown []byte
	var errUp, errDown error
	wg.Add(2)
	go func() { defer wg.Done(); gotUp, errUp = c.readAll(c.Server, sfd) }()
	go func() { defer wg.Done(); gotDown, errDown = c.readAll(c.Client, cfd) }()
	wg.Wait()
	if errUp != nil || !bytes.Equal(gotUp, up) {
		c.Errorf("client to server: %d of %d bytes, %v, differing at %s", len(gotUp), len(up), errUp, firstDiff(gotUp, up))
	}
	if errDown != nil || !bytes.Equal(gotDown, down) {
		c.Errorf("server to client: %d of %d bytes, %v, differing at %s", len(gotDown), len(down), errDown, firstDiff(gotDown, down))
	}
}

func tcpManyConnections(c *C) {
	const n = 64
	lfd, addr := c.listener(rump.SOMAXCONN)
	var wg sync.WaitGroup
	wg.Go(func() {
		for range n {
			sfd, _, err := c.Server.Accept(lfd)
			if err != nil {
				c.Errorf("accept: %v", err)
				return
			}
			wg.Go(func() {
				defer c.Server.Close(sfd)
				b := make([]byte, 4096)
				for {
					m, err := c.Server.Read(sfd, b)
					if err != nil || m == 0 {
						return
					}
					if _, err := c.Server.Write(sfd, b[:m]); err != nil {
						return
					}
				}
			})
		}
	})
	for i := range n {
		wg.Go(func() {
			fd, err := c.Client.Socket(rump.AF_INET, rump.SOCK_STREAM, 0)
			if err != nil {
				c.Errorf("socket: %v", err)
				return
			}
			defer c.Client.Close(fd)
			if err := c.Client.Connect(fd, addr); err != nil {
				c.Errorf("connect %d: %v", i, err)
				return
			}
			msg := pattern(1000+i*37, byte(i))
			for b := msg; len(b) > 0; {
				m, err := c.Client.Write(fd, b)
				if err != nil {
					c.Errorf("write %d: %v", i, err)
					return
				}
				b = b[m:]
			}
			got := make([]byte, len(msg))
			for off := 0; off < len(got); {
				m, err := c.Client.Read(fd, got[off:])
				if err != nil || m == 0 {
					c.Errorf("echo %d: read %d of %d: %v", i, off, len(got), err)
					return
				}
				off += m
			}
			if !bytes.Equal(got, msg) {
				c.Errorf("echo %d differs", i)
			}
		})
	}
	wg.Wait()
}

func tcpListenerOptions(c *C) {
	fd := c.socket(c.Server, tcp, 0)
	if v, _ := c.Server.GetSockOpt(fd, rump.SOL_SOCKET, rump.SO_ACCEPTCONN); v != 0 {
		c.Errorf("SO_ACCEPTCONN before listen: %d", v)
	}
	c.must("SO_REUSEADDR", c.Server.SetSockOpt(fd, rump.SOL_SOCKET, rump.SO_REUSEADDR, 1))
	if v, err := c.Server.GetSockOpt(fd, rump.SOL_SOCKET, rump.SO_REUSEADDR); err != nil || v == 0 {
		c.Errorf("SO_REUSEADDR reads back %d, %v", v, err)
	}
	c.must("TCP_NODELAY", c.Server.SetSockOpt(fd, rump.IPPROTO_TCP, rump.TCP_NODELAY, 1))
	if v, err := c.Server.GetSockOpt(fd, rump.IPPROTO_TCP, rump.TCP_NODELAY); err != nil || v == 0 {
		c.Errorf("TCP_NODELAY reads back %d, %v", v, err)
	}
	c.wantErr("an option nobody has", c.Server.SetSockOpt(fd, rump.SOL_SOCKET, 0x7777, 1), errno.ENOPROTOOPT)
	_, err := c.Server.Socket(rump.AF_INET, rump.SOCK_STREAM, rump.IPPROTO_UDP)
	c.wantErr("a stream socket for UDP", err, errno.EPROTONOSUPPORT)
	_, _, err = c.Server.Accept(fd)
	c.wantErr("accept on a socket that does not listen", err, errno.EINVAL)
}

func tcpLingerPositive(c *C) {
	cfd, sfd := c.connected()
	c.must("SO_LINGER", c.Client.SetSockOptLinger(cfd, rump.Linger{On: true, Sec: 2}))
	data := pattern(200<<10, 6)
	got := make(chan []byte, 1)
	go func() {
		b, _ := c.readAll(c.Server, sfd)
		got <- b
	}()
	c.writeAll(c.Client, cfd, data)
	start := time.Now()
	c.must("close with SO_LINGER", c.Client.Close(cfd))
	if d := time.Since(start); d > 2*time.Second+500*time.Millisecond {
		c.Errorf("close lingered %v, longer than SO_LINGER's 2s", d)
	}
	if b := <-got; !bytes.Equal(b, data) {
		c.Errorf("after a lingering close the peer got %d of %d bytes, differing at %s", len(b), len(data), firstDiff(b, data))
	}
}
