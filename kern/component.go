package kern

import (
	"fmt"
	"sort"
	"sync"
)

// Level says when a component is initialised during boot. Levels run in
// the order they are declared, which is the order NetBSD's rump_init runs
// its component types in.
type Level int

const (
	// LevelKern is the base kernel: sysctl nodes, kernel services.
	LevelKern Level = iota
	// LevelVFSFaction is the VFS core, which mounts the root file system.
	LevelVFSFaction
	// LevelVFS is for file-system drivers and other VFS add-ons.
	LevelVFS
	// LevelNetFaction is the socket layer.
	LevelNetFaction
	// LevelNet is for protocol families.
	LevelNet
	// LevelNetRoute is for routing.
	LevelNetRoute
	// LevelNetIf is for interface drivers.
	LevelNetIf
	// LevelNetIfCfg is for interface configuration.
	LevelNetIfCfg
	// LevelDev is for device drivers.
	LevelDev
	// LevelKernVFS is for kernel services that need the VFS.
	LevelKernVFS
	// LevelPostInit runs once init (pid 1) exists.
	LevelPostInit
	// LevelSyscall is for syscall tables.
	LevelSyscall
	numLevels
)

var levelNames = [...]string{"kern", "vfs-faction", "vfs", "net-faction", "net", "net-route",
	"net-if", "net-ifcfg", "dev", "kern-vfs", "postinit", "syscall"}

func (l Level) String() string {
	if l >= 0 && l < numLevels {
		return levelNames[l]
	}
	return fmt.Sprintf("level(%d)", int(l))
}

// A Component is a part of the kernel that a program links in by
// importing its package, which calls Register from init.
type Component struct {
	// Name identifies the component, such as "vfs" or "tmpfs".
	Name string
	// Level says when Init runs.
	Level Level
	// Init sets the component up in kernel k. Components that hold
	// resources arrange their release with k.OnHalt.
	Init func(k *Kernel) error
}

var registry struct {
	mu         sync.Mutex // guards the fields below
	components []Component
	names      map[string]bool
}

// Register adds a component to every kernel booted from now on. It panics
// if the name is taken: that is a programming error caught at start-up.
func Register(c Component) {
	if c.Name == "" || c.Init == nil || c.Level < 0 || c.Level >= numLevels {
		panic("kern: invalid component " + c.Name)
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.names == nil {
		registry.names = map[string]bool{}
	}
	if registry.names[c.Name] {
		panic("kern: component registered twice: " + c.Name)
	}
	registry.names[c.Name] = true
	registry.components = append(registry.components, c)
}

// Components returns the registered components in init order: by level,
// then by name, so the order never depends on package init order.
func Components() []Component {
	registry.mu.Lock()
	cs := append([]Component(nil), registry.components...)
	registry.mu.Unlock()
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Level != cs[j].Level {
			return cs[i].Level < cs[j].Level
		}
		return cs[i].Name < cs[j].Name
	})
	return cs
}

// slotCounter hands out slot indexes; one counts kernel slots, one
// process slots.
type slotCounter struct {
	mu sync.Mutex // guards n
	n  int
}

func (c *slotCounter) next() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n - 1
}

func (c *slotCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

var kernelSlots, procSlots slotCounter

func numSlots() int     { return kernelSlots.count() }
func numProcSlots() int { return procSlots.count() }

// slotValue returns slots[index] as a T, or the zero value.
func slotValue[T any](slots []any, index int) T {
	if index < len(slots) {
		if v, ok := slots[index].(T); ok {
			return v
		}
	}
	var zero T
	return zero
}

// Slot is a typed place for a component's per-kernel state. Slots are
// made at package init; reading one is an index into a slice, cheap
// enough for every syscall.
type Slot[T any] struct{ index int }

// NewSlot allocates a per-kernel slot. Call it from package-level
// variable initialisation.
func NewSlot[T any]() Slot[T] { return Slot[T]{index: kernelSlots.next()} }

// Get returns the value stored in k, or the zero value.
func (s Slot[T]) Get(k *Kernel) T { return slotValue[T](k.slots, s.index) }

// Set stores v in k. It may be called only while k boots (from a
// component's Init), which is what makes Get safe without a lock.
func (s Slot[T]) Set(k *Kernel, v T) {
	if !k.booting {
		panic("kern: Slot.Set after boot")
	}
	k.slots[s.index] = v
}

// ProcSlot is a typed place for a component's per-process state, such as
// the VFS's current directory.
type ProcSlot[T any] struct{ index int }

// NewProcSlot allocates a per-process slot. Call it from package-level
// variable initialisation.
func NewProcSlot[T any]() ProcSlot[T] { return ProcSlot[T]{index: procSlots.next()} }

// Get returns the value stored in p, or the zero value.
func (s ProcSlot[T]) Get(p *Proc) T { return slotValue[T](p.slots, s.index) }

// Set stores v in p. It is meant for process hooks (fork), before the
// process runs; the value is usually a pointer to state with its own lock.
func (s ProcSlot[T]) Set(p *Proc, v T) { p.slots[s.index] = v }
