package kern

import (
	"sync"
	"time"

	"github.com/gorump/gorump/rumpuser"
)

// Callout is a kernel timer: a function called once after a delay on the
// host clock, which may be rescheduled or stopped. Halt stops every
// callout, and none runs after Halt has returned.
type Callout struct {
	k  *Kernel
	fn func()

	mu      sync.Mutex // guards timer, pending and stale
	timer   rumpuser.Timer
	pending bool
	// stale counts calls of the timer that went off before the callout
	// was rescheduled or stopped and have yet to take mu: they are for a
	// deadline that no longer holds, and fire drops them.
	stale int
}

// NewCallout makes a stopped callout that will call fn.
func (k *Kernel) NewCallout(fn func()) *Callout {
	return &Callout{k: k, fn: fn}
}

// Schedule (re)arms the callout to fire after d. A call due under an
// earlier Schedule that has not started yet does not happen.
func (c *Callout) Schedule(d time.Duration) {
	if c.k.halted.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.pending {
		c.k.mu.Lock()
		c.k.callouts[c] = struct{}{}
		c.k.mu.Unlock()
	}
	switch {
	case c.timer == nil:
		c.timer = c.k.clock.AfterFunc(d, c.fire)
	case !c.timer.Reset(d) && c.pending:
		// Pending yet not armed: the timer went off and its call waits
		// for c.mu.
		c.stale++
	}
	c.pending = true
}

// Stop cancels a pending call; it reports whether one was pending.
func (c *Callout) Stop() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.pending {
		return false
	}
	c.pending = false
	if !c.timer.Stop() {
		c.stale++ // the timer went off; its call waits for c.mu
	}
	c.k.mu.Lock()
	delete(c.k.callouts, c)
	c.k.mu.Unlock()
	return true
}

// Pending reports whether the callout is armed.
func (c *Callout) Pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pending
}

func (c *Callout) fire() {
	c.mu.Lock()
	if c.stale > 0 {
		c.stale--
		c.mu.Unlock()
		return
	}
	if !c.pending {
		c.mu.Unlock()
		return
	}
	c.pending = false
	// Halt sets halted before it takes k.mu to stop callouts, so a fire
	// that sees halted false here is counted before Halt waits.
	c.k.mu.Lock()
	delete(c.k.callouts, c)
	halted := c.k.halted.Load()
	if !halted {
		c.k.threads.Add(1)
	}
	c.k.mu.Unlock()
	c.mu.Unlock()
	if halted {
		return
	}
	defer c.k.threads.Done()
	c.fn()
}

func (k *Kernel) stopCallouts() {
	k.mu.Lock()
	cs := make([]*Callout, 0, len(k.callouts))
	for c := range k.callouts {
		cs = append(cs, c)
	}
	k.mu.Unlock()
	for _, c := range cs {
		c.Stop()
	}
}
