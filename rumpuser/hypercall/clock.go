//go:build gorump_kernelonly

package hypercall

// #include "hypercall.h"
import "C"

import (
	"fmt"
	"time"

	"github.com/gorump/gorump/rumpuser"
)

// clock is the hypervisor's clocks. Timers are the Go runtime's: version
// 17 has no timer hypercall, and a kernel thread sleeping in
// rumpuser_clock_sleep for every callout would cost a host thread each.
type clock struct {
	epoch int64 // ABSMONO at Init, in nanoseconds: Monotonic's zero
}

// Clock implements rumpuser.Host.
func (h *Host) Clock() rumpuser.Clock { return &h.clock }

// gettime reads clock clk with rumpuser_clock_gettime.
func gettime(clk C.int) (sec, nsec int64, err error) {
	var s C.int64_t
	var ns C.long
	if rv := C.rumpuser_clock_gettime(clk, &s, &ns); rv != 0 {
		return 0, 0, hypercallErrno(rv)
	}
	return int64(s), int64(ns), nil
}

// mustGettime reads clk or panics: a kernel cannot go on without time.
func mustGettime(clk C.int, name string) (sec, nsec int64) {
	sec, nsec, err := gettime(clk)
	if err != nil {
		panic(fmt.Sprintf("hypercall: rumpuser_clock_gettime(%s): %v", name, err))
	}
	return sec, nsec
}

// Now returns the RELWALL clock.
func (c *clock) Now() time.Time {
	return time.Unix(mustGettime(C.RUMPUSER_CLOCK_RELWALL, "RELWALL"))
}

// Monotonic returns the ABSMONO clock since Init.
func (c *clock) Monotonic() time.Duration {
	sec, nsec := mustGettime(C.RUMPUSER_CLOCK_ABSMONO, "ABSMONO")
	return time.Duration(sec*int64(time.Second) + nsec - c.epoch)
}

// Sleep sleeps in rumpuser_clock_sleep(RELWALL), which sleeps at least
// d. It blocks the calling goroutine's thread in the hypervisor.
func (c *clock) Sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	C.rumpuser_clock_sleep(C.RUMPUSER_CLOCK_RELWALL, C.int64_t(d/time.Second), C.long(d%time.Second))
}

// AfterFunc uses the Go runtime's timers (see clock).
func (c *clock) AfterFunc(d time.Duration, f func()) rumpuser.Timer {
	return time.AfterFunc(d, f)
}
