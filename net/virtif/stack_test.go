package virtif

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gorump/gorump/net/ifnet"
	_ "github.com/gorump/gorump/net/inet" // IPv4, ICMP, ARP
)

// cksum is the Internet checksum of p.
func cksum(p []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(p); i += 2 {
		s += uint32(binary.BigEndian.Uint16(p[i:]))
	}
	if len(p)%2 == 1 {
		s += uint32(p[len(p)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// TestStackOverTap attaches a link to a kernel's interfaces and has the
// host side resolve the kernel's address and ping it, as Linux does in
// the interop tests, without needing root.
func TestStackOverTap(t *testing.T) {
	h := newTapHost()
	k := boot(t, h)
	defer k.Halt()
	l, err := Create(k, Config{HostName: "tap0"})
	if err != nil {
		t.Fatal(err)
	}
	ifp, err := ifnet.Of(k).Attach(l)
	if err != nil {
		t.Fatal(err)
	}
	if ifp.Name() != "virt0" {
		t.Errorf("interface %s, want virt0", ifp.Name())
	}
	if err := ifp.AddAddr(netip.MustParsePrefix("10.0.0.2/24")); err != nil {
		t.Fatal(err)
	}
	if err := ifp.SetUp(true); err != nil {
		t.Fatal(err)
	}
	tap := h.taps["tap0"]
	host := [6]byte{2, 0, 0, 0, 0, 1}
	kmac := l.Info().Addr
	// next returns the next frame of the given type, skipping others
	// (the kernel announces its address with gratuitous ARP).
	next := func(what string, etherType, arpOp uint16) []byte {
		t.Helper()
		for {
			select {
			case f := <-tap.out:
				if binary.BigEndian.Uint16(f[12:]) != etherType ||
					etherType == 0x0806 && binary.BigEndian.Uint16(f[20:]) != arpOp {
					continue
				}
				return f
			case <-time.After(5 * time.Second):
				t.Fatalf("no %s from the kernel", what)
				return nil
			}
		}
	}

	// ARP: who has 10.0.0.2? Tell 10.0.0.1.
	arp := make([]byte, 42)
	copy(arp[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	copy(arp[6:12], host[:])
	binary.BigEndian.PutUint16(arp[12:], 0x0806)
	copy(arp[14:22], []byte{0, 1, 8, 0, 6, 4, 0, 1})
	copy(arp[22:28], host[:])
	copy(arp[28:32], []byte{10, 0, 0, 1})
	copy(arp[38:42], []byte{10, 0, 0, 2})
	tap.in <- arp
	reply := next("ARP reply", 0x0806, 2)
	if [6]byte(reply[0:6]) != host || [6]byte(reply[22:28]) != kmac || [4]byte(reply[28:32]) != [4]byte{10, 0, 0, 2} {
		t.Fatalf("ARP reply % x", reply)
	}

	// ICMP echo request from 10.0.0.1.
	ping := make([]byte, 14+20+8+32)
	copy(ping[0:6], kmac[:])
	copy(ping[6:12], host[:])
	binary.BigEndian.PutUint16(ping[12:], 0x0800)
	ip := ping[14:34]
	ip[0], ip[8], ip[9] = 0x45, 64, 1
	binary.BigEndian.PutUint16(ip[2:], uint16(len(ping)-14))
	copy(ip[12:16], []byte{10, 0, 0, 1})
	copy(ip[16:20], []byte{10, 0, 0, 2})
	binary.BigEndian.PutUint16(ip[10:], cksum(ip))
	icmp := ping[34:]
	icmp[0] = 8
	binary.BigEndian.PutUint16(icmp[4:], 0x1234)
	binary.BigEndian.PutUint16(icmp[6:], 1)
	for i := 8; i < len(icmp); i++ {
		icmp[i] = byte(i)
	}
	binary.BigEndian.PutUint16(icmp[2:], cksum(icmp))
	tap.in <- ping
	echo := next("echo reply", 0x0800, 0)
	if len(echo) != len(ping) || binary.BigEndian.Uint16(echo[12:]) != 0x0800 || [6]byte(echo[0:6]) != host {
		t.Fatalf("echo reply % x", echo)
	}
	if cksum(echo[14:34]) != 0 || cksum(echo[34:]) != 0 {
		t.Error("echo reply with a bad checksum")
	}
	if echo[34] != 0 || binary.BigEndian.Uint16(echo[38:]) != 0x1234 || string(echo[42:]) != string(ping[42:]) {
		t.Errorf("echo reply % x", echo[34:])
	}
}
