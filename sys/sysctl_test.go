package sys_test

import (
	"testing"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
	"github.com/gorump/gorump/sys"
)

// TestSysctl reads and writes nodes by number, as sysctl(3) does.
func TestSysctl(t *testing.T) {
	k, _, p := boot(t)
	m := p.Mem
	mib := func(ns ...int32) uint64 {
		a := m.Alloc(4 * len(ns))
		for j, n := range ns {
			le.PutUint32(m.Bytes(a+uint64(4*j), 4), uint32(n))
		}
		return a
	}
	old, oldlen := m.Alloc(256), m.Alloc(8)
	// kern.ostype, a string: the size first, then the value.
	ostype := mib(kern.CTL_KERN, kern.KERN_OSTYPE)
	ok(t, p, sys.SYS___sysctl, ostype, 2, 0, oldlen, 0, 0)
	if n := le.Uint64(m.Bytes(oldlen, 8)); n != 7 {
		t.Errorf("kern.ostype needs %d bytes, want 7", n)
	}
	ok(t, p, sys.SYS___sysctl, ostype, 2, old, oldlen, 0, 0)
	if s := string(m.Bytes(old, 7)); s != "NetBSD\x00" {
		t.Errorf("kern.ostype = %q", s)
	}
	// Too small a buffer: what fits, the full size, ENOMEM.
	le.PutUint64(m.Bytes(oldlen, 8), 3)
	fails(t, p, errno.ENOMEM, sys.SYS___sysctl, ostype, 2, old, oldlen, 0, 0)
	if n := le.Uint64(m.Bytes(oldlen, 8)); n != 7 {
		t.Errorf("short read reports %d", n)
	}
	// hw.ncpu, an int.
	le.PutUint64(m.Bytes(oldlen, 8), 4)
	ok(t, p, sys.SYS___sysctl, mib(kern.CTL_HW, kern.HW_NCPU), 2, old, oldlen, 0, 0)
	if n := le.Uint32(m.Bytes(old, 4)); n < 1 || le.Uint64(m.Bytes(oldlen, 8)) != 4 {
		t.Errorf("hw.ncpu = %d (%d bytes)", n, le.Uint64(m.Bytes(oldlen, 8)))
	}
	// kern.somaxconn, writable by root: old and new in one call.
	somax := mib(kern.CTL_KERN, socket.KERN_SOMAXCONN)
	le.PutUint64(m.Bytes(oldlen, 8), 4)
	ok(t, p, sys.SYS___sysctl, somax, 2, old, oldlen, m.Put([]byte{77, 0, 0, 0}), 4)
	if v, _ := k.Sysctl("kern.somaxconn"); v != "77" {
		t.Errorf("kern.somaxconn = %s after the write", v)
	}
	fails(t, p, errno.EINVAL, sys.SYS___sysctl, somax, 2, 0, 0, m.Put([]byte{1, 2}), 2)
	fails(t, p, errno.EINVAL, sys.SYS___sysctl, somax, 0, 0, 0, 0, 0)
	fails(t, p, errno.EINVAL, sys.SYS___sysctl, somax, 13, 0, 0, 0, 0)
	fails(t, p, errno.ENOENT, sys.SYS___sysctl, mib(kern.CTL_KERN, 9999), 2, old, oldlen, 0, 0)
}
