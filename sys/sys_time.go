package sys

import (
	"math"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// Clocks, resource limits and the other kern calls that have no Go
// counterpart in rump.Proc.

// Clock ids (sys/time.h).
const (
	CLOCK_REALTIME  = 0
	CLOCK_MONOTONIC = 3
)

// Resource limits (sys/resource.h): gorump enforces RLIMIT_NOFILE.
const (
	RLIMIT_NOFILE = 8
	RLIM_NLIMITS  = 12
	RLIM_INFINITY = 1<<63 - 1
	SizeofRlimit  = 16
	// maxNofile bounds the descriptor limit setrlimit may set.
	maxNofile = 1 << 20
)

// clockNow reads a clock: CLOCK_REALTIME is the kernel's wall clock,
// CLOCK_MONOTONIC the host's monotonic time; others are EINVAL.
func (c *call) clockNow(id int) (kern.Timespec, error) {
	k := c.l.Kernel()
	switch id {
	case CLOCK_REALTIME:
		return k.Now(), nil
	case CLOCK_MONOTONIC:
		d := k.Clock().Monotonic()
		return kern.Timespec{Sec: int64(d / time.Second), Nsec: int64(d % time.Second)}, nil
	}
	return kern.Timespec{}, errno.EINVAL
}

func (c *call) putTimespec(addr uint64, ts kern.Timespec) error {
	var b [SizeofTimespec]byte
	c.abi.PutTimespec(b[:], ts)
	return copyOut(c.as, addr, b[:])
}

// clock_gettime: clock_id, tp.
func sysClockGettime(c *call) (int64, error) {
	ts, err := c.clockNow(c.int(0))
	if err != nil {
		return 0, err
	}
	return 0, c.putTimespec(c.ptr(1), ts)
}

// clock_getres: clock_id, tp (may be NULL). Both clocks count
// nanoseconds.
func sysClockGetres(c *call) (int64, error) {
	if _, err := c.clockNow(c.int(0)); err != nil {
		return 0, err
	}
	if c.ptr(1) == 0 {
		return 0, nil
	}
	return 0, c.putTimespec(c.ptr(1), kern.Timespec{Nsec: 1})
}

// gettimeofday: tp, tzp. A struct timezone asked for is zero (UTC).
func sysGettimeofday(c *call) (int64, error) {
	if tp := c.ptr(0); tp != 0 {
		now := c.l.Kernel().Now()
		var b [SizeofTimeval]byte
		c.abi.PutTimeval(b[:], now.Sec, int32(now.Nsec/1000))
		if err := copyOut(c.as, tp, b[:]); err != nil {
			return 0, err
		}
	}
	if tzp := c.ptr(1); tzp != 0 {
		return 0, copyOut(c.as, tzp, make([]byte, 8))
	}
	return 0, nil
}

// nanosleep: rqtp, rmtp. A kernel halting ends the sleep with EINTR and
// the time left in rmtp.
func sysNanosleep(c *call) (int64, error) {
	var b [SizeofTimespec]byte
	if err := copyIn(c.as, c.ptr(0), b[:]); err != nil {
		return 0, err
	}
	ts := c.abi.Timespec(b[:])
	if ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1e9 {
		return 0, errno.EINVAL
	}
	left, err := c.sleep(durationOf(ts))
	if err == nil {
		return 0, nil
	}
	if rm := c.ptr(1); rm != 0 {
		if err := c.putTimespec(rm, timespecOf(left)); err != nil {
			return 0, err
		}
	}
	return 0, err
}

// TIMER_ABSTIME makes clock_nanosleep's time a point on the clock
// rather than a duration (sys/time.h).
const TIMER_ABSTIME = 0x1

// clock_nanosleep: clock_id, flags, rqtp, rmtp. As NetBSD's (a NOERR
// call), the error number is the result, in retval[0], and the call
// itself never fails. A relative sleep interrupted by the kernel's halt
// gives EINTR and the time left in rmtp (0 after a full sleep); an
// absolute one (TIMER_ABSTIME) never writes rmtp. An absolute time
// already past returns 0 at once, as POSIX asks (NetBSD 7 gives
// EINVAL). Other flags are ignored; clocks other than CLOCK_REALTIME
// and CLOCK_MONOTONIC are EINVAL.
func sysClockNanosleep(c *call) (int64, error) {
	return int64(errnoOf(c.clockNanosleep())), nil
}

func (c *call) clockNanosleep() error {
	id, abs, rm := c.int(0), c.int(1)&TIMER_ABSTIME != 0, c.ptr(3)
	var b [SizeofTimespec]byte
	if err := copyIn(c.as, c.ptr(2), b[:]); err != nil {
		return err
	}
	ts := c.abi.Timespec(b[:])
	if ts.Nsec < 0 || ts.Nsec >= 1e9 {
		return errno.EINVAL
	}
	now, err := c.clockNow(id)
	if err != nil {
		return err
	}
	var d time.Duration
	switch {
	case abs:
		d = max(durationOf(ts)-durationOf(now), 0)
	case ts.Sec < 0:
		return errno.EINVAL
	default:
		d = durationOf(ts)
	}
	left, err := c.sleep(d)
	if err != nil && err != errno.EINTR || rm == 0 || abs {
		return err
	}
	if perr := c.putTimespec(rm, timespecOf(left)); perr != nil {
		return perr
	}
	return err
}

// sleep sleeps for d on the kernel's clock. It returns nil after the
// whole sleep, or EINTR and the time left when the kernel halts.
func (c *call) sleep(d time.Duration) (time.Duration, error) {
	if d <= 0 {
		return 0, nil
	}
	k := c.l.Kernel()
	clock := k.Clock()
	end := clock.Monotonic() + d
	fired := make(chan struct{})
	t := clock.AfterFunc(d, func() { close(fired) })
	select {
	case <-fired:
		return 0, nil
	case <-k.Context().Done():
		t.Stop()
	}
	return max(end-clock.Monotonic(), 0), errno.EINTR
}

// durationOf converts ts to a duration, saturating at the largest.
func durationOf(ts kern.Timespec) time.Duration {
	if ts.Sec >= math.MaxInt64/int64(time.Second)-1 {
		return math.MaxInt64
	}
	if ts.Sec <= math.MinInt64/int64(time.Second)+1 {
		return math.MinInt64
	}
	return time.Duration(ts.Sec)*time.Second + time.Duration(ts.Nsec)
}

// timespecOf converts a non-negative duration.
func timespecOf(d time.Duration) kern.Timespec {
	return kern.Timespec{Sec: int64(d / time.Second), Nsec: int64(d % time.Second)}
}

// getrlimit: which, rlp. RLIMIT_NOFILE is the descriptor table's limit;
// the other resources are unlimited.
func sysGetrlimit(c *call) (int64, error) {
	which := c.int(0)
	if which < 0 || which >= RLIM_NLIMITS {
		return 0, errno.EINVAL
	}
	lim := uint64(RLIM_INFINITY)
	if which == RLIMIT_NOFILE {
		lim = uint64(c.l.Proc().Files().Limit())
	}
	var b [SizeofRlimit]byte
	c.abi.order.PutUint64(b[0:], lim)
	c.abi.order.PutUint64(b[8:], lim)
	return 0, copyOut(c.as, c.ptr(1), b[:])
}

// setrlimit: which, rlp. Only RLIMIT_NOFILE can be set (others are
// EINVAL); its soft limit becomes the table's, at most 1<<20.
func sysSetrlimit(c *call) (int64, error) {
	var b [SizeofRlimit]byte
	if err := copyIn(c.as, c.ptr(1), b[:]); err != nil {
		return 0, err
	}
	if c.int(0) != RLIMIT_NOFILE {
		return 0, errno.EINVAL
	}
	cur, maxLim := c.abi.order.Uint64(b[0:]), c.abi.order.Uint64(b[8:])
	if cur > maxLim {
		return 0, errno.EINVAL
	}
	return 0, c.l.Proc().Files().SetLimit(int(min(cur, maxNofile)))
}

// issetugid: gorump runs no set-id programs.
func sysIssetugid(*call) (int64, error) { return 0, nil }
