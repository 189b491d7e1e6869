//go:build linux

package posix

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// refSum is the textbook ones'-complement sum of 16-bit words.
func refSum(p []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(p); i += 2 {
		s += uint32(p[i])<<8 | uint32(p[i+1])
	}
	if len(p)%2 == 1 {
		s += uint32(p[len(p)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// TestFinishChecksum completes partial checksums of random frames and
// checks that the region then sums, with the pseudo-header sum the field
// held before, to all ones, as a receiver verifies.
func TestFinishChecksum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		frame := make([]byte, 60+rng.IntN(3000))
		for i := range frame {
			frame[i] = byte(rng.Uint32())
		}
		start := 34  // Ethernet + IPv4 header: a transport header
		offset := 16 // TCP's checksum field
		var hdr [vnetHdrLen]byte
		hdr[0] = vnetFNeedsCsum
		binary.LittleEndian.PutUint16(hdr[6:], uint16(start))
		binary.LittleEndian.PutUint16(hdr[8:], uint16(offset))
		pseudo := binary.BigEndian.Uint16(frame[start+offset:])
		if !finishChecksum(frame, hdr) {
			t.Fatal("refused a good header")
		}
		got := uint32(refSum(frame[start:])) + uint32(pseudo)
		got = got&0xffff + got>>16
		if got != 0xffff {
			t.Fatalf("%d-byte frame sums to %#x after completion", len(frame), got)
		}
	}
	var hdr [vnetHdrLen]byte
	binary.LittleEndian.PutUint16(hdr[6:], 100)
	if finishChecksum(make([]byte, 60), hdr) {
		t.Error("accepted offsets beyond the frame")
	}
}

// FuzzFinishChecksum: whatever virtio-net header and frame a TAP device
// hands over, completing the checksum stays inside the frame, and a frame
// it accepts then sums, with the partial sum the field held, to all ones.
func FuzzFinishChecksum(f *testing.F) {
	f.Add(make([]byte, 60), uint16(34), uint16(16))
	f.Add([]byte{1, 2, 3}, uint16(0), uint16(1))
	f.Fuzz(func(t *testing.T, frame []byte, start, offset uint16) {
		var hdr [vnetHdrLen]byte
		hdr[0] = vnetFNeedsCsum
		binary.LittleEndian.PutUint16(hdr[6:], start)
		binary.LittleEndian.PutUint16(hdr[8:], offset)
		field := int(start) + int(offset)
		var partial uint16
		if field+2 <= len(frame) {
			partial = binary.BigEndian.Uint16(frame[field:])
		}
		if !finishChecksum(frame, hdr) {
			return
		}
		got := uint32(refSum(frame[start:])) + uint32(partial)
		got = got&0xffff + got>>16
		if got != 0xffff && got != 0 {
			t.Fatalf("completed frame sums to %#04x from %d", got, start)
		}
	})
}

// TestSuperSegmentHeader: the virtio-net header that hands Linux a TCP
// super-segment names the headers' length, the segment size and where
// the TCP checksum is, with or without a VLAN tag and IP options; frames
// that hold no TCP/IPv4 packet get none.
func TestSuperSegmentHeader(t *testing.T) {
	frame := func(vlan bool, ipOpts, tcpOpts, payload int) []byte {
		var f []byte
		f = append(f, make([]byte, 12)...)
		if vlan {
			f = append(f, 0x81, 0x00, 0, 5)
		}
		f = append(f, 0x08, 0x00)
		ip := make([]byte, 20+ipOpts)
		ip[0] = 0x40 | byte((20+ipOpts)/4)
		ip[9] = 6
		tcp := make([]byte, 20+tcpOpts)
		tcp[12] = byte((20+tcpOpts)/4) << 4
		f = append(append(append(f, ip...), tcp...), make([]byte, payload)...)
		return f
	}
	for _, c := range []struct {
		vlan             bool
		ipOpts, tcpOpts  int
		csumStart, hdrLn int
	}{
		{false, 0, 12, 34, 66},
		{true, 0, 12, 38, 70},
		{false, 8, 0, 42, 62},
	} {
		f := frame(c.vlan, c.ipOpts, c.tcpOpts, 30000)
		hdr, ok := superSegmentHeader(f, 1448)
		if !ok {
			t.Fatalf("%+v: refused", c)
		}
		le := binary.LittleEndian
		if hdr[0] != vnetFNeedsCsum || hdr[1] != vnetGSOTCPv4 || int(le.Uint16(hdr[2:])) != c.hdrLn ||
			le.Uint16(hdr[4:]) != 1448 || int(le.Uint16(hdr[6:])) != c.csumStart || le.Uint16(hdr[8:]) != 16 {
			t.Errorf("%+v: header % x", c, hdr)
		}
	}
	udp := frame(false, 0, 0, 100)
	udp[14+9] = 17
	for name, f := range map[string][]byte{
		"UDP":        udp,
		"no payload": frame(false, 0, 0, 0),
		"truncated":  frame(false, 0, 0, 100)[:40],
		"ARP":        append(append(make([]byte, 12), 0x08, 0x06), make([]byte, 100)...),
	} {
		if _, ok := superSegmentHeader(f, 1448); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzSuperSegmentHeader: no frame makes the header builder panic, and
// what it accepts has its offsets inside the frame.
func FuzzSuperSegmentHeader(f *testing.F) {
	f.Add(make([]byte, 100), 1448)
	f.Fuzz(func(t *testing.T, frame []byte, gso int) {
		hdr, ok := superSegmentHeader(frame, gso)
		if !ok {
			return
		}
		le := binary.LittleEndian
		if int(le.Uint16(hdr[2:])) >= len(frame) || int(le.Uint16(hdr[6:]))+18 > len(frame) {
			t.Fatalf("offsets beyond a %d-byte frame: % x", len(frame), hdr)
		}
	})
}
