package socket

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// Socket is one socket: its protocol's PCB and what the socket layer
// keeps above it (options, timeouts, deadlines, shutdown state). The
// methods are the socket operations without a descriptor, for callers
// that hold a socket directly (the rump package's net.Conn); the
// syscalls in syscalls.go reach the same methods through descriptors.
// Methods are safe for concurrent use.
//
// Blocking: a blocking call tries its PCB operation, and while the PCB
// says EAGAIN it waits on the PCB's Waiters until they wake it, its
// deadline passes (EAGAIN, as NetBSD's SO_RCVTIMEO gives EWOULDBLOCK),
// the socket is closed (EBADF) or the kernel halts (ESHUTDOWN). The
// deadline is re-read on every wake, and changing it wakes the waiters,
// so deadlines may move while a call is blocked.
type Socket struct {
	k     *kern.Kernel
	st    *state
	typ   int
	proto int
	fam   int
	uid   uint32
	gid   uint32
	pcb   PCB
	w     *Waiters

	// opMu is held shared around every PCB call and exclusively while
	// the PCB closes, so that no PCB call runs after Close.
	opMu   sync.RWMutex
	closed atomic.Bool // set under opMu held exclusively
	// closing is set by the first Close.
	closing atomic.Bool
	// file is the open file behind the socket's descriptors, once it has
	// one: when its last descriptor closes, sleeping calls give up.
	file atomic.Pointer[kern.File]

	listening atomic.Bool
	rdShut    atomic.Bool
	wrShut    atomic.Bool
	nosigpipe atomic.Bool

	lingerOn  atomic.Bool
	lingerSec atomic.Int32

	// Timeouts (SO_RCVTIMEO, SO_SNDTIMEO) in nanoseconds, 0 for none.
	rcvTimeo atomic.Int64
	sndTimeo atomic.Int64
	// Deadlines on the kernel's monotonic clock in nanoseconds, 0 for
	// none.
	rdDeadline atomic.Int64
	wrDeadline atomic.Int64
}

// state is the socket layer's per-kernel state: the live sockets, which
// halt closes.
type state struct {
	mu    sync.Mutex // guards socks
	socks map[*Socket]struct{}

	somaxconn atomic.Int64 // kern.somaxconn: the largest listen backlog
}

// DefaultSomaxconn is kern.somaxconn at boot. NetBSD's is SOMAXCONN (128);
// gorump's is Linux's, as Go programs expect of net.Listen: a kernel
// that serves many short connections from one goroutine would otherwise
// drop SYNs (and the client wait a second to send another) whenever the
// accepting goroutine falls 128 connections behind.
const DefaultSomaxconn = 4096

// KERN_SOMAXCONN is kern.somaxconn's number under CTL_KERN.
const KERN_SOMAXCONN = 28

var stateSlot = kern.NewSlot[*state]()

// CTL_NET is the sysctl number of the "net" node.
const CTL_NET = 4

func init() {
	kern.Register(kern.Component{Name: "socket", Level: kern.LevelNetFaction, Init: initSocket})
}

func initSocket(k *kern.Kernel) error {
	st := &state{socks: map[*Socket]struct{}{}}
	st.somaxconn.Store(DefaultSomaxconn)
	stateSlot.Set(k, st)
	err := k.Sysctl().AddInt("kern.somaxconn", KERN_SOMAXCONN, st.somaxconn.Load, func(v int64) error {
		if v < 1 || v > 1<<16 {
			return errno.EINVAL
		}
		st.somaxconn.Store(v)
		return nil
	})
	if err != nil {
		return err
	}
	if err := k.Sysctl().Add("net", CTL_NET, kern.SysctlEntry{Kind: kern.SysctlNode}); err != nil && err != errno.EEXIST {
		return err
	}
	k.OnHalt(func() error {
		st.mu.Lock()
		socks := make([]*Socket, 0, len(st.socks))
		for s := range st.socks {
			socks = append(socks, s)
		}
		st.mu.Unlock()
		for _, s := range socks {
			s.lingerOn.Store(false)
			s.Close() //nolint:errcheck // nobody to report to at halt
		}
		return nil
	})
	return nil
}

