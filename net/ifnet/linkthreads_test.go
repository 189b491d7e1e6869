package ifnet_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
)

func TestLinkThreads(t *testing.T) {
	k := boot(t)
	var th ifnet.LinkThreads
	stop := make(chan struct{})
	running := make(chan struct{}, 2)
	var returned atomic.Int32
	thread := func(ctx context.Context) {
		running <- struct{}{}
		select {
		case <-stop:
		case <-ctx.Done():
		}
		time.Sleep(10 * time.Millisecond) // Wait must wait for this
		returned.Add(1)
	}
	if err := th.Start(k, thread, thread); err != nil {
		t.Fatal(err)
	}
	<-running
	<-running
	if err := th.Start(k, thread); !errors.Is(err, errno.EBUSY) {
		t.Errorf("second Start: %v, want EBUSY", err)
	}
	th.Close()
	if err := th.Start(k, thread); !errors.Is(err, errno.ENXIO) {
		t.Errorf("Start after Close: %v, want ENXIO", err)
	}
	close(stop)
	th.Wait()
	if n := returned.Load(); n != 2 {
		t.Errorf("Wait returned with %d of 2 threads returned", 2-n)
	}
	th.Close() // a no-op
}

// TestLinkThreadsCloseAtStart closes the group as its threads begin:
// each thread runs to the end or not at all, and none runs after Wait.
func TestLinkThreadsCloseAtStart(t *testing.T) {
	k := boot(t)
	var begun, ended atomic.Int32
	thread := func(context.Context) {
		begun.Add(1)
		ended.Add(1)
	}
	for i := range 100 {
		var th ifnet.LinkThreads
		if err := th.Start(k, thread, thread); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(i%10) * 20 * time.Microsecond) // let some begin
		th.Close()
		th.Wait()
		if b, e := begun.Load(), ended.Load(); b != e {
			t.Fatalf("Wait returned with %d threads running", b-e)
		}
	}
	n := begun.Load()
	time.Sleep(10 * time.Millisecond)
	if begun.Load() != n {
		t.Errorf("threads began after Close and Wait")
	}
	t.Logf("%d of 200 threads ran", n)
}

func TestLinkThreadsHalted(t *testing.T) {
	k := boot(t)
	if err := k.Halt(); err != nil {
		t.Fatal(err)
	}
	var th ifnet.LinkThreads
	if err := th.Start(k, func(context.Context) { t.Error("a thread ran after halt") }); !errors.Is(err, errno.ENXIO) {
		t.Errorf("Start after halt: %v, want ENXIO", err)
	}
	th.Close()
	th.Wait()
}
