package kern

import (
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// bootVirtual boots a kernel on a memhost made inside the current
// synctest bubble, so its clock is virtual.
func bootVirtual(t *testing.T) *Kernel {
	t.Helper()
	k, err := Boot(Config{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// firings records when a callout's function ran.
type firings struct {
	mu    sync.Mutex
	times []time.Duration
	start time.Time
}

func (f *firings) record() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.times = append(f.times, time.Since(f.start))
}

func (f *firings) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.times)
}

func (f *firings) at(i int) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.times[i]
}

func TestCalloutSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := bootVirtual(t)
		defer k.Halt()
		f := &firings{start: time.Now()}
		c := k.NewCallout(f.record)
		if c.Pending() {
			t.Fatal("new callout pending")
		}
		c.Schedule(time.Second)
		if !c.Pending() {
			t.Fatal("scheduled callout not pending")
		}
		time.Sleep(time.Second - time.Nanosecond)
		synctest.Wait()
		if f.count() != 0 {
			t.Fatal("fired early")
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if f.count() != 1 || f.at(0) != time.Second {
			t.Fatalf("fired %d times, first at %v", f.count(), f.times)
		}
		if c.Pending() {
			t.Error("pending after firing")
		}
		if c.Stop() {
			t.Error("Stop after firing reports a pending call")
		}
		// It can be scheduled again after firing.
		c.Schedule(2 * time.Second)
		time.Sleep(3 * time.Second)
		synctest.Wait()
		if f.count() != 2 || f.at(1) != 3*time.Second {
			t.Fatalf("second firing: %v", f.times)
		}
	})
}

func TestCalloutReschedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := bootVirtual(t)
		defer k.Halt()
		f := &firings{start: time.Now()}
		c := k.NewCallout(f.record)
		c.Schedule(time.Second)
		time.Sleep(500 * time.Millisecond)
		c.Schedule(time.Second) // pushed back: now due at 1.5s
		time.Sleep(900 * time.Millisecond)
		synctest.Wait()
		if f.count() != 0 {
			t.Fatalf("fired at the old deadline: %v", f.times)
		}
		c.Schedule(100 * time.Millisecond) // pulled in: due at 1.5s again
		time.Sleep(time.Second)
		synctest.Wait()
		if f.count() != 1 || f.at(0) != 1500*time.Millisecond {
			t.Fatalf("firings %v, want one at 1.5s", f.times)
		}
	})
}

func TestCalloutStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := bootVirtual(t)
		defer k.Halt()
		f := &firings{start: time.Now()}
		c := k.NewCallout(f.record)
		if c.Stop() {
			t.Error("Stop of an idle callout reports a pending call")
		}
		c.Schedule(time.Second)
		time.Sleep(999 * time.Millisecond)
		if !c.Stop() {
			t.Error("Stop of a pending callout reports none")
		}
		if c.Pending() || c.Stop() {
			t.Error("still pending after Stop")
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if f.count() != 0 {
			t.Fatalf("stopped callout fired: %v", f.times)
		}
	})
}

func TestCalloutPeriodic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := bootVirtual(t)
		f := &firings{start: time.Now()}
		var c *Callout
		c = k.NewCallout(func() {
			f.record()
			c.Schedule(time.Second)
		})
		c.Schedule(time.Second)
		time.Sleep(10*time.Second + time.Millisecond)
		synctest.Wait()
		if f.count() != 10 {
			t.Fatalf("periodic callout fired %d times in 10s", f.count())
		}
		for i := range 10 {
			if f.at(i) != time.Duration(i+1)*time.Second {
				t.Errorf("firing %d at %v", i, f.at(i))
			}
		}
		// A callout that reschedules itself stops at Halt.
		if err := k.Halt(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if f.count() != 10 {
			t.Fatalf("fired %d times after Halt", f.count()-10)
		}
	})
}

func TestCalloutNoneAfterHalt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := bootVirtual(t)
		f := &firings{start: time.Now()}
		var cs []*Callout
		for i := range 5 {
			c := k.NewCallout(f.record)
			c.Schedule(time.Duration(i+1) * time.Second)
			cs = append(cs, c)
		}
		time.Sleep(2500 * time.Millisecond)
		synctest.Wait()
		if f.count() != 2 {
			t.Fatalf("%d fired by 2.5s", f.count())
		}
		if err := k.Halt(); err != nil {
			t.Fatal(err)
		}
		for i, c := range cs {
			if c.Pending() {
				t.Errorf("callout %d pending after Halt", i)
			}
		}
		late := k.NewCallout(f.record)
		late.Schedule(time.Second)
		cs[0].Schedule(time.Second)
		if late.Pending() || cs[0].Pending() {
			t.Error("Schedule after Halt armed a callout")
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if f.count() != 2 {
			t.Fatalf("%d callouts fired after Halt", f.count()-2)
		}
	})
}

