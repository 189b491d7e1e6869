package kern

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser/memhost"
)

func TestSysctlSystemIdentity(t *testing.T) {
	k := bootTest(t, Config{})
	s := k.Sysctl()
	for name, want := range map[string]string{
		"kern.ostype":     "NetBSD",
		"kern.osrelease":  OSRelease,
		"kern.osrevision": strconv.Itoa(OSRevision),
		"kern.version":    Version,
		"kern.hostname":   "rump-memhost",
		"hw.ncpu":         "2",
		"hw.pagesize":     "4096",
	} {
		got, _, err := s.Get(name)
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	// The release and the revision say the same version.
	var maj, min, patch int
	parts := strings.Split(OSRelease, ".")
	if len(parts) == 3 {
		maj, _ = strconv.Atoi(parts[0])
		min, _ = strconv.Atoi(parts[1])
		patch, _ = strconv.Atoi(parts[2])
	}
	if rev := maj*100000000 + min*1000000 + patch*100; rev != OSRevision {
		t.Errorf("kern.osrevision %d does not match kern.osrelease %s (%d)", OSRevision, OSRelease, rev)
	}
	if v, kind, _ := s.Get("kern.osrevision"); kind != SysctlInt || v == "" {
		t.Errorf("kern.osrevision kind %v", kind)
	}
	if _, kind, _ := s.Get("kern.ostype"); kind != SysctlString {
		t.Errorf("kern.ostype kind %v", kind)
	}
	if m, _, err := s.Get("hw.machine"); err != nil || m == "" {
		t.Errorf("hw.machine = %q, %v", m, err)
	}
}

func TestSysctlHostname(t *testing.T) {
	k := bootTest(t, Config{Hostname: "booted"})
	s := k.Sysctl()
	if v, _, _ := s.Get("kern.hostname"); v != "booted" {
		t.Fatalf("Config.Hostname gave %q", v)
	}
	if err := s.Set(RootCred(), "kern.hostname", "renamed"); err != nil {
		t.Fatalf("root set: %v", err)
	}
	user, _ := NewCred(1000, 1000)
	wantErrno(t, "user sets hostname", s.Set(user, "kern.hostname", "evil"), errno.EPERM)
	if v, _, _ := s.Get("kern.hostname"); v != "renamed" {
		t.Fatalf("hostname %q after a refused set", v)
	}
	wantErrno(t, "hostname of 256 bytes", s.Set(RootCred(), "kern.hostname", strings.Repeat("h", 256)), errno.EINVAL)
	if err := s.Set(RootCred(), "kern.hostname", strings.Repeat("h", 255)); err != nil {
		t.Errorf("hostname of 255 bytes: %v", err)
	}
	mib, _ := s.MIB("kern.hostname")
	if err := s.SetMIB(RootCred(), mib, "bymib"); err != nil {
		t.Fatal(err)
	}
	wantErrno(t, "user SetMIB", s.SetMIB(user, mib, "x"), errno.EPERM)
	if v, _, _ := s.GetMIB(mib); v != "bymib" {
		t.Errorf("GetMIB = %q", v)
	}
	// Kernels are independent.
	other := bootTest(t, Config{})
	if v, _, _ := other.Sysctl().Get("kern.hostname"); v != "rump-memhost" {
		t.Errorf("another kernel's hostname is %q", v)
	}
}

func TestSysctlReadOnly(t *testing.T) {
	k := bootTest(t, Config{})
	s := k.Sysctl()
	for _, name := range []string{"kern.ostype", "kern.osrelease", "kern.osrevision", "kern.version", "hw.ncpu", "hw.machine", "hw.pagesize"} {
		before, _, _ := s.Get(name)
		wantErrno(t, "root sets "+name, s.Set(RootCred(), name, "1"), errno.EPERM)
		if after, _, _ := s.Get(name); after != before {
			t.Errorf("%s changed to %q", name, after)
		}
	}
	wantErrno(t, "set an inner node", s.Set(RootCred(), "kern", "x"), errno.EISDIR)
	_, _, err := s.Get("kern")
	wantErrno(t, "get an inner node", err, errno.EISDIR)
	_, _, err = s.Get("kern.nosuch")
	wantErrno(t, "get a missing node", err, errno.ENOENT)
	wantErrno(t, "set a missing node", s.Set(RootCred(), "nosuch", "1"), errno.ENOENT)
	_, _, err = s.GetMIB([]int32{CTL_KERN, 9999})
	wantErrno(t, "GetMIB of a missing node", err, errno.ENOENT)
}

func TestSysctlNCPU(t *testing.T) {
	for _, tc := range []struct {
		param string
		cfg   int
		want  string
	}{
		{"", 0, "2"},
		{"1", 0, "1"},
		{"7", 0, "7"},
		{"7", 3, "3"}, // Config wins
	} {
		params := map[string]string{}
		if tc.param != "" {
			params["RUMP_NCPU"] = tc.param
		}
		k := bootTest(t, Config{Host: memhost.New(memhost.Options{Params: params}), NCPU: tc.cfg})
		if v, _, _ := k.Sysctl().Get("hw.ncpu"); v != tc.want {
			t.Errorf("RUMP_NCPU=%q NCPU=%d: hw.ncpu = %s, want %s", tc.param, tc.cfg, v, tc.want)
		}
		if strconv.Itoa(k.NCPU()) != tc.want {
			t.Errorf("NCPU() = %d", k.NCPU())
		}
	}
	for _, bad := range []string{"0", "-1", "two", "host"} {
		h := memhost.New(memhost.Options{Params: map[string]string{"RUMP_NCPU": bad}})
		if _, err := Boot(Config{Host: h}); !errors.Is(err, errno.EINVAL) {
			t.Errorf("boot with RUMP_NCPU=%q: %v, want EINVAL", bad, err)
		}
	}
	if _, err := Boot(Config{Host: memhost.New(memhost.Options{}), NCPU: -1}); !errors.Is(err, errno.EINVAL) {
		t.Errorf("boot with NCPU -1: %v", err)
	}
}

func TestSysctlMIBRoundTrip(t *testing.T) {
	k := bootTest(t, Config{})
	s := k.Sysctl()
	names, err := s.List("")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kern.ostype", "kern.osrelease", "kern.osrevision", "kern.version", "kern.hostname", "hw.machine", "hw.ncpu", "hw.pagesize"} {
		if !slices.Contains(names, want) {
			t.Errorf("List misses %s", want)
		}
	}
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			t.Errorf("List gives %s twice", name)
		}
		seen[name] = true
		mib, err := s.MIB(name)
		if err != nil {
			t.Errorf("MIB(%s): %v", name, err)
			continue
		}
		back, err := s.Name(mib)
		if err != nil || back != name {
			t.Errorf("Name(MIB(%s)) = %q, %v", name, back, err)
		}
		v1, k1, err1 := s.Get(name)
		v2, k2, err2 := s.GetMIB(mib)
		if v1 != v2 || k1 != k2 || err1 != nil || err2 != nil {
			t.Errorf("%s: Get %q %v %v, GetMIB %q %v %v", name, v1, k1, err1, v2, k2, err2)
		}
	}
	for name, want := range map[string][]int32{
		"kern.ostype":     {CTL_KERN, KERN_OSTYPE},
		"kern.osrelease":  {CTL_KERN, KERN_OSRELEASE},
		"kern.osrevision": {CTL_KERN, KERN_OSREVISION},
		"kern.hostname":   {CTL_KERN, KERN_HOSTNAME},
		"hw.ncpu":         {CTL_HW, HW_NCPU},
		"hw.machine":      {CTL_HW, HW_MACHINE},
		"kern":            {CTL_KERN},
	} {
		if got, err := s.MIB(name); err != nil || !slices.Equal(got, want) {
			t.Errorf("MIB(%s) = %v, %v; want %v", name, got, err, want)
		}
	}
	// NetBSD's numbers are fixed: kern.hostname is 1.10, hw.ncpu 6.3.
	if got, _ := s.MIB("kern.hostname"); !slices.Equal(got, []int32{1, 10}) {
		t.Errorf("kern.hostname is %v, NetBSD has 1.10", got)
	}
	if got, _ := s.MIB("hw.ncpu"); !slices.Equal(got, []int32{6, 3}) {
		t.Errorf("hw.ncpu is %v, NetBSD has 6.3", got)
	}
	if _, err := s.MIB("kern.nosuch"); !errors.Is(err, errno.ENOENT) {
		t.Errorf("MIB of a missing name: %v", err)
	}
	if _, err := s.Name([]int32{CTL_HW, 999}); !errors.Is(err, errno.ENOENT) {
		t.Errorf("Name of a missing MIB: %v", err)
	}
}

