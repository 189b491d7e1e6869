package rump_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/net/nettest"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/net/wire"
	"github.com/gorump/gorump/rump"
)

// wired boots two kernels joined by an in-process Ethernet link,
// 10.0.0.1/24 and 10.0.0.2/24.
func wired(t *testing.T) (a, b *rump.Kernel) {
	t.Helper()
	a, b = boot(t), boot(t)
	joinWire(t, wire.New(wire.Config{}), a, b)
	return a, b
}

// joinWire attaches a and b to the two ends of w as 10.0.0.1/24 and
// 10.0.0.2/24.
func joinWire(t *testing.T, w *wire.Wire, a, b *rump.Kernel) {
	t.Helper()
	for _, side := range []struct {
		k    *rump.Kernel
		end  *wire.End
		addr string
	}{{a, w.A(), "10.0.0.1/24"}, {b, w.B(), "10.0.0.2/24"}} {
		name, err := side.k.AttachLink(side.end)
		if err != nil {
			t.Fatal(err)
		}
		if err := side.k.ConfigureInterface(name, netip.MustParsePrefix(side.addr)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConnConformanceWire runs x/net's net.Conn conformance test over TCP
// between two kernels.
func TestConnConformanceWire(t *testing.T) {
	a, b := wired(t)
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		ln, err := b.Listen("tcp", "10.0.0.2:0")
		if err != nil {
			return nil, nil, nil, err
		}
		defer ln.Close()
		ch := make(chan net.Conn, 1)
		go func() {
			c, _ := ln.Accept()
			ch <- c
		}()
		c1, err = a.Dial("tcp", ln.Addr().String())
		if err != nil {
			return nil, nil, nil, err
		}
		c2 = <-ch
		if c2 == nil {
			c1.Close()
			return nil, nil, nil, errors.New("accept failed")
		}
		return c1, c2, func() { c1.Close(); c2.Close() }, nil
	})
}

func TestInterfacesAndRoutes(t *testing.T) {
	a, _ := wired(t)
	ifs := a.Interfaces()
	if len(ifs) != 2 || ifs[0].Name != "lo0" || !ifs[0].Loopback || !ifs[1].Up ||
		len(ifs[1].Addrs) != 1 || ifs[1].Addrs[0] != netip.MustParsePrefix("10.0.0.1/24") {
		t.Fatalf("interfaces %+v", ifs)
	}
	gw := netip.MustParseAddr("10.0.0.2")
	if err := a.AddRoute(netip.MustParsePrefix("0.0.0.0/0"), gw, ""); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range a.Routes() {
		if r.Dst.Bits() == 0 && r.Gateway == gw {
			found = true
		}
	}
	if !found {
		t.Errorf("default route missing from %v", a.Routes())
	}
	if err := a.DeleteRoute(netip.MustParsePrefix("0.0.0.0/0")); err != nil {
		t.Error(err)
	}
	if err := a.ConfigureInterface("nosuch0", netip.MustParsePrefix("10.1.0.1/24")); err == nil {
		t.Error("configured an interface that does not exist")
	}
	if err := a.SetInterfaceMTU(ifs[1].Name, 1400); err != nil {
		t.Error(err)
	}
	if err := a.SetInterfaceUp(ifs[1].Name, false); err != nil {
		t.Error(err)
	}
	if a.Interfaces()[1].Up || a.Interfaces()[1].MTU != 1400 {
		t.Errorf("after down and MTU 1400: %+v", a.Interfaces()[1])
	}
}

// TestDialTimeout dials a station that never answers: the context's
// deadline ends the connect.
func TestDialTimeout(t *testing.T) {
	base := runtime.NumGoroutine()
	k := boot(t)
	w := wire.New(wire.Config{Seed: 7})
	name, err := k.AttachLink(w.A()) // the other end is left unplugged
	if err != nil {
		t.Fatal(err)
	}
	if err := k.ConfigureInterface(name, netip.MustParsePrefix("10.0.0.1/24")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = k.DialContext(ctx, "tcp", "10.0.0.2:80")
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("dial nobody with a 50ms deadline: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("dial returned after %v", d)
	}
	// Cancelling works the same way.
	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel2)
	if _, err := k.DialContext(ctx2, "tcp", "10.0.0.2:80"); !errors.Is(err, context.Canceled) {
		t.Errorf("dial cancelled: %v", err)
	}
	if err := k.Halt(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	leaktest.Check(t, base)
}
