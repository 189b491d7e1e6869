package rumpuser

import "time"

// GoClock returns a Clock over Go's time package, for code outside any
// kernel that still needs a clock (an in-process wire between kernels).
// Its monotonic epoch is the moment of the call, so a clock made inside a
// testing/synctest bubble counts the bubble's virtual time, and its
// timers and sleeps are virtual there too.
func GoClock() Clock { return goClock{epoch: time.Now()} }

type goClock struct{ epoch time.Time }

func (c goClock) Now() time.Time           { return time.Now() }
func (c goClock) Monotonic() time.Duration { return time.Since(c.epoch) }
func (c goClock) Sleep(d time.Duration)    { time.Sleep(d) }
func (c goClock) AfterFunc(d time.Duration, f func()) Timer {
	return time.AfterFunc(d, f)
}
