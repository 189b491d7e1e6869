package tcp

import (
	"testing"
	"testing/synctest"

	"time"

	"github.com/gorump/gorump/kern"
)

func TestSysctl(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		sc := c.k.Sysctl()
		for _, name := range []string{"sendspace", "recvspace", "mssdflt", "rfc1323", "sack.enable", "congctl.selected",
			"delack_ms", "keepidle", "keepintvl", "keepcnt", "msl", "init_win", "rto_min_ms"} {
			if _, _, err := sc.Get("net.inet.tcp." + name); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if v, _, _ := sc.Get("net.inet.tcp.congctl.selected"); v != "cubic" {
			t.Fatal(v)
		}
		if err := sc.Set(kern.RootCred(), "net.inet.tcp.congctl.selected", "bbr"); err == nil {
			t.Fatal("unknown algorithm accepted")
		}
		setSysctl(t, c, "net.inet.tcp.congctl.selected", "newreno")
		if p := c.s.newConn(nil); p.cc.name() != "newreno" {
			t.Fatal(p.cc.name())
		}
		setSysctl(t, c, "net.inet.tcp.sack.enable", "0")
		setSysctl(t, c, "net.inet.tcp.rfc1323", "0")
		p := c.s.newConn(nil)
		_ = p
		e := c.connectActive(peerOpts(1))
		if e.pcb.sackOK || e.pcb.tsOK || e.pcb.rcvScale != 0 {
			t.Fatal("options negotiated while disabled")
		}
		if err := sc.Set(kern.RootCred(), "net.inet.tcp.mssdflt", "1"); err == nil {
			t.Fatal("mssdflt 1 accepted")
		}
	})
}

// The ISN is a keyed hash of the addresses plus a clock (RFC 6528): it
// differs between pairs and moves with time.
func TestISN(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		a := c.s.iss(addrPort("10.0.0.1:1"), addrPort("10.0.0.2:2"))
		b := c.s.iss(addrPort("10.0.0.1:1"), addrPort("10.0.0.2:3"))
		if a == b {
			t.Fatal("same ISN for different pairs")
		}
		sleep(4 * time.Millisecond)
		if d := c.s.iss(addrPort("10.0.0.1:1"), addrPort("10.0.0.2:2")) - a; d != 1000 {
			t.Fatalf("ISN moved %d in 4 ms", d)
		}
	})
}
