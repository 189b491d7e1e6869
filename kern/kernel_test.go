package kern

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// The kern test binary registers these components, in scrambled order,
// and no others. They do nothing unless the kernel is booted with the
// value "kerntest.id", which names the log they write to; with
// "kerntest.resources" they also hold what a real component holds (a
// halt hook, a thread, a callout, a process), and the component named by
// "kerntest.fail" fails its Init.
var testComponents = []struct {
	name  string
	level Level
}{
	{"test-syscall", LevelSyscall},
	{"test-b", LevelKern},
	{"test-dev", LevelDev},
	{"test-postinit", LevelPostInit},
	{"test-a", LevelKern},
	{"test-vfs", LevelVFSFaction},
	{"test-kernvfs", LevelKernVFS},
	{"test-net", LevelNet},
}

// testSlot is set by test-a, to check per-kernel slots.
var testSlot = NewSlot[string]()

func init() {
	for _, c := range testComponents {
		Register(Component{Name: c.name, Level: c.level, Init: testInit(c.name)})
	}
}

type bootLog struct {
	mu     sync.Mutex
	events []string
}

func (b *bootLog) add(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, fmt.Sprintf(format, args...))
}

func (b *bootLog) get() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.events)
}

var bootLogs sync.Map // kerntest.id -> *bootLog

// logID names a fresh log for test t, so that -count=N runs do not share
// one.
func logID(t *testing.T) string {
	return fmt.Sprintf("%s#%d", t.Name(), logSeq.Add(1))
}

var logSeq atomic.Int64

func logFor(id string) *bootLog {
	b, _ := bootLogs.LoadOrStore(id, &bootLog{})
	return b.(*bootLog)
}

func testInit(name string) func(k *Kernel) error {
	return func(k *Kernel) error {
		id, ok := k.Value("kerntest.id")
		if !ok {
			return nil
		}
		log := logFor(id)
		log.add("init %s init=%v", name, k.Init() != nil)
		if !k.Booting() {
			return errors.New("Booting is false during Init")
		}
		if name == "test-a" {
			testSlot.Set(k, id)
		}
		if fail, _ := k.Value("kerntest.fail"); fail == name {
			return errno.ENXIO
		}
		if v, _ := k.Value("kerntest.resources"); v == "1" {
			k.OnHalt(func() error {
				log.add("halt %s", name)
				return nil
			})
			k.Go(func(ctx context.Context) {
				<-ctx.Done()
				log.add("thread %s", name)
			})
			k.NewCallout(func() { log.add("callout %s", name) }).Schedule(time.Hour)
			p, err := k.NewProc(nil, ForkClearFD)
			if err != nil {
				return err
			}
			p.SetComm(name)
			m := &memFile{}
			p.Files().Alloc(NewFile(m, FREAD, true), 0, false)
			k.OnHalt(func() error {
				if m.closes.Load() != 1 {
					log.add("file of %s not closed before halt hooks", name)
				}
				return nil
			})
		}
		return nil
	}
}

func TestComponentOrder(t *testing.T) {
	var got []string
	for _, c := range Components() {
		got = append(got, c.Name)
	}
	want := []string{"test-a", "test-b", "test-vfs", "test-net", "test-dev", "test-kernvfs", "test-postinit", "test-syscall"}
	if !slices.Equal(got, want) {
		t.Fatalf("Components() = %v, want %v", got, want)
	}
	id := logID(t)
	k := bootTest(t, Config{Values: map[string]string{"kerntest.id": id}})
	want = []string{
		"init test-a init=false", "init test-b init=false", "init test-vfs init=false",
		"init test-net init=false", "init test-dev init=false", "init test-kernvfs init=false",
		// init (pid 1) is made between kern-vfs and postinit.
		"init test-postinit init=true", "init test-syscall init=true",
	}
	if got := logFor(id).get(); !slices.Equal(got, want) {
		t.Fatalf("init order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if k.Booting() {
		t.Error("still booting after Boot")
	}
	if testSlot.Get(k) != id {
		t.Errorf("slot = %q", testSlot.Get(k))
	}
	other := bootTest(t, Config{})
	if testSlot.Get(other) != "" {
		t.Error("slot value leaked into another kernel")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Slot.Set after boot did not panic")
			}
		}()
		testSlot.Set(k, "late")
	}()
	if Level(99).String() != "level(99)" || LevelKernVFS.String() != "kern-vfs" {
		t.Errorf("Level strings: %s %s", Level(99), LevelKernVFS)
	}
}

