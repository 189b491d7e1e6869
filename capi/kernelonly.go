//go:build gorump_kernelonly

package main

/*
#include <stdint.h>
#include <rump/rumpuser.h>

extern const struct rumpuser_hyperup rumpcapi_hyperup;
*/
import "C"

import (
	"sync"
	"time"
	"unsafe"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/hypercall"
	"github.com/gorump/gorump/sys"
)

// A kernel-only librump (built with the tag gorump_kernelonly, as
// buildrump -k builds it) boots on the C hypercalls of rumpuser(3)
// version 17, which the program's hypercall library provides, instead
// of the POSIX host: no POSIX host is linked in.

// hyp is the host rump_init booted on; nil before.
var hyp *hypercall.Host

// bootHost initialises the hypervisor with the upcalls of kernelonly.c.
// A hypervisor that refuses says why on its debug output.
func bootHost() (rumpuser.Host, error) {
	h, err := hypercall.Init(unsafe.Pointer(&C.rumpcapi_hyperup))
	if err != nil {
		hypercall.Dprintf("rump_init: %v\n", err)
		return nil, err
	}
	hyp = h
	return h, nil
}

// syscallSlots maps syscall numbers to their argument slots: the
// hyp_syscall upcall gets no argument length.
var syscallSlots = sync.OnceValue(func() map[int]int {
	m := map[int]int{}
	for _, c := range sys.List() {
		m[c.Num] = c.Slots
	}
	return m
})

// rumpcapi_hyp_syscall is the hyp_syscall upcall: syscall num for the
// lwp of handle lwp, with its arguments' length from the table.
//
//export rumpcapi_hyp_syscall
func rumpcapi_hyp_syscall(lwp C.uint64_t, num C.int, args unsafe.Pointer, rv *C.int64_t) C.int {
	slots, ok := syscallSlots()[int(num)]
	if !ok {
		return C.int(errno.ENOSYS)
	}
	return rumpcapi_syscall(lwp, num, args, C.size_t(slots*sys.SlotSize), rv)
}

// rebooter ends the process after reboot(2) has halted the kernel, as
// NetBSD's rump kernel does, through the hypervisor: rumpuser_exit(0),
// or rumpuser_exit(RUMPUSER_PANIC) for RB_DUMP; with RB_HALT the caller
// sleeps for ever in rumpuser_clock_sleep.
func rebooter(howto kern.RebootFlags) {
	switch {
	case howto&kern.RBDump != 0:
		hyp.Exit(hypercall.Panic)
	case howto&kern.RBHalt != 0:
		for {
			hyp.Clock().Sleep(10 * time.Second)
		}
	}
	hyp.Exit(0)
}
