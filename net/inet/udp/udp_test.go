package udp

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/inet"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/net/socket"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// fakeIP is an IPv4 layer for unit tests: the host has 127.0.0.1 and
// 10.0.0.1/24 (broadcast 10.0.0.255); output to a local address loops
// back into UDP, output elsewhere is recorded.
type fakeIP struct {
	mu      sync.Mutex
	udp     inet.Transport
	sent    []sentPkt
	unreach int
	h       inet.Header
}

type sentPkt struct {
	o    inet.Out
	data []byte
}

var (
	lo    = netip.MustParseAddr("127.0.0.1")
	here  = netip.MustParseAddr("10.0.0.1")
	bcast = netip.MustParseAddr("10.0.0.255")
	there = netip.MustParseAddr("10.0.0.2")
)

func (f *fakeIP) Register(proto uint8, t inet.Transport) { f.udp = t }

func (f *fakeIP) Output(b *pkt.Buf, o inet.Out) error {
	if b.Headroom() < pkt.Headroom {
		panic("too little headroom")
	}
	if _, err := f.Route(o.Dst); err != nil && o.Dst != bcast {
		b.Free()
		return err
	}
	local, bc := f.IsLocal(o.Dst)
	if local || bc {
		// One header, reused: the tests that loop back are
		// single-threaded, and the allocation test counts UDP's own.
		f.h = inet.Header{Src: o.Src, Dst: o.Dst, Proto: o.Proto, TTL: 64, Broadcast: bc}
		f.udp.Input(&f.h, b)
		return nil
	}
	f.mu.Lock()
	f.sent = append(f.sent, sentPkt{o, append([]byte(nil), b.Bytes()...)})
	f.mu.Unlock()
	b.Free()
	return nil
}

func (f *fakeIP) Route(dst netip.Addr) (inet.RouteInfo, error) {
	switch {
	case dst == lo:
		return inet.RouteInfo{Src: lo, MTU: 16384, Local: true}, nil
	case netip.MustParsePrefix("10.0.0.0/24").Contains(dst):
		return inet.RouteInfo{Src: here, MTU: 1500, Local: dst == here}, nil
	}
	return inet.RouteInfo{}, errno.ENETUNREACH
}

func (f *fakeIP) IsLocal(a netip.Addr) (bool, bool) {
	return a == lo || a == here, a == bcast
}

func (f *fakeIP) PortUnreachable(h *inet.Header, b *pkt.Buf) {
	f.mu.Lock()
	f.unreach++
	f.mu.Unlock()
}

// inet.fake replaces the real IPv4 layer with fakeIP before UDP's Init
// ("inet" < "inet.fake" < "inet.udp").
var fakes sync.Map // *kern.Kernel -> *fakeIP

func init() {
	kern.Register(kern.Component{Name: "inet.fake", Level: kern.LevelNet, Init: func(k *kern.Kernel) error {
		f := &fakeIP{}
		fakes.Store(k, f)
		inet.SetNetwork(k, f)
		return nil
	}})
}

func boot(t testing.TB) (*kern.Kernel, *kern.LWP, *fakeIP) {
	t.Helper()
	k, err := kern.Boot(kern.Config{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Halt() })
	p, err := k.NewProc(nil, kern.ForkClearFD)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := fakes.Load(k)
	return k, p.LWP(), f.(*fakeIP)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want %v", what, err, want)
	}
}

func udpSocket(t *testing.T, l *kern.LWP, bind string) int {
	t.Helper()
	fd, err := socket.Open(l, socket.AF_INET, socket.SOCK_DGRAM, 0)
	must(t, err)
	if bind != "" {
		must(t, socket.Bind(l, fd, netip.MustParseAddrPort(bind)))
	}
	return fd
}

