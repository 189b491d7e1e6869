package kern

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

// Config says how to boot a kernel. Zero fields take the host's
// parameters, then the defaults.
type Config struct {
	// Host is the hypercall host; it is required.
	Host rumpuser.Host
	// NCPU is the number of virtual CPUs reported by hw.ncpu; 0 asks the
	// host (RUMP_NCPU on the POSIX host, default 2).
	NCPU int
	// MemLimit caps the memory the kernel accounts for, in bytes; 0 asks
	// the host (RUMP_MEMLIMIT, with optional k, m or g suffix) and
	// otherwise means no limit.
	MemLimit int64
	// Verbose prints boot messages on the console (RUMP_VERBOSE).
	Verbose bool
	// Hostname sets kern.hostname; empty asks the host.
	Hostname string
	// Values passes settings to components by name, such as the root
	// file system's size ("tmpfs.size"). Components document their keys.
	Values map[string]string
}

// Kernel is one running kernel. Its methods are safe for concurrent use.
type Kernel struct {
	host    rumpuser.Host
	clock   rumpuser.Clock
	ncpu    int
	verbose bool
	values  map[string]string
	booting bool
	slots   []any

	mem    Memory
	sysctl Sysctl

	ctx     context.Context // cancelled by Halt
	cancel  context.CancelFunc
	threads sync.WaitGroup
	halted  atomic.Bool

	mu        sync.Mutex // guards the fields below
	haltHooks []func() error
	procHooks []ProcHooks
	callouts  map[*Callout]struct{}
	rebooter  Rebooter

	forking sync.WaitGroup // forks running their hooks; Halt waits for them
	procMu  sync.Mutex     // guards procs and nextPID
	procs   map[int]*Proc
	nextPID int
	nextLID atomic.Int64
	proc0   *Proc // the kernel's own process, pid 0
	init    *Proc // pid 1
}

// ProcHooks let components follow processes: Fork runs when a process is
// made (child state copied from parent, which is nil for pid 0 and 1), Exit
// when it goes.
type ProcHooks struct {
	Fork func(parent, child *Proc, flags ForkFlags) error
	Exit func(p *Proc)
}

// Boot starts a kernel: it reads the parameters, initialises every
// registered component in order, and creates init (pid 1).
func Boot(cfg Config) (*Kernel, error) {
	if cfg.Host == nil {
		return nil, fmt.Errorf("kern: boot: no host: %w", errno.EINVAL)
	}
	if v := cfg.Host.Version(); v != rumpuser.Version {
		return nil, fmt.Errorf("kern: rumpuser mismatch, kern: %d, hypervisor %d: %w", rumpuser.Version, v, errno.EINVAL)
	}
	k := &Kernel{
		host:     cfg.Host,
		clock:    cfg.Host.Clock(),
		values:   cfg.Values,
		booting:  true,
		slots:    make([]any, numSlots()),
		callouts: map[*Callout]struct{}{},
		procs:    map[int]*Proc{},
		nextPID:  2,
	}
	k.ctx, k.cancel = context.WithCancel(context.Background())
	if err := k.readParams(cfg); err != nil {
		return nil, err
	}
	k.initSysctl(cfg.Hostname)
	k.proc0 = k.newProcLocked(0, nil, rootCred, nil)
	components := Components()
	i := 0
	runLevel := func(upTo Level) error {
		for ; i < len(components) && components[i].Level <= upTo; i++ {
			c := components[i]
			if k.verbose {
				k.Printf("init %s (%s)\n", c.Name, c.Level)
			}
			if err := c.Init(k); err != nil {
				return fmt.Errorf("kern: init %s: %w", c.Name, err)
			}
		}
		return nil
	}
	fail := func(err error) (*Kernel, error) {
		k.booting = false
		k.Halt() //nolint:errcheck // the boot error is the one to report
		return nil, err
	}
	if err := runLevel(LevelKernVFS); err != nil {
		return fail(err)
	}
	initProc, err := k.fork(k.proc0, ForkCopyFD, 1)
	if err != nil {
		return fail(fmt.Errorf("kern: create init: %w", err))
	}
	k.init = initProc
	if err := runLevel(LevelSyscall); err != nil {
		return fail(err)
	}
	k.booting = false
	if k.verbose {
		k.Printf("gorump kernel up: %d CPUs, memory limit %d\n", k.ncpu, k.mem.Limit())
	}
	return k, nil
}

func (k *Kernel) readParams(cfg Config) error {
	k.ncpu = cfg.NCPU
	if k.ncpu == 0 {
		v, err := k.host.Param(rumpuser.ParamNCPU)
		if err != nil {
			return fmt.Errorf("kern: read NCPU: %w", err)
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("kern: invalid RUMP_NCPU %q: %w", v, errno.EINVAL)
		}
		k.ncpu = n
	}
	if k.ncpu < 1 {
		return fmt.Errorf("kern: invalid NCPU %d: %w", k.ncpu, errno.EINVAL)
	}
	limit := cfg.MemLimit
	if limit == 0 {
		if v, err := k.host.Param("RUMP_MEMLIMIT"); err == nil && v != "" {
			n, err := ParseSize(v)
			if err != nil {
				return fmt.Errorf("kern: invalid RUMP_MEMLIMIT %q: %w", v, errno.EINVAL)
			}
			limit = n
		}
	}
	if limit < 0 {
		return fmt.Errorf("kern: invalid memory limit %d: %w", limit, errno.EINVAL)
	}
	k.mem.limit = limit
	k.verbose = cfg.Verbose
	if v, err := k.host.Param("RUMP_VERBOSE"); err == nil && v != "" && v != "0" {
		k.verbose = true
	}
	return nil
}