func TestHaltWaitsForRunningCallout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := bootVirtual(t)
		start := time.Now()
		var started, done atomic.Bool
		k.NewCallout(func() {
			started.Store(true)
			time.Sleep(time.Second) // a slow handler
			done.Store(true)
		}).Schedule(time.Second)
		time.Sleep(time.Second)
		synctest.Wait()
		if !started.Load() {
			t.Fatal("callout did not start")
		}
		if err := k.Halt(); err != nil {
			t.Fatal(err)
		}
		if !done.Load() {
			t.Fatal("Halt returned while a callout ran")
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Errorf("Halt returned at %v, want 2s", d)
		}
	})
}

// manualClock is a host clock whose timers go off only when the test says,
// and whose calls the test makes: it can hold a call that has gone off but
// not yet run, which real timers make only by chance.
type manualClock struct {
	mu     sync.Mutex
	timers []*manualTimer
}

type manualTimer struct {
	c      *manualClock
	f      func()
	active bool
}

func (c *manualClock) Now() time.Time           { return time.Unix(1e9, 0) }
func (c *manualClock) Monotonic() time.Duration { return 0 }
func (c *manualClock) Sleep(time.Duration)      {}
func (c *manualClock) AfterFunc(d time.Duration, f func()) rumpuser.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{c: c, f: f, active: true}
	c.timers = append(c.timers, t)
	return t
}

func (t *manualTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.active = false
	return was
}

func (t *manualTimer) Reset(time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.active = true
	return was
}

// expire makes every armed timer go off and returns their calls, which
// the caller runs when it likes.
func (c *manualClock) expire() []func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	var calls []func()
	for _, t := range c.timers {
		if t.active {
			t.active = false
			calls = append(calls, t.f)
		}
	}
	return calls
}

func run(calls []func()) {
	for _, f := range calls {
		f()
	}
}

type manualClockHost struct {
	*memhost.Host
	clock *manualClock
}

func (h manualClockHost) Clock() rumpuser.Clock { return h.clock }

// TestCalloutStaleFiring covers a timer that has gone off, its call not
// yet run, when the callout is rescheduled or stopped: the late call is
// for a deadline that no longer holds and must not run the function.
func TestCalloutStaleFiring(t *testing.T) {
	clk := &manualClock{}
	k := bootTest(t, Config{Host: manualClockHost{memhost.New(memhost.Options{}), clk}})
	var n atomic.Int32
	c := k.NewCallout(func() { n.Add(1) })

	c.Schedule(time.Second)
	inflight := clk.expire()
	c.Schedule(time.Second) // rescheduled while the old call waits
	run(inflight)
	if n.Load() != 0 {
		t.Fatal("a call for the old deadline ran after Schedule")
	}
	if !c.Pending() {
		t.Fatal("the late call cancelled the new schedule")
	}
	run(clk.expire())
	if n.Load() != 1 || c.Pending() {
		t.Fatalf("after the new deadline: %d calls, pending %v", n.Load(), c.Pending())
	}

	// Stopped while the call waits.
	c.Schedule(time.Second)
	inflight = clk.expire()
	if !c.Stop() {
		t.Error("Stop did not report the call it prevented")
	}
	run(inflight)
	if n.Load() != 1 {
		t.Fatal("a stopped callout ran")
	}

	// Stopped, then scheduled again, while the call waits.
	c.Schedule(time.Second)
	inflight = clk.expire()
	c.Stop()
	c.Schedule(time.Second)
	run(inflight)
	if n.Load() != 1 {
		t.Fatal("the call from before Stop ran")
	}
	run(clk.expire())
	if n.Load() != 2 {
		t.Fatalf("%d calls, want 2", n.Load())
	}

	// Two reschedules, each after the timer went off.
	c.Schedule(time.Second)
	first := clk.expire()
	c.Schedule(time.Second)
	second := clk.expire()
	c.Schedule(time.Second)
	run(second)
	run(first)
	if n.Load() != 2 {
		t.Fatal("stale calls ran")
	}
	run(clk.expire())
	if n.Load() != 3 {
		t.Fatalf("%d calls, want 3", n.Load())
	}
	run(clk.expire())
	if n.Load() != 3 {
		t.Fatal("an extra call")
	}
}