func TestSendRecv(t *testing.T) {
	_, l, _ := boot(t)
	a := udpSocket(t, l, "127.0.0.1:5000")
	b := udpSocket(t, l, "")
	n, err := socket.SendTo(l, b, []byte("hello"), 0, netip.MustParseAddrPort("127.0.0.1:5000"))
	if n != 5 || err != nil {
		t.Fatalf("sendto: %d, %v", n, err)
	}
	bl, _ := socket.GetSockName(l, b)
	if bl.Port() < portFirst {
		t.Errorf("implicit bind got port %d, not an ephemeral one", bl.Port())
	}
	buf := make([]byte, 3)
	n, from, out, err := socket.RecvMsg(l, a, [][]byte{buf}, socket.MSG_PEEK)
	if n != 3 || out != socket.MSG_TRUNC || err != nil || from.Port() != bl.Port() || from.Addr() != lo {
		t.Fatalf("peek: %d from %v out %#x, %v", n, from, out, err)
	}
	buf = make([]byte, 16)
	n, from, out, err = socket.RecvMsg(l, a, [][]byte{buf}, 0)
	if string(buf[:n]) != "hello" || out != 0 || err != nil {
		t.Fatalf("recv: %q out %#x, %v", buf[:n], out, err)
	}
	// Datagram boundaries hold; a zero-length datagram is one.
	for _, m := range []string{"one", "", "three"} {
		socket.SendTo(l, b, []byte(m), 0, netip.MustParseAddrPort("127.0.0.1:5000"))
	}
	for _, m := range []string{"one", "", "three"} {
		n, err := socket.Recv(l, a, buf, socket.MSG_DONTWAIT)
		if err != nil || string(buf[:n]) != m {
			t.Fatalf("datagram %q: got %q, %v", m, buf[:n], err)
		}
	}
	_, err = socket.Recv(l, a, buf, socket.MSG_DONTWAIT)
	wantErr(t, "empty queue", err, errno.EAGAIN)
	_ = from
}

func TestBindRules(t *testing.T) {
	k, l, _ := boot(t)
	a := udpSocket(t, l, "127.0.0.1:6000")
	b := udpSocket(t, l, "")
	wantErr(t, "same address", socket.Bind(l, b, netip.MustParseAddrPort("127.0.0.1:6000")), errno.EADDRINUSE)
	wantErr(t, "wildcard over specific", socket.Bind(l, b, netip.MustParseAddrPort("0.0.0.0:6000")), errno.EADDRINUSE)
	must(t, socket.Bind(l, b, netip.MustParseAddrPort("10.0.0.1:6000")))
	wantErr(t, "bind twice", socket.Bind(l, b, netip.MustParseAddrPort("10.0.0.1:6001")), errno.EINVAL)
	c := udpSocket(t, l, "")
	must(t, socket.SetSockOpt(l, c, socket.SOL_SOCKET, socket.SO_REUSEADDR, 1))
	must(t, socket.Bind(l, c, netip.MustParseAddrPort("0.0.0.0:6000")))
	d := udpSocket(t, l, "")
	wantErr(t, "not local", socket.Bind(l, d, netip.MustParseAddrPort("192.0.2.1:0")), errno.EADDRNOTAVAIL)
	wantErr(t, "IPv6", socket.Bind(l, d, netip.MustParseAddrPort("[::1]:0")), errno.EAFNOSUPPORT)
	// SO_REUSEPORT on both shares an identical binding.
	e := udpSocket(t, l, "")
	f := udpSocket(t, l, "")
	for _, fd := range []int{e, f} {
		must(t, socket.SetSockOpt(l, fd, socket.SOL_SOCKET, socket.SO_REUSEPORT, 1))
		must(t, socket.Bind(l, fd, netip.MustParseAddrPort("127.0.0.1:7000")))
	}
	g := udpSocket(t, l, "")
	wantErr(t, "reuseport on one side only", socket.Bind(l, g, netip.MustParseAddrPort("127.0.0.1:7000")), errno.EADDRINUSE)
	// A unicast goes to one of them.
	socket.SendTo(l, g, []byte("x"), 0, netip.MustParseAddrPort("127.0.0.1:7000"))
	got := 0
	for _, fd := range []int{e, f} {
		if _, err := socket.Recv(l, fd, make([]byte, 4), socket.MSG_DONTWAIT); err == nil {
			got++
		}
	}
	if got != 1 {
		t.Errorf("a unicast reached %d sockets sharing a port", got)
	}
	// Unprivileged users cannot bind low ports.
	p2, _ := k.NewProc(nil, kern.ForkClearFD)
	must(t, p2.LWP().Setuid(1000))
	h := udpSocket(t, p2.LWP(), "")
	wantErr(t, "port 53 as a user", socket.Bind(p2.LWP(), h, netip.MustParseAddrPort("0.0.0.0:53")), errno.EACCES)
	_ = a
}

