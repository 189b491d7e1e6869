package tcp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/inet"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/net/socket"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// fakeNet is an inet.Network for tests: it captures what TCP sends, or
// hands it to deliver when set (a link to another stack).
type fakeNet struct {
	mu       sync.Mutex // guards the fields below
	t        inet.Transport
	addrs    []netip.Addr
	mtu      int
	out      []*pkt.Buf
	lastOut  inet.Out
	routeErr error
	outErr   error
	deliver  func(b *pkt.Buf, o inet.Out)
	tso      bool // the route takes super-segments; the net cuts them
	supers   int  // super-segments sent
}

func (n *fakeNet) Register(proto uint8, t inet.Transport) { n.t = t }

func (n *fakeNet) Output(b *pkt.Buf, o inet.Out) error {
	n.mu.Lock()
	if n.outErr != nil {
		err := n.outErr
		n.mu.Unlock()
		b.Free()
		return err
	}
	if b.GSO() > 0 {
		if !n.tso || !o.DontFrag {
			n.mu.Unlock()
			b.Free()
			return errno.EMSGSIZE
		}
		n.supers++
		if d := n.deliver; d != nil {
			n.mu.Unlock()
			for _, s := range cutSuperSegment(o, b) {
				d(s, o)
			}
			return nil
		}
	} else if o.DontFrag && b.Len()+20 > n.mtu {
		n.mu.Unlock()
		b.Free()
		return errno.EMSGSIZE
	}
	if d := n.deliver; d != nil {
		n.mu.Unlock()
		d(b, o)
		return nil
	}
	n.out = append(n.out, b)
	n.lastOut = o
	n.mu.Unlock()
	return nil
}

func (n *fakeNet) Route(dst netip.Addr) (inet.RouteInfo, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.routeErr != nil {
		return inet.RouteInfo{}, n.routeErr
	}
	local := false
	for _, a := range n.addrs {
		local = local || a == dst
	}
	return inet.RouteInfo{Src: n.addrs[0], MTU: n.mtu, IfIndex: 1, Local: local, TSO: n.tso && !local}, nil
}

// cutSuperSegment does what a NIC with TSO does to b, a TCP
// super-segment: it cuts the payload into GSO-byte segments under copies
// of the header, the sequence number advancing, FIN and PSH on the last
// only, and finishes each checksum from the pseudo-header sum in the
// field, corrected for the segment's length, as Linux does.
func cutSuperSegment(o inet.Out, b *pkt.Buf) []*pkt.Buf {
	defer b.Free()
	p := b.Bytes()
	hl := int(p[12]>>4) * 4
	payload := p[hl:]
	field := uint64(binary.BigEndian.Uint16(p[16:]))
	seq := binary.BigEndian.Uint32(p[4:])
	var out []*pkt.Buf
	for off := 0; off < len(payload); off += b.GSO() {
		end := min(off+b.GSO(), len(payload))
		s := pkt.New(pkt.Headroom, hl+end-off)
		q := s.Bytes()
		copy(q, p[:hl])
		copy(q[hl:], payload[off:end])
		binary.BigEndian.PutUint32(q[4:], seq+uint32(off))
		if end < len(payload) {
			q[13] &^= flagFIN | flagPSH
		}
		// The field's sum covers the whole length: take it out and put
		// the segment's in (ones'-complement arithmetic).
		pseudo := field + uint64(^uint16(len(p))) + uint64(len(q))
		binary.BigEndian.PutUint16(q[16:], ^inet.Fold(pseudo))
		binary.BigEndian.PutUint16(q[16:], inet.Fold(inet.Checksum(q, 0)))
		out = append(out, s)
	}
	return out
}

func (n *fakeNet) IsLocal(a netip.Addr) (bool, bool) {
	for _, x := range n.addrs {
		if x == a {
			return true, false
		}
	}
	return false, false
}

func (n *fakeNet) PortUnreachable(h *inet.Header, b *pkt.Buf) {}

// take returns the captured segments and forgets them.
func (n *fakeNet) take() []*pkt.Buf {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.out
	n.out = nil
	return out
}

