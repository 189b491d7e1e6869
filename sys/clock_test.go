package sys_test

import (
	"testing"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/sys"
)

// noerr makes a NOERR syscall, whose result is an error number, and
// checks it.
func noerr(t *testing.T, p interface {
	Call(int, ...uint64) (int64, errno.Errno)
}, want errno.Errno, num int, slots ...uint64) {
	t.Helper()
	r, e := p.Call(num, slots...)
	if e != 0 || errno.Errno(r) != want {
		t.Errorf("syscall %d %v = %d (%v), errno %v; want result %v", num, slots, r, errno.Errno(r), e, want)
	}
}

func TestClockNanosleep(t *testing.T) {
	k, _, p := boot(t)
	m := p.Mem
	req, rem := m.Alloc(sys.SizeofTimespec), m.Alloc(sys.SizeofTimespec)
	le.PutUint64(m.Bytes(req+8, 8), 2e6) // 2 ms
	le.PutUint64(m.Bytes(rem, 8), 99)
	start := time.Now()
	noerr(t, p, 0, sys.SYS_clock_nanosleep, sys.CLOCK_MONOTONIC, 0, req, rem)
	if d := time.Since(start); d < 2*time.Millisecond {
		t.Errorf("slept %v of 2 ms", d)
	}
	if le.Uint64(m.Bytes(rem, 8)) != 0 || le.Uint64(m.Bytes(rem+8, 8)) != 0 {
		t.Errorf("time left after a full sleep: % x", m.Bytes(rem, 16))
	}
	// Errors are the result, errno untouched.
	noerr(t, p, errno.EINVAL, sys.SYS_clock_nanosleep, 1, 0, req, 0)
	noerr(t, p, errno.EFAULT, sys.SYS_clock_nanosleep, sys.CLOCK_REALTIME, 0, 8, 0)
	le.PutUint64(m.Bytes(req+8, 8), 1e9)
	noerr(t, p, errno.EINVAL, sys.SYS_clock_nanosleep, sys.CLOCK_REALTIME, 0, req, 0)
	le.PutUint64(m.Bytes(req, 8), uint64(1<<64-1)) // -1 s
	le.PutUint64(m.Bytes(req+8, 8), 0)
	noerr(t, p, errno.EINVAL, sys.SYS_clock_nanosleep, sys.CLOCK_MONOTONIC, 0, req, 0)
	// TIMER_ABSTIME: until 5 ms from now on the monotonic clock; a time
	// gone by returns at once.
	now := m.Alloc(sys.SizeofTimespec)
	ok(t, p, sys.SYS___clock_gettime50, sys.CLOCK_MONOTONIC, now)
	sec, nsec := le.Uint64(m.Bytes(now, 8)), le.Uint64(m.Bytes(now+8, 8))+5e6
	if nsec >= 1e9 {
		sec, nsec = sec+1, nsec-1e9
	}
	le.PutUint64(m.Bytes(req, 8), sec)
	le.PutUint64(m.Bytes(req+8, 8), nsec)
	le.PutUint64(m.Bytes(rem, 8), 99)
	start = time.Now()
	noerr(t, p, 0, sys.SYS_clock_nanosleep, sys.CLOCK_MONOTONIC, sys.TIMER_ABSTIME, req, rem)
	if d := time.Since(start); d < 4*time.Millisecond {
		t.Errorf("absolute sleep of 5 ms took %v", d)
	}
	if le.Uint64(m.Bytes(rem, 8)) != 99 {
		t.Error("an absolute sleep wrote rmtp")
	}
	start = time.Now()
	noerr(t, p, 0, sys.SYS_clock_nanosleep, sys.CLOCK_MONOTONIC, sys.TIMER_ABSTIME, req, 0)
	if d := time.Since(start); d > time.Second {
		t.Errorf("a sleep until a past time took %v", d)
	}
	// A long relative sleep gives EINTR and the time left at halt.
	le.PutUint64(m.Bytes(req, 8), 3600)
	le.PutUint64(m.Bytes(req+8, 8), 0)
	done := make(chan int64)
	go func() {
		r, _ := p.Call(sys.SYS_clock_nanosleep, sys.CLOCK_REALTIME, 0, req, rem)
		done <- r
	}()
	time.Sleep(20 * time.Millisecond)
	k.Halt()
	select {
	case r := <-done:
		if left := le.Uint64(m.Bytes(rem, 8)); errno.Errno(r) != errno.EINTR || left < 3500 || left > 3600 {
			t.Errorf("clock_nanosleep at halt: %v, %d s left", errno.Errno(r), left)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("clock_nanosleep not ended by the halt")
	}
}
