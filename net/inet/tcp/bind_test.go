package tcp

import (
	"net/netip"
	"testing"
	"testing/synctest"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
)

func TestBindRules(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		any80 := netip.AddrPortFrom(netip.IPv4Unspecified(), 80)
		loc80 := netip.AddrPortFrom(localAddr, 80)
		a := c.s.newConn(nil)
		if err := a.Bind(any80); err != nil {
			t.Fatal(err)
		}
		a.Listen(1)
		wantErr(t, a.Bind(any80), errno.EINVAL)
		b := c.s.newConn(nil)
		wantErr(t, b.Bind(any80), errno.EADDRINUSE)
		wantErr(t, b.Bind(loc80), errno.EADDRINUSE)
		// SO_REUSEADDR: a specific address beside a wildcard.
		b.SetOption(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		if err := b.Bind(loc80); err != nil {
			t.Fatal(err)
		}
		// SO_REUSEPORT on both: the same address twice.
		p1, p2 := c.s.newConn(nil), c.s.newConn(nil)
		p1.SetOption(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
		p2.SetOption(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
		if err := p1.Bind(netip.AddrPortFrom(localAddr, 81)); err != nil {
			t.Fatal(err)
		}
		if err := p2.Bind(netip.AddrPortFrom(localAddr, 81)); err != nil {
			t.Fatal(err)
		}
		// Not one of ours.
		wantErr(t, c.s.newConn(nil).Bind(netip.AddrPortFrom(remoteAddr, 82)), errno.EADDRNOTAVAIL)
		// Privileged ports.
		cred, _ := kern.NewCred(1000, 1000)
		wantErr(t, c.s.newConn(cred).Bind(netip.AddrPortFrom(localAddr, 83)), errno.EACCES)
		// Closing frees the port.
		a.Close(false)
		b.Close(false)
		if err := c.s.newConn(nil).Bind(any80); err != nil {
			t.Fatal(err)
		}
	})
}

// Ephemeral ports are random in 49152-65535 and distinct.
func TestEphemeralPorts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		seen := map[uint16]bool{}
		for range 200 {
			p := c.s.newConn(nil)
			if err := p.Bind(netip.AddrPort{}); err != nil {
				t.Fatal(err)
			}
			port := p.LocalAddr().Port()
			if port < ephemeralLow || seen[port] {
				t.Fatalf("port %d", port)
			}
			seen[port] = true
		}
	})
}

// Listeners: a specific address wins over the wildcard; SO_REUSEPORT
// listeners share connections.
func TestListenerLookup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		wild := c.s.newConn(nil)
		wild.Bind(netip.AddrPortFrom(netip.IPv4Unspecified(), 80))
		wild.Listen(8)
		spec := c.s.newConn(nil)
		spec.SetOption(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		if err := spec.Bind(netip.AddrPortFrom(localAddr, 80)); err != nil {
			t.Fatal(err)
		}
		spec.Listen(8)
		c.inject(seg{srcPort: 1001, dstPort: 80, seq: 1, flags: flagSYN, win: 1000})
		sa := c.expectOne()
		c.inject(seg{srcPort: 1001, dstPort: 80, seq: 2, ack: sa.seq + 1, flags: flagACK, win: 1000})
		if _, err := spec.Accept(); err != nil {
			t.Fatal("the specific listener did not get the connection")
		}
		if _, err := wild.Accept(); err != errno.EAGAIN {
			t.Fatal(err)
		}
	})
}
