package kern

import (
	"errors"
	"slices"
	"testing"

	"github.com/gorump/gorump/kern/errno"
)

func TestForkShareFD(t *testing.T) {
	k := bootTest(t, Config{})
	parent := newTestProc(t, k)
	child, err := k.NewProc(parent, ForkShareFD)
	if err != nil {
		t.Fatal(err)
	}
	if child.Files() != parent.Files() {
		t.Fatal("ForkShareFD made a new table")
	}
	pl, cl := parent.LWP(), child.LWP()
	fd, m := open(t, cl, O_RDWR)
	if _, err := pl.Write(fd, []byte("from parent")); err != nil {
		t.Fatalf("parent does not see the child's open: %v", err)
	}
	if err := pl.Close(fd); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Fstat(fd); !errors.Is(err, errno.EBADF) {
		t.Fatalf("child still sees a descriptor the parent closed: %v", err)
	}
	if m.closes.Load() != 1 {
		t.Fatal("close through a shared table did not close the file")
	}

	// The table stays until the last sharer exits.
	fd, m = open(t, pl, O_RDWR)
	parent.Exit()
	if m.closes.Load() != 0 {
		t.Fatal("file closed while a sharer lives")
	}
	if _, err := cl.Fstat(fd); err != nil {
		t.Fatalf("sharer lost the descriptor: %v", err)
	}
	child.Exit()
	if m.closes.Load() != 1 {
		t.Fatalf("last sharer's exit closed the file %d times, want 1", m.closes.Load())
	}
}

func TestForkCopyFD(t *testing.T) {
	k := bootTest(t, Config{})
	parent := newTestProc(t, k)
	pl := parent.LWP()
	fd, m := open(t, pl, O_RDWR|O_CLOEXEC)
	pl.Write(fd, []byte("0123456789"))
	pl.Lseek(fd, 2, SEEK_SET)

	child, err := k.NewProc(parent, ForkCopyFD)
	if err != nil {
		t.Fatal(err)
	}
	cl := child.LWP()
	if child.Files() == parent.Files() {
		t.Fatal("ForkCopyFD shares the table")
	}
	// Descriptors open at fork name the same open file: one offset.
	buf := make([]byte, 3)
	if n, _ := cl.Read(fd, buf); string(buf[:n]) != "234" {
		t.Fatalf("child read %q at the inherited offset", buf[:n])
	}
	if off, _ := pl.Lseek(fd, 0, SEEK_CUR); off != 5 {
		t.Fatalf("parent's offset = %d after the child read, want 5", off)
	}
	// Close-on-exec is copied with the descriptor.
	if v, _ := cl.Fcntl(fd, F_GETFD, 0); v != FD_CLOEXEC {
		t.Error("FD_CLOEXEC not copied")
	}
	// Later opens are the opener's alone.
	cfd, _ := open(t, cl, O_RDWR)
	if cfd != 1 {
		t.Fatalf("child's open = %d", cfd)
	}
	if _, err := pl.Fstat(cfd); !errors.Is(err, errno.EBADF) {
		t.Errorf("parent sees the child's later open: %v", err)
	}
	pfd, _ := open(t, pl, O_RDONLY)
	if pfd != 1 {
		t.Fatalf("parent's open = %d", pfd)
	}
	if fl, _ := cl.Fcntl(pfd, F_GETFL, 0); fl != O_RDWR {
		t.Errorf("child's fd 1 has flags %#x: it sees the parent's open", fl)
	}
	// The child closing its copy does not close the parent's.
	cl.Close(fd)
	if m.closes.Load() != 0 {
		t.Fatal("child's close closed the shared open file")
	}
	if _, err := pl.Fstat(fd); err != nil {
		t.Fatal(err)
	}
	child.Exit()
	if m.closes.Load() != 0 {
		t.Fatal("child's exit closed the parent's file")
	}
	parent.Exit()
	if m.closes.Load() != 1 {
		t.Fatalf("file closed %d times, want 1", m.closes.Load())
	}
}

func TestForkClearFD(t *testing.T) {
	k := bootTest(t, Config{})
	parent := newTestProc(t, k)
	open(t, parent.LWP(), O_RDWR)
	open(t, parent.LWP(), O_RDWR)
	child, err := k.NewProc(parent, ForkClearFD)
	if err != nil {
		t.Fatal(err)
	}
	if n := child.Files().Count(); n != 0 {
		t.Fatalf("cleared table has %d descriptors", n)
	}
	if fd, _ := open(t, child.LWP(), O_RDWR); fd != 0 {
		t.Fatalf("first open in a cleared table = %d", fd)
	}
	if _, err := k.NewProc(parent, ForkFlags(7)); !errors.Is(err, errno.EINVAL) {
		t.Errorf("NewProc with bad flags: %v", err)
	}
}