// ParseSize reads a byte count with an optional k, m or g suffix (either
// case), as RUMP_MEMLIMIT is written.
func ParseSize(s string) (int64, error) {
	mult := int64(1)
	if n := len(s); n > 0 {
		switch strings.ToLower(s[n-1:]) {
		case "k":
			mult, s = 1<<10, s[:n-1]
		case "m":
			mult, s = 1<<20, s[:n-1]
		case "g":
			mult, s = 1<<30, s[:n-1]
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, errno.EINVAL
	}
	return n * mult, nil
}

// Host returns the hypercall host the kernel runs on.
func (k *Kernel) Host() rumpuser.Host { return k.host }

// Clock returns the host clock; kernel code reads time only through it.
func (k *Kernel) Clock() rumpuser.Clock { return k.clock }

// Now returns the current wall-clock time as a Timespec.
func (k *Kernel) Now() Timespec { return TimespecOf(k.clock.Now()) }

// NCPU returns the number of virtual CPUs.
func (k *Kernel) NCPU() int { return k.ncpu }

// Verbose reports whether boot messages are wanted.
func (k *Kernel) Verbose() bool { return k.verbose }

// Value returns the component setting called name from Config.Values.
func (k *Kernel) Value(name string) (string, bool) {
	v, ok := k.values[name]
	return v, ok
}

// Memory returns the kernel's memory account.
func (k *Kernel) Memory() *Memory { return &k.mem }

// Sysctl returns the kernel's sysctl tree.
func (k *Kernel) Sysctl() *Sysctl { return &k.sysctl }

// Printf writes to the kernel console.
func (k *Kernel) Printf(format string, args ...any) {
	k.host.Console([]byte(fmt.Sprintf(format, args...)))
}

// Booting reports whether the kernel is still running component inits.
func (k *Kernel) Booting() bool { return k.booting }

// Halted reports whether Halt has been called.
func (k *Kernel) Halted() bool { return k.halted.Load() }

// Context returns a context that is cancelled when the kernel halts.
func (k *Kernel) Context() context.Context { return k.ctx }

// OnHalt registers f to run at halt. Hooks run in the reverse order of
// registration, so a component is torn down before those it depends on.
func (k *Kernel) OnHalt(f func() error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.haltHooks = append(k.haltHooks, f)
}

// AddProcHooks registers hooks that follow process creation and exit.
// Call it from a component's Init.
func (k *Kernel) AddProcHooks(h ProcHooks) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.procHooks = append(k.procHooks, h)
}

// Go runs f as a kernel thread. f must return soon after ctx is done;
// Halt waits for it.
func (k *Kernel) Go(f func(ctx context.Context)) {
	k.mu.Lock()
	if k.halted.Load() {
		k.mu.Unlock()
		return
	}
	k.threads.Add(1)
	k.mu.Unlock()
	go func() {
		defer k.threads.Done()
		f(k.ctx)
	}()
}

// Halt shuts the kernel down: every process exits (closing its files),
// halt hooks run (file systems sync and unmount), callouts are stopped and
// kernel threads are waited for. It returns the first error a hook
// reported. Halting twice is a no-op.
func (k *Kernel) Halt() error {
	if k.halted.Swap(true) {
		return nil
	}
	// A fork that saw the kernel running (under procMu) has joined
	// forking; let its hooks finish before its process is exited.
	k.procMu.Lock()
	//lint:ignore SA2001 a barrier: every fork that saw the kernel running has joined forking
	k.procMu.Unlock()
	k.forking.Wait()
	k.procMu.Lock()
	procs := make([]*Proc, 0, len(k.procs))
	for _, p := range k.procs {
		if p.pid > 1 {
			procs = append(procs, p)
		}
	}
	k.procMu.Unlock()
	for _, p := range procs {
		p.Exit()
	}
	if k.init != nil {
		k.init.Exit()
	}
	k.mu.Lock()
	hooks := k.haltHooks
	k.haltHooks = nil
	k.mu.Unlock()
	var first error
	for i := len(hooks) - 1; i >= 0; i-- {
		if err := hooks[i](); err != nil && first == nil {
			first = err
		}
	}
	k.stopCallouts()
	k.cancel()
	k.threads.Wait()
	return first
}

// Timespec is a point in time with nanoseconds, as the kernel stores it.
type Timespec struct {
	Sec  int64
	Nsec int64
}

// TimespecOf converts t.
func TimespecOf(t time.Time) Timespec {
	return Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// Time converts ts to a time.Time.
func (ts Timespec) Time() time.Time { return time.Unix(ts.Sec, ts.Nsec) }

// Before reports whether ts is earlier than o.
func (ts Timespec) Before(o Timespec) bool {
	return ts.Sec < o.Sec || ts.Sec == o.Sec && ts.Nsec < o.Nsec
}
