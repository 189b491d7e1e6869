package netbench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/gorump/gorump/net/wire"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/posix"
)

// GorumpPair returns a Pair of two gorump kernels on the POSIX host in
// this process, joined by an unimpaired in-process wire of the given MTU:
// the server kernel is 10.0.0.1, the client 10.0.0.2. Close halts both
// kernels and closes the wire.
func GorumpPair(mtu int) (Pair, error) {
	w := wire.New(wire.Config{MTU: mtu, Seed: 1})
	boot := func(end *wire.End, addr string) (*rump.Kernel, error) {
		k, err := rump.Init(rump.Options{Host: posix.New()})
		if err != nil {
			return nil, err
		}
		name, err := k.AttachLink(end)
		if err == nil {
			err = k.ConfigureInterface(name, netip.MustParsePrefix(addr))
		}
		if err != nil {
			k.Halt()
			return nil, err
		}
		return k, nil
	}
	server, err := boot(w.A(), "10.0.0.1/24")
	if err != nil {
		w.Close()
		return Pair{}, err
	}
	client, err := boot(w.B(), "10.0.0.2/24")
	if err != nil {
		server.Halt()
		w.Close()
		return Pair{}, err
	}
	return Pair{
		Name:   fmt.Sprintf("gorump-%d", mtu),
		Listen: func() (net.Listener, error) { return server.Listen("tcp4", "10.0.0.1:0") },
		Dial: func(ctx context.Context, addr string) (net.Conn, error) {
			return client.DialContext(ctx, "tcp4", addr)
		},
		Close: func() error {
			return errors.Join(client.Halt(), server.Halt(), w.Close())
		},
	}, nil
}
