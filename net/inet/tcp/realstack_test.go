package tcp_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/net/inet/tcp"
	"github.com/gorump/gorump/net/wire"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// TestRealStackLossyWire runs TCP on the whole stack (sockets, IPv4, ARP,
// Ethernet) of two kernels joined by an impaired wire (1, 5 and 20%
// loss, with duplication, reordering and corruption), on virtual time: a
// megabyte each way arrives intact. It caught data segments whose SACK
// blocks pushed them past the MTU, which the fake network of the other
// tests did not refuse until then.
func TestRealStackLossyWire(t *testing.T) {
	for _, loss := range []float64{0.01, 0.05, 0.20} {
		synctest.Test(t, func(t *testing.T) {
			var ks [2]*rump.Kernel
			for i := range ks {
				k, err := rump.Init(rump.Options{Host: memhost.New(memhost.Options{Seed: uint64(i + 1)})})
				if err != nil {
					t.Fatal(err)
				}
				defer k.Halt()
				ks[i] = k
			}
			w := wire.New(wire.Config{Seed: 3, Impairments: wire.Impairments{Loss: loss, Duplicate: 0.01, Reorder: 0.02,
				Corrupt: 0.01, Delay: 5 * time.Millisecond}})
			for i, end := range []*wire.End{w.A(), w.B()} {
				name, err := ks[i].AttachLink(end)
				if err != nil {
					t.Fatal(err)
				}
				if err := ks[i].ConfigureInterface(name, netip.MustParsePrefix([]string{"10.0.0.1/24", "10.0.0.2/24"}[i])); err != nil {
					t.Fatal(err)
				}
			}
			ln, err := ks[1].Listen("tcp", "10.0.0.2:80")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			data := make([]byte, 1<<20)
			r := rand.New(rand.NewPCG(1, 2))
			for i := range data {
				data[i] = byte(r.Uint32())
			}
			got := make(chan []byte, 2)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					got <- nil
					return
				}
				wrote := make(chan struct{})
				defer func() { <-wrote; c.Close() }()
				go func() {
					defer close(wrote)
					if _, err := c.Write(data); err != nil {
						t.Errorf("server write: %v", err)
					}
					c.(interface{ CloseWrite() error }).CloseWrite()
				}()
				b, err := io.ReadAll(c)
				if err != nil {
					t.Errorf("server read: %v", err)
				}
				got <- b
			}()
			var c io.ReadWriteCloser
			for range 5 { // ARP may lose its first tries
				if c, err = ks[0].Dial("tcp", "10.0.0.2:80"); err == nil {
					break
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			go func() { c.Write(data); c.(interface{ CloseWrite() error }).CloseWrite() }()
			b, err := io.ReadAll(c)
			if err != nil {
				t.Logf("after %v: stats a %v\nstats b %v", time.Since(start), statsOf(ks[0]), statsOf(ks[1]))
				t.Fatal(err)
			}
			other := <-got
			if !bytes.Equal(b, data) || !bytes.Equal(other, data) {
				t.Logf("after %v: stats a %v\nstats b %v", time.Since(start), statsOf(ks[0]), statsOf(ks[1]))
				t.Fatalf("loss %v: received %d and %d bytes, differing", loss, len(b), len(other))
			}
			t.Logf("loss %v: 1 MiB each way over the whole stack in %v virtual time", loss, time.Since(start))
		})
	}
}

func statsOf(k *rump.Kernel) map[string]uint64 {
	m := map[string]uint64{}
	v := reflect.ValueOf(tcp.StackOf(k.Kern()).Stats()).Elem()
	for i := range v.NumField() {
		if n := v.Field(i).Addr().Interface().(*atomic.Uint64).Load(); n != 0 {
			m[v.Type().Field(i).Name] = n
		}
	}
	return m
}
