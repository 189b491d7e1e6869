package rump_test

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/wire"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// TestSocketTimeVirtual runs socket timeouts and deadlines inside a
// synctest bubble: they follow virtual time exactly, so an hour's
// SO_RCVTIMEO or a deadline a day away cost nothing.
func TestSocketTimeVirtual(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k, err := rump.Init(rump.Options{Host: memhost.New(memhost.Options{Seed: 1})})
		if err != nil {
			t.Fatal(err)
		}
		defer k.Halt()
		p := k.InitProc()
		fd, _ := p.Socket(rump.AF_INET, rump.SOCK_DGRAM, 0)
		if err := p.Bind(fd, netip.MustParseAddrPort("127.0.0.1:0")); err != nil {
			t.Fatal(err)
		}
		p.SetSockOptTimeval(fd, rump.SO_RCVTIMEO, time.Hour)
		start := time.Now()
		_, err = p.Recv(fd, make([]byte, 8), 0)
		if !errors.Is(err, errno.EAGAIN) || time.Since(start) != time.Hour {
			t.Errorf("SO_RCVTIMEO of an hour: %v after %v", err, time.Since(start))
		}

		pc, err := k.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		pc.SetReadDeadline(time.Now().Add(24 * time.Hour))
		done := make(chan error)
		go func() {
			_, _, err := pc.ReadFrom(make([]byte, 8))
			done <- err
		}()
		time.Sleep(time.Hour)
		synctest.Wait()
		// Moving the deadline while the read waits takes effect.
		pc.SetReadDeadline(time.Now().Add(time.Minute))
		moved := time.Now()
		err = <-done
		if !errors.Is(err, os.ErrDeadlineExceeded) || time.Since(moved) != time.Minute {
			t.Errorf("read with a moved deadline: %v after %v", err, time.Since(moved))
		}
	})
}

// TestWireDelayVirtual moves data between two kernels over a link with
// 50ms of delay each way, on virtual time: the connect takes one round
// trip (once ARP is resolved) and the reply arrives one round trip after
// the request.
func TestWireDelayVirtual(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := rump.Init(rump.Options{Host: memhost.New(memhost.Options{Seed: 1})})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Halt()
		b, err := rump.Init(rump.Options{Host: memhost.New(memhost.Options{Seed: 2})})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Halt()
		joinWire(t, wire.New(wire.Config{Impairments: wire.Impairments{Delay: 50 * time.Millisecond}}), a, b)
		ln, err := b.Listen("tcp", "10.0.0.2:80")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					io.Copy(c, c)
					c.Close()
				}()
			}
		}()
		// A first connection resolves the neighbours.
		warm, err := a.Dial("tcp", "10.0.0.2:80")
		if err != nil {
			t.Fatal(err)
		}
		warm.Close()
		start := time.Now()
		c, err := a.Dial("tcp", "10.0.0.2:80")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if d := time.Since(start); d != 100*time.Millisecond {
			t.Errorf("connect took %v, want one 100ms round trip", d)
		}
		start = time.Now()
		c.Write([]byte("ping"))
		buf := make([]byte, 4)
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 100*time.Millisecond {
			t.Errorf("echo took %v, want one 100ms round trip", d)
		}
		var ne net.Error
		c.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := c.Read(buf); !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("idle read past its deadline: %v", err)
		}
	})
}
