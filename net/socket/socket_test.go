package socket

import (
	"errors"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser/memhost"
)

func boot(t testing.TB) (*kern.Kernel, *kern.LWP) {
	t.Helper()
	base := runtime.NumGoroutine()
	k, err := kern.Boot(kern.Config{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := k.Halt(); err != nil {
			t.Errorf("halt: %v", err)
		}
		leaktest.Check(t, base)
	})
	p, err := k.NewProc(nil, kern.ForkClearFD)
	if err != nil {
		t.Fatal(err)
	}
	return k, p.LWP()
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want %v", what, err, want)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var fakeAddr = netip.MustParseAddr("127.0.0.1")

// pair makes a listener and a connected pair of descriptors.
func pair(t testing.TB, l *kern.LWP) (lfd, cfd, sfd int) {
	t.Helper()
	lfd, err := Open(l, afFake, SOCK_STREAM, 0)
	must(t, err)
	must(t, Bind(l, lfd, netip.AddrPortFrom(fakeAddr, 0)))
	must(t, Listen(l, lfd, 5))
	addr, err := GetSockName(l, lfd)
	must(t, err)
	cfd, err = Open(l, afFake, SOCK_STREAM, 0)
	must(t, err)
	must(t, Connect(l, cfd, addr))
	sfd, peer, err := Accept(l, lfd)
	must(t, err)
	if local, _ := GetSockName(l, cfd); local != peer {
		t.Fatalf("accept peer %v, connecting socket's name %v", peer, local)
	}
	return lfd, cfd, sfd
}

func TestStreamBasics(t *testing.T) {
	_, l := boot(t)
	lfd, cfd, sfd := pair(t, l)
	if v, err := GetSockOpt(l, lfd, SOL_SOCKET, SO_ACCEPTCONN); err != nil || v != 1 {
		t.Errorf("SO_ACCEPTCONN on listener = %d, %v", v, err)
	}
	if v, err := GetSockOpt(l, cfd, SOL_SOCKET, SO_TYPE); err != nil || v != SOCK_STREAM {
		t.Errorf("SO_TYPE = %d, %v", v, err)
	}
	if _, err := l.Write(cfd, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 10)
	n, err := l.Read(sfd, b)
	if err != nil || string(b[:n]) != "hello" {
		t.Fatalf("read %q, %v", b[:n], err)
	}
	st, err := l.Fstat(sfd)
	must(t, err)
	if st.Mode&kern.S_IFMT != kern.S_IFSOCK {
		t.Errorf("fstat mode %o, want a socket", st.Mode)
	}
	peer, err := GetPeerName(l, sfd)
	must(t, err)
	if local, _ := GetSockName(l, cfd); peer != local {
		t.Errorf("getpeername %v, want %v", peer, local)
	}
	_, err = GetPeerName(l, lfd)
	wantErr(t, "getpeername on listener", err, errno.ENOTCONN)
	// A dup keeps the socket open; the last close ends it.
	dfd, err := l.Dup(cfd)
	must(t, err)
	must(t, l.Close(cfd))
	if _, err := l.Write(dfd, []byte("x")); err != nil {
		t.Fatalf("write on dup after closing the original: %v", err)
	}
	must(t, l.Close(dfd))
	n, err = l.Read(sfd, b)
	if err != nil || n != 1 {
		t.Fatalf("read after peer close: %d, %v", n, err)
	}
	n, err = l.Read(sfd, b)
	if err != nil || n != 0 {
		t.Fatalf("read at EOF: %d, %v", n, err)
	}
	_, err = GetSockName(l, cfd)
	wantErr(t, "getsockname on closed fd", err, errno.EBADF)
}

func TestNotSocket(t *testing.T) {
	_, l := boot(t)
	f := kern.NewFile(nopFile{}, kern.FREAD|kern.FWRITE, false)
	fd, err := l.Proc().Files().Alloc(f, 0, false)
	must(t, err)
	wantErr(t, "bind on a file", Bind(l, fd, netip.AddrPort{}), errno.ENOTSOCK)
	wantErr(t, "listen on bad fd", Listen(l, 77, 1), errno.EBADF)
	_, err = Open(l, 12345, SOCK_STREAM, 0)
	wantErr(t, "unknown family", err, errno.EAFNOSUPPORT)
	_, err = Open(l, afFake, SOCK_DGRAM, 0)
	wantErr(t, "unknown type", err, errno.EPROTOTYPE)
	_, err = Open(l, afFake, SOCK_STREAM, 77)
	wantErr(t, "unknown protocol", err, errno.EPROTONOSUPPORT)
}

type nopFile struct{}

func (nopFile) Read(l *kern.LWP, f *kern.File, p []byte, off int64) (int, error) { return 0, nil }
func (nopFile) Write(l *kern.LWP, f *kern.File, p []byte, off int64) (int, int64, error) {
	return len(p), off, nil
}
func (nopFile) Stat(l *kern.LWP, f *kern.File) (kern.Stat, error) { return kern.Stat{}, nil }
func (nopFile) Close(l *kern.LWP, f *kern.File) error             { return nil }

func TestNonblockingConnect(t *testing.T) {
	_, l := boot(t)
	lfd, err := Open(l, afFake, SOCK_STREAM|SOCK_NONBLOCK, 0)
	must(t, err)
	must(t, Bind(l, lfd, netip.AddrPortFrom(fakeAddr, 0)))
	must(t, Listen(l, lfd, 5))
	addr, _ := GetSockName(l, lfd)
	_, _, err = Accept(l, lfd)
	wantErr(t, "non-blocking accept with nothing queued", err, errno.EAGAIN)

	cfd, err := Open(l, afFake, SOCK_STREAM|SOCK_NONBLOCK, 0)
	must(t, err)
	wantErr(t, "first connect", Connect(l, cfd, addr), errno.EINPROGRESS)
	wantErr(t, "second connect", Connect(l, cfd, addr), errno.EALREADY)
	fds := []kern.PollFd{{Fd: cfd, Events: POLLOUT}, {Fd: lfd, Events: POLLIN}}
	for fds[0].Revents == 0 || fds[1].Revents == 0 {
		if _, err := kern.Poll(l, fds, time.Second); err != nil {
			t.Fatal(err)
		}
		if fds[0].Revents == 0 && fds[1].Revents == 0 {
			t.Fatal("poll timed out")
		}
	}
	if v, err := GetSockOpt(l, cfd, SOL_SOCKET, SO_ERROR); err != nil || v != 0 {
		t.Fatalf("SO_ERROR = %d, %v", v, err)
	}
	wantErr(t, "connect when connected", Connect(l, cfd, addr), errno.EISCONN)
	sfd, _, err := Accept(l, lfd)
	must(t, err)
	// Accept inherits O_NONBLOCK; Accept4 takes it from its flags.
	if fl, _ := l.Fcntl(sfd, kern.F_GETFL, 0); fl&kern.O_NONBLOCK == 0 {
		t.Error("accepted descriptor lost O_NONBLOCK")
	}
	b := make([]byte, 4)
	_, err = l.Read(sfd, b)
	wantErr(t, "non-blocking read", err, errno.EAGAIN)
	_, err = Recv(l, sfd, b, MSG_DONTWAIT)
	wantErr(t, "MSG_DONTWAIT", err, errno.EWOULDBLOCK)
}

func TestConnectRefused(t *testing.T) {
	_, l := boot(t)
	fd, err := Open(l, afFake, SOCK_STREAM, 0)
	must(t, err)
	wantErr(t, "blocking connect to nobody", Connect(l, fd, netip.AddrPortFrom(fakeAddr, 1)), errno.ECONNREFUSED)
	fd2, err := Open(l, afFake, SOCK_STREAM|SOCK_NONBLOCK, 0)
	must(t, err)
	wantErr(t, "connect", Connect(l, fd2, netip.AddrPortFrom(fakeAddr, 1)), errno.EINPROGRESS)
	fds := []kern.PollFd{{Fd: fd2, Events: POLLOUT}}
	if n, err := kern.Poll(l, fds, time.Second); n != 1 || err != nil || fds[0].Revents&(POLLERR|POLLHUP) == 0 {
		t.Fatalf("poll after refused connect: %d %v revents %#x", n, err, fds[0].Revents)
	}
	if v, err := GetSockOpt(l, fd2, SOL_SOCKET, SO_ERROR); err != nil || v != int(errno.ECONNREFUSED) {
		t.Fatalf("SO_ERROR = %d, %v", v, err)
	}
}

func TestRecvTimeout(t *testing.T) {
	k, l := boot(t)
	_, cfd, _ := pair(t, l)
	must(t, SetSockOptTimeval(l, cfd, SO_RCVTIMEO, 20*time.Millisecond))
	if d, _ := GetSockOptTimeval(l, cfd, SO_RCVTIMEO); d != 20*time.Millisecond {
		t.Errorf("SO_RCVTIMEO reads back %v", d)
	}
	wantErr(t, "negative timeout", SetSockOptTimeval(l, cfd, SO_SNDTIMEO, -1), errno.EDOM)
	start := k.Clock().Monotonic()
	_, err := l.Read(cfd, make([]byte, 1))
	wantErr(t, "read past SO_RCVTIMEO", err, errno.EAGAIN)
	if d := k.Clock().Monotonic() - start; d < 20*time.Millisecond {
		t.Errorf("timed out after %v", d)
	}
}

// blockedRecv starts a Recv on s and returns a channel with its error.
func blockedRecv(s *Socket) chan error {
	done := make(chan error, 1)
	go func() {
		_, _, _, err := s.Recv(make([]byte, 1), 0, false)
		done <- err
	}()
	return done
}

func expectBlocked(t *testing.T, done chan error) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("call returned early: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
}

func expectDone(t *testing.T, done chan error, want error) {
	t.Helper()
	select {
	case err := <-done:
		wantErr(t, "blocked call", err, want)
	case <-time.After(5 * time.Second):
		t.Fatal("blocked call did not return")
	}
}

func sockAt(t *testing.T, l *kern.LWP, fd int) *Socket {
	f, err := l.Proc().Files().Get(fd)
	must(t, err)
	defer f.Release(l)
	return Of(f)
}

func TestDeadlineMovesWhileBlocked(t *testing.T) {
	k, l := boot(t)
	_, cfd, _ := pair(t, l)
	s := sockAt(t, l, cfd)
	now := k.Clock().Monotonic()
	s.SetReadDeadline(now + time.Hour)
	done := blockedRecv(s)
	expectBlocked(t, done)
	s.SetReadDeadline(k.Clock().Monotonic() + 10*time.Millisecond)
	expectDone(t, done, errno.EAGAIN)

	// A deadline in the past fails at once; clearing it blocks again.
	s.SetReadDeadline(1)
	_, _, _, err := s.Recv(make([]byte, 1), 0, false)
	wantErr(t, "recv with past deadline", err, errno.EAGAIN)
	s.SetReadDeadline(0)
	done = blockedRecv(s)
	expectBlocked(t, done)
	s.SetReadDeadline(1)
	expectDone(t, done, errno.EAGAIN)
}

func TestCloseWakesBlocked(t *testing.T) {
	_, l := boot(t)
	_, cfd, _ := pair(t, l)
	s := sockAt(t, l, cfd)
	done := blockedRecv(s)
	expectBlocked(t, done)
	must(t, s.Close())
	expectDone(t, done, errno.EBADF)
}

// waitSleeper waits until a call has taken s's wait channel: it is past
// the descriptor lookup and about to sleep, or asleep.
func waitSleeper(t *testing.T, s *Socket) {
	t.Helper()
	waitWaiters(t, s, (*Waiters).Waiting)
}

// waitWatcher waits until a poll watches s.
func waitWatcher(t *testing.T, s *Socket) {
	t.Helper()
	waitWaiters(t, s, func(w *Waiters) bool { return w.Watchers() > 0 })
}

func waitWaiters(t *testing.T, s *Socket, cond func(w *Waiters) bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if cond(s.w) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no call came to sleep on the socket")
		}
	}
}

