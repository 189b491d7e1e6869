package wire_test

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/netip"

	"github.com/gorump/gorump/net/wire"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// Two kernels in one process, joined by a wire that loses 1% of the
// frames each way: a TCP connection between them still delivers every
// byte, which the server hashes.
func Example() {
	w := wire.New(wire.Config{Seed: 1, Impairments: wire.Impairments{Loss: 0.01}})
	defer w.Close()
	boot := func(end *wire.End, addr string) *rump.Kernel {
		k, err := rump.Init(rump.Options{Host: memhost.New(memhost.Options{})})
		if err != nil {
			panic(err)
		}
		name, err := k.AttachLink(end)
		if err != nil {
			panic(err)
		}
		if err := k.ConfigureInterface(name, netip.MustParsePrefix(addr)); err != nil {
			panic(err)
		}
		return k
	}
	server := boot(w.A(), "10.0.0.1/24")
	defer server.Halt()
	client := boot(w.B(), "10.0.0.2/24")
	defer client.Halt()

	ln, err := server.Listen("tcp", "10.0.0.1:7")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		h := sha256.New()
		n, _ := io.Copy(h, c)
		fmt.Fprintf(c, "%d %x", n, h.Sum(nil))
	}()

	c, err := client.Dial("tcp", "10.0.0.1:7")
	if err != nil {
		panic(err)
	}
	defer c.Close()
	msg := make([]byte, 1<<20)
	for i := range msg {
		msg[i] = byte(i % 251)
	}
	c.Write(msg)
	c.(interface{ CloseWrite() error }).CloseWrite()
	reply, err := io.ReadAll(c)
	fmt.Println(string(reply) == fmt.Sprintf("%d %x", len(msg), sha256.Sum256(msg)), err)
	fmt.Println("frames lost:", w.A().Stats().Lost+w.B().Stats().Lost > 0)
	// Output:
	// true <nil>
	// frames lost: true
}
