//go:build !gorump_kernelonly

package main

// void rumpcapi_reboot_exit(int);
import "C"

import (
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/rumpuser"
)

// librump's own host, the POSIX host inside it; kernelonly.go has the
// kernel-only build's counterparts of these.

// bootHost returns nil: rump.Init boots on the POSIX host, which reads
// the RUMP_* environment.
func bootHost() (rumpuser.Host, error) { return nil, nil }

// rebooter ends the process after reboot(2) has halted the kernel
// (capi.c's rumpcapi_reboot_exit).
func rebooter(howto kern.RebootFlags) { C.rumpcapi_reboot_exit(C.int(howto)) }
