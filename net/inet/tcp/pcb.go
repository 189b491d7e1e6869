package tcp

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/inet"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/net/socket"
)

// state is a connection state (RFC 9293, 3.3.2). TIME_WAIT has no conn:
// it lives in the stack's timewaitTable.
type state int

const (
	stateClosed state = iota
	stateListen
	stateSynSent
	stateSynRcvd
	stateEstablished
	stateFinWait1
	stateFinWait2
	stateCloseWait
	stateClosing
	stateLastAck
	stateTimeWait
)

var stateNames = [...]string{"CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED",
	"FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"}

func (s state) String() string { return stateNames[s] }

// synchronized reports whether the state is one after the handshake.
func (s state) synchronized() bool { return s >= stateEstablished }

// outSeg is a segment waiting to be handed to the network.
type outSeg struct {
	b *pkt.Buf
	o inet.Out
}

// conn is a TCP protocol control block: a socket's connection, or a
// listener.
type conn struct {
	s       *Stack
	cred    *kern.Cred
	waiters socket.Waiters
	rexmt   *kern.Callout // retransmission and persist timer
	tlp     *kern.Callout // tail loss probe timer
	delack  *kern.Callout
	keep    *kern.Callout // keepalive, connection-establishment and FIN_WAIT_2 timer

	mu     sync.Mutex // guards everything below
	state  state
	local  netip.AddrPort
	remote netip.AddrPort
	bound  bool // holds its local port in s.ports
	hashed bool // in s.conns
	out    inet.Out

	// socket options
	reuseAddr, reusePort, keepalive, nodelay bool
	userMSS                                  int
	keepIdle, keepIntvl, keepInit            time.Duration
	keepCnt                                  int
	sndLimit, rcvLimit                       int  // buffer sizes
	sndFixed, rcvFixed                       bool // set by SO_SNDBUF/SO_RCVBUF: no auto-tuning

	softErr  error // pending SO_ERROR
	hardErr  error // why the connection failed: ECONNRESET, ETIMEDOUT, ...
	shutRd   bool
	shutWr   bool
	detached bool // the socket closed; the stack finishes the connection

	// listener
	backlog int
	acceptQ []*conn
	parent  *conn // the listener of a child not yet accepted
	inSynQ  bool  // counted in parent.synCount

	// send side
	iss        seqnum
	sndUna     seqnum
	sndNxt     seqnum
	sndMax     seqnum
	sndWnd     int // peer's window, scaled
	maxSndWnd  int
	sndWl1     seqnum
	sndWl2     seqnum
	snd        ring // bytes from sndUna on
	finQueued  bool // a FIN follows the data in snd
	sb         scoreboard
	dupAcks    int
	inRecovery bool
	recover    seqnum // sndMax when recovery began
	rexmitNext seqnum // next hole to retransmit in SACK recovery
	cwnd       int
	ssthresh   int
	cc         congestion

	// receive side
	irs        seqnum
	rcvNxt     seqnum
	rcvAdv     seqnum // right edge of the window last advertised
	rcv        rcvQueue
	ooo        reassembly
	finRcvd    bool
	lastOOO    sackBlock // the block of the latest out-of-order segment
	ackPending int       // segments received and not acknowledged yet
	ackNow     bool
	rcvAuto    autotune

	// negotiated options
	mss         int // the peer's MSS, bounded by the route
	sndScale    uint8
	rcvScale    uint8
	wsAgreed    bool
	lastAckSent seqnum
	tsOK        bool
	tsRecent    uint32
	tsOffset    uint32
	sackOK      bool
	rcvWS       int // the window shift offered in our SYN, -1: none

	// round-trip timing (RFC 6298)
	srtt                 time.Duration
	rttvar               time.Duration
	rto                  time.Duration
	rtTiming             bool
	rtSeq                seqnum
	rtStart              time.Duration
	backoff              int    // consecutive retransmission timeouts
	ackTSEcr             uint32 // the timestamp the ACK being processed echoes (0: none)
	hystart              hystart
	tso                  bool   // the route takes super-segments (TSO)
	persisting           bool   // rexmt runs as the persist timer
	tlpOut               bool   // a tail loss probe is out (tlpEnd not yet acknowledged)
	tlpSeq               seqnum // the probe's first byte
	tlpEnd               seqnum // snd.max after the probe
	tlpRexmit            bool   // the probe was a retransmission
	tlpProgress, tlpSeen uint32 // progress counted, and seen by the probe timer
	tlpQuiet             int    // quarters of a probe timeout without progress
	forceSend            bool   // the persist timer overrides silly-window avoidance
	lastRecv             time.Duration
	keepProbes           int

	challengeTime  time.Duration // start of the challenge-ACK second
	challengeCount int

	outq      []outSeg
	outqSpare []outSeg
	flushing  bool

	// synCount counts a listener's children in SYN_RCVD; children
	// update it without the listener's lock.
	synCount atomic.Int32
}

