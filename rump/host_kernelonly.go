//go:build gorump_kernelonly

package rump

import (
	"fmt"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

// defaultHost fails: a kernel-only build (build tag gorump_kernelonly,
// librump as buildrump -k builds it) links no POSIX host, so that the
// kernel reaches its host only through the host it is given, such as
// rumpuser/hypercall's C hypercalls.
func defaultHost() (rumpuser.Host, error) {
	return nil, fmt.Errorf("rump: no Options.Host, and a kernel-only build (tag gorump_kernelonly) has no POSIX host: %w", errno.EINVAL)
}
