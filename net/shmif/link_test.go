package shmif

import (
	"sync"
	"testing"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// rawLink is a link started by hand, without an interface, whose frames
// are collected.
type rawLink struct {
	*Link
	mu     sync.Mutex
	frames [][]byte
	got    chan struct{}
}

func newRawLink(t *testing.T, h *memhost.Host, bus string) *rawLink {
	t.Helper()
	k, err := kern.Boot(kern.Config{Host: h})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Halt() })
	l, err := Create(k, Config{Bus: bus})
	if err != nil {
		t.Fatal(err)
	}
	r := &rawLink{Link: l, got: make(chan struct{}, 1)}
	if err := l.Start(func(b *pkt.Buf) {
		r.mu.Lock()
		r.frames = append(r.frames, append([]byte(nil), b.Bytes()...))
		r.mu.Unlock()
		b.Free()
		select {
		case r.got <- struct{}{}:
		default:
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := l.Init(); err != nil {
		t.Fatal(err)
	}
	return r
}

// waitFor waits until the link has received n frames.
func (r *rawLink) waitFor(t *testing.T, n int) [][]byte {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		if len(r.frames) >= n {
			f := r.frames
			r.mu.Unlock()
			return f
		}
		r.mu.Unlock()
		select {
		case <-r.got:
		case <-deadline:
			t.Fatalf("received %d frames, want %d; stats %+v", len(r.frames), n, r.Stats())
		}
	}
}

// TestReceiverLapped has a foreign writer put over two rings' worth of
// frames on the bus while the link cannot read (the writer holds the
// lock): the receiver, lapped, starts again at the oldest frame left
// and receives from there to the newest, in order, and counts one lap.
func TestReceiverLapped(t *testing.T) {
	h := memhost.New(memhost.Options{})
	r := newRawLink(t, h, "bus")
	mem := r.mem
	const size = 1000
	n := 0
	if !mem.lock(time.Sleep, func() bool { return false }) {
		t.Fatal("lock")
	}
	for wrote := 0; wrote < 2*DataSize+5000; wrote += PktHeaderSize + size {
		n++
		if !mem.put(PktHeader{Len: size, Sender: 99}, frame(size, uint32(n))) {
			t.Fatal("put: damaged")
		}
	}
	onBus := 0 // frames from first to last
	for off := mem.first(); ; {
		onBus++
		if off == mem.last() {
			break
		}
		off, _ = mem.nextPktOff(off)
	}
	mem.unlock()
	if err := wakeBus(r.bus); err != nil {
		t.Fatal(err)
	}
	frames := r.waitFor(t, onBus)
	for i, f := range frames {
		if want := uint32(n - onBus + 1 + i); seqOf(f) != want {
			t.Fatalf("frame %d: %d, want %d", i, seqOf(f), want)
		}
		checkFrame(t, f)
	}
	if s := r.Stats(); s.Lapped != 1 || s.Damaged != 0 || s.RxFrames != uint64(onBus) {
		t.Errorf("stats %+v, want 1 lap and %d frames", s, onBus)
	}
}

// TestOwnFramesSkipped checks that a link does not receive the frames
// it sends, while another link on the bus does, and that frames for
// other stations are not passed up.
func TestOwnFramesSkipped(t *testing.T) {
	h := memhost.New(memhost.Options{})
	a, b := newRawLink(t, h, "bus"), newRawLink(t, h, "bus")
	bcast := frame(60, 1)
	other := frame(60, 2)
	copy(other, []byte{0x02, 0, 0, 0, 0, 1})
	unicast := frame(60, 3)
	copy(unicast, b.info.Addr[:])
	for _, f := range [][]byte{bcast, other, unicast} {
		if err := a.Transmit(pkt.From(pkt.Headroom, f)); err != nil {
			t.Fatal(err)
		}
	}
	b.waitFor(t, 2)
	time.Sleep(20 * time.Millisecond) // for anything more to arrive, which must not
	got := b.waitFor(t, 2)
	if len(got) != 2 || seqOf(got[0]) != 1 || seqOf(got[1]) != 3 {
		t.Errorf("b got %d frames: % x", len(got), got)
	}
	a.mu.Lock()
	if len(a.frames) != 0 {
		t.Errorf("a received %d of its own frames", len(a.frames))
	}
	a.mu.Unlock()
	if s := a.Stats(); s.TxFrames != 3 {
		t.Errorf("a's stats %+v", s)
	}
}

// TestCloseWithLockHeld checks that a link whose bus lock is held by a
// dead writer still closes, and that its kernel halts.
func TestCloseWithLockHeld(t *testing.T) {
	h := memhost.New(memhost.Options{})
	r := newRawLink(t, h, "bus")
	r.mem.lock(time.Sleep, func() bool { return false }) // and never unlock
	r.Transmit(pkt.From(pkt.Headroom, frame(60, 1)))
	wakeBus(r.bus)
	done := make(chan error)
	go func() { done <- r.Close() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs on a bus whose lock is never freed")
	}
}
