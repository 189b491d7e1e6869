package sockettest_test

import (
	"fmt"
	"net/netip"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/net/inet/tcp"
	"github.com/gorump/gorump/net/sockettest"
	"github.com/gorump/gorump/net/wire"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

func boot(t *testing.T) *rump.Kernel {
	t.Helper()
	k, err := rump.Init(rump.Options{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func procs(t *testing.T, kc, ks *rump.Kernel) (c, s *rump.Proc) {
	t.Helper()
	c, err := kc.NewProc()
	if err != nil {
		t.Fatal(err)
	}
	s, err = ks.NewProc()
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

// halt halts the kernels when the test ends and checks that nothing is
// left running.
func halt(t *testing.T, base int, ks ...*rump.Kernel) {
	t.Cleanup(func() {
		for _, k := range ks {
			if err := k.Halt(); err != nil {
				t.Errorf("halt: %v", err)
			}
		}
		leaktest.Check(t, base)
	})
}

// TestLoopback runs the suite between two processes of one kernel over
// lo0.
func TestLoopback(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	sockettest.Run(t, sockettest.Config{New: func(t *testing.T) sockettest.Env {
		base := runtime.NumGoroutine()
		k := boot(t)
		halt(t, base, k)
		c, s := procs(t, k, k)
		return sockettest.Env{Client: c, Server: s, ClientAddr: lo, ServerAddr: lo}
	}})
}

var seed atomic.Uint64

// TestWire runs the suite between two kernels joined by an in-process
// Ethernet link (net/wire), 10.0.0.1/24 and 10.0.0.2/24.
func TestWire(t *testing.T) {
	sockettest.Run(t, sockettest.Config{New: func(t *testing.T) sockettest.Env {
		env, _ := wiredEnv(t)
		return env
	}})
}

// wiredEnv boots two kernels joined by a clean wire, the client at
// 10.0.0.1/24 and the server at 10.0.0.2/24.
func wiredEnv(t *testing.T) (sockettest.Env, *wire.Wire) {
	ca, sa := netip.MustParsePrefix("10.0.0.1/24"), netip.MustParsePrefix("10.0.0.2/24")
	base := runtime.NumGoroutine()
	kc, ks := boot(t), boot(t)
	halt(t, base, kc, ks)
	w := wire.New(wire.Config{Seed: seed.Add(1)})
	for _, side := range []struct {
		k    *rump.Kernel
		end  *wire.End
		addr netip.Prefix
	}{{kc, w.A(), ca}, {ks, w.B(), sa}} {
		name, err := side.k.AttachLink(side.end)
		if err != nil {
			t.Fatal(err)
		}
		if err := side.k.ConfigureInterface(name, side.addr); err != nil {
			t.Fatal(err)
		}
	}
	c, s := procs(t, kc, ks)
	return sockettest.Env{Client: c, Server: s, ClientAddr: ca.Addr(), ServerAddr: sa.Addr(),
		Diagnose: diagnose(w, kc, ks)}, w
}

func TestNames(t *testing.T) {
	names := sockettest.Names()
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("case %s twice", n)
		}
		seen[n] = true
	}
	t.Logf("%d cases", len(names))
}

// TestWireImpaired runs the TCP cases over a link that loses, duplicates,
// reorders and delays frames.
func TestWireImpaired(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: retransmissions over a lossy link")
	}
	imp := wire.Impairments{Loss: 0.01, Duplicate: 0.01, Reorder: 0.01, Delay: time.Millisecond, Jitter: 500 * time.Microsecond}
	sockettest.Run(t, sockettest.Config{Slow: true, Lossy: true, New: func(t *testing.T) sockettest.Env {
		env, w := wiredEnv(t)
		c, s := env.Client, env.Server
		// Resolve ARP on a clean link, then impair it.
		fd, _ := s.Socket(rump.AF_INET, rump.SOCK_DGRAM, 0)
		s.SendTo(fd, []byte("arp"), 0, netip.AddrPortFrom(env.ClientAddr, 9))
		cfd, _ := c.Socket(rump.AF_INET, rump.SOCK_DGRAM, 0)
		c.SendTo(cfd, []byte("arp"), 0, netip.AddrPortFrom(env.ServerAddr, 9))
		time.Sleep(10 * time.Millisecond)
		s.Close(fd)
		c.Close(cfd)
		w.Impair(imp)
		return env
	}})
}

// diagnose describes a wired environment: each direction's link
// counters and each kernel's non-zero TCP counters.
func diagnose(w *wire.Wire, kc, ks *rump.Kernel) func() string {
	return func() string {
		var b strings.Builder
		fmt.Fprintf(&b, "wire client->server %+v\nwire server->client %+v\n", w.A().Stats(), w.B().Stats())
		for _, side := range []struct {
			name string
			k    *rump.Kernel
		}{{"client", kc}, {"server", ks}} {
			fmt.Fprintf(&b, "%s tcp:", side.name)
			if st := tcp.StackOf(side.k.Kern()); st != nil {
				v := reflect.ValueOf(st.Stats()).Elem()
				for i := range v.NumField() {
					if n := v.Field(i).Addr().Interface().(*atomic.Uint64).Load(); n != 0 {
						fmt.Fprintf(&b, " %s=%d", v.Type().Field(i).Name, n)
					}
				}
			}
			b.WriteString("\n")
		}
		return b.String()
	}
}
