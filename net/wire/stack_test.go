package wire_test

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/net/wire"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// TestStackOverBadWire sends a stream through a wire that loses,
// duplicates, reorders, delays and corrupts frames, between two kernels
// on virtual time: the receiver's checksums must catch every flipped
// byte, and TCP must deliver the stream intact.
func TestStackOverBadWire(t *testing.T) {
	seeds := 4
	if testing.Short() {
		seeds = 1
	}
	for seed := range uint64(seeds) {
		synctest.Test(t, func(t *testing.T) {
			imp := wire.Impairments{Loss: 0.01, Duplicate: 0.02, Reorder: 0.02, Corrupt: 0.05,
				Delay: 5 * time.Millisecond, Jitter: time.Millisecond, Bandwidth: 100e6}
			w := wire.New(wire.Config{Seed: seed, Impairments: imp})
			defer w.Close()
			boot := func(end *wire.End, addr string) *rump.Kernel {
				k, err := rump.Init(rump.Options{Host: memhost.New(memhost.Options{Seed: seed})})
				if err != nil {
					t.Fatal(err)
				}
				name, err := k.AttachLink(end)
				if err != nil {
					t.Fatal(err)
				}
				if err := k.ConfigureInterface(name, netip.MustParsePrefix(addr)); err != nil {
					t.Fatal(err)
				}
				return k
			}
			server := boot(w.A(), "10.0.0.1/24")
			defer server.Halt()
			client := boot(w.B(), "10.0.0.2/24")
			defer client.Halt()
			ln, err := server.Listen("tcp", "10.0.0.1:7")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			got := make(chan string, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					got <- err.Error()
					return
				}
				defer c.Close()
				h := sha256.New()
				n, err := io.Copy(h, c)
				got <- fmt.Sprintf("%d %x %v", n, h.Sum(nil), err)
			}()
			c, err := client.Dial("tcp", "10.0.0.1:7")
			if err != nil {
				t.Fatal(err)
			}
			msg := make([]byte, 2<<20)
			for i := range msg {
				msg[i] = byte(i*7 + i>>8)
			}
			start := time.Now()
			if _, err := c.Write(msg); err != nil {
				t.Fatal(err)
			}
			c.Close()
			if want := fmt.Sprintf("%d %x <nil>", len(msg), sha256.Sum256(msg)); <-got != want {
				t.Errorf("the stream arrived damaged; stats %+v", w.B().Stats())
			}
			st := w.B().Stats()
			if st.Corrupted == 0 || st.Lost == 0 || st.Duplicated == 0 || st.Reordered == 0 {
				t.Errorf("the wire was not bad enough: %+v", st)
			}
			t.Logf("seed %d: 2 MiB in %v of virtual time at 100 Mbit/s; %+v", seed, time.Since(start), st)
		})
	}
}

// TestStackOverHub joins three kernels on a hub: each reaches the two
// others by TCP, which takes ARP broadcasts flooded to every port and
// unicast switched to one.
func TestStackOverHub(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := wire.NewHub(wire.Config{Seed: 1, Impairments: wire.Impairments{Delay: time.Millisecond}})
		defer h.Close()
		var ks []*rump.Kernel
		var ports []*wire.Port
		for i := range 3 {
			k, err := rump.Init(rump.Options{Host: memhost.New(memhost.Options{Seed: uint64(i)})})
			if err != nil {
				t.Fatal(err)
			}
			defer k.Halt()
			p := h.Port()
			name, err := k.AttachLink(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := k.ConfigureInterface(name, netip.MustParsePrefix(fmt.Sprintf("10.0.0.%d/24", i+1))); err != nil {
				t.Fatal(err)
			}
			ln, err := k.Listen("tcp", ":7")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					fmt.Fprintf(c, "kernel %d", i+1)
					c.Close()
				}
			}()
			ks = append(ks, k)
			ports = append(ports, p)
		}
		for i, k := range ks {
			for j := range ks {
				if i == j {
					continue
				}
				c, err := k.Dial("tcp", fmt.Sprintf("10.0.0.%d:7", j+1))
				if err != nil {
					t.Fatalf("kernel %d dials kernel %d: %v", i+1, j+1, err)
				}
				got, err := io.ReadAll(c)
				c.Close()
				if want := fmt.Sprintf("kernel %d", j+1); string(got) != want || err != nil {
					t.Errorf("kernel %d from kernel %d: %q, %v", i+1, j+1, got, err)
				}
			}
		}
		// Broadcasts reached every port; most frames went to one only.
		var total uint64
		for i, p := range ports {
			st := p.Stats()
			if st.Delivered == 0 {
				t.Errorf("port %d received nothing", i)
			}
			total += st.Delivered
		}
		t.Logf("%d frames switched", total)
	})
}
