package netbench

import (
	"fmt"
	"io"
	"math"
	"net"
	"slices"
	"time"
)

// Round trips of PingPong: the full run and the -short run, and the
// untimed warm-up before either.
const (
	PingPongRoundTrips      = 20000
	ShortPingPongRoundTrips = 5000
	PingPongWarmup          = 100
)

// LatencyResult is the outcome of PingPong, in microseconds.
type LatencyResult struct {
	// RoundTrips is how many round trips were timed.
	RoundTrips int     `json:"round_trips"`
	Mean       float64 `json:"mean_us"`
	P50        float64 `json:"p50_us"`
	P99        float64 `json:"p99_us"`
}

// PingPong times n round trips of a 1-byte request and its 1-byte
// response on one connection, after PingPongWarmup untimed ones. The
// server echoes each byte; the client checks it and sends the next.
func PingPong(p Pair, n int) (LatencyResult, error) {
	if n <= 0 {
		return LatencyResult{}, fmt.Errorf("netbench: PingPong of %d round trips", n)
	}
	var (
		answered int
		rtts     = make([]time.Duration, n)
	)
	server := func(c net.Conn) error {
		b := make([]byte, 1)
		for {
			if _, err := io.ReadFull(c, b); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			if _, err := c.Write(b); err != nil {
				return err
			}
			answered++
		}
	}
	client := func(c net.Conn) error {
		req, resp := make([]byte, 1), make([]byte, 1)
		roundTrip := func() error {
			req[0]++
			if _, err := c.Write(req); err != nil {
				return err
			}
			if _, err := io.ReadFull(c, resp); err != nil {
				return err
			}
			if resp[0] != req[0] {
				return fmt.Errorf("sent %#x, got %#x back", req[0], resp[0])
			}
			return nil
		}
		for range PingPongWarmup {
			if err := roundTrip(); err != nil {
				return err
			}
		}
		for i := range rtts {
			t := time.Now()
			if err := roundTrip(); err != nil {
				return err
			}
			rtts[i] = time.Since(t)
		}
		return nil
	}
	if err := oneConn(p, server, client); err != nil {
		return LatencyResult{}, err
	}
	if answered != PingPongWarmup+n {
		return LatencyResult{}, fmt.Errorf("netbench: %s: server answered %d requests, want %d", p.Name, answered, PingPongWarmup+n)
	}
	var sum time.Duration
	for _, d := range rtts {
		sum += d
	}
	slices.Sort(rtts)
	return LatencyResult{
		RoundTrips: n,
		Mean:       micros(sum / time.Duration(n)),
		P50:        micros(quantile(rtts, 0.50)),
		P99:        micros(quantile(rtts, 0.99)),
	}, nil
}

// quantile returns the q-quantile of sorted by the nearest-rank method:
// the smallest value at least a fraction q of the values are at or
// below.
func quantile(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
