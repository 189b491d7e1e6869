package netnstest

import (
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/internal/peer"
	"github.com/gorump/gorump/net/virtif"
	"github.com/gorump/gorump/rump"
)

var (
	linuxAddr  = netip.MustParsePrefix("10.99.0.1/24")
	gorumpAddr = netip.MustParsePrefix("10.99.0.2/24")
)

var taps atomic.Int32

// rig is a gorump kernel on a TAP device whose other side is in a
// namespace: Linux is 10.99.0.1, gorump 10.99.0.2.
type rig struct {
	ns  *NS
	k   *rump.Kernel
	dev string // the TAP device, on the Linux side
	ifn string // gorump's interface on it
}

func setup(t *testing.T, mtu int) *rig {
	t.Helper()
	// Registered first, checked last: once the kernel has halted and the
	// namespace is gone, no goroutine may remain.
	base := runtime.NumGoroutine()
	t.Cleanup(func() { leaktest.Check(t, base) })
	ns := New(t)
	k, err := rump.Init(rump.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := k.Halt(); err != nil {
			t.Errorf("halt: %v", err)
		}
	})
	dev := fmt.Sprintf("gt%dn%d", os.Getpid(), taps.Add(1))
	l, err := virtif.Create(k.Kern(), virtif.Config{HostName: dev, MTU: mtu})
	if err != nil {
		t.Fatal(err)
	}
	name, err := k.AttachLink(l)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.ConfigureInterface(name, gorumpAddr); err != nil {
		t.Fatal(err)
	}
	ns.TakeLink(dev, linuxAddr, mtu)
	ns.Capture(dev)
	return &rig{ns: ns, k: k, dev: dev, ifn: name}
}

func TestPing(t *testing.T) {
	Require(t)
	peer.Require(t, "ping", "iputils-ping")
	r := setup(t, 1500)
	out := r.ns.Run("ping", "-c", "3", "-i", "0.2", "-W", "2", gorumpAddr.Addr().String())
	t.Logf("%s", out)
	if !regexp.MustCompile(`3 packets transmitted, 3 received`).Match(out) {
		t.Errorf("ping lost replies:\n%s", out)
	}
	// Large echo requests come in fragments and go back out in them.
	out = r.ns.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", "-s", "4000", gorumpAddr.Addr().String())
	if !regexp.MustCompile(`2 packets transmitted, 2 received`).Match(out) {
		t.Errorf("ping -s 4000 lost replies:\n%s", out)
	}
}
