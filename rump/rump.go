// Package rump is gorump's public Go API: boot a rump kernel with the
// components the program imports, run processes in it, and make syscalls
// as Go methods. Errors are NetBSD errno values (errno.Errno), wrapped in
// *fs.PathError for calls that take a path, so both
// errors.Is(err, fs.ErrNotExist) and errors.Is(err, errno.ENOENT) work.
//
// A program may boot as many kernels as it likes; each is independent.
//
//	k, err := rump.Init(rump.Options{})
//	if err != nil { ... }
//	defer k.Halt()
//	p := k.InitProc()
//	p.WriteFile("/tmp/hello", []byte("hi\n"), 0o644)
//
// Importing rump links in the VFS and tmpfs, the root file system, and
// the network stack: interfaces with lo0 (127.0.0.1/8), ARP, routing,
// IPv4, TCP, UDP and sockets. Kernel.Dial, Listen and ListenPacket give
// its sockets as net.Conn, net.Listener and net.PacketConn; Proc has the
// socket syscalls; AttachLink and ConfigureInterface plug in and set up
// more interfaces.
package rump

import (
	"fmt"
	"io/fs"
	"strconv"

	_ "github.com/gorump/gorump/fs/tmpfs" // the root file system
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/vfs"
)

// Options say how to boot a kernel. The zero value boots on the POSIX
// host with its parameters (RUMP_NCPU, RUMP_MEMLIMIT, RUMP_VERBOSE...).
type Options struct {
	// Host is the hypercall host; nil means the POSIX host, except in a
	// kernel-only build (see defaultHost), which has none.
	Host rumpuser.Host
	// NCPU is the number of virtual CPUs; 0 asks the host.
	NCPU int
	// MemLimit caps the kernel's memory in bytes; 0 asks the host.
	MemLimit int64
	// Verbose prints boot messages on the host console.
	Verbose bool
	// Hostname sets kern.hostname; empty asks the host.
	Hostname string
	// RootFS is the root file system's type; empty means "tmpfs".
	RootFS string
	// RootSize bounds the root tmpfs in bytes; 0 means only by memory.
	RootSize int64
	// RootInodes bounds the root tmpfs's file count; 0 means no bound.
	RootInodes int64
}

// Kernel is a running rump kernel.
type Kernel struct {
	k    *kern.Kernel
	vfs  *vfs.VFS
	init *Proc
}

// Init boots a kernel.
func Init(opts Options) (*Kernel, error) {
	host := opts.Host
	if host == nil {
		var err error
		if host, err = defaultHost(); err != nil {
			return nil, err
		}
	}
	values := map[string]string{}
	if opts.RootFS != "" {
		values["vfs.root.type"] = opts.RootFS
	}
	if opts.RootSize > 0 {
		values["vfs.root.size"] = strconv.FormatInt(opts.RootSize, 10)
	}
	if opts.RootInodes > 0 {
		values["vfs.root.inodes"] = strconv.FormatInt(opts.RootInodes, 10)
	}
	k, err := kern.Boot(kern.Config{Host: host, NCPU: opts.NCPU, MemLimit: opts.MemLimit,
		Verbose: opts.Verbose, Hostname: opts.Hostname, Values: values})
	if err != nil {
		return nil, err
	}
	v := vfs.Of(k)
	if v == nil {
		k.Halt()
		return nil, fmt.Errorf("rump: kernel has no VFS")
	}
	rk := &Kernel{k: k, vfs: v}
	rk.init = &Proc{k: rk, p: k.Init(), l: k.Init().LWP()}
	return rk, nil
}

// Halt shuts the kernel down: processes exit, file systems are synced and
// unmounted, and every kernel goroutine ends before it returns.
func (k *Kernel) Halt() error { return k.k.Halt() }

// Kern returns the kernel core, for components and tools that need more
// than this API offers.
func (k *Kernel) Kern() *kern.Kernel { return k.k }

// VFS returns the kernel's VFS.
func (k *Kernel) VFS() *vfs.VFS { return k.vfs }

// InitProc returns process 1, which runs as root; it is what NetBSD's rump
// kernels call the implicit context.
func (k *Kernel) InitProc() *Proc { return k.init }

// NewProc makes a new process, a child of init with an empty descriptor
// table, running as root.
func (k *Kernel) NewProc() (*Proc, error) { return k.init.Fork(ForkClearFD) }

// Sync writes every file system's dirty data.
func (k *Kernel) Sync() error { return k.vfs.Sync() }

// Sysctl returns the value of a sysctl node, such as "kern.hostname".
func (k *Kernel) Sysctl(name string) (string, error) {
	v, _, err := k.k.Sysctl().Get(name)
	return v, err
}

// SetSysctl sets a writable sysctl node (as root).
func (k *Kernel) SetSysctl(name, value string) error {
	return k.k.Sysctl().Set(kern.RootCred(), name, value)
}

// EtfsType is the kind of object a host file appears as.
type EtfsType = vfs.EtfsType

// Etfs kinds, as NetBSD's RUMP_ETFS_*.
const (
	EtfsReg = vfs.EtfsReg
	EtfsBlk = vfs.EtfsBlk
	EtfsChr = vfs.EtfsChr
)

// EtfsSizeEndOff as a size means "to the end of the host file".
const EtfsSizeEndOff = vfs.EtfsSizeEndOff

// EtfsRegister makes host file hostPath appear at key inside the kernel,
// as rump_pub_etfs_register does; size EtfsSizeEndOff covers the whole
// file.
func (k *Kernel) EtfsRegister(key, hostPath string, typ EtfsType) error {
	return k.vfs.EtfsRegister(key, hostPath, typ, 0, EtfsSizeEndOff)
}

// EtfsRegisterWithSize registers size bytes of hostPath from begin.
func (k *Kernel) EtfsRegisterWithSize(key, hostPath string, typ EtfsType, begin, size int64) error {
	return k.vfs.EtfsRegister(key, hostPath, typ, begin, size)
}

// EtfsRemove removes a registration; EBUSY while it is open.
func (k *Kernel) EtfsRemove(key string) error { return k.vfs.EtfsRemove(key) }

// Mounts describes the mounted file systems.
func (k *Kernel) Mounts() []Statvfs { return k.vfs.Mounts() }

// FS returns the kernel's file tree, as init sees it, as an io/fs file
// system.
func (k *Kernel) FS() fs.FS { return k.init.FS() }
