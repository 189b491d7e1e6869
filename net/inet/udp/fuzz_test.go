package udp

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/gorump/gorump/net/inet"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/net/socket"
)

// FuzzInput feeds arbitrary bytes to UDP's input as a datagram from
// 10.0.0.2 to this host, with sockets bound, connected and sharing a
// port, and checks that nothing panics, that what is queued is what the
// datagram held, and that the counters add up.
func FuzzInput(f *testing.F) {
	seed := func(sport, dport uint16, payload string, sum bool) []byte {
		d := make([]byte, 8+len(payload))
		binary.BigEndian.PutUint16(d[0:], sport)
		binary.BigEndian.PutUint16(d[2:], dport)
		binary.BigEndian.PutUint16(d[4:], uint16(len(d)))
		copy(d[8:], payload)
		if sum {
			binary.BigEndian.PutUint16(d[6:], inet.Fold(inet.Checksum(d, inet.PseudoHeader(there, here, inet.ProtoUDP, len(d)))))
		}
		return d
	}
	f.Add(seed(1234, 7000, "hello", true), false)
	f.Add(seed(1234, 7000, "", false), true)
	f.Add(seed(53, 7001, "connected", true), false)
	f.Add(seed(1, 9, "nobody", true), false)
	f.Add([]byte{0, 1, 0, 2, 0, 7}, false)
	f.Add(append(seed(1234, 7000, "pad", false), 1, 2, 3), false)

	k, l, _ := boot(f)
	st := Of(k)
	var fds []int
	for _, c := range []struct {
		bind, connect string
		reuse         bool
	}{
		{"0.0.0.0:7000", "", true},
		{"10.0.0.1:7000", "", true},
		{"10.0.0.1:7001", "10.0.0.2:53", false},
	} {
		fd, err := socket.Open(l, socket.AF_INET, socket.SOCK_DGRAM, 0)
		if err != nil {
			f.Fatal(err)
		}
		if c.reuse {
			socket.SetSockOpt(l, fd, socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
		}
		if err := socket.Bind(l, fd, netip.MustParseAddrPort(c.bind)); err != nil {
			f.Fatal(err)
		}
		if c.connect != "" {
			if err := socket.Connect(l, fd, netip.MustParseAddrPort(c.connect)); err != nil {
				f.Fatal(err)
			}
		}
		fds = append(fds, fd)
	}
	buf := make([]byte, 1<<16)
	f.Fuzz(func(t *testing.T, data []byte, broadcast bool) {
		before := st.Stats()
		dst := here
		if broadcast {
			dst = bcast
		}
		st.Input(&inet.Header{Src: there, Dst: dst, Proto: inet.ProtoUDP, Broadcast: broadcast}, pkt.From(pkt.Headroom, data))
		after := st.Stats()
		if after.InPackets != before.InPackets+1 {
			t.Fatalf("InPackets went from %d to %d", before.InPackets, after.InPackets)
		}
		delivered := 0
		for _, fd := range fds {
			for {
				n, from, out, err := socket.RecvMsg(l, fd, [][]byte{buf}, socket.MSG_DONTWAIT)
				if err != nil {
					break
				}
				delivered++
				if out != 0 || from.Addr() != there || len(data) < 8 || n != int(binary.BigEndian.Uint16(data[4:]))-8 ||
					string(buf[:n]) != string(data[8:8+n]) {
					t.Fatalf("delivered %d bytes from %v (out %#x) for %x", n, from, out, data)
				}
			}
		}
		dropped := (after.HdrOps - before.HdrOps) + (after.BadLen - before.BadLen) + (after.BadSum - before.BadSum) +
			(after.NoPort - before.NoPort) + (after.NoPortBcast - before.NoPortBcast) + (after.FullSock - before.FullSock)
		if delivered == 0 && dropped != 1 || delivered > 0 && dropped != 0 || !broadcast && delivered > 1 {
			t.Fatalf("delivered %d, dropped %d (stats %+v -> %+v)", delivered, dropped, before, after)
		}
	})
}
