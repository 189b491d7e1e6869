package sys

import (
	"math"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// FD_SETSIZE is the descriptors a C program's fd_set holds (NetBSD's
// sys/fd_set.h); select itself reads and writes howmany(nd, NFDBITS)
// 32-bit words of each set, whatever nd is.
const FD_SETSIZE = 256

// SizeofSigset is a sigset_t: four 32-bit words.
const SizeofSigset = 16

// select: nd, in, ou, ex, tv. A NULL tv waits for ever; tv_usec outside
// [0, 1000000) or a negative tv_sec is EINVAL.
func sysSelect(c *call) (int64, error) {
	timeout := time.Duration(-1)
	if addr := c.ptr(4); addr != 0 {
		var b [SizeofTimeval]byte
		if err := copyIn(c.as, addr, b[:]); err != nil {
			return 0, err
		}
		sec, usec := c.abi.Timeval(b[:])
		// As NetBSD's TIMEVAL_TO_TIMESPEC, the check is on nanoseconds.
		var err error
		if timeout, err = selectTimeout(sec, int64(usec)*1000); err != nil {
			return 0, c.selectCopyIn(err)
		}
	}
	return c.selectCall(timeout)
}

// pselect: nd, in, ou, ex, ts, mask. mask is read (EFAULT when it
// cannot be) and ignored: gorump delivers no signals.
func sysPselect(c *call) (int64, error) {
	timeout := time.Duration(-1)
	var tsErr error
	if addr := c.ptr(4); addr != 0 {
		var b [SizeofTimespec]byte
		if err := copyIn(c.as, addr, b[:]); err != nil {
			return 0, err
		}
		ts := c.abi.Timespec(b[:])
		timeout, tsErr = selectTimeout(ts.Sec, ts.Nsec)
	}
	if addr := c.ptr(5); addr != 0 {
		var b [SizeofSigset]byte
		if err := copyIn(c.as, addr, b[:]); err != nil {
			return 0, err
		}
	}
	if tsErr != nil {
		return 0, c.selectCopyIn(tsErr)
	}
	return c.selectCall(timeout)
}

// selectTimeout checks a timeout as NetBSD's itimespecfix and converts
// it, saturating.
func selectTimeout(sec, nsec int64) (time.Duration, error) {
	if sec < 0 || nsec < 0 || nsec >= 1e9 {
		return 0, errno.EINVAL
	}
	if sec > math.MaxInt64/int64(time.Second)-1 {
		sec = math.MaxInt64/int64(time.Second) - 1
	}
	return time.Duration(sec)*time.Second + time.Duration(nsec), nil
}

// selectCopyIn reports a bad timeout after the checks NetBSD's
// selcommon makes first: a negative nd (EINVAL) and unreadable sets
// (EFAULT) come before it.
func (c *call) selectCopyIn(timeoutErr error) error {
	if _, _, err := c.selectSets(); err != nil {
		return err
	}
	return timeoutErr
}

// selectSets checks nd and reads the three sets: howmany(nd, NFDBITS)
// words each, nil for a NULL pointer. nd above the descriptor limit is
// cut to it, as kern.Select does.
func (c *call) selectSets() (int, [3]kern.FdSet, error) {
	var sets [3]kern.FdSet
	nd := c.int(0)
	if nd < 0 {
		return 0, sets, errno.EINVAL
	}
	nd = min(nd, c.l.Proc().Files().Limit())
	words := kern.FdSetWords(nd)
	raw := make([]byte, 4*words)
	for i := range sets {
		addr := c.ptr(1 + i)
		if addr == 0 {
			continue
		}
		if err := copyIn(c.as, addr, raw); err != nil {
			return 0, sets, err
		}
		sets[i] = make(kern.FdSet, words)
		for j := range sets[i] {
			sets[i][j] = c.abi.order.Uint32(raw[4*j:])
		}
	}
	return nd, sets, nil
}

// selectCall runs kern.Select over the caller's sets and writes them
// back; on an error they are left as they were.
func (c *call) selectCall(timeout time.Duration) (int64, error) {
	nd, sets, err := c.selectSets()
	if err != nil {
		return 0, err
	}
	n, err := kern.Select(c.l, nd, sets[0], sets[1], sets[2], timeout)
	if err != nil {
		return 0, err
	}
	for i, s := range sets {
		if s == nil {
			continue
		}
		raw := make([]byte, 4*len(s))
		for j, w := range s {
			c.abi.order.PutUint32(raw[4*j:], w)
		}
		if err := copyOut(c.as, c.ptr(1+i), raw); err != nil {
			return 0, err
		}
	}
	return int64(n), nil
}