func TestExitTwiceAndForkFromExited(t *testing.T) {
	k := bootTest(t, Config{})
	p := newTestProc(t, k)
	pid := p.PID()
	_, m := open(t, p.LWP(), O_RDWR)
	before := k.NumProcs()
	p.Exit()
	p.Exit()
	if !p.Exited() {
		t.Fatal("Exited is false")
	}
	if m.closes.Load() != 1 {
		t.Fatalf("closes = %d after exiting twice", m.closes.Load())
	}
	if k.NumProcs() != before-1 {
		t.Fatalf("NumProcs %d, want %d", k.NumProcs(), before-1)
	}
	if _, ok := k.Proc(pid); ok {
		t.Fatal("exited process still found")
	}
	for _, flags := range []ForkFlags{ForkShareFD, ForkCopyFD, ForkClearFD} {
		if _, err := k.NewProc(p, flags); !errors.Is(err, errno.ESRCH) {
			t.Errorf("fork %d from an exited process: %v, want ESRCH", flags, err)
		}
	}
}

func TestPIDs(t *testing.T) {
	k := bootTest(t, Config{})
	if k.Proc0().PID() != 0 || k.Init().PID() != 1 {
		t.Fatalf("proc0 %d, init %d", k.Proc0().PID(), k.Init().PID())
	}
	if k.Init().PPID() != 0 {
		t.Errorf("init's parent = %d", k.Init().PPID())
	}
	a := newTestProc(t, k)
	b := newTestProc(t, k)
	if a.PID() != 2 || b.PID() != 3 {
		t.Fatalf("pids %d %d, want 2 3", a.PID(), b.PID())
	}
	if a.PPID() != 1 || a.LWP().Getppid() != 1 || a.LWP().Getpid() != 2 {
		t.Errorf("a: pid %d ppid %d", a.LWP().Getpid(), a.LWP().Getppid())
	}
	c, err := k.NewProc(b, ForkClearFD)
	if err != nil {
		t.Fatal(err)
	}
	if c.PPID() != b.PID() {
		t.Errorf("child's ppid %d, want %d", c.PPID(), b.PID())
	}
	if got, ok := k.Proc(c.PID()); !ok || got != c {
		t.Error("Proc does not find the child")
	}
	// Ids are not reused at once: the next one follows.
	a.Exit()
	d := newTestProc(t, k)
	if d.PID() != 5 {
		t.Errorf("after an exit, next pid = %d, want 5", d.PID())
	}
	// LWP ids are unique within the kernel.
	seen := map[int64]bool{}
	for _, p := range []*Proc{k.Proc0(), k.Init(), b, c, d} {
		for _, l := range []*LWP{p.LWP(), p.NewLWP()} {
			if seen[l.ID()] {
				t.Errorf("LWP id %d used twice", l.ID())
			}
			seen[l.ID()] = true
			if l.Proc() != p || l.Kernel() != k {
				t.Error("LWP does not know its process")
			}
		}
	}
}

func TestPIDExhaustionAndReuse(t *testing.T) {
	if testing.Short() {
		t.Skip("makes 30000 processes")
	}
	k := bootTest(t, Config{})
	// pid 0 and 1 exist; 2..PIDMax are free.
	var procs []*Proc
	for {
		p, err := k.NewProc(nil, ForkClearFD)
		if err != nil {
			if !errors.Is(err, errno.EAGAIN) {
				t.Fatalf("fork %d: %v", len(procs), err)
			}
			break
		}
		procs = append(procs, p)
	}
	if len(procs) != PIDMax-1 {
		t.Fatalf("made %d processes before EAGAIN, want %d", len(procs), PIDMax-1)
	}
	if last := procs[len(procs)-1].PID(); last != PIDMax {
		t.Fatalf("last pid %d, want %d", last, PIDMax)
	}
	// A freed id is found again after the counter wraps.
	procs[100].Exit()
	procs[5].Exit()
	p, err := k.NewProc(nil, ForkClearFD)
	if err != nil {
		t.Fatal(err)
	}
	if p.PID() != procs[5].PID() {
		t.Errorf("reused pid %d, want %d (the lowest free after the wrap)", p.PID(), procs[5].PID())
	}
	q, err := k.NewProc(nil, ForkClearFD)
	if err != nil || q.PID() != procs[100].PID() {
		t.Errorf("second reuse = %v, %v; want pid %d", q, err, procs[100].PID())
	}
	if _, err := k.NewProc(nil, ForkClearFD); !errors.Is(err, errno.EAGAIN) {
		t.Errorf("full table again: %v", err)
	}
}

