package memhost

import (
	"sync"
	"time"

	"github.com/gorump/gorump/rumpuser"
)

// FixedClock is a clock whose wall time stands still at the instant it
// is set to, so that every timestamp a kernel writes is that instant;
// image builders use it to write the same bytes on every run. Its
// monotonic time, timers and sleeps run as Go's time package runs them,
// so callouts still fire. It is safe for concurrent use.
type FixedClock struct {
	goClock

	mu  sync.Mutex // guards now
	now time.Time
}

var _ rumpuser.Clock = (*FixedClock)(nil)

// NewFixedClock returns a clock whose wall time is t until Set.
func NewFixedClock(t time.Time) *FixedClock {
	return &FixedClock{goClock: goClock{epoch: time.Now()}, now: t}
}

// Now returns the wall time last set.
func (c *FixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the wall time to t.
func (c *FixedClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
