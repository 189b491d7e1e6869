package wire_test

import (
	"io"
	"net/netip"
	"testing"

	"github.com/gorump/gorump/net/wire"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// BenchmarkTCP measures TCP bulk throughput between two kernels over a
// perfect wire: the wire's share of the cost should be next to nothing.
func BenchmarkTCP(b *testing.B) {
	for _, mtu := range []int{1500, 9000, wire.MaxMTU} {
		b.Run(map[int]string{1500: "mtu1500", 9000: "mtu9000", wire.MaxMTU: "mtu65535"}[mtu], func(b *testing.B) {
			benchmarkTCP(b, mtu)
		})
	}
}

func benchmarkTCP(b *testing.B, mtu int) {
	w := wire.New(wire.Config{MTU: mtu})
	defer w.Close()
	boot := func(end *wire.End, addr string) *rump.Kernel {
		k, err := rump.Init(rump.Options{Host: memhost.New(memhost.Options{})})
		if err != nil {
			b.Fatal(err)
		}
		name, err := k.AttachLink(end)
		if err != nil {
			b.Fatal(err)
		}
		if err := k.ConfigureInterface(name, netip.MustParsePrefix(addr)); err != nil {
			b.Fatal(err)
		}
		return k
	}
	server := boot(w.A(), "10.0.0.1/24")
	defer server.Halt()
	client := boot(w.B(), "10.0.0.2/24")
	defer client.Halt()
	ln, err := server.Listen("tcp", "10.0.0.1:9")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	done := make(chan int64)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- -1
			return
		}
		n, _ := io.Copy(io.Discard, c)
		c.Close()
		done <- n
	}()
	c, err := client.Dial("tcp", "10.0.0.1:9")
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	b.SetBytes(int64(len(chunk)))
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	c.Close()
	if n := <-done; n != int64(b.N)*int64(len(chunk)) {
		b.Fatalf("received %d bytes of %d", n, int64(b.N)*int64(len(chunk)))
	}
	b.StopTimer()
	st := w.B().Stats()
	b.ReportMetric(float64(st.Delivered)/b.Elapsed().Seconds(), "frames/s")
}