// Closing a descriptor wakes the calls asleep on it in other threads
// once no other descriptor refers to the socket: recv, accept and poll
// fail with EBADF (poll reports POLLNVAL), and the socket then closes.
func TestCloseDescriptorWakesBlocked(t *testing.T) {
	_, l := boot(t)
	lfd, cfd, _ := pair(t, l)
	call := func(f func() error) chan error {
		done := make(chan error, 1)
		go func() { done <- f() }()
		return done
	}

	cs, ls := sockAt(t, l, cfd), sockAt(t, l, lfd)
	// Connect and accept may have left channels taken: clear them, so
	// that a taken channel shows the call below.
	cs.w.Wake()
	ls.w.Wake()
	recv := call(func() error { _, err := Recv(l, cfd, make([]byte, 1), 0); return err })
	waitSleeper(t, cs)
	dup, err := l.Dup(cfd)
	must(t, err)
	must(t, l.Close(cfd))
	expectBlocked(t, recv) // dup still refers to the socket
	fds := []kern.PollFd{{Fd: dup, Events: POLLIN}}
	poll := call(func() error { _, err := kern.Poll(l, fds, -1); return err })
	waitWatcher(t, cs)
	must(t, l.Close(dup))
	expectDone(t, recv, errno.EBADF)
	expectDone(t, poll, nil)
	if fds[0].Revents != POLLNVAL {
		t.Errorf("poll revents %#x, want POLLNVAL", fds[0].Revents)
	}

	accept := call(func() error { _, _, err := Accept(l, lfd); return err })
	waitSleeper(t, ls)
	must(t, l.Close(lfd))
	expectDone(t, accept, errno.EBADF)
	if ev := ls.Events(); ev != POLLNVAL {
		t.Errorf("listener events %#x after its calls returned, want POLLNVAL (closed)", ev)
	}
}

