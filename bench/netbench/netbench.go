// Package netbench measures TCP stacks through the standard net
// interfaces, so that every stack that can hand out a net.Listener and
// dial a net.Conn (Linux through package net, gVisor's netstack through
// its gonet adapters, gorump through package rump) runs the same code:
//
//   - Bulk: the throughput of one connection, and the CPU it costs;
//   - PingPong: the latency of 1-byte request/response round trips;
//   - ConnRate: connect, accept and close cycles per second.
//
// A measurement opens its listener and connections itself and closes
// them before it returns; the caller owns the Pair and closes it. No
// measurement runs past Timeout: when it would, its listener and
// connections are closed and it fails with ErrTimeout.
package netbench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Pair is the two ends of the stack under test: a server side that
// listens and a client side that dials it. The two may be one stack
// (Linux loopback) or two stacks joined by a link.
type Pair struct {
	// Name names the stack in reports, e.g. "loopback" or
	// "netstack-1500".
	Name string
	// Listen opens a TCP listener on the server side, on a port of the
	// stack's choosing.
	Listen func() (net.Listener, error)
	// Dial connects from the client side to addr, the String of a
	// listener's Addr. It gives up when ctx is done.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// Close releases what the pair holds (stacks, links, goroutines).
	Close func() error
}

// LoopbackPair returns a Pair that is Go's net package over Linux
// loopback on 127.0.0.1. Its Close does nothing.
func LoopbackPair() Pair {
	var d net.Dialer
	return Pair{
		Name:   "loopback",
		Listen: func() (net.Listener, error) { return net.Listen("tcp4", "127.0.0.1:0") },
		Dial: func(ctx context.Context, addr string) (net.Conn, error) {
			return d.DialContext(ctx, "tcp4", addr)
		},
		Close: func() error { return nil },
	}
}

// Timeout is the longest a measurement may run.
var Timeout = 5 * time.Minute

// ErrTimeout is the error of a measurement that ran past Timeout.
var ErrTimeout = errors.New("netbench: measurement ran past Timeout")

// session is one measurement's listener and connections, watched by a
// timer that closes them all once the measurement runs past Timeout.
type session struct {
	pair Pair
	ln   net.Listener
	// ctx is done when the watchdog fires or the session ends; dials use
	// it.
	ctx     context.Context
	cancel  context.CancelFunc
	disarm  func() bool
	watchMu sync.Mutex
	// watched are the connections the watchdog closes; fired says it
	// has, so that a connection watched later is closed at once.
	watched []net.Conn
	fired   bool
}

// startSession listens on p and arms the watchdog.
func startSession(p Pair) (*session, error) {
	ln, err := p.Listen()
	if err != nil {
		return nil, fmt.Errorf("netbench: %s: listen: %w", p.Name, err)
	}
	s := &session{pair: p, ln: ln}
	s.ctx, s.cancel = context.WithTimeout(context.Background(), Timeout)
	s.disarm = context.AfterFunc(s.ctx, s.closeAll)
	return s, nil
}

func (s *session) closeAll() {
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	s.fired = true
	s.ln.Close()
	for _, c := range s.watched {
		c.Close()
	}
}

// watch has the watchdog close c if it fires.
func (s *session) watch(c net.Conn) {
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	if s.fired {
		c.Close()
		return
	}
	s.watched = append(s.watched, c)
}

// dial connects the client side to the session's listener.
func (s *session) dial() (net.Conn, error) {
	return s.pair.Dial(s.ctx, s.ln.Addr().String())
}

// run runs server in a new goroutine and client in this one, and
// returns when both have, with their errors. A failing client closes
// the listener, so that a server blocked in Accept returns.
func (s *session) run(server, client func() error) error {
	serverErr := make(chan error, 1)
	go func() { serverErr <- server() }()
	cerr := client()
	if cerr != nil {
		s.ln.Close()
	}
	serr := <-serverErr
	if s.end() {
		return fmt.Errorf("%w (%v): %s", ErrTimeout, Timeout, s.pair.Name)
	}
	return errors.Join(prefix(s.pair.Name+": client", cerr), prefix(s.pair.Name+": server", serr))
}

// end disarms the watchdog and closes the listener. It reports whether
// the watchdog had fired.
func (s *session) end() (timedOut bool) {
	timedOut = !s.disarm()
	s.cancel()
	s.ln.Close()
	return timedOut
}

// oneConn runs server on the one connection the listener accepts and
// client on the one dialled to it, concurrently. Each side's connection
// is closed when its function returns.
func oneConn(p Pair, server, client func(net.Conn) error) error {
	s, err := startSession(p)
	if err != nil {
		return err
	}
	return s.run(func() error {
		c, err := s.ln.Accept()
		if err != nil {
			return fmt.Errorf("accept: %w", err)
		}
		s.watch(c)
		defer c.Close()
		return server(c)
	}, func() error {
		c, err := s.dial()
		if err != nil {
			return fmt.Errorf("dial: %w", err)
		}
		s.watch(c)
		defer c.Close()
		return client(c)
	})
}

// prefix returns err with what in front, or nil if err is nil.
func prefix(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("netbench: %s: %w", what, err)
}
