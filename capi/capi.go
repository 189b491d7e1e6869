package main

/*
#include <stddef.h>
#include <stdint.h>
*/
import "C"

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/sys"
)

// The process's one kernel, booted by rump_init.
var (
	bootMu sync.Mutex
	kernel *rump.Kernel // nil before rump_init; guarded by bootMu

	// initLWP is the implicit context, init's lwp; nil before rump_init.
	initLWP atomic.Pointer[kern.LWP]
)

// booted returns the kernel, or nil before rump_init.
func booted() *rump.Kernel {
	bootMu.Lock()
	defer bootMu.Unlock()
	return kernel
}

// abVerbose is NetBSD's AB_VERBOSE boot flag.
const abVerbose = 0x20000

// rumpcapi_init boots the kernel on the host of bootHost: the POSIX
// host, which reads the RUMP_* environment as rump.Init does, or in a
// kernel-only build the C hypercalls (kernelonly.go); howto is
// rump_boot_sethowto's. Booting again is a no-op that returns 0, as
// NetBSD's rump_init.
//
//export rumpcapi_init
func rumpcapi_init(howto C.int) C.int {
	bootMu.Lock()
	defer bootMu.Unlock()
	if kernel != nil {
		return 0
	}
	host, err := bootHost()
	if err != nil {
		return errnoOf(err)
	}
	k, err := rump.Init(rump.Options{Host: host, Verbose: howto&abVerbose != 0})
	if err != nil {
		return C.int(errno.From(err).(errno.Errno))
	}
	kernel = k
	initLWP.Store(k.InitProc().LWP())
	k.Kern().SetRebooter(rebooter)
	return 0
}

// lwps maps the handles C holds (its struct lwp pointers, and the value
// of each thread's curlwp) to LWPs. Handle 0 is the implicit context.
var lwps = struct {
	sync.RWMutex
	next  uint64
	m     map[uint64]*kern.LWP
	count map[*kern.Proc]int // live handles of each process, to exit it with its last lwp
}{next: 1, m: map[uint64]*kern.LWP{}, count: map[*kern.Proc]int{}}

// lwpOf returns the LWP of handle h; the implicit context for 0 and for
// a handle that was released.
func lwpOf(h C.uint64_t) *kern.LWP {
	if h != 0 {
		lwps.RLock()
		l := lwps.m[uint64(h)]
		lwps.RUnlock()
		if l != nil {
			return l
		}
	}
	return initLWP.Load()
}

func newHandle(l *kern.LWP) C.uint64_t {
	lwps.Lock()
	defer lwps.Unlock()
	h := lwps.next
	lwps.next++
	lwps.m[h] = l
	lwps.count[l.Proc()]++
	return C.uint64_t(h)
}

// rumpcapi_syscall performs syscall num for the lwp of handle lwp with
// the caller's memory, as rump_syscall: data holds dlen bytes of
// register_t argument slots, rv receives retval[0] and retval[1]. It
// returns 0 or a NetBSD errno; ENXIO before rump_init.
//
//export rumpcapi_syscall
func rumpcapi_syscall(lwp C.uint64_t, num C.int, data unsafe.Pointer, dlen C.size_t, rv *C.int64_t) C.int {
	l := lwpOf(lwp)
	if l == nil {
		return C.int(errno.ENXIO)
	}
	var args []byte
	if dlen > 0 {
		if data == nil {
			return C.int(errno.EFAULT)
		}
		args = unsafe.Slice((*byte)(data), int(dlen))
	}
	r, e := sys.Syscall(l, localMemory{}, int(num), args)
	if rv != nil {
		out := unsafe.Slice(rv, 2)
		out[0], out[1] = C.int64_t(r[0]), C.int64_t(r[1])
	}
	return C.int(e)
}

// errnoOf returns err's NetBSD errno as a C int (0 for nil).
func errnoOf(err error) C.int {
	if err == nil {
		return 0
	}
	e, _ := errno.From(err).(errno.Errno)
	return C.int(e)
}

// rumpcapi_etfs_register registers host file hostpath under key; size
// -1 (RUMP_ETFS_SIZE_ENDOFF) runs to the end of the file.
//
//export rumpcapi_etfs_register
func rumpcapi_etfs_register(key, hostpath *C.char, ftype C.int, begin, size C.int64_t) C.int {
	k := booted()
	if k == nil {
		return C.int(errno.ENXIO)
	}
	if key == nil || hostpath == nil {
		return C.int(errno.EFAULT)
	}
	return errnoOf(k.EtfsRegisterWithSize(C.GoString(key), C.GoString(hostpath), rump.EtfsType(ftype), int64(begin), int64(size)))
}

// rumpcapi_etfs_remove removes an etfs key.
//
//export rumpcapi_etfs_remove
func rumpcapi_etfs_remove(key *C.char) C.int {
	k := booted()
	if k == nil {
		return C.int(errno.ENXIO)
	}
	if key == nil {
		return C.int(errno.EFAULT)
	}
	return errnoOf(k.EtfsRemove(C.GoString(key)))
}

