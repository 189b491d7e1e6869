package kern

import (
	"sync"
	"sync/atomic"

	"github.com/gorump/gorump/kern/errno"
)

// PIDMax is the largest process id, as NetBSD's PID_MAX.
const PIDMax = 30000

// ForkFlags say what a new process shares with its parent; the values are
// NetBSD's RUMP_RF* flags.
type ForkFlags int

const (
	// ForkShareFD shares the parent's descriptor table.
	ForkShareFD ForkFlags = 0
	// ForkCopyFD copies the parent's descriptor table, as fork does
	// (RUMP_RFFDG).
	ForkCopyFD ForkFlags = 0x01
	// ForkClearFD gives the child an empty table (RUMP_RFCFDG).
	ForkClearFD ForkFlags = 0x02
)

// Proc is a process: credentials, a descriptor table, a umask, and the
// per-process state of components (the VFS's current directory).
type Proc struct {
	k     *Kernel
	pid   int
	ppid  int
	cred  atomic.Pointer[Cred]
	umask atomic.Uint32
	files *FileTable
	slots []any
	lwp0  *LWP

	mu     sync.Mutex // guards exited and comm; held while fork takes the table
	exited bool
	comm   string
}

// LWP is a thread of a process: the caller of every syscall.
type LWP struct {
	proc *Proc
	lid  int64
}

// Proc returns the process l belongs to.
func (l *LWP) Proc() *Proc { return l.proc }

// ID returns the LWP id, unique within its kernel.
func (l *LWP) ID() int64 { return l.lid }

// Kernel returns the kernel l runs in.
func (l *LWP) Kernel() *Kernel { return l.proc.k }

// Cred returns the credentials l acts with.
func (l *LWP) Cred() *Cred { return l.proc.cred.Load() }

func (k *Kernel) newProcLocked(pid int, parent *Proc, cred *Cred, files *FileTable) *Proc {
	p := &Proc{k: k, pid: pid, slots: make([]any, numProcSlots()), comm: "rump"}
	if parent != nil {
		p.ppid = parent.pid
		p.umask.Store(parent.umask.Load())
	} else {
		p.umask.Store(0o022)
	}
	p.cred.Store(cred)
	if files == nil {
		files = newFileTable()
	}
	p.files = files
	p.lwp0 = p.NewLWP()
	k.procs[pid] = p
	return p
}

// NewProc creates a process as a child of parent (init when nil, or pid 0
// while the kernel boots and init does not exist yet), sharing,
// copying or clearing its descriptor table as flags say. It fails with
// EAGAIN when no process id is free, ESRCH when parent has exited and
// ESHUTDOWN once the kernel halts.
func (k *Kernel) NewProc(parent *Proc, flags ForkFlags) (*Proc, error) {
	if k.halted.Load() {
		return nil, errno.ESHUTDOWN
	}
	if parent == nil {
		parent = k.init
		if parent == nil {
			// A component making a process before init exists.
			parent = k.proc0
		}
	}
	return k.fork(parent, flags, 0)
}

func (k *Kernel) fork(parent *Proc, flags ForkFlags, pid int) (*Proc, error) {
	var files *FileTable
	// Holding parent.mu keeps Exit from releasing the table between the
	// check and the share or copy.
	parent.mu.Lock()
	if parent.exited {
		parent.mu.Unlock()
		return nil, errno.ESRCH
	}
	switch flags {
	case ForkShareFD:
		files = parent.files.share()
	case ForkCopyFD:
		files = parent.files.copy()
	case ForkClearFD:
		files = newFileTable()
	default:
		parent.mu.Unlock()
		return nil, errno.EINVAL
	}
	parent.mu.Unlock()
	k.procMu.Lock()
	if k.halted.Load() {
		k.procMu.Unlock()
		files.release(parent.lwp0)
		return nil, errno.ENXIO
	}
	// Halt waits for this fork's hooks before it exits the process.
	k.forking.Add(1)
	defer k.forking.Done()
	if pid == 0 {
		var ok bool
		if pid, ok = k.allocPIDLocked(); !ok {
			k.procMu.Unlock()
			files.release(parent.lwp0)
			return nil, errno.EAGAIN
		}
	}
	p := k.newProcLocked(pid, parent, parent.cred.Load(), files)
	k.procMu.Unlock()
	k.mu.Lock()
	hooks := k.procHooks
	k.mu.Unlock()
	for i, h := range hooks {
		if h.Fork == nil {
			continue
		}
		if err := h.Fork(parent, p, flags); err != nil {
			p.exitHooks(hooks[:i])
			p.files.release(p.lwp0)
			k.procMu.Lock()
			delete(k.procs, p.pid)
			k.procMu.Unlock()
			return nil, err
		}
	}
	return p, nil
}

