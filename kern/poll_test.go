package kern

import (
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// lateFile is a Poller whose event comes while poll reads its events the
// second time, the first with poll about to sleep: the wake-up it sends
// then must not be lost.
type lateFile struct {
	memFile
	w     Waiters
	reads atomic.Int32
}

func (f *lateFile) PollWaiters(*File) *Waiters { return &f.w }

func (f *lateFile) PollEvents(*File) int {
	switch f.reads.Add(1) {
	case 1:
		return 0
	case 2:
		f.w.Wake() // the event arrives just after this read
		return 0
	}
	return POLLIN | POLLRDNORM
}

// TestPollEventDuringScan checks that poll and select watch a file's
// queue before they read its events: an event that comes in between
// wakes them at once, where the other order waits out the timeout.
func TestPollEventDuringScan(t *testing.T) {
	for _, call := range []string{"poll", "select"} {
		t.Run(call, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				k := bootTest(t, Config{})
				l := newTestProc(t, k).LWP()
				f := &lateFile{}
				fd, err := l.Proc().Files().Alloc(NewFile(f, FREAD, false), 0, false)
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				var n int
				if call == "poll" {
					n, err = Poll(l, []PollFd{{Fd: fd, Events: POLLIN}}, time.Hour)
				} else {
					rd := make(FdSet, fd/NFDBITS+1)
					rd.Set(fd)
					n, err = Select(l, fd+1, rd, nil, nil, time.Hour)
				}
				if err != nil || n != 1 || time.Since(start) != 0 {
					t.Errorf("%s = %d, %v after %v of virtual time; want 1 at once", call, n, err, time.Since(start))
				}
			})
		})
	}
}