// NewPCB returns an unbound, unconnected TCP socket's control block.
func (s *Stack) NewPCB(cred *kern.Cred) socket.PCB {
	return s.newConn(cred)
}

func (s *Stack) newConn(cred *kern.Cred) *conn {
	c := &conn{s: s, cred: cred}
	c.rexmt = s.k.NewCallout(c.rexmtTimer)
	c.tlp = s.k.NewCallout(c.tlpTimer)
	c.delack = s.k.NewCallout(c.delackTimer)
	c.keep = s.k.NewCallout(c.keepTimer)
	c.sndLimit = int(s.p.sendspace.Load())
	c.rcvLimit = int(s.p.recvspace.Load())
	c.keepIdle = time.Duration(s.p.keepidle.Load())
	c.keepIntvl = time.Duration(s.p.keepintvl.Load())
	c.keepCnt = int(s.p.keepcnt.Load())
	c.keepInit = time.Duration(s.p.keepinit.Load())
	c.rto = time.Duration(s.p.rtoInit.Load())
	c.rcvWS = -1
	c.cc = newCongestion(s.p.congctl.Load().(string))
	if c.cc == nil {
		c.cc = &newReno{}
	}
	return c
}

// Waiters implements socket.PCB.
func (c *conn) Waiters() *socket.Waiters { return &c.waiters }

// LocalAddr implements socket.PCB.
func (c *conn) LocalAddr() netip.AddrPort {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.local
}

// RemoteAddr implements socket.PCB.
func (c *conn) RemoteAddr() (netip.AddrPort, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.remote.IsValid() {
		return netip.AddrPort{}, errno.ENOTCONN
	}
	return c.remote, nil
}

// Bind implements socket.PCB.
func (c *conn) Bind(addr netip.AddrPort) error {
	if !addr.Addr().Is4() && addr.Addr().IsValid() {
		return errno.EAFNOSUPPORT
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bound || c.state != stateClosed {
		return errno.EINVAL
	}
	a := addr.Addr()
	if !a.IsValid() {
		a = netip.IPv4Unspecified()
	}
	if !a.IsUnspecified() {
		if local, _ := c.s.net.IsLocal(a); !local {
			return errno.EADDRNOTAVAIL
		}
	}
	if p := addr.Port(); p != 0 && p < 1024 && c.cred != nil && !c.cred.IsRoot() {
		return errno.EACCES
	}
	ap, err := c.s.bind(c, netip.AddrPortFrom(a, addr.Port()), netip.AddrPort{})
	if err != nil {
		return err
	}
	c.local, c.bound = ap, true
	return nil
}

// Listen implements socket.PCB.
func (c *conn) Listen(backlog int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.state {
	case stateClosed:
	case stateListen:
		c.backlog = clampBacklog(backlog)
		return nil
	default:
		return errno.EINVAL
	}
	if c.shutRd || c.shutWr {
		return errno.EINVAL
	}
	if !c.bound {
		ap, err := c.s.bind(c, netip.AddrPortFrom(netip.IPv4Unspecified(), 0), netip.AddrPort{})
		if err != nil {
			return err
		}
		c.local, c.bound = ap, true
	}
	c.backlog = clampBacklog(backlog)
	c.state = stateListen
	c.s.mu.Lock()
	c.s.listeners[c.local.Port()] = append(c.s.listeners[c.local.Port()], c)
	c.s.mu.Unlock()
	return nil
}

func clampBacklog(n int) int { return min(max(n, 1), 4096) }

// Accept implements socket.PCB.
func (c *conn) Accept() (socket.PCB, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateListen {
		return nil, errno.EINVAL
	}
	if len(c.acceptQ) == 0 {
		return nil, errno.EAGAIN
	}
	n := c.acceptQ[0]
	c.acceptQ[0] = nil
	c.acceptQ = c.acceptQ[1:]
	if len(c.acceptQ) == 0 {
		c.acceptQ = nil
	}
	c.mu.Unlock()
	n.mu.Lock()
	n.parent = nil
	n.mu.Unlock()
	c.mu.Lock()
	return n, nil
}

// Connect implements socket.PCB.
func (c *conn) Connect(addr netip.AddrPort) error {
	if !addr.Addr().Is4() {
		return errno.EAFNOSUPPORT
	}
	if addr.Port() == 0 || addr.Addr().IsUnspecified() || addr.Addr() == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return errno.EADDRNOTAVAIL
	}
	c.mu.Lock()
	switch c.state {
	case stateClosed:
	case stateSynSent, stateSynRcvd:
		c.mu.Unlock()
		return errno.EALREADY
	case stateListen:
		c.mu.Unlock()
		return errno.EOPNOTSUPP
	default:
		c.mu.Unlock()
		return errno.EISCONN
	}
	if c.hardErr != nil || c.shutWr {
		c.mu.Unlock()
		return errno.EINVAL
	}
	ri, err := c.s.net.Route(addr.Addr())
	if err != nil {
		c.mu.Unlock()
		return err
	}
	if _, bcast := c.s.net.IsLocal(addr.Addr()); bcast || addr.Addr().IsMulticast() {
		c.mu.Unlock()
		return errno.ENETUNREACH
	}
	local := c.local
	if !local.Addr().IsValid() || local.Addr().IsUnspecified() {
		local = netip.AddrPortFrom(ri.Src, local.Port())
	}
	if !c.bound {
		ap, err := c.s.bind(c, local, addr)
		if err != nil {
			c.mu.Unlock()
			return err
		}
		local, c.bound = ap, true
	}
	c.local, c.remote = local, addr
	if err := c.s.hash(c); err != nil {
		c.mu.Unlock()
		return err
	}
	c.setupRoute(ri)
	c.iss = c.s.iss(c.local, c.remote)
	c.sndUna, c.sndNxt, c.sndMax, c.recover = c.iss, c.iss, c.iss, c.iss
	c.tsOffset = uint32(c.s.iss(c.remote, c.local))
	c.initRcvWindow()
	c.state = stateSynSent
	c.s.stats.ConnAttempts.Add(1)
	c.keep.Schedule(c.keepInit)
	c.sendSYN()
	c.unlockAndFlush()
	return errno.EINPROGRESS
}

