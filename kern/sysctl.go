package kern

import (
	"strconv"
	"strings"
	"sync"

	"github.com/gorump/gorump/kern/errno"
)

// Top-level sysctl numbers and the ones below them that gorump answers,
// as NetBSD numbers them.
const (
	CTL_KERN        = 1
	CTL_HW          = 6
	KERN_OSTYPE     = 1
	KERN_OSRELEASE  = 2
	KERN_OSREVISION = 3
	KERN_VERSION    = 4
	KERN_HOSTNAME   = 10
	HW_MACHINE      = 1
	HW_NCPU         = 3
	HW_PAGESIZE     = 7
)

// The system the kernel presents itself as: the NetBSD release whose
// syscall ABI and wire formats gorump speaks.
const (
	OSType     = "NetBSD"
	OSRelease  = "7.99.34"
	OSRevision = 799003400
	Version    = "gorump 0.1 (NetBSD 7.99.34 ABI)"
)

// SysctlKind is the type of a sysctl node's value.
type SysctlKind int

const (
	SysctlNode SysctlKind = iota // an inner node
	SysctlInt
	SysctlString
)

// SysctlEntry is one node of the tree. Leaves have Get and, when
// writable, Set; Set runs only for root callers.
type SysctlEntry struct {
	Name     string
	Num      int32
	Kind     SysctlKind
	GetInt   func() int64
	SetInt   func(int64) error
	GetStr   func() string
	SetStr   func(string) error
	children []*SysctlEntry
}

// Sysctl is a kernel's sysctl tree. Components add their own leaves.
type Sysctl struct {
	mu   sync.RWMutex // guards the tree's shape
	root SysctlEntry
}

func (k *Kernel) initSysctl(hostname string) {
	if hostname == "" {
		hostname, _ = k.host.Param("_RUMPUSER_HOSTNAME")
	}
	var hostMu sync.Mutex
	s := &k.sysctl
	s.Add("kern", CTL_KERN, SysctlEntry{Kind: SysctlNode})
	s.Add("hw", CTL_HW, SysctlEntry{Kind: SysctlNode})
	s.AddString("kern.ostype", KERN_OSTYPE, func() string { return OSType }, nil)
	s.AddString("kern.osrelease", KERN_OSRELEASE, func() string { return OSRelease }, nil)
	s.AddInt("kern.osrevision", KERN_OSREVISION, func() int64 { return OSRevision }, nil)
	s.AddString("kern.version", KERN_VERSION, func() string { return Version }, nil)
	s.AddString("kern.hostname", KERN_HOSTNAME, func() string {
		hostMu.Lock()
		defer hostMu.Unlock()
		return hostname
	}, func(v string) error {
		if len(v) > 255 {
			return errno.EINVAL
		}
		hostMu.Lock()
		defer hostMu.Unlock()
		hostname = v
		return nil
	})
	s.AddString("hw.machine", HW_MACHINE, func() string { return machine }, nil)
	s.AddInt("hw.ncpu", HW_NCPU, func() int64 { return int64(k.ncpu) }, nil)
	s.AddInt("hw.pagesize", HW_PAGESIZE, func() int64 { return 4096 }, nil)
}

// Add creates the node at path (dotted, such as "net.inet.tcp") with
// number num. The parent must exist. It fails with EEXIST when the name or
// number is taken.
func (s *Sysctl) Add(path string, num int32, e SysctlEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	parentPath, name := "", path
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		parentPath, name = path[:i], path[i+1:]
	}
	parent := &s.root
	if parentPath != "" {
		var err error
		if parent, err = s.lookupLocked(parentPath); err != nil {
			return err
		}
	}
	if parent.Kind != SysctlNode {
		return errno.ENOTDIR
	}
	for _, c := range parent.children {
		if c.Name == name || c.Num == num {
			return errno.EEXIST
		}
	}
	// The copy goes to the heap here, not e on entry: a refused Add
	// allocates nothing.
	n := new(SysctlEntry)
	*n = e
	n.Name, n.Num = name, num
	parent.children = append(parent.children, n)
	return nil
}

// AddInt adds an integer leaf; set may be nil for a read-only one.
func (s *Sysctl) AddInt(path string, num int32, get func() int64, set func(int64) error) error {
	return s.Add(path, num, SysctlEntry{Kind: SysctlInt, GetInt: get, SetInt: set})
}

// AddString adds a string leaf; set may be nil for a read-only one.
func (s *Sysctl) AddString(path string, num int32, get func() string, set func(string) error) error {
	return s.Add(path, num, SysctlEntry{Kind: SysctlString, GetStr: get, SetStr: set})
}