func TestClosedPortUnreachable(t *testing.T) {
	_, l, f := boot(t)
	a := udpSocket(t, l, "")
	must(t, socket.Connect(l, a, netip.MustParseAddrPort("127.0.0.1:9")))
	if _, err := socket.Send(l, a, []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	if f.unreach != 1 {
		t.Fatalf("port unreachable sent %d times", f.unreach)
	}
	local, _ := socket.GetSockName(l, a)
	if local.Addr() != lo {
		t.Errorf("connected socket's local address %v, want the route's source", local)
	}
	// The IP layer turns the ICMP error into ControlInput.
	var tr [8]byte
	binary.BigEndian.PutUint16(tr[0:], local.Port())
	binary.BigEndian.PutUint16(tr[2:], 9)
	f.udp.ControlInput(&inet.Control{Kind: inet.ControlPortUnreach, Src: lo, Dst: lo, Transport: tr[:]})
	_, err := socket.Recv(l, a, make([]byte, 4), 0)
	wantErr(t, "recv after port unreachable", err, errno.ECONNREFUSED)
	_, err = socket.Recv(l, a, make([]byte, 4), socket.MSG_DONTWAIT)
	wantErr(t, "the error is reported once", err, errno.EAGAIN)
}

func TestConnectedFilter(t *testing.T) {
	_, l, _ := boot(t)
	a := udpSocket(t, l, "127.0.0.1:5100")
	b := udpSocket(t, l, "127.0.0.1:5101")
	c := udpSocket(t, l, "127.0.0.1:5102")
	must(t, socket.Connect(l, a, netip.MustParseAddrPort("127.0.0.1:5101")))
	socket.SendTo(l, c, []byte("from c"), 0, netip.MustParseAddrPort("127.0.0.1:5100"))
	socket.SendTo(l, b, []byte("from b"), 0, netip.MustParseAddrPort("127.0.0.1:5100"))
	buf := make([]byte, 16)
	n, err := socket.Recv(l, a, buf, socket.MSG_DONTWAIT)
	if err != nil || string(buf[:n]) != "from b" {
		t.Fatalf("connected socket got %q, %v", buf[:n], err)
	}
	_, err = socket.Recv(l, a, buf, socket.MSG_DONTWAIT)
	wantErr(t, "datagram from another peer", err, errno.EAGAIN)
	_, err = socket.SendTo(l, a, []byte("x"), 0, netip.MustParseAddrPort("127.0.0.1:5102"))
	wantErr(t, "sendto on a connected socket", err, errno.EISCONN)
	_, err = socket.Send(l, c, []byte("x"), 0)
	wantErr(t, "send unconnected", err, errno.ENOTCONN)
	_, err = socket.GetPeerName(l, c)
	wantErr(t, "getpeername unconnected", err, errno.ENOTCONN)
	if p, _ := socket.GetPeerName(l, a); p != netip.MustParseAddrPort("127.0.0.1:5101") {
		t.Errorf("getpeername %v", p)
	}
}

func TestSizesAndBuffers(t *testing.T) {
	k, l, _ := boot(t)
	a := udpSocket(t, l, "127.0.0.1:5200")
	b := udpSocket(t, l, "")
	to := netip.MustParseAddrPort("127.0.0.1:5200")
	_, err := socket.SendTo(l, b, make([]byte, DefaultSendSpace+1), 0, to)
	wantErr(t, "datagram over sendspace", err, errno.EMSGSIZE)
	must(t, socket.SetSockOpt(l, b, socket.SOL_SOCKET, socket.SO_SNDBUF, maxSockBuf))
	_, err = socket.SendTo(l, b, make([]byte, MaxDatagram+1), 0, to)
	wantErr(t, "datagram over 65507", err, errno.EMSGSIZE)
	must(t, socket.SetSockOpt(l, a, socket.SOL_SOCKET, socket.SO_RCVBUF, 70000))
	if n, err := socket.SendTo(l, b, make([]byte, MaxDatagram), 0, to); n != MaxDatagram || err != nil {
		t.Fatalf("largest datagram: %d, %v", n, err)
	}
	buf := make([]byte, 70000)
	if n, err := socket.Recv(l, a, buf, 0); n != MaxDatagram || err != nil {
		t.Fatalf("recv largest: %d, %v", n, err)
	}
	// A full receive buffer drops and counts.
	must(t, socket.SetSockOpt(l, a, socket.SOL_SOCKET, socket.SO_RCVBUF, 1000))
	sent := 0
	for range 10 {
		socket.SendTo(l, b, make([]byte, 200), 0, to)
		sent++
	}
	got := 0
	for {
		if _, err := socket.Recv(l, a, buf, socket.MSG_DONTWAIT); err != nil {
			break
		}
		got++
	}
	if got >= sent || got == 0 {
		t.Errorf("%d of %d datagrams queued in a 1000-byte buffer", got, sent)
	}
	if st := Of(k).Stats(); st.FullSock != uint64(sent-got) {
		t.Errorf("FullSock = %d, want %d", st.FullSock, sent-got)
	}
	if v, _, err := k.Sysctl().Get("net.inet.udp.sendspace"); err != nil || v != "9216" {
		t.Errorf("sysctl sendspace %q, %v", v, err)
	}
	must(t, k.Sysctl().Set(kern.RootCred(), "net.inet.udp.recvspace", "2000"))
	c := udpSocket(t, l, "")
	if v, _ := socket.GetSockOpt(l, c, socket.SOL_SOCKET, socket.SO_RCVBUF); v != 2000 {
		t.Errorf("new socket's SO_RCVBUF %d after setting recvspace", v)
	}
}

func TestBroadcast(t *testing.T) {
	_, l, _ := boot(t)
	a := udpSocket(t, l, "")
	b := udpSocket(t, l, "")
	for _, fd := range []int{a, b} {
		must(t, socket.SetSockOpt(l, fd, socket.SOL_SOCKET, socket.SO_REUSEPORT, 1))
		must(t, socket.Bind(l, fd, netip.MustParseAddrPort("0.0.0.0:5300")))
	}
	c := udpSocket(t, l, "")
	to := netip.MustParseAddrPort("10.0.0.255:5300")
	_, err := socket.SendTo(l, c, []byte("x"), 0, to)
	wantErr(t, "broadcast without SO_BROADCAST", err, errno.EACCES)
	must(t, socket.SetSockOpt(l, c, socket.SOL_SOCKET, socket.SO_BROADCAST, 1))
	if _, err := socket.SendTo(l, c, []byte("all"), 0, to); err != nil {
		t.Fatal(err)
	}
	for _, fd := range []int{a, b} {
		buf := make([]byte, 8)
		if n, err := socket.Recv(l, fd, buf, socket.MSG_DONTWAIT); err != nil || string(buf[:n]) != "all" {
			t.Errorf("fd %d: broadcast %q, %v", fd, buf[:n], err)
		}
	}
}

func TestOutputHeader(t *testing.T) {
	_, l, f := boot(t)
	a := udpSocket(t, l, "10.0.0.1:4000")
	must(t, socket.SetSockOpt(l, a, socket.IPPROTO_IP, socket.IP_TTL, 7))
	if _, err := socket.SendTo(l, a, []byte("payload"), 0, netip.MustParseAddrPort("10.0.0.2:53")); err != nil {
		t.Fatal(err)
	}
	if len(f.sent) != 1 {
		t.Fatalf("%d packets sent", len(f.sent))
	}
	s := f.sent[0]
	if s.o.Src != here || s.o.Dst != there || s.o.Proto != inet.ProtoUDP || s.o.TTL != 7 {
		t.Errorf("out %+v", s.o)
	}
	d := s.data
	if binary.BigEndian.Uint16(d[0:]) != 4000 || binary.BigEndian.Uint16(d[2:]) != 53 ||
		binary.BigEndian.Uint16(d[4:]) != 15 || string(d[8:]) != "payload" {
		t.Errorf("header %x", d)
	}
	if inet.Fold(inet.Checksum(d, inet.PseudoHeader(here, there, inet.ProtoUDP, len(d)))) != 0 {
		t.Error("checksum does not verify")
	}
	_, err := socket.SendTo(l, a, []byte("x"), 0, netip.MustParseAddrPort("192.0.2.1:53"))
	wantErr(t, "no route", err, errno.ENETUNREACH)
}

func TestBadInput(t *testing.T) {
	k, l, f := boot(t)
	a := udpSocket(t, l, "127.0.0.1:5400")
	st := Of(k)
	h := &inet.Header{Src: lo, Dst: lo, Proto: inet.ProtoUDP}
	mk := func(payload string, sum bool) []byte {
		d := make([]byte, 8+len(payload))
		binary.BigEndian.PutUint16(d[0:], 1234)
		binary.BigEndian.PutUint16(d[2:], 5400)
		binary.BigEndian.PutUint16(d[4:], uint16(len(d)))
		copy(d[8:], payload)
		if sum {
			binary.BigEndian.PutUint16(d[6:], inet.Fold(inet.Checksum(d, inet.PseudoHeader(lo, lo, inet.ProtoUDP, len(d)))))
		}
		return d
	}
	good := mk("ok", true)
	bad := append([]byte(nil), good...)
	bad[9] ^= 1
	short := good[:5]
	longLen := append([]byte(nil), good...)
	binary.BigEndian.PutUint16(longLen[4:], 100)
	padded := append(mk("pad", false), 0, 0, 0)
	for _, d := range [][]byte{good, bad, short, longLen, padded} {
		st.Input(h, pkt.From(pkt.Headroom, d))
	}
	buf := make([]byte, 16)
	for _, want := range []string{"ok", "pad"} {
		n, err := socket.Recv(l, a, buf, socket.MSG_DONTWAIT)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("got %q, %v; want %q", buf[:n], err, want)
		}
	}
	s := st.Stats()
	if s.BadSum != 1 || s.HdrOps != 1 || s.BadLen != 1 || s.InPackets != 5 {
		t.Errorf("stats %+v", s)
	}
	_ = f
}