func TestHaltWakesBlocked(t *testing.T) {
	k, l := boot(t)
	_, cfd, _ := pair(t, l)
	s := sockAt(t, l, cfd)
	done := blockedRecv(s)
	expectBlocked(t, done)
	must(t, k.Halt())
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("blocked recv returned no error at halt")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("halt did not wake a blocked recv")
	}
}

func TestShutdown(t *testing.T) {
	_, l := boot(t)
	_, cfd, sfd := pair(t, l)
	wantErr(t, "bad how", Shutdown(l, cfd, 7), errno.EINVAL)
	must(t, Shutdown(l, cfd, SHUT_WR))
	_, err := l.Write(cfd, []byte("x"))
	wantErr(t, "write after SHUT_WR", err, errno.EPIPE)
	b := make([]byte, 4)
	if n, err := l.Read(sfd, b); n != 0 || err != nil {
		t.Fatalf("peer read after SHUT_WR: %d, %v", n, err)
	}
	// The other direction still works.
	if _, err := l.Write(sfd, []byte("back")); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Read(cfd, b); n != 4 || err != nil {
		t.Fatalf("read of the open direction: %d, %v", n, err)
	}
	must(t, Shutdown(l, sfd, SHUT_RD))
	if n, err := l.Read(sfd, b); n != 0 || err != nil {
		t.Fatalf("read after SHUT_RD: %d, %v", n, err)
	}
	st, _ := l.Fstat(sfd)
	if st.Mode&0o444 != 0 {
		t.Errorf("fstat after SHUT_RD says readable: %o", st.Mode)
	}
}

