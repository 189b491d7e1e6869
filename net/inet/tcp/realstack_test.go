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

// TestRealStackLossMatrix runs TCP on the whole stack (sockets, IPv4,
// ARP, Ethernet) of two kernels joined by an impaired wire, on virtual
// time: 10 MiB (1 MiB with -short) go each way at once and arrive
// intact, at 1, 5 and 20% loss with duplication, reordering and
// corruption, and with each of those alone. It caught data segments whose
// SACK blocks pushed them past the MTU, which the fake network of the
// other tests did not refuse until then.
func TestRealStackLossMatrix(t *testing.T) {
	size := 10 << 20
	if testing.Short() {
		size = 1 << 20
	}
	const mixed = "+1% dup, 2% reorder, 1% corrupt"
	for _, c := range []struct {
		name string
		imp  wire.Impairments
	}{
		{"clean", wire.Impairments{}},
		{"1% loss " + mixed, wire.Impairments{Loss: 0.01, Duplicate: 0.01, Reorder: 0.02, Corrupt: 0.01}},
		{"5% loss " + mixed, wire.Impairments{Loss: 0.05, Duplicate: 0.01, Reorder: 0.02, Corrupt: 0.01}},
		{"20% loss " + mixed, wire.Impairments{Loss: 0.20, Duplicate: 0.01, Reorder: 0.02, Corrupt: 0.01}},
		{"10% reorder", wire.Impairments{Reorder: 0.10}},
		{"10% duplicate", wire.Impairments{Duplicate: 0.10}},
		{"5% corrupt", wire.Impairments{Corrupt: 0.05}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.imp.Delay = 5 * time.Millisecond
			c.imp.Bandwidth = 100e6
			synctest.Test(t, func(t *testing.T) { lossyTransfer(t, c.imp, size, nil) })
		})
	}
}

// TestHyStart: on a clean path with a deep queue, classic slow start
// doubles the window until the queue overflows and a window's worth of
// segments is lost; HyStart++ sees the RTT rise as the queue fills and
// leaves slow start first, so nothing is lost.
func TestHyStart(t *testing.T) {
	imp := wire.Impairments{Delay: 5 * time.Millisecond, Bandwidth: 100e6}
	for _, on := range []bool{true, false} {
		var a, z map[string]uint64
		synctest.Test(t, func(t *testing.T) {
			a, z = lossyTransfer(t, imp, 10<<20, map[string]string{"net.inet.tcp.hystart": map[bool]string{true: "1", false: "0"}[on]})
		})
		rexmit := a["SndRexmitPack"] + z["SndRexmitPack"]
		exits := a["HyStartExits"] + z["HyStartExits"]
		t.Logf("hystart %v: %d segments retransmitted, %d slow starts left early", on, rexmit, exits)
		if on && (rexmit != 0 || exits != 2) {
			t.Errorf("with HyStart++: %d retransmitted, %d early exits; want 0 and 2", rexmit, exits)
		}
		if !on && (rexmit == 0 || exits != 0) {
			t.Errorf("without HyStart++: %d retransmitted, %d early exits; want some and 0 (is the queue deep enough?)", rexmit, exits)
		}
	}
}

// lossyTransfer moves size bytes each way at once between two kernels on
// a wire with impairments imp, with sysctls set in both, checks that they
// arrive intact, and returns the two TCP stacks' counters.
func lossyTransfer(t *testing.T, imp wire.Impairments, size int, sysctls map[string]string) (a, z map[string]uint64) {
	var ks [2]*rump.Kernel
	for i := range ks {
		k, err := rump.Init(rump.Options{Host: memhost.New(memhost.Options{Seed: uint64(i + 1)})})
		if err != nil {
			t.Fatal(err)
		}
		defer k.Halt()
		ks[i] = k
		for name, v := range sysctls {
			if err := k.SetSysctl(name, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	w := wire.New(wire.Config{Seed: 3, Impairments: imp})
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
	data := make([]byte, size)
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
		t.Fatalf("received %d and %d bytes, differing", len(b), len(other))
	}
	a, z = statsOf(ks[0]), statsOf(ks[1])
	ws := w.A().Stats()
	t.Logf("%d MiB each way intact in %v virtual time; retransmitted %d+%d segments, %d+%d bad checksums caught; one way the wire lost %d, duplicated %d, reordered %d, corrupted %d of %d frames",
		size>>20, time.Since(start).Round(time.Millisecond), a["SndRexmitPack"], z["SndRexmitPack"], a["RcvBadSum"], z["RcvBadSum"],
		ws.Lost, ws.Duplicated, ws.Reordered, ws.Corrupted, ws.Sent)
	return a, z
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