func TestRegisterRejects(t *testing.T) {
	for _, c := range []Component{
		{Name: "test-a", Level: LevelKern, Init: func(*Kernel) error { return nil }}, // taken
		{Name: "", Level: LevelKern, Init: func(*Kernel) error { return nil }},
		{Name: "test-nil-init", Level: LevelKern},
		{Name: "test-bad-level", Level: numLevels, Init: func(*Kernel) error { return nil }},
		{Name: "test-neg-level", Level: -1, Init: func(*Kernel) error { return nil }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q, %v) did not panic", c.Name, c.Level)
				}
			}()
			Register(c)
		}()
	}
	if n := len(Components()); n != len(testComponents) {
		t.Errorf("rejected components were registered: %d", n)
	}
}

func TestBootFailureUnwinds(t *testing.T) {
	for _, fail := range []string{"test-a", "test-dev", "test-kernvfs", "test-postinit", "test-syscall"} {
		t.Run(fail, func(t *testing.T) {
			base := runtime.NumGoroutine()
			id := logID(t)
			h := memhost.New(memhost.Options{})
			k, err := Boot(Config{Host: h, Values: map[string]string{
				"kerntest.id": id, "kerntest.resources": "1", "kerntest.fail": fail}})
			if k != nil || !errors.Is(err, errno.ENXIO) || !strings.Contains(err.Error(), fail) {
				t.Fatalf("Boot = %v, %v; want the ENXIO of %s", k, err, fail)
			}
			checkNoLeak(t, base)
			events := logFor(id).get()
			var inited, halted, threads []string
			for _, e := range events {
				f := strings.Fields(e)
				switch f[0] {
				case "init":
					inited = append(inited, f[1])
				case "halt":
					halted = append(halted, f[1])
				case "thread":
					threads = append(threads, f[1])
				default:
					t.Errorf("unexpected event %q", e)
				}
			}
			// Components up to the failing one ran; none after it.
			order := []string{"test-a", "test-b", "test-vfs", "test-net", "test-dev", "test-kernvfs", "test-postinit", "test-syscall"}
			n := slices.Index(order, fail) + 1
			if !slices.Equal(inited, order[:n]) {
				t.Errorf("inited %v, want %v", inited, order[:n])
			}
			// Every component that succeeded is torn down, newest first;
			// its thread ended.
			ok := slices.Clone(order[:n-1])
			slices.Reverse(ok)
			if !slices.Equal(halted, ok) {
				t.Errorf("halt hooks ran for %v, want %v", halted, ok)
			}
			slices.Sort(threads)
			slices.Sort(ok)
			if !slices.Equal(threads, ok) {
				t.Errorf("threads stopped: %v, want %v", threads, ok)
			}
		})
	}
}

func TestBootErrors(t *testing.T) {
	if _, err := Boot(Config{}); !errors.Is(err, errno.EINVAL) {
		t.Errorf("boot without a host: %v", err)
	}
	if _, err := Boot(Config{Host: versionHost{memhost.New(memhost.Options{})}}); !errors.Is(err, errno.EINVAL) {
		t.Errorf("boot on a host of another version: %v", err)
	}
	for _, v := range []string{"12x", "-1", "k"} {
		h := memhost.New(memhost.Options{Params: map[string]string{"RUMP_MEMLIMIT": v}})
		if _, err := Boot(Config{Host: h}); !errors.Is(err, errno.EINVAL) {
			t.Errorf("boot with RUMP_MEMLIMIT=%s: %v", v, err)
		}
	}
	if _, err := Boot(Config{Host: memhost.New(memhost.Options{}), MemLimit: -5}); !errors.Is(err, errno.EINVAL) {
		t.Errorf("boot with MemLimit -5: %v", err)
	}
}

type versionHost struct{ *memhost.Host }

func (versionHost) Version() int { return rumpuser.Version + 1 }

