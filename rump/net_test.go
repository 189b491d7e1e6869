package rump_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/nettest"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// TestConnConformance runs x/net's net.Conn conformance test over TCP
// on lo0 of one kernel.
func TestConnConformance(t *testing.T) {
	k := boot(t)
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		ln, err := k.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, nil, err
		}
		defer ln.Close()
		type accepted struct {
			c   net.Conn
			err error
		}
		ch := make(chan accepted, 1)
		go func() {
			c, err := ln.Accept()
			ch <- accepted{c, err}
		}()
		c1, err = k.Dial("tcp", ln.Addr().String())
		if err != nil {
			return nil, nil, nil, err
		}
		a := <-ch
		if a.err != nil {
			c1.Close()
			return nil, nil, nil, a.err
		}
		return c1, a.c, func() { c1.Close(); a.c.Close() }, nil
	})
}

func TestDialErrors(t *testing.T) {
	k := boot(t)
	_, err := k.Dial("tcp", "127.0.0.1:1")
	if !errors.Is(err, errno.ECONNREFUSED) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial a closed port: %v", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("dial error %T is not a *net.OpError", err)
	}
	_, err = k.Dial("tcp", "192.0.2.1:80")
	if !errors.Is(err, syscall.ENETUNREACH) {
		t.Errorf("dial without a route: %v", err)
	}
	_, err = k.Dial("tcp6", "[::1]:80")
	if err == nil {
		t.Error("tcp6 dialled")
	}
	_, err = k.Dial("tcp", "example.com:80")
	if err == nil {
		t.Error("a name was dialled")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := k.DialContext(ctx, "tcp", "127.0.0.1:1"); !errors.Is(err, context.Canceled) {
		t.Errorf("dial with a cancelled context: %v", err)
	}
	ln, err := k.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := k.Listen("tcp", ln.Addr().String()); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("listen twice on one port: %v", err)
	}
}

func TestConnDeadlineAndClose(t *testing.T) {
	k := boot(t)
	ln, err := k.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	c, err := k.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.LocalAddr().(*net.TCPAddr); !ok {
		t.Errorf("LocalAddr is %T", c.LocalAddr())
	}
	if got := c.RemoteAddr().(*net.TCPAddr).Port; got != ln.Addr().(*net.TCPAddr).Port {
		t.Errorf("RemoteAddr port %d, listener's %d", got, ln.Addr().(*net.TCPAddr).Port)
	}
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	start := time.Now()
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past deadline: %v", err)
	}
	if d := time.Since(start); d < 15*time.Millisecond {
		t.Errorf("deadline hit after %v", d)
	}
	// Close wakes a blocked Read with net.ErrClosed.
	c.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	c.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("blocked read after Close: %v", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after Close: %v", err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	// Closing the listener wakes Accept.
	go func() {
		time.Sleep(10 * time.Millisecond)
		ln.Close()
	}()
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("accept after Close: %v", err)
	}
}

func TestCloseWrite(t *testing.T) {
	k := boot(t)
	ln, err := k.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		b, _ := io.ReadAll(c) // until the client's CloseWrite
		c.Write([]byte(strings.ToUpper(string(b))))
		c.Close()
	}()
	c, err := k.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("half"))
	if err := c.(*rump.Conn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "HALF" {
		t.Fatalf("after CloseWrite read %q, %v", b, err)
	}
}

func TestPacketConn(t *testing.T) {
	k := boot(t)
	pc, err := k.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	c, err := k.Dial("udp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 16)
	n, from, err := pc.ReadFrom(b)
	if err != nil || string(b[:n]) != "ping" {
		t.Fatalf("ReadFrom: %q, %v", b[:n], err)
	}
	if from.String() != c.LocalAddr().String() {
		t.Errorf("from %v, dialler is %v", from, c.LocalAddr())
	}
	if _, err := pc.WriteTo([]byte("pong"), from); err != nil {
		t.Fatal(err)
	}
	n, err = c.Read(b)
	if err != nil || string(b[:n]) != "pong" {
		t.Fatalf("Read: %q, %v", b[:n], err)
	}
	// Datagrams up to 65507 bytes go, as elsewhere in Go.
	big := make([]byte, 65507)
	if n, err := c.Write(big); n != len(big) || err != nil {
		t.Errorf("65507-byte datagram: %d, %v", n, err)
	}
	if n, _, err := pc.ReadFrom(make([]byte, 1<<17)); n != len(big) || err != nil {
		t.Errorf("read the big datagram: %d, %v", n, err)
	}
	pc.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	if _, _, err := pc.ReadFrom(b); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("ReadFrom past deadline: %v", err)
	}
	// A connected UDP socket learns of a closed port.
	c2, err := k.Dial("udp", "127.0.0.1:9")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.Write([]byte("x"))
	c2.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c2.Read(b); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("read after sending to a closed port: %v", err)
	}
}

