package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/gorump/gorump/bench/netbench"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

// The two stacks of a netstack pair: one NIC each, on one /24. These
// addresses exist only inside the process; no packet reaches the host.
var (
	serverAddr = tcpip.AddrFrom4([4]byte{10, 0, 0, 1})
	clientAddr = tcpip.AddrFrom4([4]byte{10, 0, 0, 2})
)

const (
	nicID = 1
	// linkQueueLen is how many packets a channel link endpoint holds on
	// its way out; a stack whose link is full drops what it sends.
	linkQueueLen = 4096
	// maxTCPBuffer is the most TCP send and receive buffers grow to.
	maxTCPBuffer = 4 << 20
)

// netstackPair returns a Pair of two gVisor netstack stacks in this
// process, the server at 10.0.0.1 and the client at 10.0.0.2, joined by
// channel link endpoints of the given MTU with no link header, and two
// goroutines that move packets between them, one each way. TCP has
// SACK, send buffers up to 4 MiB and receive buffers up to 4 MiB with
// moderation (auto-tuning). Close stops the goroutines and destroys
// both stacks with every endpoint left in them.
func netstackPair(mtu uint32) (netbench.Pair, error) {
	server, serverLink, err := newStack(serverAddr, mtu)
	if err != nil {
		return netbench.Pair{}, err
	}
	client, clientLink, err := newStack(clientAddr, mtu)
	if err != nil {
		server.Destroy()
		return netbench.Pair{}, err
	}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { forward(ctx, serverLink, clientLink) })
	wg.Go(func() { forward(ctx, clientLink, serverLink) })
	return netbench.Pair{
		Name: fmt.Sprintf("netstack-%d", mtu),
		Listen: func() (net.Listener, error) {
			return gonet.ListenTCP(server, tcpip.FullAddress{NIC: nicID, Addr: serverAddr}, ipv4.ProtocolNumber)
		},
		Dial: func(ctx context.Context, addr string) (net.Conn, error) {
			ap, err := netip.ParseAddrPort(addr)
			if err != nil || !ap.Addr().Is4() {
				return nil, fmt.Errorf("netstack: dial %q: not an IPv4 address and port", addr)
			}
			to := tcpip.FullAddress{NIC: nicID, Addr: tcpip.AddrFrom4(ap.Addr().As4()), Port: ap.Port()}
			return gonet.DialContextTCP(ctx, client, to, ipv4.ProtocolNumber)
		},
		Close: func() error {
			stop()
			wg.Wait()
			client.Destroy()
			server.Destroy()
			return nil
		},
	}, nil
}

// newStack returns a stack with IPv4 and TCP, tuned as netstackPair
// says, whose one NIC is a channel link endpoint with address addr/24
// and the default route.
func newStack(addr tcpip.Address, mtu uint32) (*stack.Stack, *channel.Endpoint, error) {
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol},
	})
	sack := tcpip.TCPSACKEnabled(true)
	moderate := tcpip.TCPModerateReceiveBufferOption(true)
	opts := []tcpip.SettableTransportProtocolOption{
		&sack,
		&moderate,
		&tcpip.TCPSendBufferSizeRangeOption{Min: tcp.MinBufferSize, Default: tcp.DefaultSendBufferSize, Max: maxTCPBuffer},
		&tcpip.TCPReceiveBufferSizeRangeOption{Min: tcp.MinBufferSize, Default: tcp.DefaultReceiveBufferSize, Max: maxTCPBuffer},
	}
	for _, opt := range opts {
		if err := s.SetTransportProtocolOption(tcp.ProtocolNumber, opt); err != nil {
			s.Destroy()
			return nil, nil, fmt.Errorf("netstack: TCP option %T: %s", opt, err)
		}
	}
	link := channel.New(linkQueueLen, mtu, "")
	if err := s.CreateNIC(nicID, link); err != nil {
		s.Destroy()
		return nil, nil, fmt.Errorf("netstack: create NIC: %s", err)
	}
	pa := tcpip.ProtocolAddress{
		Protocol:          ipv4.ProtocolNumber,
		AddressWithPrefix: tcpip.AddressWithPrefix{Address: addr, PrefixLen: 24},
	}
	if err := s.AddProtocolAddress(nicID, pa, stack.AddressProperties{}); err != nil {
		s.Destroy()
		return nil, nil, fmt.Errorf("netstack: add address %s: %s", addr, err)
	}
	s.SetRouteTable([]tcpip.Route{{Destination: header.IPv4EmptySubnet, NIC: nicID}})
	return s, link, nil
}

// forward hands every packet that from's stack sends to to's stack, as
// an inbound packet, until ctx is done or from is closed.
func forward(ctx context.Context, from, to *channel.Endpoint) {
	for {
		out := from.ReadContext(ctx)
		if out == nil {
			return
		}
		in := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: out.ToBuffer()})
		proto := out.NetworkProtocolNumber
		out.DecRef()
		to.InjectInbound(proto, in)
		in.DecRef()
	}
}