func TestBootParams(t *testing.T) {
	h := memhost.New(memhost.Options{Params: map[string]string{"RUMP_MEMLIMIT": "16m", "RUMP_VERBOSE": "1"}})
	k := bootTest(t, Config{Host: h, Values: map[string]string{"x.y": "z"}})
	if k.Memory().Limit() != 16<<20 {
		t.Errorf("memory limit %d", k.Memory().Limit())
	}
	if !k.Verbose() {
		t.Error("RUMP_VERBOSE=1 not seen")
	}
	out := h.ConsoleOutput()
	if !strings.Contains(out, "init test-a (kern)") || !strings.Contains(out, "gorump kernel up: 2 CPUs, memory limit 16777216") {
		t.Errorf("console:\n%s", out)
	}
	if v, ok := k.Value("x.y"); !ok || v != "z" {
		t.Errorf("Value = %q, %v", v, ok)
	}
	if _, ok := k.Value("nope"); ok {
		t.Error("Value of a missing key")
	}
	if k.Host() != h {
		t.Error("Host()")
	}
	quiet := memhost.New(memhost.Options{Params: map[string]string{"RUMP_VERBOSE": "0"}})
	k2 := bootTest(t, Config{Host: quiet, MemLimit: 1 << 20})
	if k2.Verbose() || quiet.ConsoleOutput() != "" {
		t.Errorf("RUMP_VERBOSE=0 printed %q", quiet.ConsoleOutput())
	}
	if k2.Memory().Limit() != 1<<20 {
		t.Errorf("Config.MemLimit gave %d", k2.Memory().Limit())
	}
	k2.Printf("hello %d\n", 7)
	if quiet.ConsoleOutput() != "hello 7\n" {
		t.Errorf("Printf wrote %q", quiet.ConsoleOutput())
	}
}

func TestMemoryAccounting(t *testing.T) {
	k := bootTest(t, Config{MemLimit: 1000})
	m := k.Memory()
	if err := m.Reserve(600); err != nil {
		t.Fatal(err)
	}
	wantErrno(t, "reserve past the limit", m.Reserve(401), errno.ENOMEM)
	if err := m.Reserve(400); err != nil {
		t.Fatal(err)
	}
	if m.Used() != 1000 {
		t.Errorf("used %d", m.Used())
	}
	m.Release(1000)
	if m.Used() != 0 {
		t.Errorf("used %d after release", m.Used())
	}
	var unlimited Memory
	if err := unlimited.Reserve(1 << 40); err != nil {
		t.Errorf("unlimited: %v", err)
	}
	// Concurrent reservations never pass the limit.
	var wg sync.WaitGroup
	var granted atomic.Int64
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if m.Reserve(7) == nil {
					granted.Add(7)
				}
			}
		})
	}
	wg.Wait()
	if m.Used() != granted.Load() || m.Used() > 1000 {
		t.Errorf("used %d, granted %d", m.Used(), granted.Load())
	}
}

