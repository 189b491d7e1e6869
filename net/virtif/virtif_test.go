package virtif

import (
	"bytes"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// tapHost is an in-memory host with fake TAP devices.
type tapHost struct {
	*memhost.Host
	mu   sync.Mutex
	taps map[string]*fakeTap
	tso  bool // the devices take super-segments
}

func (h *tapHost) OpenTap(name string) (rumpuser.Tap, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.taps[name] != nil {
		return nil, errno.EBUSY
	}
	t := &fakeTap{in: make(chan []byte, 1024), out: make(chan []byte, 1024), gso: make(chan int, 1024),
		closed: make(chan struct{}), tso: h.tso}
	h.taps[name] = t
	return t, nil
}

// fakeTap is a TAP device: what the test puts in in the kernel reads, and
// what the kernel writes comes out of out.
type fakeTap struct {
	in, out chan []byte
	gso     chan int // each written frame's segment size
	tso     bool
	closed  chan struct{}
	once    sync.Once
}

func (t *fakeTap) ReadFrames(bufs [][]byte, sizes, gso []int) (int, error) {
	var f []byte
	select {
	case f = <-t.in:
	case <-t.closed:
		return 0, errno.EBADF
	}
	n := 0
	for {
		sizes[n] = copy(bufs[n], f)
		if gso != nil {
			gso[n] = 0
		}
		n++
		if n == len(bufs) {
			break
		}
		select {
		case f = <-t.in:
			continue
		default:
		}
		break
	}
	return n, nil
}

func (t *fakeTap) WriteFrames(frames [][]byte, gso []int) (int, error) {
	for i, f := range frames {
		select {
		case <-t.closed:
			return i, errno.EBADF
		default:
		}
		t.out <- bytes.Clone(f)
		if gso != nil {
			t.gso <- gso[i]
		} else {
			t.gso <- 0
		}
	}
	return len(frames), nil
}

func (t *fakeTap) MaxFrame(mtu int) int { return mtu + 18 }

func (t *fakeTap) TSO() bool { return t.tso }

func (t *fakeTap) Close() error {
	t.once.Do(func() { close(t.closed) })
	return nil
}

func boot(t *testing.T, h rumpuser.Host) *kern.Kernel {
	t.Helper()
	k, err := kern.Boot(kern.Config{Host: h})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newTapHost() *tapHost {
	return &tapHost{Host: memhost.New(memhost.Options{}), taps: map[string]*fakeTap{}}
}

func frame(size int, seq byte) []byte {
	f := make([]byte, size)
	copy(f, []byte{0xb2, 0x0a, 0, 0x0b, 0x0e, 1, 2, 0, 0, 0, 0, 9, 0x88, 0xb5})
	for i := 14; i < size; i++ {
		f[i] = seq + byte(i)
	}
	return f
}

func TestNoTapHost(t *testing.T) {
	k := boot(t, memhost.New(memhost.Options{}))
	defer k.Halt()
	if _, err := Create(k, Config{HostName: "tap0"}); !errors.Is(err, errno.EOPNOTSUPP) {
		t.Errorf("Create on a host without TAP: %v, want EOPNOTSUPP", err)
	}
}

func TestCreate(t *testing.T) {
	h := newTapHost()
	k := boot(t, h)
	defer k.Halt()
	for _, cfg := range []Config{{}, {HostName: "tap0", MTU: 20}, {HostName: "tap0", MTU: 70000}} {
		if _, err := Create(k, cfg); !errors.Is(err, errno.EINVAL) {
			t.Errorf("Create(%+v): %v, want EINVAL", cfg, err)
		}
	}
	l, err := Create(k, Config{HostName: "tap0"})
	if err != nil {
		t.Fatal(err)
	}
	info := l.Info()
	if info.Type != ifnet.LinkEthernet || info.Prefix != "virt" || info.MTU != 1500 {
		t.Errorf("info %+v", info)
	}
	a := info.Addr
	if a[0] != 0xb2 || a[1] != 0x0a || a[3] != 0x0b || a[4] != 0x0e {
		t.Errorf("address %x is not NetBSD virtif's b2:0a:xx:0b:0e:nn", a)
	}
	if _, err := Create(k, Config{HostName: "tap0"}); !errors.Is(err, errno.EBUSY) {
		t.Errorf("second Create of tap0: %v, want the host's EBUSY", err)
	}
	want := [6]byte{2, 1, 2, 3, 4, 5}
	l2, err := Create(k, Config{HostName: "tap1", MTU: 9000, Addr: want})
	if err != nil {
		t.Fatal(err)
	}
	if l2.Info().Addr != want || l2.Info().MTU != 9000 || l2.HostName() != "tap1" {
		t.Errorf("info %+v", l2.Info())
	}
}

func TestFramesBothWays(t *testing.T) {
	base := runtime.NumGoroutine()
	h := newTapHost()
	k := boot(t, h)
	l, err := Create(k, Config{HostName: "tap0"})
	if err != nil {
		t.Fatal(err)
	}
	tap := h.taps["tap0"]
	got := make(chan []byte, 2048)
	if err := l.Start(func(b *pkt.Buf) {
		got <- bytes.Clone(b.Bytes())
		b.Free()
	}); err != nil {
		t.Fatal(err)
	}
	if err := l.Start(func(*pkt.Buf) {}); !errors.Is(err, errno.EBUSY) {
		t.Errorf("second Start: %v, want EBUSY", err)
	}
	// In: every size up to the largest frame, in order; a frame too large
	// for the MTU is dropped.
	const n = 1000
	for i := range n {
		tap.in <- frame(60+i%1459, byte(i))
		if i == n/2 {
			tap.in <- frame(1500+18+1, 0)
		}
	}
	for i := range n {
		select {
		case f := <-got:
			if want := frame(60+i%1459, byte(i)); !bytes.Equal(f, want) {
				t.Fatalf("frame %d: got %d bytes, want %d", i, len(f), len(want))
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("received %d frames of %d", i, n)
		}
	}
	if rx, _, _ := l.Errors(); rx != 1 {
		t.Errorf("%d receive errors, want 1 for the oversize frame", rx)
	}
	// Out.
	for i := range 10 {
		if err := l.Transmit(pkt.From(pkt.Headroom, frame(1518, byte(i)))); err != nil {
			t.Fatal(err)
		}
		if f := <-tap.out; !bytes.Equal(f, frame(1518, byte(i))) {
			t.Fatalf("sent frame %d changed", i)
		}
	}
	if err := l.Transmit(pkt.From(pkt.Headroom, frame(1519, 0))); !errors.Is(err, errno.EMSGSIZE) {
		t.Errorf("oversize Transmit: %v, want EMSGSIZE", err)
	}
	// Halt closes the device and stops the reader.
	if err := k.Halt(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-tap.closed:
	default:
		t.Error("the device is open after Halt")
	}
	if err := l.Transmit(pkt.From(0, frame(60, 0))); !errors.Is(err, errno.ENXIO) {
		t.Errorf("Transmit after Halt: %v, want ENXIO", err)
	}
	leaktest.Check(t, base)
}

// A device with TSO gets super-segments of up to 64 KiB with their
// segment size; one without refuses them as too large.
func TestTransmitSuperSegment(t *testing.T) {
	for _, tso := range []bool{true, false} {
		h := newTapHost()
		h.tso = tso
		k := boot(t, h)
		l, err := Create(k, Config{HostName: "tap0"})
		if err != nil {
			t.Fatal(err)
		}
		if l.Info().TSO != tso {
			t.Fatalf("link info says TSO %v, the device %v", l.Info().TSO, tso)
		}
		if err := l.Start(func(b *pkt.Buf) { b.Free() }); err != nil {
			t.Fatal(err)
		}
		tap := h.taps["tap0"]
		super := pkt.From(pkt.Headroom, frame(14+65535, 1))
		super.SetGSO(1448)
		err = l.Transmit(super)
		if !tso {
			if !errors.Is(err, errno.EMSGSIZE) {
				t.Errorf("super-segment without TSO: %v, want EMSGSIZE", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		l.Transmit(pkt.From(pkt.Headroom, frame(60, 2))) //nolint:errcheck // checked as it comes out
		for _, want := range []struct{ size, gso int }{{14 + 65535, 1448}, {60, 0}} {
			f, gso := <-tap.out, <-tap.gso
			if len(f) != want.size || gso != want.gso {
				t.Errorf("wrote %d bytes with GSO %d, want %d with %d", len(f), gso, want.size, want.gso)
			}
		}
	}
}

func TestCloseBeforeStart(t *testing.T) {
	h := newTapHost()
	k := boot(t, h)
	defer k.Halt()
	l, err := Create(k, Config{HostName: "tap0"})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	l.Close()
	if err := l.Start(func(*pkt.Buf) {}); !errors.Is(err, errno.ENXIO) {
		t.Errorf("Start after Close: %v, want ENXIO", err)
	}
}
