// Package sockettest is ONE suite of socket semantics, run by every
// environment the stack runs over: TCP and UDP on the loopback interface
// of one kernel, over an in-process link between two kernels, and later
// over TAP. Like vfstest for file systems, it is a table of cases; each
// case gets a fresh Env and reports every misbehaviour it sees.
//
// What the cases check is NetBSD's behaviour as seen through the socket
// syscalls: bind conflicts and SO_REUSEADDR/SO_REUSEPORT, ephemeral
// ports, refused connections, the listen backlog, non-blocking connect,
// accept, send and receive, poll readiness, shutdown in each direction,
// close with data pending, SO_LINGER, timeouts, getsockname and
// getpeername, MSG_PEEK, MSG_WAITALL and MSG_TRUNC, datagram boundaries,
// ECONNREFUSED on connected UDP sockets, large transfers, many
// connections, and socket descriptors under dup, fcntl, read, write and
// close.
package sockettest

import (
	"errors"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// Env is what a case runs against: a client and a server process (in
// one kernel or two) and the addresses each has on the network between
// them. The server binds to ServerAddr and clients connect to it.
type Env struct {
	Client, Server         *rump.Proc
	ClientAddr, ServerAddr netip.Addr
	// Diagnose, if set, describes the environment's state (link and
	// protocol counters); a failed case logs it.
	Diagnose func() string
}

// Config says how to get an Env for each case.
type Config struct {
	// New makes a fresh Env for one case and registers t.Cleanup to halt
	// what it booted.
	New func(t *testing.T) Env
	// Slow is set for environments where a round trip takes long (an
	// impaired link): cases wait longer and move less data.
	Slow bool
	// Lossy is set for links that lose, duplicate or reorder frames:
	// the UDP cases, which count on every datagram arriving once and in
	// order, are skipped.
	Lossy bool
}

// proto says which protocol a case is about.
type proto int

const (
	tcp proto = iota
	udp
)

type testCase struct {
	name  string
	proto proto
	run   func(c *C)
}

// cases is filled by the files of this package, one per topic.
var cases []testCase

// Run runs every case as a subtest "tcp/name" or "udp/name".
func Run(t *testing.T, cfg Config) {
	for _, tc := range cases {
		prefix := "tcp/"
		if tc.proto == udp {
			prefix = "udp/"
		}
		t.Run(prefix+tc.name, func(t *testing.T) {
			if tc.proto == udp && cfg.Lossy {
				t.Skip("UDP cases need a link that delivers every datagram once, in order (Config.Lossy)")
			}
			env := cfg.New(t)
			c := &C{T: t, Env: env, cfg: cfg}
			if env.Diagnose != nil {
				// Registered after New's cleanups, so it runs before
				// them, while the kernels are up.
				t.Cleanup(func() {
					if t.Failed() {
						t.Logf("state after the failure:\n%s", env.Diagnose())
					}
				})
			}
			tc.run(c)
		})
	}
}

// Names returns the names of the cases, for documentation and counts.
func Names() []string {
	var names []string
	for _, tc := range cases {
		p := "tcp/"
		if tc.proto == udp {
			p = "udp/"
		}
		names = append(names, p+tc.name)
	}
	return names
}

// C is a running case: the test, its Env and helpers that fail the case
// when a syscall that must work does not.
type C struct {
	*testing.T
	Env
	cfg Config
}

// wait is how long a case waits for something that should happen soon.
func (c *C) wait() time.Duration {
	if c.cfg.Slow {
		return 30 * time.Second
	}
	return 5 * time.Second
}

func sockType(p proto) int {
	if p == udp {
		return rump.SOCK_DGRAM
	}
	return rump.SOCK_STREAM
}

// must fails the case on err.
func (c *C) must(what string, err error) {
	c.Helper()
	if err != nil {
		c.Fatalf("%s: %v", what, err)
	}
}

// wantErr fails the case unless err is want.
func (c *C) wantErr(what string, err error, want errno.Errno) {
	c.Helper()
	if !errors.Is(err, want) {
		c.Errorf("%s: got %v, want %s", what, errString(err), want.Name())
	}
}

func errString(err error) string {
	var e errno.Errno
	if errors.As(err, &e) {
		return e.Name()
	}
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// socket makes a socket in p and closes it when the case ends.
func (c *C) socket(p *rump.Proc, pr proto, flags int) int {
	c.Helper()
	fd, err := p.Socket(rump.AF_INET, sockType(pr)|flags, 0)
	c.must("socket", err)
	c.Cleanup(func() { p.Close(fd) })
	return fd
}

// bound makes a socket in the server bound to ServerAddr:port (0: an
// ephemeral port) and returns it with its address.
func (c *C) bound(pr proto, port uint16) (int, netip.AddrPort) {
	c.Helper()
	fd := c.socket(c.Server, pr, 0)
	c.must("bind", c.Server.Bind(fd, netip.AddrPortFrom(c.ServerAddr, port)))
	addr, err := c.Server.GetSockName(fd)
	c.must("getsockname", err)
	return fd, addr
}

// listener makes a listening TCP socket in the server.
func (c *C) listener(backlog int) (int, netip.AddrPort) {
	c.Helper()
	fd, addr := c.bound(tcp, 0)
	c.must("listen", c.Server.Listen(fd, backlog))
	return fd, addr
}

// connected returns a connected TCP pair: the client's descriptor and
// the server's accepted one (the listener is closed).
func (c *C) connected() (cfd, sfd int) {
	c.Helper()
	lfd, addr := c.listener(4)
	cfd = c.socket(c.Client, tcp, 0)
	c.must("connect", c.Client.Connect(cfd, addr))
	sfd, _, err := c.Server.Accept(lfd)
	c.must("accept", err)
	c.Cleanup(func() { c.Server.Close(sfd) })
	c.Server.Close(lfd)
	return cfd, sfd
}

// udpPair returns a client UDP socket connected to a bound server one.
func (c *C) udpPair() (cfd, sfd int, saddr netip.AddrPort) {
	c.Helper()
	sfd, saddr = c.bound(udp, 0)
	cfd = c.socket(c.Client, udp, 0)
	c.must("connect", c.Client.Connect(cfd, saddr))
	return cfd, sfd, saddr
}

// writeAll writes all of b to fd.
func (c *C) writeAll(p *rump.Proc, fd int, b []byte) {
	c.Helper()
	for len(b) > 0 {
		n, err := p.Write(fd, b)
		if err != nil {
			c.Fatalf("write: %v", err)
		}
		b = b[n:]
	}
}

// readN reads exactly n bytes from fd.
func (c *C) readN(p *rump.Proc, fd int, n int) []byte {
	c.Helper()
	b := make([]byte, n)
	got := 0
	for got < n {
		m, err := p.Read(fd, b[got:])
		if err != nil {
			c.Fatalf("read after %d of %d bytes: %v", got, n, err)
		}
		if m == 0 {
			c.Fatalf("end of stream after %d of %d bytes", got, n)
		}
		got += m
	}
	return b
}

// readAll reads fd until the end of the stream.
func (c *C) readAll(p *rump.Proc, fd int) ([]byte, error) {
	var out []byte
	b := make([]byte, 64<<10)
	for {
		n, err := p.Read(fd, b)
		if err != nil {
			return out, err
		}
		if n == 0 {
			return out, nil
		}
		out = append(out, b[:n]...)
	}
}

// poll polls one descriptor.
func (c *C) poll(p *rump.Proc, fd int, events int16, timeout time.Duration) int16 {
	c.Helper()
	fds := []rump.PollFd{{Fd: fd, Events: events}}
	_, err := p.Poll(fds, timeout)
	c.must("poll", err)
	return fds[0].Revents
}

// eventually retries f until it returns true or the wait passes.
func (c *C) eventually(what string, f func() bool) {
	c.Helper()
	end := time.Now().Add(c.wait())
	for !f() {
		if time.Now().After(end) {
			c.Fatalf("%s: did not happen within %v", what, c.wait())
		}
		time.Sleep(time.Millisecond)
	}
}

// pattern returns n bytes that differ from one offset to the next.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

func firstDiff(a, b []byte) string {
	if len(a) != len(b) {
		return "lengths " + strconv.Itoa(len(a)) + " and " + strconv.Itoa(len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			return "byte " + strconv.Itoa(i)
		}
	}
	return "none"
}