func TestPeekAndWaitAll(t *testing.T) {
	_, l := boot(t)
	_, cfd, sfd := pair(t, l)
	if _, err := l.Write(cfd, []byte("abc")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	if n, err := Recv(l, sfd, b, MSG_PEEK); err != nil || string(b[:n]) != "abc" {
		t.Fatalf("peek: %q, %v", b[:n], err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, s := range []string{"de", "fgh"} {
			time.Sleep(5 * time.Millisecond)
			l.Write(cfd, []byte(s))
		}
	})
	n, err := Recv(l, sfd, b, MSG_WAITALL)
	wg.Wait()
	if err != nil || string(b[:n]) != "abcdefgh" {
		t.Fatalf("MSG_WAITALL read %q, %v", b[:n], err)
	}
}

func TestLargeTransferBlocks(t *testing.T) {
	_, l := boot(t)
	_, cfd, sfd := pair(t, l)
	data := make([]byte, 20*fakeBufSize+7)
	for i := range data {
		data[i] = byte(i * 7)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		n, err := l.Write(cfd, data)
		if n != len(data) || err != nil {
			t.Errorf("write: %d, %v", n, err)
		}
		l.Close(cfd)
	})
	got := make([]byte, 0, len(data))
	b := make([]byte, 333)
	for {
		n, err := l.Read(sfd, b)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		got = append(got, b[:n]...)
	}
	wg.Wait()
	if string(got) != string(data) {
		t.Fatalf("received %d bytes, not what was sent (%d)", len(got), len(data))
	}
}

