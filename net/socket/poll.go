package socket

import (
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// PollFd is struct pollfd: a descriptor, the events asked for and those
// that hold.
type PollFd struct {
	Fd      int
	Events  int16
	Revents int16
}

// pollAlways are reported whether asked for or not.
const pollAlways = POLLERR | POLLHUP | POLLNVAL

// Poll waits until one of fds has an event it asks for (or an error or
// hang-up), timeout passes (a negative timeout waits for ever, zero does
// not wait), or the kernel halts (EINTR). It sets each Revents and
// returns how many are non-zero. Negative descriptors are skipped; a
// descriptor that is not open gets POLLNVAL. Files that are not sockets
// are always ready for reading and writing, as NetBSD's regular files.
//
// While it sleeps, one channel watches the wait queues of all the
// sockets (Waiters.Watch): a wake of any sends on it, and poll scans
// again.
func Poll(l *kern.LWP, fds []PollFd, timeout time.Duration) (int, error) {
	if n := pollScan(l, fds, nil); n > 0 || timeout == 0 {
		return n, nil
	}
	k := l.Kernel()
	clock := k.Clock()
	var end time.Duration
	if timeout > 0 {
		end = clock.Monotonic() + timeout
	}
	w := &pollWatch{wake: make(chan struct{}, 1), slots: make([]*Socket, len(fds))}
	defer w.stop()
	for {
		// Watching before the scan: a wake between the scan and the
		// sleep leaves a signal in w.wake.
		if n := pollScan(l, fds, w); n > 0 {
			return n, nil
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

// pollWatch is the channel a sleeping poll watches its sockets' wait
// queues with, and the sockets it watches.
type pollWatch struct {
	wake    chan struct{}
	slots   []*Socket // the socket watched for each pollfd
	watched []*Socket // every socket watched, to stop
}

// add watches s, the socket of pollfd i, unless it is watched for i
// already (a descriptor may be closed and reused while poll sleeps).
func (w *pollWatch) add(i int, s *Socket) {
	if w.slots[i] != s {
		w.slots[i] = s
		s.w.Watch(w.wake)
		w.watched = append(w.watched, s)
	}
}

func (w *pollWatch) stop() {
	for _, s := range w.watched {
		s.w.Unwatch(w.wake)
	}
}

// pollScan sets every Revents and counts the ready descriptors; with w,
// it first has w watch each socket.
func pollScan(l *kern.LWP, fds []PollFd, w *pollWatch) int {
	files := l.Proc().Files()
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
		want := int(pfd.Events)
		var ev int
		if s := Of(f); s != nil {
			if w != nil {
				w.add(i, s)
			}
			ev = s.Events()
			if ev&POLLIN != 0 {
				ev |= POLLRDNORM
			}
		} else {
			ev = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM
		}
		f.Release(l) //nolint:errcheck // only a reference
		if r := ev & (want | pollAlways); r != 0 {
			pfd.Revents = int16(r)
			n++
		}
	}
	return n
}
