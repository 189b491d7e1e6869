package rump_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestManyKernels boots 1,000 kernels side by side in one process, uses
// each, halts them all, and checks that nothing of them stays behind: no
// goroutine and, once dropped, no memory.
func TestManyKernels(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	baseG := runtime.NumGoroutine()
	baseHeap := heapInUse()
	start := time.Now()

	kernels := make([]*rump.Kernel, n)
	for i := range kernels {
		k, err := rump.Init(rump.Options{
			Host:     memhost.New(memhost.Options{Seed: uint64(i)}),
			Hostname: fmt.Sprintf("k%d", i),
		})
		if err != nil {
			t.Fatalf("boot %d: %v", i, err)
		}
		kernels[i] = k
	}
	bootTime := time.Since(start)
	bootedG := runtime.NumGoroutine()
	bootedHeap := heapInUse()

	// Use them all at once, from a few goroutines.
	useStart := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	const workers = 8
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if err := useKernel(kernels[i], i); err != nil {
					errs <- fmt.Errorf("kernel %d: %w", i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Each kernel sees its own files only.
	for i, k := range kernels {
		ents, err := fs.ReadDir(k.FS(), "tmp")
		if err != nil || len(ents) != 1 || ents[0].Name() != fmt.Sprintf("f%d", i) {
			t.Fatalf("kernel %d's /tmp: %v, %v", i, ents, err)
		}
		if v, _ := k.Sysctl("kern.hostname"); v != fmt.Sprintf("renamed%d", i) {
			t.Fatalf("kernel %d's hostname %q", i, v)
		}
	}
	useTime := time.Since(useStart)

	haltStart := time.Now()
	for i, k := range kernels {
		if err := k.Halt(); err != nil {
			t.Errorf("halt %d: %v", i, err)
		}
	}
	haltTime := time.Since(haltStart)
	leaktest.Check(t, baseG)
	afterG := runtime.NumGoroutine()
	kernels = nil
	afterHeap := heapInUse()

	perKernel := (int64(bootedHeap) - int64(baseHeap)) / int64(n)
	retained := int64(afterHeap) - int64(baseHeap)
	t.Logf("%d kernels: boot %v, use %v, halt %v, total %v", n, bootTime, useTime, haltTime, time.Since(start))
	t.Logf("goroutines: %d before, %d with all booted, %d after halt", baseG, bootedG, afterG)
	t.Logf("heap: %d KiB before, %d KiB booted (%d bytes per kernel), %d KiB after halt and drop (retained %d bytes)",
		baseHeap>>10, bootedHeap>>10, perKernel, afterHeap>>10, retained)
	// A booted kernel needs no goroutine of its own.
	if bootedG > baseG {
		t.Errorf("idle kernels run goroutines: %d before boot, %d after", baseG, bootedG)
	}
	// Nothing global keeps a halted kernel alive: what stays is far less
	// than one kernel's worth per kernel.
	if retained > int64(n)*perKernel/10+1<<20 {
		t.Errorf("halted, dropped kernels retain %d bytes of heap", retained)
	}
}

func useKernel(k *rump.Kernel, i int) error {
	p, err := k.NewProc()
	if err != nil {
		return err
	}
	defer p.Exit()
	name := fmt.Sprintf("/tmp/f%d", i)
	data := bytes.Repeat([]byte{byte(i)}, 100+i)
	if err := p.WriteFile(name, data, 0o644); err != nil {
		return err
	}
	got, err := p.ReadFile(name)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, data) {
		return fmt.Errorf("read back %d bytes, wrote %d", len(got), len(data))
	}
	// Another kernel's file is not here.
	other := fmt.Sprintf("/tmp/f%d", i+1)
	if _, err := p.Stat(other); !errors.Is(err, errno.ENOENT) {
		return fmt.Errorf("stat of another kernel's file: %v", err)
	}
	if v, err := p.Sysctl("kern.hostname"); err != nil || v != fmt.Sprintf("k%d", i) {
		return fmt.Errorf("hostname %q, %v", v, err)
	}
	if err := p.SetSysctl("kern.hostname", fmt.Sprintf("renamed%d", i)); err != nil {
		return err
	}
	fd, err := p.Open(name, rump.O_RDONLY, 0)
	if err != nil {
		return err
	}
	// Left open on purpose: Halt closes it.
	_ = fd
	return nil
}

// TestHaltLeavesNothingRunning boots a kernel, leaves it busy in every
// way the API allows (open files, processes that never exit, a second
// mount, etfs registrations, a directory being read), halts it, and
// checks that no goroutine survives.
func TestHaltLeavesNothingRunning(t *testing.T) {
	base := runtime.NumGoroutine()
	for round := range 20 {
		h := memhost.New(memhost.Options{})
		h.AddDevice("/host/disk", 2, 64<<10) // a block device
		k, err := rump.Init(rump.Options{Host: h})
		if err != nil {
			t.Fatal(err)
		}
		p := k.InitProc()
		if err := p.Mkdir("/mnt", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := p.Mount("tmpfs", "", "/mnt", 0, nil); err != nil {
			t.Fatal(err)
		}
		if err := k.EtfsRegister("/dev/hostdisk", "/host/disk", rump.EtfsBlk); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				c, err := k.NewProc()
				if err != nil {
					t.Error(err)
					return
				}
				name := fmt.Sprintf("/mnt/f%d", i)
				c.WriteFile(name, []byte("data"), 0o644)
				c.Open(name, rump.O_RDWR, 0)
				c.Open("/dev/hostdisk", rump.O_RDWR, 0)
				c.Open("/mnt", rump.O_RDONLY, 0)
				c.Chdir("/mnt")
			})
		}
		wg.Wait()
		if round%2 == 0 {
			// Halt while another goroutine is still making calls.
			done := make(chan struct{})
			go func() {
				defer close(done)
				for range 100 {
					if _, err := k.NewProc(); err != nil {
						return
					}
				}
			}()
			k.Halt()
			<-done
		} else if err := k.Halt(); err != nil {
			t.Fatalf("halt: %v", err)
		}
	}
	leaktest.Check(t, base)
}