func TestBlockingRecvWakes(t *testing.T) {
	_, l, _ := boot(t)
	a := udpSocket(t, l, "127.0.0.1:5500")
	b := udpSocket(t, l, "")
	go func() {
		time.Sleep(10 * time.Millisecond)
		socket.SendTo(l, b, []byte("late"), 0, netip.MustParseAddrPort("127.0.0.1:5500"))
	}()
	buf := make([]byte, 8)
	n, from, err := socket.RecvFrom(l, a, buf, 0)
	if err != nil || string(buf[:n]) != "late" || from.Addr() != lo {
		t.Fatalf("blocking recv: %q from %v, %v", buf[:n], from, err)
	}
}

func TestSendRecvAllocs(t *testing.T) {
	_, l, _ := boot(t)
	a := udpSocket(t, l, "127.0.0.1:5600")
	b := udpSocket(t, l, "")
	must(t, socket.Connect(l, b, netip.MustParseAddrPort("127.0.0.1:5600")))
	msg := make([]byte, 100)
	buf := make([]byte, 200)
	for range 10 { // warm the pools and the queue
		socket.Send(l, b, msg, 0)
		socket.Recv(l, a, buf, 0)
	}
	allocs := testing.AllocsPerRun(100, func() {
		socket.Send(l, b, msg, 0)
		socket.Recv(l, a, buf, 0)
	})
	if allocs > 0 {
		t.Errorf("send+recv allocates %v times", allocs)
	}
}

