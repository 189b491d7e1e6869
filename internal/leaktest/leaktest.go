// Package leaktest checks that code under test leaves no goroutines
// behind, as Kernel.Halt promises.
package leaktest

import (
	"runtime"
	"testing"
	"time"
)

// Settle waits up to d for the number of goroutines to fall to base or
// below, and returns the last count: goroutines that have finished their
// work can take a moment to be gone.
func Settle(base int, d time.Duration) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(d); n > base && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// Check fails t, with every goroutine's stack, if more than base
// goroutines remain after a few seconds' grace. Take base with
// runtime.NumGoroutine before starting what is checked.
func Check(t testing.TB, base int) {
	t.Helper()
	if n := Settle(base, 3*time.Second); n > base {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("goroutines leaked: %d before, %d after\n%s", base, n, buf)
	}
}