// setupRoute records the route's MSS and the IP header fields.
func (c *conn) setupRoute(ri inet.RouteInfo) {
	c.out = inet.Out{Src: c.local.Addr(), Dst: c.remote.Addr(), Proto: inet.ProtoTCP, TTL: c.out.TTL, TOS: c.out.TOS, DontFrag: true}
	c.mss = c.routeMSS(ri)
	c.tso = ri.TSO
}

// routeMSS is the MSS to offer on the route: its MTU less the IP and TCP
// headers, bounded by TCP_MAXSEG.
func (c *conn) routeMSS(ri inet.RouteInfo) int {
	mss := int(c.s.p.mssdflt.Load())
	if ri.MTU > 0 {
		mss = ri.MTU - 40
	}
	if c.userMSS > 0 {
		mss = min(mss, c.userMSS)
	}
	return max(mss, 64)
}

// initRcvWindow picks the window shift from the largest receive buffer
// the connection may grow to.
func (c *conn) initRcvWindow() {
	c.rcvAuto.limit = c.rcvLimit
	if !c.s.p.rfc1323.Load() {
		c.rcvWS = -1
		return
	}
	most := c.rcvLimit
	if !c.rcvFixed && c.s.p.autoRcvBuf.Load() {
		most = max(most, int(c.s.p.recvbufMax.Load()))
	}
	ws := 0
	for ws < maxWScale && 65535<<ws < most {
		ws++
	}
	c.rcvWS = ws
}

// Send implements socket.PCB.
func (c *conn) Send(p []byte, to netip.AddrPort, flags int) (int, error) {
	c.mu.Lock()
	if c.hardErr != nil {
		err := c.hardErr
		c.mu.Unlock()
		if err == errno.ETIMEDOUT {
			return 0, err
		}
		return 0, errno.EPIPE
	}
	if c.shutWr {
		c.mu.Unlock()
		return 0, errno.EPIPE
	}
	switch c.state {
	case stateEstablished, stateCloseWait:
	case stateSynSent, stateSynRcvd:
		c.mu.Unlock()
		return 0, errno.EAGAIN
	case stateClosed, stateListen:
		c.mu.Unlock()
		return 0, errno.ENOTCONN
	default:
		c.mu.Unlock()
		return 0, errno.EPIPE
	}
	if to.IsValid() && to != c.remote {
		c.mu.Unlock()
		return 0, errno.EISCONN
	}
	if len(p) == 0 {
		c.mu.Unlock()
		return 0, nil
	}
	c.growSendBuffer()
	n := c.snd.write(p, c.sndLimit)
	if n == 0 {
		c.mu.Unlock()
		return 0, errno.EAGAIN
	}
	c.output()
	c.unlockAndFlush()
	return n, nil
}

