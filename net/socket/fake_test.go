package socket

import (
	"net/netip"
	"sync"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// A fake stream protocol for the socket layer's unit tests: PCBs in one
// process-wide table joined by in-memory byte queues. Connect completes
// after connectDelay, so non-blocking connects see EINPROGRESS.

const afFake = 99

var (
	fakeMu        sync.Mutex
	fakeListeners = map[netip.AddrPort]*fakePCB{}
	fakeNextPort  uint16
)

const (
	fakeBufSize  = 1 << 10
	connectDelay = 5 * time.Millisecond
)

type fakeProto struct{}

func (fakeProto) Attach(k *kern.Kernel, cred *kern.Cred) (PCB, error) { return &fakePCB{}, nil }

func init() {
	Register(afFake, SOCK_STREAM, 0, fakeProto{})
}

type fakePCB struct {
	w Waiters

	mu         sync.Mutex // guards the fields below
	local      netip.AddrPort
	remote     netip.AddrPort
	listening  bool
	backlog    int
	queue      []*fakePCB
	peer       *fakePCB
	connecting bool
	connected  bool
	buf        []byte // received, unread
	eof        bool   // the peer shut down writing
	shutWr     bool
	closed     bool
	err        error
	options    map[[2]int]int
}

func (p *fakePCB) Bind(addr netip.AddrPort) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.local.IsValid() {
		return errno.EINVAL
	}
	fakeMu.Lock()
	defer fakeMu.Unlock()
	if addr.Port() == 0 {
		fakeNextPort++
		addr = netip.AddrPortFrom(addr.Addr(), 40000+fakeNextPort)
	}
	if fakeListeners[addr] != nil {
		return errno.EADDRINUSE
	}
	p.local = addr
	return nil
}

func (p *fakePCB) Listen(backlog int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	fakeMu.Lock()
	defer fakeMu.Unlock()
	p.listening, p.backlog = true, backlog
	fakeListeners[p.local] = p
	return nil
}

func (p *fakePCB) Accept() (PCB, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.listening {
		return nil, errno.EINVAL
	}
	if len(p.queue) == 0 {
		return nil, errno.EAGAIN
	}
	c := p.queue[0]
	p.queue = p.queue[1:]
	return c, nil
}

func (p *fakePCB) Connect(addr netip.AddrPort) error {
	p.mu.Lock()
	switch {
	case p.connected:
		p.mu.Unlock()
		return errno.EISCONN
	case p.connecting:
		p.mu.Unlock()
		return errno.EALREADY
	}
	p.connecting = true
	p.remote = addr
	if !p.local.IsValid() {
		fakeMu.Lock()
		fakeNextPort++
		p.local = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 40000+fakeNextPort)
		fakeMu.Unlock()
	}
	p.mu.Unlock()
	time.AfterFunc(connectDelay, func() { p.complete(addr) })
	return errno.EINPROGRESS
}

func (p *fakePCB) complete(addr netip.AddrPort) {
	fakeMu.Lock()
	l := fakeListeners[addr]
	fakeMu.Unlock()
	p.mu.Lock()
	defer p.w.Wake()
	defer p.mu.Unlock()
	p.connecting = false
	if p.closed {
		return
	}
	if l == nil {
		p.err = errno.ECONNREFUSED
		return
	}
	l.mu.Lock()
	if len(l.queue) >= max(l.backlog, 1) || l.closed {
		l.mu.Unlock()
		p.err = errno.ECONNREFUSED
		return
	}
	s := &fakePCB{local: addr, remote: p.local, peer: p, connected: true}
	l.queue = append(l.queue, s)
	l.mu.Unlock()
	l.w.Wake()
	p.peer, p.connected = s, true
}

