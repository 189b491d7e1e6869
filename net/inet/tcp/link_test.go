package tcp

import (
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/inet"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/net/socket"
)

// linkConfig describes an impaired link between two stacks.
type linkConfig struct {
	mtu       int
	delay     time.Duration // one way
	bandwidth int64         // bytes a second; 0: unlimited
	queue     time.Duration // the bottleneck's queue, as time to drain it
	loss      float64
	dup       float64
	reorder   float64
	corrupt   float64
	seed      uint64

	// TCP settings for both stacks.
	newReno bool // NewReno instead of CUBIC
	noSACK  bool
	noTS    bool // neither timestamps nor window scaling
	tso     bool // the route takes super-segments, which the link cuts
}

// pipe is one direction of a link: a queue and a goroutine that
// delivers each packet at its time, dropping, duplicating, corrupting
// and reordering as configured.
type pipe struct {
	cfg      linkConfig
	src, dst netip.Addr
	to       *Stack
	q        chan pipeItem
	done     chan struct{}

	mu       sync.Mutex // guards rng, lastTx and the counters
	rng      *rand.Rand
	lastTx   time.Time
	closed   bool
	sent     int
	dropped  int
	overflow int
}

type pipeItem struct {
	b  *pkt.Buf
	at time.Time
}

func newPipe(cfg linkConfig, src, dst netip.Addr, seed uint64) *pipe {
	p := &pipe{cfg: cfg, src: src, dst: dst, q: make(chan pipeItem, 1<<16), done: make(chan struct{}),
		rng: rand.New(rand.NewPCG(seed, cfg.seed))}
	return p
}

// send is the fakeNet's deliver hook: it never blocks.
func (p *pipe) send(b *pkt.Buf, o inet.Out) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		b.Free()
		return
	}
	p.sent++
	r := p.rng
	if p.cfg.loss > 0 && r.Float64() < p.cfg.loss {
		p.dropped++
		p.mu.Unlock()
		b.Free()
		return
	}
	now := time.Now()
	tx := now
	if p.cfg.bandwidth > 0 {
		tx = p.lastTx
		if tx.Before(now) {
			tx = now
		}
		if p.cfg.queue > 0 && tx.Sub(now) > p.cfg.queue {
			p.overflow++
			p.mu.Unlock()
			b.Free()
			return
		}
		tx = tx.Add(time.Duration(int64(b.Len()+40) * int64(time.Second) / p.cfg.bandwidth))
		p.lastTx = tx
	}
	at := tx.Add(p.cfg.delay)
	var dup *pkt.Buf
	if p.cfg.dup > 0 && r.Float64() < p.cfg.dup {
		dup = b.Clone()
	}
	if p.cfg.corrupt > 0 && r.Float64() < p.cfg.corrupt {
		data := b.Bytes()
		data[r.IntN(len(data))] ^= byte(1 + r.IntN(255))
	}
	p.enqueue(pipeItem{b, at})
	if dup != nil {
		p.enqueue(pipeItem{dup, at})
	}
	p.mu.Unlock()
}

// enqueue queues it, or drops it when the pipe is full or closed.
// Called with p.mu held.
func (p *pipe) enqueue(it pipeItem) {
	if p.closed {
		it.b.Free()
		return
	}
	select {
	case p.q <- it:
	default:
		it.b.Free()
	}
}

func (p *pipe) run() {
	defer close(p.done)
	var held *pipeItem
	deliver := func(it pipeItem) {
		if d := time.Until(it.at); d > 0 {
			time.Sleep(d)
		}
		p.to.Input(&inet.Header{Src: p.src, Dst: p.dst, Proto: inet.ProtoTCP, TTL: 64, IfIndex: 1}, it.b)
	}
	for {
		var it pipeItem
		var ok bool
		if held != nil {
			select {
			case it, ok = <-p.q:
			case <-time.After(time.Until(held.at) + time.Millisecond):
				deliver(*held)
				held = nil
				continue
			}
		} else {
			it, ok = <-p.q
		}
		if !ok {
			if held != nil {
				held.b.Free()
			}
			return
		}
		if held == nil && p.cfg.reorder > 0 {
			p.mu.Lock()
			hold := p.rng.Float64() < p.cfg.reorder
			p.mu.Unlock()
			if hold {
				held = &it
				continue
			}
		}
		deliver(it)
		if held != nil {
			deliver(*held)
			held = nil
		}
	}
}

