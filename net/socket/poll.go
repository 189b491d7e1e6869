package socket

import (
	"reflect"
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
func Poll(l *kern.LWP, fds []PollFd, timeout time.Duration) (int, error) {
	k := l.Kernel()
	if n := pollScan(l, fds, nil); n > 0 || timeout == 0 {
		return n, nil
	}
	clock := k.Clock()
	var end time.Duration
	if timeout > 0 {
		end = clock.Monotonic() + timeout
	}
	cases := make([]reflect.SelectCase, 0, len(fds)+2)
	for {
		cases = cases[:0]
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(k.Context().Done())})
		if n := pollScan(l, fds, &cases); n > 0 {
			return n, nil
		}
		var t interface{ Stop() bool }
		if timeout > 0 {
			left := end - clock.Monotonic()
			if left <= 0 {
				return 0, nil
			}
			fired := make(chan struct{})
			t = clock.AfterFunc(left, func() { close(fired) })
			cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(fired)})
		}
		chosen, _, _ := reflect.Select(cases)
		if t != nil {
			t.Stop()
		}
		if chosen == 0 {
			return 0, errno.EINTR
		}
	}
}

// pollScan sets every Revents and counts the ready descriptors; with
// cases, it first adds each socket's wait channel to them.
func pollScan(l *kern.LWP, fds []PollFd, cases *[]reflect.SelectCase) int {
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
			if cases != nil {
				*cases = append(*cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(s.w.Chan())})
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