func (k *Kernel) allocPIDLocked() (int, bool) {
	for range PIDMax {
		pid := k.nextPID
		k.nextPID++
		if k.nextPID > PIDMax {
			k.nextPID = 2
		}
		if _, used := k.procs[pid]; !used {
			return pid, true
		}
	}
	return 0, false
}

// Proc returns the process with the given id.
func (k *Kernel) Proc(pid int) (*Proc, bool) {
	k.procMu.Lock()
	defer k.procMu.Unlock()
	p, ok := k.procs[pid]
	return p, ok
}

// Init returns init, pid 1, the parent of processes made without one.
func (k *Kernel) Init() *Proc { return k.init }

// Proc0 returns the kernel's own process, pid 0, which kernel threads
// run in.
func (k *Kernel) Proc0() *Proc { return k.proc0 }

// NumProcs returns how many processes exist, pid 0 included.
func (k *Kernel) NumProcs() int {
	k.procMu.Lock()
	defer k.procMu.Unlock()
	return len(k.procs)
}

// PID returns the process id.
func (p *Proc) PID() int { return p.pid }

// PPID returns the parent's process id.
func (p *Proc) PPID() int { return p.ppid }

// Kernel returns the kernel p lives in.
func (p *Proc) Kernel() *Kernel { return p.k }

// LWP returns the process's first LWP.
func (p *Proc) LWP() *LWP { return p.lwp0 }

// NewLWP adds a thread to p.
func (p *Proc) NewLWP() *LWP {
	return &LWP{proc: p, lid: p.k.nextLID.Add(1)}
}

// Cred returns p's credentials.
func (p *Proc) Cred() *Cred { return p.cred.Load() }

// SetCred replaces p's credentials.
func (p *Proc) SetCred(c *Cred) { p.cred.Store(c) }

// Umask returns the file-creation mask.
func (p *Proc) Umask() uint32 { return p.umask.Load() }

// SetUmask sets the file-creation mask and returns the old one.
func (p *Proc) SetUmask(mask uint32) uint32 { return p.umask.Swap(mask & 0o777) }

// Files returns p's descriptor table.
func (p *Proc) Files() *FileTable { return p.files }

// Comm returns the command name.
func (p *Proc) Comm() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.comm
}

// SetComm sets the command name, as exec does.
func (p *Proc) SetComm(comm string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.comm = comm
}

// Exited reports whether p has exited.
func (p *Proc) Exited() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exited
}

// Exit ends p: its descriptors are released (closing files no other
// process shares), components drop their state, and its id is freed.
// Exiting twice is a no-op.
func (p *Proc) Exit() {
	p.mu.Lock()
	if p.exited {
		p.mu.Unlock()
		return
	}
	p.exited = true
	p.mu.Unlock()
	p.files.release(p.lwp0)
	p.k.mu.Lock()
	hooks := p.k.procHooks
	p.k.mu.Unlock()
	p.exitHooks(hooks)
	p.k.procMu.Lock()
	delete(p.k.procs, p.pid)
	p.k.procMu.Unlock()
}

func (p *Proc) exitHooks(hooks []ProcHooks) {
	for i := len(hooks) - 1; i >= 0; i-- {
		if hooks[i].Exit != nil {
			hooks[i].Exit(p)
		}
	}
}