// close stops the pipe and frees what it holds.
func (p *pipe) close() {
	p.mu.Lock()
	p.closed = true
	close(p.q)
	p.mu.Unlock()
	for range p.q {
	}
	<-p.done
	for it := range p.q {
		it.b.Free()
	}
}

// pair is two kernels, each with a TCP, joined by a link.
type pair struct {
	ka, kb *kern.Kernel
	a, b   *Stack
	ab, ba *pipe
}

var (
	addrA = netip.MustParseAddr("10.0.0.1")
	addrB = netip.MustParseAddr("10.0.0.2")
)

func newPair(t testing.TB, cfg linkConfig) *pair {
	if cfg.mtu == 0 {
		cfg.mtu = 1500
	}
	p := &pair{ka: bootKernel(t, 11), kb: bootKernel(t, 22)}
	na := &fakeNet{addrs: []netip.Addr{addrA}, mtu: cfg.mtu, tso: cfg.tso}
	nb := &fakeNet{addrs: []netip.Addr{addrB}, mtu: cfg.mtu, tso: cfg.tso}
	p.ab = newPipe(cfg, addrA, addrB, 1)
	p.ba = newPipe(cfg, addrB, addrA, 2)
	na.deliver = p.ab.send
	nb.deliver = p.ba.send
	p.a = NewStack(p.ka, na)
	p.b = NewStack(p.kb, nb)
	p.ab.to, p.ba.to = p.b, p.a
	for _, s := range []*Stack{p.a, p.b} {
		if cfg.newReno {
			s.p.congctl.Store("newreno")
		}
		if cfg.noSACK {
			s.p.sack.Store(false)
		}
		if cfg.noTS {
			s.p.rfc1323.Store(false)
		}
	}
	go p.ab.run()
	go p.ba.run()
	return p
}

// close halts both kernels and stops the link.
func (p *pair) close() {
	p.ka.Halt()
	p.kb.Halt()
	p.ab.close()
	p.ba.close()
}

// connect makes a connection from a to a listener on b and returns both
// ends.
func (p *pair) connect(t testing.TB) (client, server socket.PCB) {
	t.Helper()
	l := p.b.NewPCB(nil)
	if err := l.Bind(netip.AddrPortFrom(netip.Addr{}, 5000)); err != nil {
		t.Fatal(err)
	}
	if err := l.Listen(16); err != nil {
		t.Fatal(err)
	}
	client = p.a.NewPCB(nil)
	if err := client.Connect(netip.AddrPortFrom(addrB, 5000)); !errors.Is(err, errno.EINPROGRESS) {
		t.Fatal(err)
	}
	waitEvents(client, socket.POLLOUT)
	if err := client.Error(); err != nil {
		t.Fatalf("connect: %v", err)
	}
	waitEvents(l, socket.POLLIN)
	server, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	l.Close(false)
	return client, server
}

// waitEvents blocks until p has one of the events ev.
func waitEvents(p socket.PCB, ev int) int {
	for {
		ch := p.Waiters().Chan()
		if got := p.Events(); got&ev != 0 {
			return got
		}
		<-ch
	}
}

// writeAll sends all of data, waiting while the buffer is full.
func writeAll(p socket.PCB, data []byte) error {
	for len(data) > 0 {
		ch := p.Waiters().Chan()
		n, err := p.Send(data, netip.AddrPort{}, 0)
		data = data[n:]
		if errors.Is(err, errno.EAGAIN) {
			<-ch
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readAll reads until the end of the stream and returns the SHA-256 of
// the bytes and their count.
func readAll(p socket.PCB, bufSize int) ([32]byte, int, error) {
	h := sha256.New()
	buf := make([]byte, bufSize)
	total := 0
	for {
		ch := p.Waiters().Chan()
		n, _, _, err := p.Recv(buf, 0)
		if errors.Is(err, errno.EAGAIN) {
			<-ch
			continue
		}
		if err != nil {
			return [32]byte{}, total, err
		}
		if n == 0 {
			var sum [32]byte
			copy(sum[:], h.Sum(nil))
			return sum, total, nil
		}
		h.Write(buf[:n])
		total += n
	}
}

// payload returns n pseudo-random bytes.
func payload(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 99))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}