// New makes a socket of the given family, type (without the SOCK_*
// flags) and protocol in the kernel l runs in, with l's credentials.
// Errors: EAFNOSUPPORT for an unknown family, EPROTONOSUPPORT for an
// unknown type or protocol, and the protocol's Attach errors.
func New(l *kern.LWP, family, typ, proto int) (*Socket, error) {
	k := l.Kernel()
	st := stateSlot.Get(k)
	if st == nil {
		return nil, errno.EAFNOSUPPORT
	}
	p := lookup(family, typ, proto)
	if p == nil {
		if !familyKnown(family) {
			return nil, errno.EAFNOSUPPORT
		}
		if !typeKnown(family, typ) {
			return nil, errno.EPROTOTYPE
		}
		return nil, errno.EPROTONOSUPPORT
	}
	cred := l.Cred()
	pcb, err := p.Attach(k, cred)
	if err != nil {
		return nil, errno.From(err)
	}
	return newSocket(k, st, family, typ, proto, cred.UID(), cred.GID(), pcb), nil
}

func newSocket(k *kern.Kernel, st *state, family, typ, proto int, uid, gid uint32, pcb PCB) *Socket {
	s := &Socket{k: k, st: st, fam: family, typ: typ, proto: proto, uid: uid, gid: gid, pcb: pcb, w: pcb.Waiters()}
	st.mu.Lock()
	st.socks[s] = struct{}{}
	st.mu.Unlock()
	return s
}

func familyKnown(family int) bool {
	protocols.mu.Lock()
	defer protocols.mu.Unlock()
	for k := range protocols.byKey {
		if k.family == family {
			return true
		}
	}
	return false
}

func typeKnown(family, typ int) bool {
	protocols.mu.Lock()
	defer protocols.mu.Unlock()
	for k := range protocols.byKey {
		if k.family == family && k.typ == typ {
			return true
		}
	}
	return false
}

// Kernel returns the kernel the socket lives in.
func (s *Socket) Kernel() *kern.Kernel { return s.k }

// Family returns the address family (AF_INET).
func (s *Socket) Family() int { return s.fam }

// Type returns the socket type (SOCK_STREAM, SOCK_DGRAM).
func (s *Socket) Type() int { return s.typ }

// PCB returns the protocol control block, for tests and protocol tools.
func (s *Socket) PCB() PCB { return s.pcb }

// enter starts a PCB call; EBADF once the socket is closed.
func (s *Socket) enter() error {
	s.opMu.RLock()
	if s.closed.Load() {
		s.opMu.RUnlock()
		return errno.EBADF
	}
	return nil
}

func (s *Socket) leave() { s.opMu.RUnlock() }

// direction says which timeout and deadline a blocking call obeys.
type direction int

const (
	dirRead direction = iota
	dirWrite
	dirConnect // the write deadline only: SO_SNDTIMEO does not bound connect
)

// deadline returns the monotonic time at which a call in direction d
// that began blocking at start gives up, or 0 for never.
func (s *Socket) deadline(d direction, start time.Duration) time.Duration {
	var timeo, dl int64
	switch d {
	case dirRead:
		timeo, dl = s.rcvTimeo.Load(), s.rdDeadline.Load()
	case dirWrite:
		timeo, dl = s.sndTimeo.Load(), s.wrDeadline.Load()
	case dirConnect:
		dl = s.wrDeadline.Load()
	}
	var t int64
	if timeo > 0 {
		t = int64(start) + timeo
	}
	if dl != 0 && (t == 0 || dl < t) {
		t = dl
	}
	return time.Duration(t)
}

// expired reports whether the deadline (rdDeadline or wrDeadline) has
// passed: a call made after its deadline fails at once even when it could
// proceed, as net.Conn's deadlines require. It reads the clock only when
// a deadline is set.
func (s *Socket) expired(dl *atomic.Int64) bool {
	t := dl.Load()
	return t != 0 && s.k.Clock().Monotonic() >= time.Duration(t)
}

// sleep waits until ch is closed, the deadline (0: none) passes, the
// socket closes or the kernel halts. It returns EAGAIN when the deadline
// has passed, EBADF when the socket or its last descriptor is closed,
// ESHUTDOWN at halt, and nil when the caller should try again. The
// deadline is re-read after every wake by the caller.
func (s *Socket) sleep(ch <-chan struct{}, deadline time.Duration) error {
	if s.closing.Load() {
		return errno.EBADF
	}
	if f := s.file.Load(); f != nil && f.Descriptors() == 0 {
		return errno.EBADF
	}
	done := s.k.Context().Done()
	if deadline == 0 {
		select {
		case <-ch:
			return nil
		case <-done:
			return errno.ESHUTDOWN
		}
	}
	clock := s.k.Clock()
	d := deadline - clock.Monotonic()
	if d <= 0 {
		return errno.EAGAIN
	}
	fired := make(chan struct{})
	t := clock.AfterFunc(d, func() { close(fired) })
	defer t.Stop()
	select {
	case <-ch:
	case <-fired:
	case <-done:
		return errno.ESHUTDOWN
	}
	return nil
}