func TestSysctlList(t *testing.T) {
	k := bootTest(t, Config{})
	s := k.Sysctl()
	kernNames, err := s.List("kern")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range kernNames {
		if !strings.HasPrefix(n, "kern.") {
			t.Errorf("List(kern) gives %s", n)
		}
	}
	if !slices.Contains(kernNames, "kern.hostname") || slices.Contains(kernNames, "hw.ncpu") {
		t.Errorf("List(kern) = %v", kernNames)
	}
	if got, err := s.List("hw.ncpu"); err != nil || !slices.Equal(got, []string{"hw.ncpu"}) {
		t.Errorf("List of a leaf = %v, %v", got, err)
	}
	if _, err := s.List("nosuch"); !errors.Is(err, errno.ENOENT) {
		t.Errorf("List of a missing node: %v", err)
	}
	// Tree order is insertion order.
	all, _ := s.List("")
	if i, j := slices.Index(all, "kern.ostype"), slices.Index(all, "hw.ncpu"); i < 0 || j < i {
		t.Errorf("List order: %v", all)
	}
}

func TestSysctlAdd(t *testing.T) {
	k := bootTest(t, Config{})
	s := k.Sysctl()
	if err := s.Add("net", 4, SysctlEntry{Kind: SysctlNode}); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("net.inet", 2, SysctlEntry{Kind: SysctlNode}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ttl := int64(64)
	err := s.AddInt("net.inet.ttl", 3, func() int64 {
		mu.Lock()
		defer mu.Unlock()
		return ttl
	}, func(v int64) error {
		if v < 1 || v > 255 {
			return errno.EINVAL
		}
		mu.Lock()
		defer mu.Unlock()
		ttl = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set(RootCred(), "net.inet.ttl", "32"); err != nil {
		t.Fatal(err)
	}
	if v, kind, _ := s.Get("net.inet.ttl"); v != "32" || kind != SysctlInt {
		t.Errorf("ttl = %s (%v)", v, kind)
	}
	wantErrno(t, "non-integer", s.Set(RootCred(), "net.inet.ttl", "x"), errno.EINVAL)
	wantErrno(t, "rejected by the setter", s.Set(RootCred(), "net.inet.ttl", "300"), errno.EINVAL)
	user, _ := NewCred(1, 1)
	wantErrno(t, "user sets an int", s.Set(user, "net.inet.ttl", "10"), errno.EPERM)
	if mib, _ := s.MIB("net.inet.ttl"); !slices.Equal(mib, []int32{4, 2, 3}) {
		t.Errorf("MIB = %v", mib)
	}

	wantErrno(t, "name taken", s.Add("net.inet", 9, SysctlEntry{Kind: SysctlNode}), errno.EEXIST)
	wantErrno(t, "number taken", s.Add("net.other", 2, SysctlEntry{Kind: SysctlNode}), errno.EEXIST)
	wantErrno(t, "missing parent", s.Add("nope.leaf", 1, SysctlEntry{Kind: SysctlNode}), errno.ENOENT)
	wantErrno(t, "parent is a leaf", s.AddString("hw.ncpu.x", 1, func() string { return "" }, nil), errno.ENOTDIR)
	wantErrno(t, "read-only string", s.Set(RootCred(), "kern.version", "x"), errno.EPERM)
}

func TestSysctlConcurrent(t *testing.T) {
	k := bootTest(t, Config{})
	s := k.Sysctl()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				if i%2 == 0 {
					s.Set(RootCred(), "kern.hostname", "h"+strconv.Itoa(j))
				} else {
					s.Get("kern.hostname")
					s.List("")
				}
			}
		})
	}
	wg.Go(func() {
		for j := range 50 {
			s.AddInt("hw.test"+strconv.Itoa(j), int32(100+j), func() int64 { return 1 }, nil)
		}
	})
	wg.Wait()
	if names, _ := s.List("hw"); len(names) != 3+50 {
		t.Errorf("hw has %d leaves, want 53", len(names))
	}
}

// TestSysctlLookupAllocs checks that finding a node by name, as Add does
// for the parent of every node a component adds at boot, allocates
// nothing (the numbers on the way are only built when MIB asks for them),
// nor does an Add that is refused.
func TestSysctlLookupAllocs(t *testing.T) {
	var s Sysctl
	for _, n := range []struct {
		path string
		num  int32
	}{{"net", 4}, {"net.inet", 2}, {"net.inet.tcp", 6}, {"net.inet.tcp.mssdflt", 4}} {
		if err := s.Add(n.path, n.num, SysctlEntry{Kind: SysctlNode}); err != nil {
			t.Fatalf("add %s: %v", n.path, err)
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		// The node exists: Add looks up its parent, then fails.
		if err := s.Add("net.inet.tcp.mssdflt", 4, SysctlEntry{Kind: SysctlInt}); !errors.Is(err, errno.EEXIST) {
			t.Fatalf("add again: %v, want EEXIST", err)
		}
	})
	if allocs != 0 {
		t.Errorf("a refused Add under net.inet.tcp allocated %v times, want 0", allocs)
	}
}
