package rump_test

import (
	"io"
	"net/netip"
	"testing"

	"github.com/gorump/gorump/rump"
)

// BenchmarkLoopbackTCP streams over lo0 through net.Conn.
func BenchmarkLoopbackTCP(b *testing.B) {
	k := boot(b)
	ln, err := k.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(io.Discard, c)
		c.Close()
	}()
	c, err := k.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoopbackUDP sends and receives datagrams over lo0 through
// descriptors.
func BenchmarkLoopbackUDP(b *testing.B) {
	k := boot(b)
	p := k.InitProc()
	a, _ := p.Socket(rump.AF_INET, rump.SOCK_DGRAM, 0)
	c, _ := p.Socket(rump.AF_INET, rump.SOCK_DGRAM, 0)
	if err := p.Bind(a, netip.MustParseAddrPort("127.0.0.1:0")); err != nil {
		b.Fatal(err)
	}
	addr, _ := p.GetSockName(a)
	if err := p.Connect(c, addr); err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 1024)
	buf := make([]byte, 2048)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Send(c, msg, 0); err != nil {
			b.Fatal(err)
		}
		if _, err := p.Recv(a, buf, 0); err != nil {
			b.Fatal(err)
		}
	}
}
