package sys_test

import (
	"encoding/binary"
	"testing"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
	"github.com/gorump/gorump/sys/systest"
)

var le = binary.LittleEndian

// boot starts a kernel on an in-memory host and returns it with a
// caller for init that has 1 MiB of memory.
func boot(t testing.TB) (*rump.Kernel, *memhost.Host, *systest.Proc) {
	t.Helper()
	host := memhost.New(memhost.Options{})
	k, err := rump.Init(rump.Options{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Halt() })
	return k, host, systest.NewProc(k.InitProc().LWP(), 1<<20)
}

// ok makes a syscall that must succeed.
func ok(t testing.TB, p *systest.Proc, num int, slots ...uint64) int64 {
	t.Helper()
	r, e := p.Call(num, slots...)
	if e != 0 {
		t.Fatalf("syscall %d %v: %v (%d)", num, slots, e, int(e))
	}
	return r
}

// fails makes a syscall that must fail with want.
func fails(t testing.TB, p *systest.Proc, want errno.Errno, num int, slots ...uint64) {
	t.Helper()
	r, e := p.Call(num, slots...)
	if e != want {
		t.Errorf("syscall %d %v = %d, %v (%d); want %v (%d)", num, slots, r, e, int(e), want, int(want))
	}
}

func i(v int) uint64 { return systest.Int(v) }
