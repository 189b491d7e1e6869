package main

import (
	"runtime"
	"testing"

	"github.com/gorump/gorump/bench/netbench"
)

// TestNetstackPair runs every measurement with small sizes over a
// netstack pair of each MTU, and checks that closing the pair stops
// every goroutine it started.
func TestNetstackPair(t *testing.T) {
	for _, mtu := range []uint32{1500, 65535} {
		before := runtime.NumGoroutine()
		p, err := netstackPair(mtu)
		if err != nil {
			t.Fatal(err)
		}
		if r, err := netbench.Bulk(p, 4<<20+1, 64<<10); err != nil {
			t.Error(err)
		} else if r.Bytes != 4<<20+1 {
			t.Errorf("%s: Bulk moved %d bytes, want %d", p.Name, r.Bytes, 4<<20+1)
		}
		if r, err := netbench.PingPong(p, 200); err != nil {
			t.Error(err)
		} else if r.RoundTrips != 200 {
			t.Errorf("%s: PingPong timed %d round trips, want 200", p.Name, r.RoundTrips)
		}
		if r, err := netbench.ConnRate(p, 100); err != nil {
			t.Error(err)
		} else if r.Conns != 100 {
			t.Errorf("%s: ConnRate accepted %d connections, want 100", p.Name, r.Conns)
		}
		if err := p.Close(); err != nil {
			t.Errorf("%s: Close: %v", p.Name, err)
		}
		if n := leftoverGoroutines(before); n > 0 {
			buf := make([]byte, 1<<20)
			t.Errorf("%s: %d goroutines left after Close:\n%s", p.Name, n, buf[:runtime.Stack(buf, true)])
		}
	}
}
