package tcp

import (
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
)

// duplex sends size bytes each way at once over a fresh connection on a
// link with cfg, checks that both arrive intact, and returns the virtual
// time it took and both stacks' retransmitted segments.
func duplex(t *testing.T, cfg linkConfig, size int) (elapsed time.Duration, rexmits, supers uint64) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, cfg)
		defer p.close()
		start := time.Now()
		client, server := p.connect(t)
		dataA, dataB := payload(size, 1), payload(size, 2)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		var gotA, gotB [32]byte
		var nA, nB int
		for _, side := range []struct {
			pcb  socket.PCB
			data []byte
			got  *[32]byte
			n    *int
		}{{client, dataA, &gotB, &nB}, {server, dataB, &gotA, &nA}} {
			wg.Add(2)
			go func() {
				defer wg.Done()
				if err := writeAll(side.pcb, side.data); err != nil {
					errs <- fmt.Errorf("write: %w", err)
				}
				side.pcb.Shutdown(socket.SHUT_WR)
			}()
			go func() {
				defer wg.Done()
				sum, n, err := readAll(side.pcb, 64<<10)
				if err != nil {
					errs <- fmt.Errorf("read: %w", err)
				}
				*side.got, *side.n = sum, n
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("%v\nclient %s\nserver %s\nstats a %+v\nstats b %+v", err, client.(*conn).dump(), server.(*conn).dump(), statsMap(p.a), statsMap(p.b))
		}
		if t.Failed() {
			t.FailNow()
		}
		elapsed = time.Since(start)
		if nA != size || nB != size || gotA != sha256.Sum256(dataA) || gotB != sha256.Sum256(dataB) {
			t.Fatalf("data differs: got %d and %d bytes", nA, nB)
		}
		client.Close(false)
		server.Close(false)
		rexmits = p.a.Stats().SndRexmitPack.Load() + p.b.Stats().SndRexmitPack.Load()
		supers = p.a.Stats().SndSuper.Load() + p.b.Stats().SndSuper.Load()
		// Let the connection finish closing; TIME_WAIT ends at 2*MSL.
		time.Sleep(2 * time.Minute)
		if n := p.a.tw.len() + p.b.tw.len(); n != 0 {
			t.Errorf("%d TIME_WAIT entries left after 2*MSL", n)
		}
		na, nb := connCount(p.a), connCount(p.b)
		if na+nb != 0 {
			t.Errorf("connections left: %d %d", na, nb)
		}
	})
	return elapsed, rexmits, supers
}

// TestLossMatrix moves 10 MiB each way at once over links with 0, 1, 5
// and 20% loss plus reordering, duplication and corruption, and checks
// that every byte arrives intact. -short moves 1 MiB.
func TestLossMatrix(t *testing.T) {
	size := 10 << 20
	if testing.Short() {
		size = 1 << 20
	}
	impair := func(loss float64) linkConfig {
		return linkConfig{delay: 5 * time.Millisecond, bandwidth: 100e6 / 8, queue: 20 * time.Millisecond,
			loss: loss, dup: 0.01, reorder: 0.02, corrupt: 0.01}
	}
	cases := []struct {
		name string
		cfg  linkConfig
	}{
		{"clean", linkConfig{delay: 5 * time.Millisecond, bandwidth: 100e6 / 8, queue: 20 * time.Millisecond}},
		{"loss0+impair", impair(0)},
		{"loss1", impair(0.01)},
		{"loss5", impair(0.05)},
		{"loss20", impair(0.20)},
		{"reorder10", linkConfig{delay: 5 * time.Millisecond, reorder: 0.10}},
		{"loss1-tso", func() linkConfig {
			c := impair(0.01)
			c.tso = true
			return c
		}()},
		{"loss5-newreno-nosack-nots", func() linkConfig {
			c := impair(0.05)
			c.newReno, c.noSACK, c.noTS = true, true, true
			return c
		}()},
		{"loss20-newreno-nosack", func() linkConfig {
			c := impair(0.20)
			c.newReno, c.noSACK = true, true
			return c
		}()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, rx, supers := duplex(t, tc.cfg, size)
			t.Logf("%s: %d bytes each way in %v virtual time, %d segments retransmitted, %d super-segments", tc.name, size, d, rx, supers)
			if tc.cfg.tso != (supers > 0) {
				t.Errorf("TSO %v, but %d super-segments sent", tc.cfg.tso, supers)
			}
		})
	}
}

// TestJumboTransfer moves data over a 64 KiB-MTU link.
func TestJumboTransfer(t *testing.T) {
	d, rx, _ := duplex(t, linkConfig{mtu: 65535}, 4<<20)
	t.Logf("4 MiB each way at MTU 65535: %v virtual, %d retransmitted", d, rx)
}

// TestSlowReader fills a small receive window and makes the sender wait
// on a zero window (persist timer, window updates) while the reader
// dawdles; the stream still arrives whole, over a lossy link.
func TestSlowReader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, linkConfig{delay: 2 * time.Millisecond, loss: 0.10})
		defer p.close()
		client, server := p.connect(t)
		server.SetOption(socket.SOL_SOCKET, socket.SO_RCVBUF, 16<<10)
		data := payload(1<<20, 5)
		go func() {
			writeAll(client, data)
			client.Shutdown(socket.SHUT_WR)
		}()
		h := sha256.New()
		buf := make([]byte, 8<<10)
		total := 0
		for {
			ch := server.Waiters().Chan()
			n, _, _, err := server.Recv(buf, 0)
			if err == errno.EAGAIN {
				<-ch
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			h.Write(buf[:n])
			total += n
			if total%(128<<10) < n {
				time.Sleep(500 * time.Millisecond) // the window closes
			}
		}
		if total != len(data) || [32]byte(h.Sum(nil)) != sha256.Sum256(data) {
			t.Fatalf("received %d bytes, differing", total)
		}
		st := p.a.Stats()
		t.Logf("probes %d, persist timeouts %d, window updates received %d", st.SndProbe.Load(), st.PersistTimeout.Load(), st.RcvWinUpd.Load())
		client.Close(false)
		server.Close(false)
	})
}
