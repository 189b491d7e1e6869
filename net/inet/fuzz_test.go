package inet

import (
	"encoding/binary"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/arp"
	"github.com/gorump/gorump/net/ether"
	"github.com/gorump/gorump/net/pkt"
)

// TestNeighbourUnreachable sends to an address nobody answers ARP for:
// the transport hears "unreachable" once ARP gives up, and later sends
// fail with EHOSTUNREACH.
func TestNeighbourUnreachable(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		n := newBubbleNet(t)
		rec := newRecorder()
		n.ipa.Register(ProtoUDP, rec)
		ghost := mustAddr("10.0.0.77")
		if err := n.ipa.Output(udpish(5, 6, "boo"), Out{Dst: ghost, Proto: ProtoUDP}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if len(rec.ctl) != 1 || rec.ctl[0].Kind != ControlUnreachable || rec.ctl[0].Dst != ghost ||
			binary.BigEndian.Uint16(rec.ctl[0].Transport[0:2]) != 5 {
			t.Fatalf("controls %+v", rec.ctl)
		}
		if err := n.ipa.Output(udpish(5, 6, "boo"), Out{Dst: ghost, Proto: ProtoUDP}); !errors.Is(err, errno.EHOSTUNREACH) {
			t.Errorf("second send: %v", err)
		}
		if st := arp.Of(n.ka).Stats(); st.Timeouts != 1 {
			t.Errorf("ARP stats %+v", st)
		}
	})
}

// FuzzInput feeds arbitrary IPv4 packets to B's input, with and without
// a fixed-up header checksum, so that the checks after it are reached.
func FuzzInput(f *testing.F) {
	f.Add(rawPacket("10.0.0.1", "10.0.0.2", ProtoICMP, 1, 0, 64, nil, echoRequest(1, 2, []byte("ping"))), true)
	f.Add(rawPacket("10.0.0.1", "10.0.0.2", ProtoUDP, 1, flagMF, 64, nil, make([]byte, 16)), true)
	f.Add(rawPacket("10.0.0.1", "10.0.0.2", ProtoUDP, 1, 2, 64, []byte{0x83, 3, 0, 0}, make([]byte, 16)), true)
	f.Add(rawPacket("10.0.0.1", "10.0.0.9", ProtoTCP, 1, 0, 1, nil, make([]byte, 20)), false)
	f.Fuzz(func(t *testing.T, p []byte, fixSum bool) {
		n := newFuzzNet(t)
		if fixSum && len(p) >= HeaderLen {
			if hlen := int(p[0]&0xf) * 4; hlen >= HeaderLen && hlen <= len(p) {
				setChecksum(p, hlen)
			}
		}
		n.ipb.input(n.ifb, pkt.From(pkt.Headroom, p))
	})
}

// FuzzICMP feeds arbitrary ICMP messages, in a good IPv4 packet, to B.
func FuzzICMP(f *testing.F) {
	f.Add(echoRequest(1, 2, []byte("ping")), true)
	quoted := rawPacket("10.0.0.2", "10.0.0.1", ProtoUDP, 1, 0, 64, nil, []byte{0, 1, 0, 2, 0, 8, 0, 0})
	for _, tc := range [][2]byte{{3, 3}, {3, 4}, {11, 0}, {3, 1}, {12, 0}} {
		m := append([]byte{tc[0], tc[1], 0, 0, 0, 0, 2, 0}, quoted...)
		f.Add(m, true)
	}
	f.Fuzz(func(t *testing.T, m []byte, fixSum bool) {
		n := newFuzzNet(t)
		if fixSum && len(m) >= 4 {
			m[2], m[3] = 0, 0
			binary.BigEndian.PutUint16(m[2:4], Fold(Checksum(m, 0)))
		}
		n.ipb.input(n.ifb, pkt.From(pkt.Headroom, rawPacket("10.0.0.1", "10.0.0.2", ProtoICMP, 1, 0, 64, nil, m)))
	})
}

// FuzzEtherInput feeds arbitrary frames to B's interface: Ethernet, ARP
// and everything above.
func FuzzEtherInput(f *testing.F) {
	n := func() []byte {
		fr := make([]byte, ether.HeaderLen+arp.HeaderLen)
		ether.Header{Dst: ether.Broadcast, Src: ether.Addr{2, 0, 0, 0, 0, 1}, Type: ether.TypeARP}.Put(fr)
		arp.Packet{Op: arp.OpRequest, SHA: ether.Addr{2, 0, 0, 0, 0, 1}, SPA: mustAddr("10.0.0.1"), TPA: mustAddr("10.0.0.2")}.Put(fr[ether.HeaderLen:])
		return fr
	}
	f.Add(n())
	ipf := append(make([]byte, ether.HeaderLen), rawPacket("10.0.0.1", "10.0.0.2", ProtoICMP, 1, 0, 64, nil, echoRequest(1, 2, nil))...)
	ether.Header{Dst: ether.Addr{2, 0, 0, 0, 0, 2}, Src: ether.Addr{2, 0, 0, 0, 0, 1}, Type: ether.TypeIPv4}.Put(ipf)
	f.Add(ipf)
	f.Fuzz(func(t *testing.T, fr []byte) {
		net := newFuzzNet(t)
		net.lb.Inject(fr)
	})
}
