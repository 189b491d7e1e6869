package rumpuser_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

// TestShmifHost checks the bus-file hook of every host that has one:
// a file mapped twice is one memory, a Wake through either wakes both,
// and Close ends a Wait.
func TestShmifHost(t *testing.T) {
	for _, hc := range hosts() {
		t.Run(hc.name, func(t *testing.T) {
			h, mkfile := hc.new(t)
			sh, ok := h.(rumpuser.ShmifHost)
			if !ok {
				t.Skip("no bus files")
			}
			name := mkfile([]byte("hello"))
			if _, err := sh.OpenBus(name, 0); !errors.Is(err, errno.EINVAL) {
				t.Errorf("OpenBus of size 0: %v, want EINVAL", err)
			}
			b1, err := sh.OpenBus(name, 8192)
			if errors.Is(err, errno.EOPNOTSUPP) {
				t.Skip("no bus files on this system")
			}
			if err != nil {
				t.Fatal(err)
			}
			defer b1.Close()
			b2, err := sh.OpenBus(name, 8192)
			if err != nil {
				t.Fatal(err)
			}
			defer b2.Close()
			m1, m2 := b1.Mem(), b2.Mem()
			if len(m1) != 8192 || len(m2) != 8192 || string(m1[:5]) != "hello" {
				t.Fatalf("mapped %d and %d bytes starting %q", len(m1), len(m2), m1[:5])
			}
			m1[4000] = 42
			if m2[4000] != 42 {
				t.Error("a store through one mapping does not show in the other")
			}
			if info, err := h.FileInfo(name); err != nil || info.Size != 8192 {
				t.Errorf("file of %d bytes (%v), want the bus size", info.Size, err)
			}
			// Drain what opening may have signalled; Wait may return early.
			b1.Wait(time.Millisecond)
			woke := make(chan error, 1)
			go func() { woke <- b1.Wait(0) }()
			if err := b2.Wake([]byte{3, 0, 0, 0}, 4); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-woke:
				if err != nil {
					t.Errorf("Wait: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("a Wake through one bus does not end a Wait on the other")
			}
			if m1[4] != 3 {
				t.Errorf("the Wake's bytes are not in the memory: %d", m1[4])
			}
			go func() { woke <- b1.Wait(0) }()
			time.Sleep(10 * time.Millisecond)
			b1.Close()
			select {
			case err := <-woke:
				if err != nil && !errors.Is(err, errno.EBADF) {
					t.Errorf("Wait ended by Close: %v, want EBADF or nothing", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Close does not end a Wait")
			}
			if err := b1.Wait(time.Millisecond); !errors.Is(err, errno.EBADF) {
				t.Errorf("Wait after Close: %v, want EBADF", err)
			}
		})
	}
}