// TestHTTP serves and fetches over the kernel's stack with net/http
// unchanged.
func TestHTTP(t *testing.T) {
	k := boot(t)
	ln, err := k.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %d", r.Method, r.URL.Path, len(body))
	})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	tr := &http.Transport{DialContext: k.DialContext}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			body := strings.NewReader(strings.Repeat("x", i*1000))
			resp, err := client.Post(fmt.Sprintf("%s/p%d", base, i), "text/plain", body)
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if want := fmt.Sprintf("POST /p%d %d", i, i*1000); string(b) != want {
				t.Errorf("got %q, want %q", b, want)
			}
		})
	}
	wg.Wait()
	// Connections the transport dialled but never used are StateNew on
	// the server, which Shutdown waits five seconds for: close them.
	tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Error(err)
	}
	if err := <-served; err != http.ErrServerClosed {
		t.Errorf("Serve returned %v", err)
	}
}

// TestHaltClosesNetwork checks that Halt ends conns and listeners that
// were never closed, and leaves no goroutine behind.
func TestHaltClosesNetwork(t *testing.T) {
	base := runtime.NumGoroutine()
	k, err := rump.Init(rump.Options{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := k.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	acc := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		acc <- c
	}()
	c, err := k.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-acc
	readErr := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 1))
		readErr <- err
	}()
	acceptErr := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		acceptErr <- err
	}()
	time.Sleep(10 * time.Millisecond)
	if err := k.Halt(); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []chan error{readErr, acceptErr} {
		select {
		case err := <-ch:
			if err == nil {
				t.Error("a blocked call returned no error at halt")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("halt left a call blocked")
		}
	}
	_ = c
	leaktest.Check(t, base)
}

func TestProcSockets(t *testing.T) {
	k := boot(t)
	p := k.InitProc()
	lfd, err := p.Socket(rump.AF_INET, rump.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Bind(lfd, netip.MustParseAddrPort("127.0.0.1:0")); err != nil {
		t.Fatal(err)
	}
	if err := p.Listen(lfd, 4); err != nil {
		t.Fatal(err)
	}
	addr, _ := p.GetSockName(lfd)
	cfd, err := p.Socket(rump.AF_INET, rump.SOCK_STREAM|rump.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Connect(cfd, addr); err != nil && !errors.Is(err, errno.EINPROGRESS) {
		t.Fatal(err)
	}
	fds := []rump.PollFd{{Fd: lfd, Events: rump.POLLIN}}
	if n, err := p.Poll(fds, 5*time.Second); n != 1 || err != nil {
		t.Fatalf("poll listener: %d, %v", n, err)
	}
	sfd, peer, err := p.Accept(lfd)
	if err != nil {
		t.Fatal(err)
	}
	fds = []rump.PollFd{{Fd: cfd, Events: rump.POLLOUT}}
	if n, err := p.Poll(fds, 5*time.Second); n != 1 || err != nil {
		t.Fatalf("poll connecting socket: %d, %v", n, err)
	}
	if local, _ := p.GetSockName(cfd); local != peer {
		t.Errorf("accept says peer %v, connector is %v", peer, local)
	}
	if _, err := p.Write(cfd, []byte("via write")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 32)
	n, err := p.Read(sfd, b)
	if err != nil || string(b[:n]) != "via write" {
		t.Fatalf("read %q, %v", b[:n], err)
	}
	st, err := p.Fstat(sfd)
	if err != nil || st.Mode&rump.S_IFMT != rump.S_IFSOCK {
		t.Errorf("fstat: %o, %v", st.Mode, err)
	}
	for _, fd := range []int{cfd, sfd, lfd} {
		if err := p.Close(fd); err != nil {
			t.Error(err)
		}
	}
}