var (
	localAddr  = netip.MustParseAddr("10.0.0.1")
	remoteAddr = netip.MustParseAddr("10.0.0.2")
)

// testCtx is one TCP stack on a fakeNet, with a peer the test plays by
// injecting segments and reading what the stack sent, as gVisor's
// testing context does.
type testCtx struct {
	t   *testing.T
	k   *kern.Kernel
	net *fakeNet
	s   *Stack
}

// bootKernel boots a bare kernel on a memhost.
func bootKernel(t testing.TB, seed uint64) *kern.Kernel {
	k, err := kern.Boot(kern.Config{Host: memhost.New(memhost.Options{Seed: seed})})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newCtx makes a context; the MTU is 1500. Call it inside a synctest
// bubble for virtual time.
func newCtx(t *testing.T) *testCtx {
	k := bootKernel(t, 1)
	n := &fakeNet{addrs: []netip.Addr{localAddr}, mtu: 1500}
	c := &testCtx{t: t, k: k, net: n, s: NewStack(k, n)}
	t.Cleanup(func() {
		k.Halt()
		for _, b := range n.take() {
			b.Free()
		}
	})
	return c
}

// seg is a segment the test sends or receives.
type seg struct {
	srcPort, dstPort uint16
	seq, ack         seqnum
	flags            uint8
	win              uint16
	opts             options
	out              outOpts
	payload          []byte
}

// inject delivers s from the remote address to the stack.
func (c *testCtx) inject(s seg) {
	c.t.Helper()
	c.injectFrom(remoteAddr, s)
}

func (c *testCtx) injectFrom(src netip.Addr, s seg) {
	c.t.Helper()
	if s.out.wscale == 0 && s.out.mss == 0 && !s.out.ts && !s.out.sackPerm && len(s.out.sack) == 0 {
		s.out.wscale = -1
	}
	b := buildSegment(src, localAddr, s)
	c.s.Input(&inet.Header{Src: src, Dst: localAddr, Proto: inet.ProtoTCP, TTL: 64, IfIndex: 1}, b)
}

// buildSegment encodes s from src to dst with a right checksum.
func buildSegment(src, dst netip.Addr, s seg) *pkt.Buf {
	hl := headerLen + s.out.len()
	b := pkt.From(pkt.Headroom+hl, s.payload)
	h := b.Prepend(hl)
	putHeader(h, s.srcPort, s.dstPort, s.seq, s.ack, s.flags, s.win, &s.out)
	sum := inet.Checksum(b.Bytes(), inet.PseudoHeader(src, dst, inet.ProtoTCP, b.Len()))
	binary.BigEndian.PutUint16(h[16:], inet.Fold(sum))
	return b
}

// sent returns the segments the stack sent since the last call, parsed.
func (c *testCtx) sent() []seg {
	c.t.Helper()
	var out []seg
	for _, b := range c.net.take() {
		data := b.Bytes()
		var h header
		if !parseHeader(data, &h) {
			c.t.Fatalf("stack sent a bad header: %x", data)
		}
		if inet.Fold(inet.Checksum(data, inet.PseudoHeader(localAddr, remoteAddr, inet.ProtoTCP, len(data)))) != 0 {
			c.t.Fatalf("stack sent a bad checksum")
		}
		out = append(out, seg{srcPort: h.srcPort, dstPort: h.dstPort, seq: h.seq, ack: h.ack, flags: h.flags,
			win: h.window, opts: h.opts, payload: append([]byte(nil), data[h.dataOff:]...)})
		b.Free()
	}
	return out
}

// expectOne returns the one segment sent, failing otherwise.
func (c *testCtx) expectOne() seg {
	c.t.Helper()
	s := c.sent()
	if len(s) != 1 {
		c.t.Fatalf("sent %d segments, want 1: %v", len(s), s)
	}
	return s[0]
}

// expectNone fails if anything was sent.
func (c *testCtx) expectNone() {
	c.t.Helper()
	if s := c.sent(); len(s) != 0 {
		c.t.Fatalf("sent %d segments, want none: %v", len(s), s)
	}
}

func flagString(f uint8) string {
	names := []string{"FIN", "SYN", "RST", "PSH", "ACK", "URG"}
	out := ""
	for i, n := range names {
		if f&(1<<i) != 0 {
			if out != "" {
				out += "|"
			}
			out += n
		}
	}
	return out
}

func (s seg) String() string {
	return flagString(s.flags) + " seq=" + itoa(uint32(s.seq)) + " ack=" + itoa(uint32(s.ack)) +
		" win=" + itoa(uint32(s.win)) + " len=" + itoa(uint32(len(s.payload)))
}

func itoa(v uint32) string {
	if v == 0 {
		return "0"
	}
	var b [10]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[i:])
}

