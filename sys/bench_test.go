package sys_test

import (
	"testing"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/sys"
	"github.com/gorump/gorump/sys/systest"
)

// The same calls through sys.Syscall over a local address space and
// through rump.Proc, so the cost of the ABI layer shows as the
// difference.

func BenchmarkGetpid(b *testing.B) {
	k, _, p := boot(b)
	b.Run("sys", func(b *testing.B) {
		for b.Loop() {
			if _, e := sys.Syscall(p.L, p.Mem, sys.SYS_getpid, nil); e != 0 {
				b.Fatal(e)
			}
		}
	})
	b.Run("rump", func(b *testing.B) {
		kp := k.InitProc()
		for b.Loop() {
			kp.PID()
		}
	})
}

func BenchmarkOpenClose(b *testing.B) {
	k, _, p := boot(b)
	kp := k.InitProc()
	kp.WriteFile("/tmp/bench", []byte("x"), 0o644)
	b.Run("sys", func(b *testing.B) {
		open := systest.Args(p.Mem.Str("/tmp/bench"), kern.O_RDONLY, 0)
		closeArgs := make([]byte, sys.SlotSize)
		for b.Loop() {
			rv, e := sys.Syscall(p.L, p.Mem, sys.SYS_open, open)
			if e != 0 {
				b.Fatal(e)
			}
			le.PutUint64(closeArgs, uint64(rv[0]))
			if _, e := sys.Syscall(p.L, p.Mem, sys.SYS_close, closeArgs); e != 0 {
				b.Fatal(e)
			}
		}
	})
	b.Run("rump", func(b *testing.B) {
		for b.Loop() {
			fd, err := kp.Open("/tmp/bench", kern.O_RDONLY, 0)
			if err != nil {
				b.Fatal(err)
			}
			if err := kp.Close(fd); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkPread4K(b *testing.B) {
	k, _, p := boot(b)
	kp := k.InitProc()
	kp.WriteFile("/tmp/bench", make([]byte, 64<<10), 0o644)
	fd, err := kp.Open("/tmp/bench", kern.O_RDONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("sys", func(b *testing.B) {
		b.SetBytes(4096)
		// pread: fd, buf, nbyte, PAD, offset.
		args := systest.Args(uint64(fd), p.Mem.Alloc(4096), 4096, 0, 8192)
		for b.Loop() {
			if rv, e := sys.Syscall(p.L, p.Mem, sys.SYS_pread, args); e != 0 || rv[0] != 4096 {
				b.Fatal(rv, e)
			}
		}
	})
	b.Run("rump", func(b *testing.B) {
		b.SetBytes(4096)
		buf := make([]byte, 4096)
		for b.Loop() {
			if n, err := kp.Pread(fd, buf, 8192); err != nil || n != 4096 {
				b.Fatal(n, err)
			}
		}
	})
}