func TestNewProcAfterHalt(t *testing.T) {
	k := bootTest(t, Config{})
	k.Halt()
	if _, err := k.NewProc(nil, ForkClearFD); !errors.Is(err, errno.ESHUTDOWN) {
		t.Fatalf("NewProc after halt: %v", err)
	}
}

func TestCredentials(t *testing.T) {
	k := bootTest(t, Config{})
	root := newTestProc(t, k)
	rl := root.LWP()
	if !rl.Cred().IsRoot() || rl.Getuid() != 0 || rl.Getgid() != 0 {
		t.Fatal("processes do not start as root")
	}
	// Root may become anyone; groups first, as setgroups needs root.
	if err := rl.Setgroups([]uint32{20, 30}); err != nil {
		t.Fatal(err)
	}
	if err := rl.Setgid(100); err != nil {
		t.Fatal(err)
	}
	child, _ := k.NewProc(root, ForkClearFD)
	if err := rl.Setuid(1000); err != nil {
		t.Fatal(err)
	}
	if rl.Getuid() != 1000 || rl.Getgid() != 100 || !slices.Equal(rl.Getgroups(), []uint32{20, 30}) {
		t.Fatalf("after setuid: uid %d gid %d groups %v", rl.Getuid(), rl.Getgid(), rl.Getgroups())
	}
	// A child made before the change keeps the old identity; one made
	// after inherits the new.
	if child.Cred().UID() != 0 || child.Cred().GID() != 100 {
		t.Errorf("earlier child: uid %d gid %d", child.Cred().UID(), child.Cred().GID())
	}
	later, _ := k.NewProc(root, ForkShareFD)
	if c := later.Cred(); c.UID() != 1000 || c.GID() != 100 || !c.InGroup(30) || c.InGroup(40) {
		t.Errorf("later child: uid %d gid %d groups %v", c.UID(), c.GID(), c.Groups())
	}
	if !later.Cred().InGroup(100) {
		t.Error("InGroup misses the primary group")
	}

	// Not root any more: only no-op changes pass.
	wantErrno(t, "setuid back to 0", rl.Setuid(0), errno.EPERM)
	wantErrno(t, "setuid to another user", rl.Setuid(1001), errno.EPERM)
	if err := rl.Setuid(1000); err != nil {
		t.Errorf("setuid to self: %v", err)
	}
	wantErrno(t, "setgid to another group", rl.Setgid(20), errno.EPERM)
	if err := rl.Setgid(100); err != nil {
		t.Errorf("setgid to own group: %v", err)
	}
	wantErrno(t, "setgroups", rl.Setgroups(nil), errno.EPERM)
	if rl.Getuid() != 1000 || rl.Getgid() != 100 {
		t.Error("failed calls changed the identity")
	}

	// Group limits and copies.
	many := make([]uint32, NGroups+1)
	wantErrno(t, "setgroups past NGroups", child.LWP().Setgroups(many), errno.EINVAL)
	if err := child.LWP().Setgroups(many[:NGroups]); err != nil {
		t.Errorf("setgroups of NGroups: %v", err)
	}
	g := later.Cred().Groups()
	g[0] = 99
	if later.Cred().Groups()[0] != 20 {
		t.Error("Groups returns the credential's own slice")
	}
	if _, err := NewCred(1, 1, many...); !errors.Is(err, errno.EINVAL) {
		t.Errorf("NewCred with too many groups: %v", err)
	}
	src := []uint32{7}
	c, err := NewCred(5, 6, src...)
	if err != nil {
		t.Fatal(err)
	}
	src[0] = 8
	if !c.InGroup(7) || c.InGroup(8) {
		t.Error("NewCred keeps the caller's slice")
	}
	root.SetCred(c)
	if rl.Getuid() != 5 || rl.Getgid() != 6 {
		t.Error("SetCred did not take")
	}
	if !RootCred().IsRoot() {
		t.Error("RootCred is not root")
	}
}