func wantFlags(t *testing.T, s seg, f uint8) {
	t.Helper()
	if s.flags&^flagPSH != f {
		t.Fatalf("segment %v: flags %s, want %s", s, flagString(s.flags), flagString(f))
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

const (
	remotePort = 40000
	localPort  = 80
	remoteISS  = seqnum(1000000)
)

// peerOpts are the options a modern peer offers in its SYN.
func peerOpts(tsVal uint32) outOpts {
	return outOpts{mss: 1460, wscale: 7, sackPerm: true, ts: true, tsVal: tsVal}
}

// established is a connection the test drives as its peer.
type established struct {
	c        *testCtx
	pcb      *conn
	iss      seqnum // the stack's
	rcvNxt   seqnum // what the peer expects from the stack next
	sndNxt   seqnum // the peer's next sequence number
	tsOK     bool
	tsVal    uint32
	stackTS  uint32 // the last TSval the stack sent
	peerPort uint16
	lport    uint16
}

// connectActive makes the stack connect to the peer and completes the
// handshake with opts in the peer's SYN-ACK.
func (c *testCtx) connectActive(opts outOpts) *established {
	t := c.t
	t.Helper()
	pcb := c.s.newConn(nil)
	wantErr(t, pcb.Connect(netip.AddrPortFrom(remoteAddr, remotePort)), errno.EINPROGRESS)
	syn := c.expectOne()
	wantFlags(t, syn, flagSYN)
	opts.tsEcr = syn.opts.tsVal
	c.inject(seg{srcPort: remotePort, dstPort: syn.srcPort, seq: remoteISS, ack: syn.seq + 1,
		flags: flagSYN | flagACK, win: 65535, out: opts})
	ack := c.expectOne()
	wantFlags(t, ack, flagACK)
	if got := pcb.State(); got != "ESTABLISHED" {
		t.Fatalf("state %s", got)
	}
	return &established{c: c, pcb: pcb, iss: syn.seq, rcvNxt: syn.seq + 1, sndNxt: remoteISS + 1,
		tsOK: opts.ts, tsVal: opts.tsVal, stackTS: ack.opts.tsVal, peerPort: remotePort, lport: syn.srcPort}
}

// acceptPassive makes a listener, sends it a SYN and completes the
// handshake; it returns the listener and the accepted connection.
func (c *testCtx) acceptPassive(opts outOpts) (*conn, *established) {
	t := c.t
	t.Helper()
	l := c.s.newConn(nil)
	if err := l.Bind(netip.AddrPortFrom(netip.IPv4Unspecified(), localPort)); err != nil {
		t.Fatal(err)
	}
	if err := l.Listen(8); err != nil {
		t.Fatal(err)
	}
	c.inject(seg{srcPort: remotePort, dstPort: localPort, seq: remoteISS, flags: flagSYN, win: 65535, out: opts})
	sa := c.expectOne()
	wantFlags(t, sa, flagSYN|flagACK)
	if sa.ack != remoteISS+1 {
		t.Fatalf("SYN-ACK acks %d", sa.ack)
	}
	e := &established{c: c, iss: sa.seq, rcvNxt: sa.seq + 1, sndNxt: remoteISS + 1, tsOK: opts.ts && sa.opts.hasTS,
		tsVal: opts.tsVal, stackTS: sa.opts.tsVal, peerPort: remotePort, lport: localPort}
	e.send(flagACK, nil)
	c.expectNone()
	p, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	e.pcb = p.(*conn)
	return l, e
}

// send sends a segment from the peer at its current sequence number.
func (e *established) send(flags uint8, payload []byte) {
	e.c.t.Helper()
	e.sendAt(e.sndNxt, flags, payload, nil)
	e.sndNxt += seqnum(len(payload))
	if flags&(flagSYN|flagFIN) != 0 {
		e.sndNxt++
	}
}

// sendAt sends a segment with an explicit sequence number and SACK
// blocks.
func (e *established) sendAt(seq seqnum, flags uint8, payload []byte, sack []sackBlock) {
	e.c.t.Helper()
	o := outOpts{wscale: -1, sack: sack}
	if e.tsOK {
		e.tsVal++
		o.ts, o.tsVal, o.tsEcr = true, e.tsVal, e.stackTS
	}
	e.c.inject(seg{srcPort: e.peerPort, dstPort: e.lport, seq: seq, ack: e.rcvNxt, flags: flags, win: 65535 >> 7, out: o, payload: payload})
}

// ackWith acknowledges up to ack with window win (unscaled field).
func (e *established) ackWith(ack seqnum, win uint16, sack []sackBlock) {
	e.c.t.Helper()
	o := outOpts{wscale: -1, sack: sack}
	if e.tsOK {
		e.tsVal++
		o.ts, o.tsVal, o.tsEcr = true, e.tsVal, e.stackTS
	}
	e.c.inject(seg{srcPort: e.peerPort, dstPort: e.lport, seq: e.sndNxt, ack: ack, flags: flagACK, win: win, out: o})
}

// recvAll reads what the PCB holds.
func recvAll(t *testing.T, p socket.PCB) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, 64<<10)
	for {
		n, _, _, err := p.Recv(buf, 0)
		if errors.Is(err, errno.EAGAIN) || (err == nil && n == 0) {
			return out
		}
		if err != nil {
			t.Fatalf("recv: %v", err)
		}
		out = append(out, buf[:n]...)
	}
}