func TestSendTimeoutPartial(t *testing.T) {
	_, l := boot(t)
	_, cfd, _ := pair(t, l)
	must(t, SetSockOptTimeval(l, cfd, SO_SNDTIMEO, 10*time.Millisecond))
	n, err := l.Write(cfd, make([]byte, 3*fakeBufSize))
	if err != nil || n != fakeBufSize {
		t.Fatalf("write past SO_SNDTIMEO: %d, %v; want the part that fit", n, err)
	}
	_, err = l.Write(cfd, make([]byte, 1))
	wantErr(t, "write to a full socket past SO_SNDTIMEO", err, errno.EAGAIN)
}

func TestPollFiles(t *testing.T) {
	_, l := boot(t)
	f := kern.NewFile(nopFile{}, kern.FREAD|kern.FWRITE, false)
	fd, err := l.Proc().Files().Alloc(f, 0, false)
	must(t, err)
	_, cfd, sfd := pair(t, l)
	fds := []kern.PollFd{{Fd: fd, Events: POLLIN}, {Fd: 99, Events: POLLIN}, {Fd: -1, Events: POLLIN},
		{Fd: cfd, Events: POLLOUT}, {Fd: sfd, Events: POLLIN}}
	n, err := kern.Poll(l, fds, 0)
	must(t, err)
	want := []int16{POLLIN, POLLNVAL, 0, POLLOUT, 0}
	for i, w := range want {
		if fds[i].Revents != w {
			t.Errorf("fd %d: revents %#x, want %#x", fds[i].Fd, fds[i].Revents, w)
		}
	}
	if n != 3 {
		t.Errorf("poll returned %d, want 3", n)
	}
	// Poll wakes for data.
	go func() {
		time.Sleep(10 * time.Millisecond)
		l.Write(cfd, []byte("x"))
	}()
	fds = []kern.PollFd{{Fd: sfd, Events: POLLIN}}
	if n, err := kern.Poll(l, fds, 5*time.Second); n != 1 || err != nil || fds[0].Revents != POLLIN {
		t.Fatalf("poll for data: %d, %v, %#x", n, err, fds[0].Revents)
	}
	// And times out.
	if n, err := kern.Poll(l, []kern.PollFd{{Fd: cfd, Events: POLLIN}}, 10*time.Millisecond); n != 0 || err != nil {
		t.Fatalf("poll timeout: %d, %v", n, err)
	}
}

func TestNonblockFlags(t *testing.T) {
	_, l := boot(t)
	_, cfd, _ := pair(t, l)
	must(t, IoctlFIONBIO(l, cfd, true))
	_, err := l.Read(cfd, make([]byte, 1))
	wantErr(t, "read after FIONBIO", err, errno.EAGAIN)
	must(t, IoctlFIONBIO(l, cfd, false))
	if _, err := l.Fcntl(cfd, kern.F_SETFL, kern.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	_, err = l.Read(cfd, make([]byte, 1))
	wantErr(t, "read after F_SETFL O_NONBLOCK", err, errno.EAGAIN)
}

func TestOptions(t *testing.T) {
	_, l := boot(t)
	fd, err := Open(l, afFake, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NOSIGPIPE, 0)
	must(t, err)
	if on, _ := l.Proc().Files().CloseOnExec(fd); !on {
		t.Error("SOCK_CLOEXEC not set")
	}
	if v, _ := GetSockOpt(l, fd, SOL_SOCKET, SO_NOSIGPIPE); v != 1 {
		t.Error("SOCK_NOSIGPIPE not set")
	}
	must(t, SetSockOpt(l, fd, SOL_SOCKET, SO_REUSEADDR, 1))
	if v, err := GetSockOpt(l, fd, SOL_SOCKET, SO_REUSEADDR); v != 1 || err != nil {
		t.Errorf("SO_REUSEADDR = %d, %v", v, err)
	}
	wantErr(t, "set SO_TYPE", SetSockOpt(l, fd, SOL_SOCKET, SO_TYPE, 1), errno.ENOPROTOOPT)
	wantErr(t, "protocol lacks option", SetSockOpt(l, fd, IPPROTO_TCP, TCP_NODELAY, 1), errno.ENOPROTOOPT)
	must(t, SetSockOptLinger(l, fd, Linger{On: true, Sec: 3}))
	if lg, _ := GetSockOptLinger(l, fd); lg != (Linger{On: true, Sec: 3}) {
		t.Errorf("SO_LINGER = %+v", lg)
	}
	wantErr(t, "negative linger", SetSockOptLinger(l, fd, Linger{On: true, Sec: -1}), errno.EINVAL)
}

func TestLingerZeroResets(t *testing.T) {
	_, l := boot(t)
	_, cfd, sfd := pair(t, l)
	must(t, SetSockOptLinger(l, cfd, Linger{On: true}))
	must(t, l.Close(cfd))
	_, err := l.Read(sfd, make([]byte, 1))
	wantErr(t, "read after peer reset", err, errno.ECONNRESET)
}

func TestSockaddr(t *testing.T) {
	for _, s := range []string{"10.0.0.2:80", "0.0.0.0:0", "[2001:db8::1]:443"} {
		ap := netip.MustParseAddrPort(s)
		b := AppendSockaddr(nil, ap)
		if ap.Addr().Is4() && (len(b) != 16 || b[0] != 16 || b[1] != AF_INET) {
			t.Errorf("%s: sockaddr_in %x", s, b)
		}
		got, err := ParseSockaddr(b)
		if err != nil || got != ap {
			t.Errorf("%s: round trip gives %v, %v", s, got, err)
		}
	}
	b := AppendSockaddr(nil, netip.MustParseAddrPort("10.0.0.2:80"))
	if want := []byte{16, 2, 0, 80, 10, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0}; string(b) != string(want) {
		t.Errorf("sockaddr_in bytes %v, want %v", b, want)
	}
	for _, bad := range [][]byte{nil, {16}, {16, 2, 0}, {16, 99, 0, 0, 0, 0, 0, 0}, {28, 24, 0, 0}} {
		if _, err := ParseSockaddr(bad); err == nil {
			t.Errorf("ParseSockaddr(%v) accepted", bad)
		}
	}
}

// TestReadyPathAllocs checks that send and receive on a ready socket
// through descriptors allocate nothing.
func TestReadyPathAllocs(t *testing.T) {
	_, l := boot(t)
	_, cfd, sfd := pair(t, l)
	msg := []byte("ping")
	b := make([]byte, 16)
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := l.Write(cfd, msg); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Read(sfd, b); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("write+read allocates %v times", allocs)
	}
}