// growSendBuffer doubles the send buffer, up to sendbuf_max, when the
// congestion and peer windows could keep more in flight than it holds.
func (c *conn) growSendBuffer() {
	if c.sndFixed || !c.s.p.autoSndBuf.Load() || c.snd.n < c.sndLimit {
		return
	}
	most := int(c.s.p.sendbufMax.Load())
	if c.sndLimit >= most {
		return
	}
	if 2*min(c.cwnd, c.sndWnd) > c.sndLimit {
		c.sndLimit = min(2*c.sndLimit, most)
	}
}

// Recv implements socket.PCB.
func (c *conn) Recv(p []byte, flags int) (int, netip.AddrPort, int, error) {
	c.mu.Lock()
	if c.rcv.n == 0 {
		var err error
		switch {
		case c.state == stateListen:
			err = errno.ENOTCONN
		case c.hardErr != nil:
			err = c.hardErr
			if err == errno.ECONNREFUSED || err == errno.EHOSTUNREACH || err == errno.ENETUNREACH {
				err = errno.ENOTCONN
			}
		case c.finRcvd || c.shutRd:
			err = nil
		case c.state == stateClosed:
			err = errno.ENOTCONN
		case len(p) == 0:
			err = nil
		default:
			err = errno.EAGAIN
		}
		c.mu.Unlock()
		return 0, netip.AddrPort{}, 0, err
	}
	var n int
	if flags&socket.MSG_PEEK != 0 {
		n = c.rcv.peek(p)
		c.mu.Unlock()
		return n, c.remote, 0, nil
	}
	n = c.rcv.read(p)
	// Open the window: send an update when it grew by two segments or
	// half the buffer since the last advertisement (RFC 9293 SWS
	// avoidance).
	if c.state.synchronized() && !c.finRcvd {
		adv := max(0, diff(c.rcvAdv, c.rcvNxt))
		if w := c.rcvWindow(); w-adv >= min(2*c.mss, c.rcvLimit/2) {
			c.ackNow = true
			c.s.stats.SndWinUpd.Add(1)
			c.output()
		}
	}
	c.unlockAndFlush()
	return n, c.remote, 0, nil
}

// Shutdown implements socket.PCB.
func (c *conn) Shutdown(how int) error {
	c.mu.Lock()
	switch c.state {
	case stateClosed, stateListen, stateSynSent:
		if c.state != stateListen && !c.remote.IsValid() {
			c.mu.Unlock()
			return errno.ENOTCONN
		}
	}
	if how == socket.SHUT_RD || how == socket.SHUT_RDWR {
		c.shutRd = true
		c.rcv.clear()
		c.ooo.clear()
	}
	if how == socket.SHUT_WR || how == socket.SHUT_RDWR {
		c.shutdownWrite()
	}
	c.mu.Unlock()
	c.waiters.Wake()
	c.mu.Lock()
	c.unlockAndFlush()
	return nil
}

// shutdownWrite queues a FIN after the data and moves the state on.
func (c *conn) shutdownWrite() {
	if c.shutWr {
		return
	}
	c.shutWr = true
	switch c.state {
	case stateSynSent, stateClosed, stateListen:
		c.drop(nil)
		return
	case stateSynRcvd, stateEstablished:
		c.state = stateFinWait1
	case stateCloseWait:
		c.state = stateLastAck
	default:
		return
	}
	c.finQueued = true
	c.output()
}

// Close implements socket.PCB.
func (c *conn) Close(linger bool) error {
	c.mu.Lock()
	c.detached = true
	switch {
	case c.state == stateListen:
		q := c.acceptQ
		c.acceptQ = nil
		c.close()
		c.mu.Unlock()
		for _, ch := range q {
			ch.mu.Lock()
			ch.parent = nil
			ch.detached = true
			ch.abort()
			ch.unlockAndFlush()
		}
		return nil
	case c.state == stateClosed || c.state == stateSynSent:
		c.close()
		c.mu.Unlock()
		return nil
	case linger || c.rcv.n > 0:
		// Unread data or a zero linger time: reset (RFC 9293 3.10.4,
		// RFC 2525 2.17).
		c.abort()
		c.unlockAndFlush()
		return nil
	}
	c.shutRd = true
	c.shutdownWrite()
	if c.state == stateFinWait2 {
		c.keep.Schedule(time.Duration(c.s.p.finWait2.Load()))
	}
	c.unlockAndFlush()
	return nil
}

