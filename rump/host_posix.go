//go:build !gorump_kernelonly

package rump

import (
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/posix"
)

// defaultHost is the host of a kernel booted without Options.Host: the
// POSIX host, which reads its parameters from the environment.
func defaultHost() (rumpuser.Host, error) { return posix.New(), nil }
