package netbench

import (
	"context"
	"errors"
	"net"
	"runtime"
	"testing"
	"time"
)

func TestBulk(t *testing.T) {
	const total, chunk = 8<<20 + 123, 64 << 10
	r, err := Bulk(LoopbackPair(), total, chunk)
	if err != nil {
		t.Fatal(err)
	}
	if r.Bytes != total || r.Chunk != chunk {
		t.Errorf("moved %d bytes in %d-byte writes, want %d in %d", r.Bytes, r.Chunk, int64(total), chunk)
	}
	if r.Seconds <= 0 || r.MBPerSec <= 0 {
		t.Errorf("Seconds %v, MBPerSec %v: want both positive", r.Seconds, r.MBPerSec)
	}
	if runtime.GOOS == "linux" && r.CPUSecondsPerGiB <= 0 {
		t.Errorf("CPUSecondsPerGiB %v: want it measured on Linux", r.CPUSecondsPerGiB)
	}
}

func TestPingPong(t *testing.T) {
	const n = 500
	r, err := PingPong(LoopbackPair(), n)
	if err != nil {
		t.Fatal(err)
	}
	if r.RoundTrips != n {
		t.Errorf("timed %d round trips, want %d", r.RoundTrips, n)
	}
	if !(0 < r.P50 && r.P50 <= r.P99 && r.Mean > 0) {
		t.Errorf("mean %v, p50 %v, p99 %v: want positive with p50 <= p99", r.Mean, r.P50, r.P99)
	}
}

func TestConnRate(t *testing.T) {
	const n = 200
	r, err := ConnRate(LoopbackPair(), n)
	if err != nil {
		t.Fatal(err)
	}
	if r.Conns != n {
		t.Errorf("accepted %d connections, want %d", r.Conns, n)
	}
	if r.Seconds <= 0 || r.PerSec <= 0 {
		t.Errorf("Seconds %v, PerSec %v: want both positive", r.Seconds, r.PerSec)
	}
}

func TestBadSizes(t *testing.T) {
	p := LoopbackPair()
	if _, err := Bulk(p, 0, BulkChunk); err == nil {
		t.Error("Bulk of 0 bytes: no error")
	}
	if _, err := Bulk(p, 1, 0); err == nil {
		t.Error("Bulk in 0-byte writes: no error")
	}
	if _, err := PingPong(p, 0); err == nil {
		t.Error("PingPong of 0 round trips: no error")
	}
	if _, err := ConnRate(p, -1); err == nil {
		t.Error("ConnRate of -1 connections: no error")
	}
}

// TestTimeout runs Bulk over a pair whose client side is one end of a
// pipe nobody reads, so that the client blocks in its first write and
// the server in Accept until the watchdog closes both.
func TestTimeout(t *testing.T) {
	defer func(old time.Duration) { Timeout = old }(Timeout)
	Timeout = 50 * time.Millisecond
	p := LoopbackPair()
	p.Dial = func(context.Context, string) (net.Conn, error) {
		c, _ := net.Pipe()
		return c, nil
	}
	if _, err := Bulk(p, 1<<20, 4096); !errors.Is(err, ErrTimeout) {
		t.Errorf("Bulk over a stuck pair: %v, want ErrTimeout", err)
	}
}

func TestQuantile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0, 1}, {0.5, 50}, {0.99, 99}, {1, 100}} {
		if got := quantile(d, c.q); got != c.want {
			t.Errorf("quantile(1..100, %v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := quantile(d[:1], 0.99); got != 1 {
		t.Errorf("quantile([1], 0.99) = %v, want 1", got)
	}
}

func TestGorumpPair(t *testing.T) {
	for _, mtu := range []int{1500, 65535} {
		p, err := GorumpPair(mtu)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Bulk(p, 8<<20, BulkChunk)
		if err != nil {
			t.Fatalf("mtu %d: bulk: %v", mtu, err)
		}
		if b.Bytes != 8<<20 {
			t.Fatalf("mtu %d: bulk moved %d bytes", mtu, b.Bytes)
		}
		if _, err := PingPong(p, 100); err != nil {
			t.Fatalf("mtu %d: ping-pong: %v", mtu, err)
		}
		if _, err := ConnRate(p, 50); err != nil {
			t.Fatalf("mtu %d: connrate: %v", mtu, err)
		}
		if err := p.Close(); err != nil {
			t.Fatalf("mtu %d: close: %v", mtu, err)
		}
	}
}
