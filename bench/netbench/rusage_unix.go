//go:build unix

package netbench

import (
	"syscall"
	"time"
)

// cpuTime returns the user and system CPU time this process has used,
// or 0 if the host does not say.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
