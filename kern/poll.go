package kern

import (
	"time"

	"github.com/gorump/gorump/kern/errno"
)

// Poll events (NetBSD's values, sys/poll.h).
const (
	POLLIN     = 0x0001
	POLLPRI    = 0x0002
	POLLOUT    = 0x0004
	POLLERR    = 0x0008
	POLLHUP    = 0x0010
	POLLNVAL   = 0x0020
	POLLRDNORM = 0x0040
	POLLWRNORM = POLLOUT
	POLLRDBAND = 0x0080
	POLLWRBAND = 0x0100
)

// PollFd is struct pollfd: a descriptor, the events asked for and those
// that hold.
type PollFd struct {
	Fd      int
	Events  int16
	Revents int16
}

// Poller is a FileOps whose readiness changes (a socket, a pipe, a
// FIFO): poll and select ask it. Files without it are always ready for
// reading and writing, as NetBSD's regular files are.
type Poller interface {
	// PollEvents returns the POLL* events that hold now for f.
	PollEvents(f *File) int
	// PollWaiters returns the queue woken whenever PollEvents may have
	// changed, or nil when they never change.
	PollWaiters(f *File) *Waiters
}

// alwaysReady are the events of a file that is not a Poller.
const alwaysReady = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM

// pollAlways are reported whether asked for or not.
const pollAlways = POLLERR | POLLHUP | POLLNVAL

// watchEvents has w (nil: nobody) watch the queue that signals changes
// of f's events, as those of slot i, then returns f's events. The watch
// comes first, so a change after the events are read still wakes w.
func watchEvents(f *File, w *pollWatch, i int) int {
	p, ok := f.ops.(Poller)
	if !ok {
		return alwaysReady
	}
	w.add(i, p.PollWaiters(f))
	return p.PollEvents(f)
}

// Poll waits until one of fds has an event it asks for (or an error or
// hang-up), timeout passes (a negative timeout waits for ever, zero does
// not wait), or the kernel halts (EINTR). It sets each Revents and
// returns how many are non-zero. Negative descriptors are skipped; a
// descriptor that is not open gets POLLNVAL.
func Poll(l *LWP, fds []PollFd, timeout time.Duration) (int, error) {
	return pollWait(l, timeout, len(fds), func(w *pollWatch) (int, error) {
		return pollScan(l, fds, w), nil
	})
}

// pollScan sets every Revents and counts the ready descriptors; with w,
// it has w watch each descriptor's wait queue.
func pollScan(l *LWP, fds []PollFd, w *pollWatch) int {
	files := l.proc.files
	n := 0
	for i := range fds {
		pfd := &fds[i]
		pfd.Revents = 0
		if pfd.Fd < 0 {
			continue
		}
		f, err := files.Get(pfd.Fd)
		if err != nil {
			pfd.Revents = POLLNVAL
			n++
			continue
		}
		ev := watchEvents(f, w, i)
		f.Release(l) //nolint:errcheck // only a reference
		if r := ev & (int(pfd.Events) | pollAlways); r != 0 {
			pfd.Revents = int16(r)
			n++
		}
	}
	return n
}

// pollWait runs scan until it reports something ready or fails, timeout
// passes (zero: one scan; negative: no limit) or the kernel halts
// (EINTR). scan may watch up to nslots wait queues through w (nil on
// the first scan, which does not sleep after it).
//
// While it sleeps, one channel watches every queue (Waiters.Watch): a
// wake of any sends on it, and pollWait scans again.
func pollWait(l *LWP, timeout time.Duration, nslots int, scan func(w *pollWatch) (int, error)) (int, error) {
	if n, err := scan(nil); n > 0 || err != nil || timeout == 0 {
		return n, err
	}
	k := l.Kernel()
	clock := k.Clock()
	var end time.Duration
	if timeout > 0 {
		end = clock.Monotonic() + timeout
	}
	w := &pollWatch{wake: make(chan struct{}, 1), slots: make([]*Waiters, nslots)}
	defer w.stop()
	for {
		// Watching before the scan: a wake between the scan and the
		// sleep leaves a signal in w.wake.
		if n, err := scan(w); n > 0 || err != nil {
			return n, err
		}
		var fired chan struct{}
		var t interface{ Stop() bool }
		if timeout > 0 {
			left := end - clock.Monotonic()
			if left <= 0 {
				return 0, nil
			}
			fired = make(chan struct{})
			t = clock.AfterFunc(left, func() { close(fired) })
		}
		halted := false
		select {
		case <-w.wake:
		case <-fired:
		case <-k.Context().Done():
			halted = true
		}
		if t != nil {
			t.Stop()
		}
		if halted {
			return 0, errno.EINTR
		}
	}
}

// pollWatch is the channel a sleeping poll or select watches its files'
// wait queues with, and the queues it watches.
type pollWatch struct {
	wake    chan struct{}
	slots   []*Waiters // the queue watched for each slot
	watched []*Waiters // every queue watched, to stop
}

// add watches q, the queue of slot i, unless it is watched for i
// already (a descriptor may be closed and reused while poll sleeps). A
// nil w or q does nothing.
func (w *pollWatch) add(i int, q *Waiters) {
	if w == nil || q == nil || w.slots[i] == q {
		return
	}
	w.slots[i] = q
	q.Watch(w.wake)
	w.watched = append(w.watched, q)
}

func (w *pollWatch) stop() {
	for _, q := range w.watched {
		q.Unwatch(w.wake)
	}
}