// abort resets the connection: it sends RST when synchronized and
// closes. Called with c.mu held.
func (c *conn) abort() {
	if c.state.synchronized() || c.state == stateSynRcvd {
		c.sendRST(c.sndNxt)
	}
	c.drop(errno.ECONNABORTED)
}

// drop fails the connection with err (nil: closed without error) and
// releases it. Called with c.mu held.
func (c *conn) drop(err error) {
	if c.state == stateClosed {
		return
	}
	if c.state.synchronized() {
		c.s.stats.Drops.Add(1)
	} else if c.state == stateSynSent || c.state == stateSynRcvd {
		c.s.stats.ConnDrops.Add(1)
	}
	if err != nil && c.hardErr == nil {
		c.hardErr = err
		c.softErr = err
	}
	c.close()
}

// close releases the connection's table entries and timers. Called with
// c.mu held; the caller wakes the waiters (close does it too).
func (c *conn) close() {
	wasListen := c.state == stateListen
	if c.state != stateClosed {
		c.s.stats.Closed.Add(1)
	}
	c.state = stateClosed
	c.rexmt.Stop()
	c.tlp.Stop()
	c.delack.Stop()
	c.keep.Stop()
	c.s.mu.Lock()
	if c.hashed {
		delete(c.s.conns, keyOf(c.local, c.remote))
		c.hashed = false
	}
	if wasListen {
		l := c.s.listeners[c.local.Port()]
		for i, o := range l {
			if o == c {
				l = append(l[:i], l[i+1:]...)
				break
			}
		}
		if len(l) == 0 {
			delete(c.s.listeners, c.local.Port())
		} else {
			c.s.listeners[c.local.Port()] = l
		}
	}
	if c.bound && c.detached {
		c.s.unbindLocked(c)
		c.bound = false
	}
	c.s.mu.Unlock()
	if c.detached {
		c.snd = ring{}
		c.rcv.clear()
		c.ooo.clear()
	}
	c.leaveSynQ()
	c.waiters.Wake()
}

// leaveSynQ takes an embryonic child out of its listener's count.
func (c *conn) leaveSynQ() {
	if c.inSynQ {
		c.inSynQ = false
		c.parent.synCount.Add(-1)
	}
}

// hash enters c in the connection table; EADDRINUSE when the four-tuple
// is taken.
func (s *Stack) hash(c *conn) error {
	k := keyOf(c.local, c.remote)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[k]; ok {
		return errno.EADDRINUSE
	}
	if e := s.tw.lookup(k); e != nil {
		s.tw.remove(e)
	}
	s.conns[k] = c
	c.hashed = true
	return nil
}

var _ socket.QueuedPCB = (*conn)(nil)

// Queued implements socket.QueuedPCB: the bytes in order and not yet
// read.
func (c *conn) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rcv.n
}

// Events implements socket.PCB.
func (c *conn) Events() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	ev := 0
	if c.state == stateListen {
		if len(c.acceptQ) > 0 {
			ev |= socket.POLLIN | socket.POLLRDNORM
		}
		return ev
	}
	if c.rcv.n > 0 || c.finRcvd || c.shutRd || c.hardErr != nil {
		ev |= socket.POLLIN | socket.POLLRDNORM
	}
	switch {
	case c.hardErr != nil:
		ev |= socket.POLLOUT | socket.POLLHUP
	case c.shutWr:
		if c.state == stateClosed {
			ev |= socket.POLLHUP
		}
		if c.state == stateClosed || c.state == stateFinWait2 || c.state == stateTimeWait {
			ev |= socket.POLLOUT // everything sent and acknowledged
		}
	case c.state == stateEstablished || c.state == stateCloseWait:
		if c.snd.free(c.sndLimit) >= min(2048, c.sndLimit/2) || c.snd.n < c.sndLimit/2 {
			ev |= socket.POLLOUT | socket.POLLWRNORM
		}
	}
	if c.finRcvd && c.shutWr && c.state == stateClosed {
		ev |= socket.POLLHUP
	}
	if c.softErr != nil {
		ev |= socket.POLLERR
	}
	return ev
}

// Error implements socket.PCB.
func (c *conn) Error() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.softErr
	c.softErr = nil
	return err
}

// State returns the connection's state name, for tests and debugging.
func (c *conn) State() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state.String()
}
