package netnstest

import (
	"net/netip"
	"testing"

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

	d := sendFromLinux(t, r.ns, behind, "10.98.0.2")
	st := inet.IPOf(r.k.Kern()).Stats()
	t.Logf("TCP Linux -> gorump router -> gorump: %s; the router cut %d super-segments into %d segments", d, st.Segmented, st.OutSegments)
	if st.Segmented == 0 {
		// A device without offloads hands over plain segments: the
		// test then shows less than it is for.
		t.Log("the TAP device coalesced nothing: no super-segment to cut")
	}
}