// rumpcapi_lwproc_rfork makes a child of cur's process (init's for the
// implicit context) and gives the handle of its lwp in *out.
//
//export rumpcapi_lwproc_rfork
func rumpcapi_lwproc_rfork(cur C.uint64_t, flags C.int, out *C.uint64_t) C.int {
	k := booted()
	if k == nil {
		return C.int(errno.ENXIO)
	}
	parent := lwpOf(cur).Proc()
	p, err := k.Kern().NewProc(parent, kern.ForkFlags(flags))
	if err != nil {
		return errnoOf(err)
	}
	*out = newHandle(p.LWP())
	return 0
}

// rumpcapi_lwproc_newlwp adds an lwp to process pid and gives its handle
// in *out; ESRCH when there is no such process.
//
//export rumpcapi_lwproc_newlwp
func rumpcapi_lwproc_newlwp(pid C.int, out *C.uint64_t) C.int {
	k := booted()
	if k == nil {
		return C.int(errno.ENXIO)
	}
	p, ok := k.Kern().Proc(int(pid))
	if !ok || p.Exited() {
		return C.int(errno.ESRCH)
	}
	*out = newHandle(p.NewLWP())
	return 0
}

// rumpcapi_lwproc_releaselwp frees handle h; its process exits with its
// last lwp. EINVAL for the implicit context or an unknown handle.
//
//export rumpcapi_lwproc_releaselwp
func rumpcapi_lwproc_releaselwp(h C.uint64_t) C.int {
	lwps.Lock()
	l := lwps.m[uint64(h)]
	if l == nil {
		lwps.Unlock()
		return C.int(errno.EINVAL)
	}
	delete(lwps.m, uint64(h))
	p := l.Proc()
	lwps.count[p]--
	last := lwps.count[p] == 0
	if last {
		delete(lwps.count, p)
	}
	lwps.Unlock()
	if last && p.PID() != 1 {
		p.Exit()
	}
	return 0
}

// rumpcapi_lwproc_valid reports whether h is a live handle (or 0).
//
//export rumpcapi_lwproc_valid
func rumpcapi_lwproc_valid(h C.uint64_t) C.int {
	if h == 0 {
		return 1
	}
	lwps.RLock()
	defer lwps.RUnlock()
	if lwps.m[uint64(h)] != nil {
		return 1
	}
	return 0
}

// Network configuration, NetBSD's rump_pub_netconfig_ over the Go API.

// rumpcapi_netconfig_ifcreate creates interface name with the cloner
// of the driver that answers for its prefix ("virtN" over the host's
// TAP device "tapN"): EINVAL when no linked-in driver does, EEXIST when
// it exists.
//
//export rumpcapi_netconfig_ifcreate
func rumpcapi_netconfig_ifcreate(name *C.char) C.int {
	k := booted()
	if k == nil {
		return C.int(errno.ENXIO)
	}
	return errnoOf(k.CreateInterface(C.GoString(name)))
}

// rumpcapi_netconfig_ifdestroy destroys interface name: EINVAL for a
// name no driver clones (lo0), ENXIO when it does not exist.
//
//export rumpcapi_netconfig_ifdestroy
func rumpcapi_netconfig_ifdestroy(name *C.char) C.int {
	k := booted()
	if k == nil {
		return C.int(errno.ENXIO)
	}
	return errnoOf(k.DestroyInterface(C.GoString(name)))
}

// rumpcapi_netconfig_ifup brings an interface up (up != 0) or down.
//
//export rumpcapi_netconfig_ifup
func rumpcapi_netconfig_ifup(name *C.char, up C.int) C.int {
	k := booted()
	if k == nil {
		return C.int(errno.ENXIO)
	}
	return errnoOf(k.SetInterfaceUp(C.GoString(name), up != 0))
}

// rumpcapi_netconfig_ipv4_ifaddr adds addr/prefixlen to an interface;
// as gorump's ConfigureInterface it also brings the interface up.
//
//export rumpcapi_netconfig_ipv4_ifaddr
func rumpcapi_netconfig_ipv4_ifaddr(name, addr *C.char, prefixlen C.int) C.int {
	k := booted()
	if k == nil {
		return C.int(errno.ENXIO)
	}
	a, err := netip.ParseAddr(C.GoString(addr))
	if err != nil || !a.Is4() || prefixlen < 0 || prefixlen > 32 {
		return C.int(errno.EINVAL)
	}
	return errnoOf(k.ConfigureInterface(C.GoString(name), netip.PrefixFrom(a, int(prefixlen))))
}

// rumpcapi_netconfig_ipv4_mask returns the prefix length of a dotted
// netmask, or -1 for one that is not contiguous.
//
//export rumpcapi_netconfig_ipv4_mask
func rumpcapi_netconfig_ipv4_mask(mask *C.char) C.int {
	m, err := netip.ParseAddr(C.GoString(mask))
	if err != nil || !m.Is4() {
		return -1
	}
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&0x80000000 != 0 {
		n++
		v <<= 1
	}
	if v != 0 {
		return -1
	}
	return C.int(n)
}

// rumpcapi_netconfig_ipv4_gw adds a default route through gw.
//
//export rumpcapi_netconfig_ipv4_gw
func rumpcapi_netconfig_ipv4_gw(gw *C.char) C.int {
	k := booted()
	if k == nil {
		return C.int(errno.ENXIO)
	}
	a, err := netip.ParseAddr(C.GoString(gw))
	if err != nil || !a.Is4() {
		return C.int(errno.EINVAL)
	}
	return errnoOf(k.AddRoute(netip.PrefixFrom(netip.IPv4Unspecified(), 0), a, ""))
}
