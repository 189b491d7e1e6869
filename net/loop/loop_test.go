package loop_test

import (
	"errors"
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/loop"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/rumpuser/memhost"
)

func TestLo0AtBoot(t *testing.T) {
	base := runtime.NumGoroutine()
	k, err := kern.Boot(kern.Config{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	lo := ifnet.Of(k).ByName("lo0")
	if lo == nil {
		t.Fatal("no lo0")
	}
	if !lo.Up() || lo.MTU() != loop.MTU || lo.Type() != ifnet.LinkLoopback || lo.Index() != 1 {
		t.Errorf("lo0: up %v MTU %d type %v index %d", lo.Up(), lo.MTU(), lo.Type(), lo.Index())
	}
	if addrs := lo.Addrs(); len(addrs) != 1 || addrs[0] != netip.MustParsePrefix("127.0.0.1/8") {
		t.Errorf("lo0 addresses %v", addrs)
	}
	if ifnet.Of(k).Loopback() != lo {
		t.Error("Loopback() is not lo0")
	}
	if err := k.Halt(); err != nil {
		t.Fatal(err)
	}
	if !lo.Detached() {
		t.Error("halt left lo0 attached")
	}
	leaktest.Check(t, base)
}

func TestLinkQueue(t *testing.T) {
	base := runtime.NumGoroutine()
	l := loop.New(nil)
	var got atomic.Int32
	block := make(chan struct{})
	if err := l.Start(func(b *pkt.Buf) {
		<-block
		got.Add(1)
		b.Free()
	}); err != nil {
		t.Fatal(err)
	}
	// The blocked receiver holds at most what was queued when it
	// started; QueueLen more wait; the rest is refused.
	const sent = 3 * loop.QueueLen
	var refused int
	for range sent {
		if err := l.Transmit(pkt.New(pkt.Headroom, 20)); errors.Is(err, errno.ENOBUFS) {
			refused++
		}
	}
	if refused == 0 || refused > sent-loop.QueueLen {
		t.Errorf("%d packets refused", refused)
	}
	close(block)
	for got.Load() < int32(sent-refused) {
		time.Sleep(time.Millisecond)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Transmit(pkt.New(pkt.Headroom, 20)); !errors.Is(err, errno.ENETDOWN) {
		t.Errorf("transmit after close: %v", err)
	}
	leaktest.Check(t, base)
}

// TestIdleNoGoroutine checks that a kernel with lo0 runs no goroutine
// while nothing is sent, and that delivery still works.
func TestIdleNoGoroutine(t *testing.T) {
	base := runtime.NumGoroutine()
	k, err := kern.Boot(kern.Config{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Halt()
	if n := leaktest.Settle(base, time.Second); n > base {
		t.Errorf("an idle kernel runs %d goroutines", n-base)
	}
}
