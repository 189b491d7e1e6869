//go:build gorump_kernelonly

package main

/*
#include <stdint.h>
#include <rump/rumpuser.h>

extern const struct rumpuser_hyperup rumpcapi_hyperup;
*/
import "C"

import (
	"encoding/binary"
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

// reboot(2)'s flags that it acts on (sys/reboot.h).
const (
	rbNoSync = 0x004 // do not sync the file systems
	rbHalt   = 0x008 // halt, do not exit
	rbDump   = 0x100 // end with a core dump
)

// reboot is reboot(2), as NetBSD's rump kernel's cpu_reboot does it: the
// kernel halts, syncing and unmounting its file systems unless
// RB_NOSYNC, and the hypervisor ends the process with rumpuser_exit(0)
// (RB_DUMP: at once, with RUMPUSER_PANIC). With RB_HALT the process
// stays: the call sleeps for ever. Only root may reboot (EPERM).
func reboot(l *kern.LWP, args []byte) ([2]int64, errno.Errno) {
	k := booted()
	if k == nil || hyp == nil {
		return [2]int64{}, errno.ENXIO
	}
	if len(args) < sys.SlotSize {
		return [2]int64{}, errno.EINVAL
	}
	if !l.Cred().IsRoot() {
		return [2]int64{}, errno.EPERM
	}
	// The int is at the start of its register_t slot on little-endian
	// machines, at the end on big-endian: the slot's low 32 bits.
	howto := int32(binary.NativeEndian.Uint64(args[:sys.SlotSize]))
	k.Kern().Printf("rump kernel halting...\n")
	if howto&rbDump != 0 {
		hyp.Exit(hypercall.Panic)
	}
	if howto&rbNoSync == 0 {
		if err := k.Halt(); err != nil {
			k.Kern().Printf("rump kernel halt: %v\n", err)
		}
	}
	if howto&rbHalt != 0 {
		k.Kern().Printf("rump kernel halted (with RB_HALT, not exiting)\n")
		for {
			hyp.Clock().Sleep(10 * time.Second)
		}
	}
	hyp.Exit(0)
	return [2]int64{}, 0
}