// sleep advances virtual time.
func sleep(d time.Duration) { time.Sleep(d) }

func setSysctl(t *testing.T, c *testCtx, name, value string) {
	t.Helper()
	if err := c.k.Sysctl().Set(kern.RootCred(), name, value); err != nil {
		t.Fatalf("sysctl %s=%s: %v", name, value, err)
	}
}

func inetHeader() *inet.Header {
	return &inet.Header{Src: remoteAddr, Dst: localAddr, Proto: inet.ProtoTCP, TTL: 64, IfIndex: 1}
}

func addrPort(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// dump describes c's state for test failures.
func (c *conn) dump() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("%v una=%d nxt=%d max=%d sndn=%d fin=%v wnd=%d cwnd=%d ssthresh=%d recovery=%v backoff=%d rto=%v persist=%v"+
		" | rcvNxt=%d adv=%d rcvn=%d ooo=%d finRcvd=%v err=%v sacked=%v",
		c.state, c.sndUna-c.iss, c.sndNxt-c.iss, c.sndMax-c.iss, c.snd.n, c.finQueued, c.sndWnd, c.cwnd, c.ssthresh, c.inRecovery,
		c.backoff, c.rto, c.persisting, c.rcvNxt-c.irs, c.rcvAdv-c.irs, c.rcv.n, c.ooo.len(), c.finRcvd, c.hardErr, c.sb.blocks)
}

// statsMap returns the non-zero counters of s by name.
func statsMap(s *Stack) map[string]uint64 {
	m := map[string]uint64{}
	v := reflect.ValueOf(s.Stats()).Elem()
	for i := range v.NumField() {
		if n := v.Field(i).Addr().Interface().(*atomic.Uint64).Load(); n != 0 {
			m[v.Type().Field(i).Name] = n
		}
	}
	return m
}

// connCount returns how many connections s's table holds.
func connCount(s *Stack) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.conns)
}

// portCount returns how many local ports s's table holds.
func portCount(s *Stack) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.ports)
}
