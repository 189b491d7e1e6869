package netbench

import (
	"fmt"
	"time"
)

// Connections of ConnRate: the full run and the -short run.
const (
	ConnRateConns      = 5000
	ShortConnRateConns = 1000
)

// ConnRateResult is the outcome of ConnRate.
type ConnRateResult struct {
	// Conns is how many connections the server accepted.
	Conns   int     `json:"conns"`
	Seconds float64 `json:"seconds"`
	PerSec  float64 `json:"conns_per_s"`
}

// ConnRate times n cycles of the client connecting and closing and the
// server accepting and closing, one connection after another, from the
// first dial to the server closing the n-th connection.
func ConnRate(p Pair, n int) (ConnRateResult, error) {
	if n <= 0 {
		return ConnRateResult{}, fmt.Errorf("netbench: ConnRate of %d connections", n)
	}
	s, err := startSession(p)
	if err != nil {
		return ConnRateResult{}, err
	}
	var (
		start, done time.Time
		accepted    int
	)
	err = s.run(func() error {
		for ; accepted < n; accepted++ {
			c, err := s.ln.Accept()
			if err != nil {
				return fmt.Errorf("accept %d: %w", accepted+1, err)
			}
			c.Close()
		}
		done = time.Now()
		return nil
	}, func() error {
		start = time.Now()
		for i := range n {
			c, err := s.dial()
			if err != nil {
				return fmt.Errorf("dial %d: %w", i+1, err)
			}
			c.Close()
		}
		return nil
	})
	if err != nil {
		return ConnRateResult{}, err
	}
	elapsed := done.Sub(start).Seconds()
	return ConnRateResult{Conns: accepted, Seconds: elapsed, PerSec: float64(accepted) / elapsed}, nil
}
