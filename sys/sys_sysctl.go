package sys

import (
	"strconv"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// CTL_MAXNAME is the deepest sysctl name (sys/sysctl.h).
const CTL_MAXNAME = 12

// maxSysctlNew bounds the new value a sysctl call may pass in.
const maxSysctlNew = 4096

// __sysctl: name, namelen, oldv, oldlenp, newv, newlen. gorump's nodes
// are integers and strings. An integer node answers with a 4-byte int,
// or an 8-byte quad when *oldlenp is exactly 8, and takes a new value of
// either size; a string node answers with its NUL-terminated text. An
// old buffer too small gets what fits, *oldlenp the full size, and
// ENOMEM, as NetBSD does.
func sysSysctl(c *call) (int64, error) {
	namelen := c.uint(1)
	if namelen < 1 || namelen > CTL_MAXNAME {
		return 0, errno.EINVAL
	}
	raw := make([]byte, 4*namelen)
	if err := copyIn(c.as, c.ptr(0), raw); err != nil {
		return 0, err
	}
	mib := make([]int32, namelen)
	for i := range mib {
		mib[i] = int32(c.abi.order.Uint32(raw[4*i:]))
	}
	oldv, oldlenp, newv, newlen := c.ptr(2), c.ptr(3), c.ptr(4), c.ptr(5)
	sc := c.l.Kernel().Sysctl()
	val, kind, err := sc.GetMIB(mib)
	if err != nil {
		return 0, err
	}
	if oldlenp != 0 {
		var lb [8]byte
		if err := copyIn(c.as, oldlenp, lb[:]); err != nil {
			return 0, err
		}
		oldlen := c.abi.order.Uint64(lb[:])
		var out []byte
		switch kind {
		case kern.SysctlInt:
			n, _ := strconv.ParseInt(val, 10, 64)
			if oldlen == 8 {
				out = c.abi.order.AppendUint64(nil, uint64(n))
			} else {
				out = c.abi.order.AppendUint32(nil, uint32(n))
			}
		default:
			out = append([]byte(val), 0)
		}
		var short error
		if oldv != 0 {
			n := uint64(len(out))
			if oldlen < n {
				n, short = oldlen, errno.ENOMEM
			}
			if err := copyOut(c.as, oldv, out[:n]); err != nil {
				return 0, err
			}
		}
		c.abi.order.PutUint64(lb[:], uint64(len(out)))
		if err := copyOut(c.as, oldlenp, lb[:]); err != nil {
			return 0, err
		}
		if short != nil {
			return 0, short
		}
	}
	if newv == 0 {
		return 0, nil
	}
	if newlen > maxSysctlNew {
		return 0, errno.EINVAL
	}
	nb := make([]byte, newlen)
	if err := copyIn(c.as, newv, nb); err != nil {
		return 0, err
	}
	var nv string
	switch kind {
	case kern.SysctlInt:
		switch newlen {
		case 4:
			nv = strconv.FormatInt(int64(int32(c.abi.order.Uint32(nb))), 10)
		case 8:
			nv = strconv.FormatInt(int64(c.abi.order.Uint64(nb)), 10)
		default:
			return 0, errno.EINVAL
		}
	default:
		for i, ch := range nb {
			if ch == 0 {
				nb = nb[:i]
				break
			}
		}
		nv = string(nb)
	}
	return 0, sc.SetMIB(c.l.Cred(), mib, nv)
}
