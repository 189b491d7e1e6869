package tcp

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
)

// With SO_KEEPALIVE an idle connection is probed after TCP_KEEPIDLE,
// every TCP_KEEPINTVL; an answer resets the count, and TCP_KEEPCNT
// unanswered probes fail the connection with ETIMEDOUT.
func TestKeepalive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCtx(t)
		e := c.connectActive(peerOpts(1))
		p := e.pcb
		p.SetOption(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 10)
		p.SetOption(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 2)
		p.SetOption(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
		if err := p.SetOption(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1); err != nil {
			t.Fatal(err)
		}
		if v, _ := p.Option(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE); v != 10 {
			t.Fatal(v)
		}
		sleep(9 * time.Second)
		c.expectNone()
		sleep(1100 * time.Millisecond)
		probe := c.expectOne()
		wantFlags(t, probe, flagACK)
		if probe.seq != e.rcvNxt-1 || len(probe.payload) != 0 {
			t.Fatalf("probe %v", probe)
		}
		// The peer answers: the idle clock starts again.
		e.ackWith(e.rcvNxt, 1000, nil)
		sleep(9 * time.Second)
		c.expectNone()
		sleep(2 * time.Second)
		c.expectOne()
		// Now silence: two more probes 2 s apart, then the drop.
		sleep(2 * time.Second)
		c.expectOne()
		sleep(2 * time.Second)
		c.expectOne()
		sleep(2 * time.Second)
		wantFlags(t, c.expectOne(), flagRST|flagACK)
		wantErr(t, p.Error(), errno.ETIMEDOUT)
		if c.s.Stats().KeepDrops.Load() != 1 {
			t.Fatal("keepalive drop not counted")
		}
	})
}
