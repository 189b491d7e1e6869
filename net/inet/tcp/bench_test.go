package tcp

import (
	"errors"
	"net/netip"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/socket"
)

// BenchmarkBulk moves data one way between two stacks joined by an
// unimpaired in-process link (a goroutine a direction, as gVisor's
// channel endpoints), in 256 KiB writes, as the anchor figures measure.
func BenchmarkBulk(b *testing.B) {
	for _, mtu := range []int{1500, 65535} {
		b.Run("mtu"+itoa(uint32(mtu)), func(b *testing.B) {
			p := newPair(b, linkConfig{mtu: mtu})
			defer p.close()
			client, server := p.connect(b)
			const chunk = 256 << 10
			data := payload(chunk, 1)
			total := b.N * chunk
			done := make(chan error, 1)
			go func() {
				buf := make([]byte, chunk)
				got := 0
				for got < total {
					ch := server.Waiters().Chan()
					n, _, _, err := server.Recv(buf, 0)
					if errors.Is(err, errno.EAGAIN) {
						<-ch
						continue
					}
					if err != nil || n == 0 {
						done <- err
						return
					}
					got += n
				}
				done <- nil
			}()
			b.SetBytes(chunk)
			b.ResetTimer()
			for range b.N {
				if err := writeAll(client, data); err != nil {
					b.Fatal(err)
				}
			}
			if err := <-done; err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			a := p.a.Stats()
			b.ReportMetric(float64(a.SndRexmitPack.Load())/float64(b.N), "rexmit/op")
			if testing.Verbose() {
				b.Logf("a %v\nb %v", statsMap(p.a), statsMap(p.b))
				cc, sc := client.(*conn), server.(*conn)
				b.Logf("snd limit %d cwnd %d sndWnd %d rcv limit %d srtt %v/%v", cc.sndLimit, cc.cwnd, cc.sndWnd, sc.rcvLimit, cc.srtt, sc.srtt)
			}
			client.Close(false)
			server.Close(false)
		})
	}
}

// BenchmarkPingPong measures the round trip of one byte each way with
// TCP_NODELAY; it reports the mean (ns/op) and the median and 99th
// percentile.
func BenchmarkPingPong(b *testing.B) {
	p := newPair(b, linkConfig{})
	defer p.close()
	client, server := p.connect(b)
	client.SetOption(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
	server.SetOption(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
	go func() {
		buf := make([]byte, 1)
		for {
			if err := readFull(server, buf); err != nil {
				return
			}
			if _, err := server.Send(buf, netip.AddrPort{}, 0); err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 1)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if _, err := client.Send(buf, netip.AddrPort{}, 0); err != nil {
			b.Fatal(err)
		}
		if err := readFull(client, buf); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	client.Close(true)
	server.Close(true)
}

// readFull reads len(buf) bytes, waiting as a blocking socket would.
func readFull(p socket.PCB, buf []byte) error {
	for got := 0; got < len(buf); {
		ch := p.Waiters().Chan()
		n, _, _, err := p.Recv(buf[got:], 0)
		if errors.Is(err, errno.EAGAIN) {
			<-ch
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return errno.ECONNRESET
		}
		got += n
	}
	return nil
}

// BenchmarkConnectAcceptClose opens and closes connections.
func BenchmarkConnectAcceptClose(b *testing.B) {
	p := newPair(b, linkConfig{})
	defer p.close()
	setMSL(p, 0)
	l := p.b.NewPCB(nil)
	l.Bind(netip.AddrPortFrom(netip.Addr{}, 6000))
	l.Listen(128)
	b.ResetTimer()
	for range b.N {
		c := p.a.NewPCB(nil)
		c.Connect(netip.AddrPortFrom(addrB, 6000))
		waitEvents(c, socket.POLLOUT)
		waitEvents(l, socket.POLLIN)
		s, err := l.Accept()
		if err != nil {
			b.Fatal(err)
		}
		c.Close(false)
		s.Close(false)
	}
}

func setMSL(p *pair, sec int64) {
	p.a.p.msl.Store(sec * int64(time.Second))
	p.b.p.msl.Store(sec * int64(time.Second))
}

// TestNoGoroutineLeak runs a transfer and a close on real time and checks
// that halting leaves no goroutine behind.
func TestNoGoroutineLeak(t *testing.T) {
	base := runtime.NumGoroutine()
	p := newPair(t, linkConfig{})
	client, server := p.connect(t)
	go func() {
		writeAll(client, payload(1<<20, 1))
		client.Close(false)
	}()
	if _, n, err := readAll(server, 32<<10); err != nil || n != 1<<20 {
		t.Fatal(n, err)
	}
	server.Close(false)
	p.close()
	leaktest.Check(t, base)
}
