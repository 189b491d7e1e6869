package netnstest

import (
	"bytes"
	"crypto/sha256"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/peer"
	"github.com/gorump/gorump/net/inet"
	"github.com/gorump/gorump/net/wire"
	"github.com/gorump/gorump/rump"
)

// TestTCPLinuxThroughGorump routes a TCP stream from Linux through a
// gorump router to a second gorump kernel behind it on an in-process
// wire. Linux hands the TAP device 64 KiB super-segments; the router
// must cut them into segments that fit the wire's 1500 bytes, not answer
// "fragmentation needed" for packets Linux never sent whole.
func TestTCPLinuxThroughGorump(t *testing.T) {
	Require(t)
	peer.Require(t, "socat", "socat")
	r := setup(t, 1500)
	if err := r.k.SetSysctl("net.inet.ip.forwarding", "1"); err != nil {
		t.Fatal(err)
	}
	w := wire.New(wire.Config{})
	defer w.Close()
	routerSide, err := r.k.AttachLink(w.A())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.k.ConfigureInterface(routerSide, netip.MustParsePrefix("10.98.0.1/24")); err != nil {
		t.Fatal(err)
	}
	behind, err := rump.Init(rump.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer behind.Halt()
	name, err := behind.AttachLink(w.B())
	if err != nil {
		t.Fatal(err)
	}
	if err := behind.ConfigureInterface(name, netip.MustParsePrefix("10.98.0.2/24")); err != nil {
		t.Fatal(err)
	}
	if err := behind.AddRoute(netip.MustParsePrefix("0.0.0.0/0"), netip.MustParseAddr("10.98.0.1"), ""); err != nil {
		t.Fatal(err)
	}
	r.ns.Run("ip", "route", "add", "10.98.0.0/24", "via", gorumpAddr.Addr().String())

	data := testData(bulkSize())
	file := writeTemp(t, "big", data)
	ln, err := behind.Listen("tcp", ":9000")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		n   int64
		sum []byte
		d   time.Duration
		err error
	}
	res := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			res <- result{err: err}
			return
		}
		defer c.Close()
		start := time.Now()
		h := sha256.New()
		n, err := io.Copy(h, c)
		res <- result{n, h.Sum(nil), time.Since(start), err}
	}()
	p := r.ns.Start("socat", "-u", "FILE:"+file, "TCP:10.98.0.2:9000")
	if out, err := p.Wait(time.Minute); err != nil {
		t.Fatalf("socat: %v\n%s", err, out)
	}
	select {
	case got := <-res:
		want := sha256.Sum256(data)
		if got.err != nil || got.n != int64(len(data)) || !bytes.Equal(got.sum, want[:]) {
			t.Fatalf("the kernel behind the router read %d bytes (%v), hash %x; sent %d, hash %x", got.n, got.err, got.sum, len(data), want)
		}
		st := inet.IPOf(r.k.Kern()).Stats()
		t.Logf("TCP Linux -> gorump router -> gorump: %s; the router cut %d super-segments into %d segments", rate(got.n, got.d), st.Segmented, st.OutSegments)
		if st.Segmented == 0 {
			t.Error("the router cut no super-segment: did Linux coalesce nothing?")
		}
	case <-time.After(time.Minute):
		t.Fatal("the stream did not end")
	}
}