func (p *fakePCB) Send(b []byte, to netip.AddrPort, flags int) (int, error) {
	p.mu.Lock()
	if p.shutWr || p.err == errno.ECONNRESET {
		p.mu.Unlock()
		return 0, errno.EPIPE
	}
	if !p.connected {
		p.mu.Unlock()
		return 0, errno.ENOTCONN
	}
	q := p.peer
	p.mu.Unlock()
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return 0, errno.EPIPE
	}
	n := min(len(b), fakeBufSize-len(q.buf))
	if n == 0 && len(b) > 0 {
		q.mu.Unlock()
		return 0, errno.EAGAIN
	}
	q.buf = append(q.buf, b[:n]...)
	q.mu.Unlock()
	q.w.Wake()
	return n, nil
}

func (p *fakePCB) Recv(b []byte, flags int) (int, netip.AddrPort, int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) == 0 {
		if err := p.err; err != nil {
			p.err = nil
			return 0, netip.AddrPort{}, 0, err
		}
		if p.eof {
			return 0, p.remote, 0, nil
		}
		if !p.connected {
			return 0, netip.AddrPort{}, 0, errno.ENOTCONN
		}
		return 0, netip.AddrPort{}, 0, errno.EAGAIN
	}
	n := copy(b, p.buf)
	if flags&MSG_PEEK == 0 {
		p.buf = p.buf[:copy(p.buf, p.buf[n:])]
		if q := p.peer; q != nil {
			defer q.w.Wake() // room to send
		}
	}
	return n, p.remote, 0, nil
}

func (p *fakePCB) Shutdown(how int) error {
	p.mu.Lock()
	if !p.connected {
		p.mu.Unlock()
		return errno.ENOTCONN
	}
	q := p.peer
	if how != SHUT_RD {
		p.shutWr = true
	}
	if how != SHUT_WR {
		p.buf = nil
	}
	p.mu.Unlock()
	if how != SHUT_RD {
		q.mu.Lock()
		q.eof = true
		q.mu.Unlock()
		q.w.Wake()
	}
	p.w.Wake()
	return nil
}

func (p *fakePCB) Close(linger bool) error {
	p.mu.Lock()
	p.closed = true
	q := p.peer
	listening := p.listening
	p.mu.Unlock()
	if listening {
		fakeMu.Lock()
		if fakeListeners[p.local] == p {
			delete(fakeListeners, p.local)
		}
		fakeMu.Unlock()
	}
	if q != nil {
		q.mu.Lock()
		if linger {
			q.err = errno.ECONNRESET
		}
		q.eof = true
		q.mu.Unlock()
		q.w.Wake()
	}
	p.w.Wake()
	return nil
}

func (p *fakePCB) SetOption(level, name, value int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if level != SOL_SOCKET || name != SO_REUSEADDR {
		return errno.ENOPROTOOPT
	}
	if p.options == nil {
		p.options = map[[2]int]int{}
	}
	p.options[[2]int{level, name}] = value
	return nil
}

func (p *fakePCB) Option(level, name int) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if level != SOL_SOCKET || name != SO_REUSEADDR {
		return 0, errno.ENOPROTOOPT
	}
	return p.options[[2]int{level, name}], nil
}

func (p *fakePCB) LocalAddr() netip.AddrPort {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.local
}

func (p *fakePCB) RemoteAddr() (netip.AddrPort, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.connected {
		return netip.AddrPort{}, errno.ENOTCONN
	}
	return p.remote, nil
}

func (p *fakePCB) Events() int {
	p.mu.Lock()
	ev := 0
	if len(p.queue) > 0 || len(p.buf) > 0 || p.eof || p.err != nil {
		ev |= POLLIN
	}
	if p.err != nil {
		ev |= POLLERR | POLLHUP
	}
	q, writable := p.peer, p.connected && !p.shutWr
	p.mu.Unlock()
	if writable && q != nil {
		q.mu.Lock()
		if len(q.buf) < fakeBufSize {
			ev |= POLLOUT
		}
		q.mu.Unlock()
	}
	return ev
}

func (p *fakePCB) Error() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.err
	p.err = nil
	return err
}

func (p *fakePCB) Waiters() *Waiters { return &p.w }