// waitStep is one wait of a blocking loop after a try said EAGAIN: the
// first time round it only takes the wait channel (the caller then tries
// again, so a wake between the try and the wait is not lost); after that
// it sleeps. start is when blocking began (set on first use).
type waitStep struct {
	ch      <-chan struct{}
	start   time.Duration
	started bool
}

func (w *waitStep) wait(s *Socket, d direction) error {
	if w.ch == nil {
		w.ch = s.w.Chan()
		return nil
	}
	if !w.started {
		w.start, w.started = s.k.Clock().Monotonic(), true
	}
	err := s.sleep(w.ch, s.deadline(d, w.start))
	w.ch = nil
	return err
}

// waitEvents blocks until the PCB's events meet mask, the deadline of d
// passes (EAGAIN), the socket closes (EBADF) or the kernel halts.
func (s *Socket) waitEvents(mask int, d direction) error {
	var w waitStep
	for {
		if err := s.enter(); err != nil {
			return err
		}
		ev := s.pcb.Events()
		s.leave()
		if ev&mask != 0 {
			return nil
		}
		if err := w.wait(s, d); err != nil {
			return err
		}
	}
}

// Bind sets the socket's local address; port 0 picks an ephemeral one.
func (s *Socket) Bind(addr netip.AddrPort) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	return s.pcb.Bind(addr)
}

