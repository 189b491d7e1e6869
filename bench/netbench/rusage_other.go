//go:build !unix

package netbench

import "time"

// cpuTime returns 0: this host does not say how much CPU time a process
// has used.
func cpuTime() time.Duration { return 0 }