func TestUmask(t *testing.T) {
	k := bootTest(t, Config{})
	p := newTestProc(t, k)
	l := p.LWP()
	if p.Umask() != 0o022 {
		t.Fatalf("default umask %#o", p.Umask())
	}
	if old := l.Umask(0o077); old != 0o022 {
		t.Errorf("Umask returned %#o", old)
	}
	if old := l.Umask(0o7777); old != 0o077 || p.Umask() != 0o777 {
		t.Errorf("umask 07777: old %#o, now %#o; want 077, 0777", old, p.Umask())
	}
	l.Umask(0o027)
	child, _ := k.NewProc(p, ForkShareFD)
	if child.Umask() != 0o027 {
		t.Errorf("child's umask %#o, want 027", child.Umask())
	}
	child.LWP().Umask(0)
	if p.Umask() != 0o027 {
		t.Error("child's umask change reached the parent")
	}
}

func TestComm(t *testing.T) {
	k := bootTest(t, Config{})
	p := newTestProc(t, k)
	if p.Comm() != "rump" {
		t.Errorf("default comm %q", p.Comm())
	}
	p.SetComm("ls")
	if p.Comm() != "ls" {
		t.Errorf("comm %q", p.Comm())
	}
}

func TestProcHooks(t *testing.T) {
	k := bootTest(t, Config{})
	parent := newTestProc(t, k)
	var events []string
	k.AddProcHooks(ProcHooks{
		Fork: func(parent, child *Proc, flags ForkFlags) error {
			events = append(events, "fork1")
			procSlotForTest.Set(child, "inherited")
			return nil
		},
		Exit: func(p *Proc) { events = append(events, "exit1") },
	})
	failing := true
	k.AddProcHooks(ProcHooks{
		Fork: func(parent, child *Proc, flags ForkFlags) error {
			events = append(events, "fork2")
			if failing {
				return errno.ENOMEM
			}
			return nil
		},
		Exit: func(p *Proc) { events = append(events, "exit2") },
	})
	_, m := open(t, parent.LWP(), O_RDWR)
	n := k.NumProcs()
	_, err := k.NewProc(parent, ForkCopyFD)
	wantErrno(t, "fork with a failing hook", err, errno.ENOMEM)
	// The hooks that ran are undone, in reverse; the one that failed is
	// not told of an exit.
	if want := []string{"fork1", "fork2", "exit1"}; !slices.Equal(events, want) {
		t.Errorf("events %v, want %v", events, want)
	}
	if k.NumProcs() != n {
		t.Errorf("failed fork left a process: %d, want %d", k.NumProcs(), n)
	}
	if _, ok := k.Proc(n + 1); ok {
		t.Error("failed child is findable")
	}
	// Its copy of the table was released: the parent's file is intact.
	if m.closes.Load() != 0 {
		t.Error("failed fork closed the parent's file")
	}
	if _, err := parent.LWP().Fstat(0); err != nil {
		t.Error(err)
	}

	failing = false
	events = nil
	c, err := k.NewProc(parent, ForkCopyFD)
	if err != nil {
		t.Fatal(err)
	}
	if procSlotForTest.Get(c) != "inherited" {
		t.Error("proc slot not set by the fork hook")
	}
	c.Exit()
	if want := []string{"fork1", "fork2", "exit2", "exit1"}; !slices.Equal(events, want) {
		t.Errorf("events %v, want %v", events, want)
	}
}

// procSlotForTest is allocated at package init, as NewProcSlot requires.
var procSlotForTest = NewProcSlot[string]()

// TestForkRacesExit forks from a process while it exits: either the fork
// fails with ESRCH or the child holds a live table, and every file is
// closed exactly once when the last holder goes.
func TestForkRacesExit(t *testing.T) {
	k := bootTest(t, Config{})
	for range 300 {
		parent := newTestProc(t, k)
		_, m := open(t, parent.LWP(), O_RDWR)
		var child *Proc
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			child, err = k.NewProc(parent, ForkShareFD)
		}()
		parent.Exit()
		<-done
		switch {
		case errors.Is(err, errno.ESRCH):
			if m.closes.Load() != 1 {
				t.Fatalf("file closed %d times after the only holder exited", m.closes.Load())
			}
		case err == nil:
			if _, ferr := child.LWP().Fstat(0); ferr != nil {
				t.Fatalf("child of a racing fork has a dead table: %v", ferr)
			}
			if m.closes.Load() != 0 {
				t.Fatal("file closed while the child shares it")
			}
			child.Exit()
			if m.closes.Load() != 1 {
				t.Fatalf("file closed %d times", m.closes.Load())
			}
		default:
			t.Fatal(err)
		}
	}
}