// Listen makes a stream socket accept connections; backlog is clamped to
// [0, kern.somaxconn] (a negative one means kern.somaxconn). EOPNOTSUPP
// for other socket types.
func (s *Socket) Listen(backlog int) error {
	if s.typ != SOCK_STREAM {
		return errno.EOPNOTSUPP
	}
	if limit := int(s.st.somaxconn.Load()); backlog < 0 || backlog > limit {
		backlog = limit
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if err := s.pcb.Listen(backlog); err != nil {
		return err
	}
	s.listening.Store(true)
	return nil
}

// Accept takes a connection from a listening socket, waiting for one
// unless nonblock (EAGAIN then). The new socket inherits the listener's
// socket-level options (linger, timeouts, SO_NOSIGPIPE).
func (s *Socket) Accept(nonblock bool) (*Socket, error) {
	if !s.listening.Load() {
		return nil, errno.EINVAL
	}
	if s.expired(&s.rdDeadline) {
		return nil, errno.EAGAIN
	}
	var w waitStep
	for {
		if err := s.enter(); err != nil {
			return nil, err
		}
		pcb, err := s.pcb.Accept()
		s.leave()
		if err == nil {
			return s.child(pcb), nil
		}
		if err != errno.EAGAIN || nonblock {
			return nil, err
		}
		if err := w.wait(s, dirRead); err != nil {
			return nil, err
		}
	}
}

func (s *Socket) child(pcb PCB) *Socket {
	c := newSocket(s.k, s.st, s.fam, s.typ, s.proto, s.uid, s.gid, pcb)
	c.nosigpipe.Store(s.nosigpipe.Load())
	c.lingerOn.Store(s.lingerOn.Load())
	c.lingerSec.Store(s.lingerSec.Load())
	c.rcvTimeo.Store(s.rcvTimeo.Load())
	c.sndTimeo.Store(s.sndTimeo.Load())
	return c
}

// Connect connects the socket to addr. A datagram socket connects at
// once. A stream socket that is blocking waits until the connection is
// made or fails (the write deadline bounds the wait: ETIMEDOUT); with
// nonblock it returns EINPROGRESS, and while the attempt is under way
// another Connect gives EALREADY, and EISCONN once it has succeeded.
func (s *Socket) Connect(addr netip.AddrPort, nonblock bool) error {
	if s.listening.Load() {
		return errno.EOPNOTSUPP
	}
	if err := s.enter(); err != nil {
		return err
	}
	err := s.pcb.Connect(addr)
	s.leave()
	if err != errno.EINPROGRESS || nonblock {
		return err
	}
	switch err := s.waitEvents(POLLOUT|POLLHUP|POLLERR, dirConnect); err {
	case nil:
	case errno.EAGAIN:
		return errno.ETIMEDOUT
	default:
		return err
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if err := s.pcb.Error(); err != nil {
		return err
	}
	if _, err := s.pcb.RemoteAddr(); err != nil {
		return errno.ECONNREFUSED
	}
	return nil
}

// Send sends p to to (the zero AddrPort: the connected peer) with MSG_*
// flags. A blocking stream socket sends all of p unless the send
// timeout or write deadline passes (EAGAIN when nothing was sent, the
// count otherwise) or the connection fails; with nonblock or
// MSG_DONTWAIT it sends what fits (EAGAIN when nothing does). A
// datagram is sent whole or not at all. EPIPE after shutdown for
// writing or a reset.
func (s *Socket) Send(p []byte, to netip.AddrPort, flags int, nonblock bool) (int, error) {
	if flags&MSG_DONTWAIT != 0 {
		nonblock = true
	}
	flags &^= MSG_DONTWAIT | MSG_NOSIGNAL
	if s.wrShut.Load() {
		return 0, errno.EPIPE
	}
	if s.expired(&s.wrDeadline) {
		return 0, errno.EAGAIN
	}
	sent := 0
	var w waitStep
	for {
		if err := s.enter(); err != nil {
			return sent, err
		}
		n, err := s.pcb.Send(p[sent:], to, flags)
		s.leave()
		sent += n
		switch {
		case err == nil:
			if sent >= len(p) || s.typ != SOCK_STREAM || nonblock {
				return sent, nil
			}
			w = waitStep{} // progress: try again before waiting
			continue
		case err != errno.EAGAIN:
			return sent, err
		case nonblock:
			if sent > 0 {
				return sent, nil
			}
			return 0, err
		}
		if err := w.wait(s, dirWrite); err != nil {
			if err == errno.EAGAIN && sent > 0 {
				return sent, nil
			}
			return sent, err
		}
	}
}

// Recv receives into p with MSG_* flags (MSG_PEEK, MSG_WAITALL,
// MSG_DONTWAIT), returning the sender of a datagram and out-flags
// (MSG_TRUNC when a datagram was longer than p). n == 0 with a nil error
// is the end of a stream, and what reads return after SHUT_RD. A
// blocking call waits for data until the receive timeout or read
// deadline passes (EAGAIN). With MSG_WAITALL a stream socket waits until
// p is full, the stream ends, or an error or timeout stops it after some
// data (then the count is returned without the error).
func (s *Socket) Recv(p []byte, flags int, nonblock bool) (n int, from netip.AddrPort, outFlags int, err error) {
	if flags&MSG_DONTWAIT != 0 {
		nonblock = true
	}
	waitAll := flags&MSG_WAITALL != 0 && flags&MSG_PEEK == 0 && s.typ == SOCK_STREAM && !nonblock
	flags &^= MSG_DONTWAIT | MSG_WAITALL | MSG_NOSIGNAL
	if !waitAll {
		return s.recv(p, flags, nonblock)
	}
	for n < len(p) {
		m, f, of, err := s.recv(p[n:], flags, false)
		n += m
		from, outFlags = f, outFlags|of
		if err != nil {
			if n > 0 {
				return n, from, outFlags, nil
			}
			return 0, from, outFlags, err
		}
		if m == 0 {
			break
		}
	}
	return n, from, outFlags, nil
}

func (s *Socket) recv(p []byte, flags int, nonblock bool) (int, netip.AddrPort, int, error) {
	if s.expired(&s.rdDeadline) {
		return 0, netip.AddrPort{}, 0, errno.EAGAIN
	}
	var w waitStep
	for {
		if s.rdShut.Load() {
			return 0, netip.AddrPort{}, 0, nil
		}
		if err := s.enter(); err != nil {
			return 0, netip.AddrPort{}, 0, err
		}
		n, from, outFlags, err := s.pcb.Recv(p, flags)
		s.leave()
		if err != errno.EAGAIN || nonblock {
			return n, from, outFlags, err
		}
		if err := w.wait(s, dirRead); err != nil {
			return 0, netip.AddrPort{}, 0, err
		}
	}
}

// Shutdown closes one direction or both (SHUT_RD, SHUT_WR, SHUT_RDWR).
// After SHUT_RD reads return end of stream; after SHUT_WR sends fail with
// EPIPE.
func (s *Socket) Shutdown(how int) error {
	if how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR {
		return errno.EINVAL
	}
	if err := s.enter(); err != nil {
		return err
	}
	err := s.pcb.Shutdown(how)
	s.leave()
	if err != nil {
		return err
	}
	if how != SHUT_WR {
		s.rdShut.Store(true)
	}
	if how != SHUT_RD {
		s.wrShut.Store(true)
	}
	s.w.Wake()
	return nil
}

// Close closes the socket: calls blocked on it return EBADF, and the PCB
// is released. With SO_LINGER on and a positive time, a stream socket
// first shuts down for writing and waits up to that long for the
// connection to finish; with SO_LINGER on and a zero time the connection
// is reset. Closing twice is a no-op.
func (s *Socket) Close() error {
	if s.closing.Swap(true) {
		return nil
	}
	s.w.Wake() // blocked callers see closing and return
	linger := s.lingerOn.Load()
	if sec := s.lingerSec.Load(); linger && sec > 0 && s.typ == SOCK_STREAM && !s.listening.Load() {
		s.opMu.RLock()
		err := s.pcb.Shutdown(SHUT_WR)
		s.opMu.RUnlock()
		if err == nil {
			s.lingerWait(time.Duration(sec) * time.Second)
		}
	}
	s.opMu.Lock()
	s.closed.Store(true)
	err := s.pcb.Close(linger)
	s.opMu.Unlock()
	s.w.Wake()
	s.st.mu.Lock()
	delete(s.st.socks, s)
	s.st.mu.Unlock()
	return err
}

// lingerWait waits up to d for POLLOUT or POLLHUP, as Close's contract
// with the PCB says.
func (s *Socket) lingerWait(d time.Duration) {
	clock := s.k.Clock()
	end := clock.Monotonic() + d
	done := s.k.Context().Done()
	for {
		ch := s.w.Chan()
		s.opMu.RLock()
		ev := s.pcb.Events()
		s.opMu.RUnlock()
		left := end - clock.Monotonic()
		if ev&(POLLOUT|POLLHUP) != 0 || left <= 0 {
			return
		}
		fired := make(chan struct{})
		t := clock.AfterFunc(left, func() { close(fired) })
		select {
		case <-ch:
		case <-fired:
		case <-done:
		}
		t.Stop()
		select {
		case <-done:
			return
		default:
		}
	}
}

// Queued returns how many bytes wait to be received (FIONREAD): 0 when
// the protocol cannot tell.
func (s *Socket) Queued() (int, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.leave()
	if q, ok := s.pcb.(QueuedPCB); ok {
		return q.Queued(), nil
	}
	return 0, nil
}

// Events returns the socket's poll events now (POLLIN, POLLOUT, POLLHUP,
// POLLERR); POLLNVAL once closed.
func (s *Socket) Events() int {
	if err := s.enter(); err != nil {
		return POLLNVAL
	}
	defer s.leave()
	ev := s.pcb.Events()
	if s.rdShut.Load() {
		ev |= POLLIN
	}
	return ev
}

// Waiters returns the wait queue woken when Events may have changed.
func (s *Socket) Waiters() *Waiters { return s.w }

// LocalAddr returns the bound address (zero when unbound).
func (s *Socket) LocalAddr() (netip.AddrPort, error) {
	if err := s.enter(); err != nil {
		return netip.AddrPort{}, err
	}
	defer s.leave()
	return s.pcb.LocalAddr(), nil
}

// RemoteAddr returns the peer's address; ENOTCONN when there is none.
func (s *Socket) RemoteAddr() (netip.AddrPort, error) {
	if err := s.enter(); err != nil {
		return netip.AddrPort{}, err
	}
	defer s.leave()
	return s.pcb.RemoteAddr()
}

// SetReadDeadline makes blocked and future receives and accepts fail
// with EAGAIN at time t on the kernel's monotonic clock
// (Clock().Monotonic()); 0 clears the deadline, and a time already past
// makes them fail at once.
func (s *Socket) SetReadDeadline(t time.Duration) {
	s.rdDeadline.Store(int64(t))
	s.w.Wake()
}

// SetWriteDeadline is SetReadDeadline for sends and connect.
func (s *Socket) SetWriteDeadline(t time.Duration) {
	s.wrDeadline.Store(int64(t))
	s.w.Wake()
}