func TestHalt(t *testing.T) {
	base := runtime.NumGoroutine()
	id := logID(t)
	k, err := Boot(Config{Host: memhost.New(memhost.Options{}), Values: map[string]string{"kerntest.id": id, "kerntest.resources": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	var order []int
	for i := range 3 {
		k.OnHalt(func() error {
			order = append(order, i)
			if i > 0 {
				return fmt.Errorf("hook %d: %w", i, errno.EIO)
			}
			return nil
		})
	}
	p := newTestProc(t, k)
	_, m := open(t, p.LWP(), O_RDWR)
	if n := k.NumProcs(); n != 3+len(testComponents) {
		t.Errorf("NumProcs = %d", n)
	}
	ctx := k.Context()
	err = k.Halt()
	// Hooks run newest first; the first error reported is returned.
	if !slices.Equal(order, []int{2, 1, 0}) {
		t.Errorf("hook order %v", order)
	}
	if err == nil || !strings.Contains(err.Error(), "hook 2") {
		t.Errorf("Halt = %v, want hook 2's error", err)
	}
	if !k.Halted() || ctx.Err() == nil {
		t.Error("not halted")
	}
	if !p.Exited() || m.closes.Load() != 1 || !k.Init().Exited() {
		t.Error("processes not exited by Halt")
	}
	if k.NumProcs() != 1 {
		t.Errorf("%d processes remain; want only pid 0", k.NumProcs())
	}
	if err := k.Halt(); err != nil {
		t.Errorf("second Halt = %v", err)
	}
	for _, e := range logFor(id).get() {
		if strings.HasPrefix(e, "callout") || strings.HasPrefix(e, "file") {
			t.Errorf("event %q", e)
		}
	}
	checkNoLeak(t, base)
}

func TestKernelThreads(t *testing.T) {
	base := runtime.NumGoroutine()
	k, err := Boot(Config{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	var running, finished atomic.Int32
	work := make(chan int)
	for range n {
		k.Go(func(ctx context.Context) {
			running.Add(1)
			for {
				select {
				case <-work:
				case <-ctx.Done():
					// Halt must wait for a thread that takes a while to
					// finish up.
					time.Sleep(5 * time.Millisecond)
					finished.Add(1)
					return
				}
			}
		})
	}
	for i := range 100 {
		work <- i
	}
	for running.Load() != n {
		runtime.Gosched()
	}
	if err := k.Halt(); err != nil {
		t.Fatal(err)
	}
	if finished.Load() != n {
		t.Fatalf("Halt returned with %d of %d threads finished", finished.Load(), n)
	}
	ran := make(chan struct{}, 1)
	k.Go(func(context.Context) { ran <- struct{}{} })
	checkNoLeak(t, base)
	select {
	case <-ran:
		t.Fatal("a thread started after Halt ran")
	default:
	}
}

func TestHaltConcurrentWithThreadsAndCallouts(t *testing.T) {
	base := runtime.NumGoroutine()
	for range 20 {
		k, err := Boot(Config{Host: memhost.New(memhost.Options{})})
		if err != nil {
			t.Fatal(err)
		}
		var after atomic.Bool
		var halted atomic.Bool
		for i := range 20 {
			c := k.NewCallout(nil)
			c.fn = func() {
				if halted.Load() {
					after.Store(true)
				}
				// Threads started from callouts, as a protocol timer
				// might, are waited for or never started.
				k.Go(func(ctx context.Context) { <-ctx.Done() })
				c.Schedule(time.Duration(i) * time.Microsecond)
			}
			c.Schedule(time.Duration(i) * time.Microsecond)
		}
		time.Sleep(time.Millisecond)
		k.Halt()
		halted.Store(true)
		time.Sleep(time.Millisecond)
		if after.Load() {
			t.Fatal("a callout ran after Halt returned")
		}
	}
	checkNoLeak(t, base)
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  bool
	}{
		{"0", 0, false},
		{"1", 1, false},
		{"4096", 4096, false},
		{"1k", 1 << 10, false},
		{"1K", 1 << 10, false},
		{"16m", 16 << 20, false},
		{"16M", 16 << 20, false},
		{"2g", 2 << 30, false},
		{"2G", 2 << 30, false},
		{"4294967296", 1 << 32, false},
		{"4194304g", 1 << 52, false},
		{"", 0, true},
		{"k", 0, true},
		{"-1", 0, true},
		{"-1k", 0, true},
		{"1.5m", 0, true},
		{"12x", 0, true},
		{"1kb", 0, true},
		{"1t", 0, true},
		{" 1", 0, true},
		{"0x10", 0, true},
		{"9223372036854775807", 0, true},
		{"99999999999999999999", 0, true},
		{"9999999999g", 0, true},
	} {
		got, err := ParseSize(tc.in)
		if tc.err {
			if !errors.Is(err, errno.EINVAL) {
				t.Errorf("ParseSize(%q) = %d, %v; want EINVAL", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestTimespec(t *testing.T) {
	tm := time.Unix(1700000000, 123456789)
	ts := TimespecOf(tm)
	if ts.Sec != 1700000000 || ts.Nsec != 123456789 || !ts.Time().Equal(tm) {
		t.Errorf("TimespecOf = %+v", ts)
	}
	later := TimespecOf(tm.Add(time.Nanosecond))
	if !ts.Before(later) || later.Before(ts) || ts.Before(ts) {
		t.Error("Before")
	}
	if !(Timespec{Sec: 1, Nsec: 999999999}).Before(Timespec{Sec: 2}) {
		t.Error("Before across a second")
	}
	k := bootTest(t, Config{})
	now := k.Now()
	if d := time.Since(now.Time()); d < 0 || d > time.Minute {
		t.Errorf("Now is %v away", d)
	}
}