// TestSomaxconnClampsBacklog: kern.somaxconn bounds every listen backlog,
// and a negative backlog asks for the bound.
func TestSomaxconnClampsBacklog(t *testing.T) {
	k, l := boot(t)
	if v, _, err := k.Sysctl().Get("kern.somaxconn"); err != nil || v != "4096" {
		t.Fatalf("kern.somaxconn = %q, %v", v, err)
	}
	wantErr(t, "somaxconn 0", k.Sysctl().Set(kern.RootCred(), "kern.somaxconn", "0"), errno.EINVAL)
	must(t, k.Sysctl().Set(kern.RootCred(), "kern.somaxconn", "2"))
	for _, backlog := range []int{100, -1} {
		lfd, err := Open(l, afFake, SOCK_STREAM, 0)
		must(t, err)
		must(t, Bind(l, lfd, netip.AddrPortFrom(fakeAddr, 0)))
		must(t, Listen(l, lfd, backlog))
		addr, err := GetSockName(l, lfd)
		must(t, err)
		for i := range 3 {
			cfd, err := Open(l, afFake, SOCK_STREAM, 0)
			must(t, err)
			err = Connect(l, cfd, addr)
			if i < 2 && err != nil {
				t.Fatalf("backlog %d: connect %d: %v", backlog, i, err)
			}
			if i == 2 {
				wantErr(t, "connect beyond kern.somaxconn", err, errno.ECONNREFUSED)
			}
		}
		must(t, l.Close(lfd))
	}
}

// FuzzSockaddr: any bytes a client passes as a sockaddr parse or fail
// with an error, and what parses encodes back to an equivalent sockaddr.
func FuzzSockaddr(f *testing.F) {
	f.Add(AppendSockaddr(nil, netip.MustParseAddrPort("10.0.0.2:80")))
	f.Add(AppendSockaddr(nil, netip.MustParseAddrPort("[2001:db8::1]:443")))
	f.Add([]byte{0, 2, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		ap, err := ParseSockaddr(b)
		if err != nil {
			return
		}
		again, err := ParseSockaddr(AppendSockaddr(nil, ap))
		if err != nil || again != ap {
			t.Fatalf("%x parses as %v, which encodes to something parsing as %v, %v", b, ap, again, err)
		}
	})
}