func TestOptionsAndDisconnect(t *testing.T) {
	_, l, _ := boot(t)
	fd := udpSocket(t, l, "")
	for _, o := range []struct{ level, name, set, want int }{
		{socket.IPPROTO_IP, socket.IP_TTL, -2, 64}, // -2 is refused; the default stays
		{socket.IPPROTO_IP, socket.IP_TTL, 9, 9},
		{socket.IPPROTO_IP, socket.IP_TOS, 0x10, 0x10},
		{socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1, 1},
		{socket.SOL_SOCKET, socket.SO_BROADCAST, 1, 1},
		{socket.SOL_SOCKET, socket.SO_SNDBUF, 0, DefaultSendSpace}, // 0 is refused
	} {
		socket.SetSockOpt(l, fd, o.level, o.name, o.set)
		if v, err := socket.GetSockOpt(l, fd, o.level, o.name); err != nil || v != o.want {
			t.Errorf("option %d/%#x after setting %d: %d, %v; want %d", o.level, o.name, o.set, v, err, o.want)
		}
	}
	wantErr(t, "unknown option", socket.SetSockOpt(l, fd, socket.IPPROTO_UDP, 99, 1), errno.ENOPROTOOPT)
	_, err := socket.GetSockOpt(l, fd, socket.SOL_SOCKET, 0x4000)
	wantErr(t, "unknown option", err, errno.ENOPROTOOPT)
	// Connecting to the zero address disconnects.
	a := udpSocket(t, l, "127.0.0.1:5700")
	must(t, socket.Connect(l, fd, netip.MustParseAddrPort("127.0.0.1:5700")))
	must(t, socket.Connect(l, fd, netip.AddrPort{}))
	_, err = socket.GetPeerName(l, fd)
	wantErr(t, "getpeername after disconnect", err, errno.ENOTCONN)
	if n, err := socket.SendMsg(l, fd, [][]byte{[]byte("ga"), []byte("ther")}, netip.MustParseAddrPort("127.0.0.1:5700"), 0); n != 6 || err != nil {
		t.Fatalf("sendmsg after disconnect: %d, %v", n, err)
	}
	buf := make([]byte, 8)
	if n, err := socket.Recv(l, a, buf, socket.MSG_DONTWAIT); err != nil || string(buf[:n]) != "gather" {
		t.Errorf("gathered datagram %q, %v", buf[:n], err)
	}
	_, err = socket.Open(l, socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_TCP)
	wantErr(t, "a datagram socket for TCP", err, errno.EPROTONOSUPPORT)
	wantErr(t, "listen on UDP", socket.Listen(l, fd, 1), errno.EOPNOTSUPP)
}