// lookupLocked follows a dotted name down the tree to its entry. It
// allocates nothing: Add calls it for every node added at boot.
func (s *Sysctl) lookupLocked(path string) (*SysctlEntry, error) {
	e := &s.root
	for name := range strings.SplitSeq(path, ".") {
		if e = e.child(name); e == nil {
			return nil, errno.ENOENT
		}
	}
	return e, nil
}

// child returns e's child called name, or nil.
func (e *SysctlEntry) child(name string) *SysctlEntry {
	for _, c := range e.children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// walkNameLocked follows a dotted name down the tree, returning the entry
// and the numbers on the way.
func (s *Sysctl) walkNameLocked(path string) (*SysctlEntry, []int32, error) {
	e := &s.root
	var mib []int32
	for name := range strings.SplitSeq(path, ".") {
		if e = e.child(name); e == nil {
			return nil, nil, errno.ENOENT
		}
		mib = append(mib, e.Num)
	}
	return e, mib, nil
}

// MIB translates a dotted name into its numbers.
func (s *Sysctl) MIB(path string) ([]int32, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, mib, err := s.walkNameLocked(path)
	return mib, err
}

// Name translates numbers into a dotted name.
func (s *Sysctl) Name(mib []int32) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, names, err := s.walkMIBLocked(mib)
	return strings.Join(names, "."), err
}

func (s *Sysctl) walkMIBLocked(mib []int32) (*SysctlEntry, []string, error) {
	e := &s.root
	var names []string
	for _, n := range mib {
		var next *SysctlEntry
		for _, c := range e.children {
			if c.Num == n {
				next = c
				break
			}
		}
		if next == nil {
			return nil, nil, errno.ENOENT
		}
		names = append(names, next.Name)
		e = next
	}
	return e, names, nil
}

// Get returns the value of a leaf as a string (integers in decimal), with
// its kind. Inner nodes give EISDIR.
func (s *Sysctl) Get(path string) (string, SysctlKind, error) {
	s.mu.RLock()
	e, err := s.lookupLocked(path)
	s.mu.RUnlock()
	if err != nil {
		return "", 0, err
	}
	return e.value()
}

// GetMIB is Get by numbers.
func (s *Sysctl) GetMIB(mib []int32) (string, SysctlKind, error) {
	s.mu.RLock()
	e, _, err := s.walkMIBLocked(mib)
	s.mu.RUnlock()
	if err != nil {
		return "", 0, err
	}
	return e.value()
}

func (e *SysctlEntry) value() (string, SysctlKind, error) {
	switch e.Kind {
	case SysctlInt:
		return strconv.FormatInt(e.GetInt(), 10), e.Kind, nil
	case SysctlString:
		return e.GetStr(), e.Kind, nil
	}
	return "", e.Kind, errno.EISDIR
}

// Set changes a leaf's value on behalf of cred: only root may, and only
// writable leaves (EPERM otherwise). Integers are given in decimal.
func (s *Sysctl) Set(cred *Cred, path, value string) error {
	s.mu.RLock()
	e, err := s.lookupLocked(path)
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	return e.set(cred, value)
}

// SetMIB is Set by numbers.
func (s *Sysctl) SetMIB(cred *Cred, mib []int32, value string) error {
	s.mu.RLock()
	e, _, err := s.walkMIBLocked(mib)
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	return e.set(cred, value)
}

func (e *SysctlEntry) set(cred *Cred, value string) error {
	switch e.Kind {
	case SysctlNode:
		return errno.EISDIR
	case SysctlInt:
		if e.SetInt == nil {
			return errno.EPERM
		}
		if !cred.IsRoot() {
			return errno.EPERM
		}
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return errno.EINVAL
		}
		return e.SetInt(n)
	default:
		if e.SetStr == nil || !cred.IsRoot() {
			return errno.EPERM
		}
		return e.SetStr(value)
	}
}

// List returns the dotted names of every leaf under path ("" for all), in
// tree order.
func (s *Sysctl) List(path string) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := &s.root
	if path != "" {
		var err error
		if e, err = s.lookupLocked(path); err != nil {
			return nil, err
		}
	}
	var out []string
	var walk func(e *SysctlEntry, prefix string)
	walk = func(e *SysctlEntry, prefix string) {
		if e.Kind != SysctlNode {
			out = append(out, prefix)
			return
		}
		for _, c := range e.children {
			p := c.Name
			if prefix != "" {
				p = prefix + "." + c.Name
			}
			walk(c, p)
		}
	}
	walk(e, path)
	return out, nil
}
