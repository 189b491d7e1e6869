//go:build !gorump_kernelonly

package main

import (
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/sys"
)

// librump's own host, the POSIX host inside it; kernelonly.go has the
// kernel-only build's counterparts of these.

// bootHost returns nil: rump.Init boots on the POSIX host, which reads
// the RUMP_* environment.
func bootHost() (rumpuser.Host, error) { return nil, nil }

// reboot is the table's reboot(2), which gorump does not have (ENOSYS):
// with the POSIX host inside librump there is no hypervisor to end the
// process, and halting the kernel under a running program is not
// asked for.
func reboot(l *kern.LWP, args []byte) ([2]int64, errno.Errno) {
	return sys.Syscall(l, localMemory{}, sys.SYS_reboot, args)
}
