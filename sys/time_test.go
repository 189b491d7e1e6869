package sys_test

import (
	"testing"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/sys"
)

func TestClocks(t *testing.T) {
	k, _, p := boot(t)
	m := p.Mem
	ts := m.Alloc(sys.SizeofTimespec)
	ok(t, p, sys.SYS___clock_gettime50, sys.CLOCK_REALTIME, ts)
	if sec, now := int64(le.Uint64(m.Bytes(ts, 8))), k.Kern().Now().Sec; sec < now-2 || sec > now {
		t.Errorf("CLOCK_REALTIME %d, kernel says %d", sec, now)
	}
	ok(t, p, sys.SYS___clock_gettime50, sys.CLOCK_MONOTONIC, ts)
	mono1 := le.Uint64(m.Bytes(ts, 8))*1e9 + le.Uint64(m.Bytes(ts+8, 8))
	// nanosleep 2 ms.
	req := m.Alloc(sys.SizeofTimespec)
	le.PutUint64(m.Bytes(req+8, 8), 2e6)
	ok(t, p, sys.SYS___nanosleep50, req, 0)
	ok(t, p, sys.SYS___clock_gettime50, sys.CLOCK_MONOTONIC, ts)
	if mono2 := le.Uint64(m.Bytes(ts, 8))*1e9 + le.Uint64(m.Bytes(ts+8, 8)); mono2-mono1 < 2e6 {
		t.Errorf("monotonic moved %d ns over a 2 ms sleep", mono2-mono1)
	}
	fails(t, p, errno.EINVAL, sys.SYS___clock_gettime50, 1, ts)
	ok(t, p, sys.SYS___clock_getres50, sys.CLOCK_MONOTONIC, ts)
	if le.Uint64(m.Bytes(ts, 8)) != 0 || le.Uint64(m.Bytes(ts+8, 8)) != 1 {
		t.Errorf("resolution % x", m.Bytes(ts, 16))
	}
	tv, tz := m.Alloc(sys.SizeofTimeval), m.Alloc(8)
	copy(m.Bytes(tz, 8), "garbage!")
	ok(t, p, sys.SYS___gettimeofday50, tv, tz)
	if usec := le.Uint32(m.Bytes(tv+8, 4)); usec >= 1e6 || le.Uint64(m.Bytes(tz, 8)) != 0 {
		t.Errorf("gettimeofday: usec %d, tz % x", usec, m.Bytes(tz, 8))
	}
	le.PutUint64(m.Bytes(req+8, 8), 1e9)
	fails(t, p, errno.EINVAL, sys.SYS___nanosleep50, req, 0)
	// A long sleep ends with EINTR, and the time left, when the kernel
	// halts.
	le.PutUint64(m.Bytes(req, 8), 3600)
	le.PutUint64(m.Bytes(req+8, 8), 0)
	rem := m.Alloc(sys.SizeofTimespec)
	done := make(chan errno.Errno)
	go func() {
		_, e := p.Call(sys.SYS___nanosleep50, req, rem)
		done <- e
	}()
	time.Sleep(20 * time.Millisecond)
	k.Halt()
	select {
	case e := <-done:
		if left := le.Uint64(m.Bytes(rem, 8)); e != errno.EINTR || left < 3500 || left > 3600 {
			t.Errorf("nanosleep at halt: %v, %d s left", e, left)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nanosleep outlives the kernel")
	}
}

func TestRlimit(t *testing.T) {
	_, _, p := boot(t)
	m := p.Mem
	rl := m.Alloc(sys.SizeofRlimit)
	ok(t, p, sys.SYS_getrlimit, sys.RLIMIT_NOFILE, rl)
	if cur, max := le.Uint64(m.Bytes(rl, 8)), le.Uint64(m.Bytes(rl+8, 8)); cur < 64 || cur != max {
		t.Errorf("RLIMIT_NOFILE %d/%d", cur, max)
	}
	le.PutUint64(m.Bytes(rl, 8), 4)
	ok(t, p, sys.SYS_setrlimit, sys.RLIMIT_NOFILE, rl)
	path := m.Str("/tmp")
	var e errno.Errno
	for j := 0; j < 10 && e == 0; j++ {
		_, e = p.Call(sys.SYS_open, path, kern.O_RDONLY, 0)
	}
	if e != errno.EMFILE {
		t.Errorf("opening past a limit of 4: %v", e)
	}
	le.PutUint64(m.Bytes(rl, 8), 1<<40)
	fails(t, p, errno.EINVAL, sys.SYS_setrlimit, sys.RLIMIT_NOFILE, rl)
	fails(t, p, errno.EINVAL, sys.SYS_setrlimit, 4, rl)
	ok(t, p, sys.SYS_getrlimit, 4, rl)
	if le.Uint64(m.Bytes(rl, 8)) != sys.RLIM_INFINITY {
		t.Errorf("RLIMIT_CORE % x", m.Bytes(rl, 16))
	}
	fails(t, p, errno.EINVAL, sys.SYS_getrlimit, 99, rl)
	if r := ok(t, p, sys.SYS_issetugid); r != 0 {
		t.Errorf("issetugid = %d", r)
	}
}
