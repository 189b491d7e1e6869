package arp

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/gorump/gorump/net/ether"
)

func TestPacketRoundTrip(t *testing.T) {
	tests := []Packet{
		{Op: OpRequest, SHA: ether.Addr{2, 0, 0, 0, 0, 1}, SPA: netip.MustParseAddr("10.0.0.1"), TPA: netip.MustParseAddr("10.0.0.2")},
		{Op: OpReply, SHA: ether.Addr{2, 0, 0, 0, 0, 2}, SPA: netip.MustParseAddr("10.0.0.2"), THA: ether.Addr{2, 0, 0, 0, 0, 1}, TPA: netip.MustParseAddr("10.0.0.1")},
	}
	for _, p := range tests {
		b := make([]byte, HeaderLen)
		p.Put(b)
		got, err := Parse(b)
		if err != nil || got != p {
			t.Errorf("Parse(Put(%+v)) = %+v, %v", p, got, err)
		}
	}
	// A request as Linux sends it.
	wire := []byte{0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2}
	p, err := Parse(wire)
	if err != nil || p.Op != OpRequest || p.SPA != netip.MustParseAddr("10.0.0.1") || p.TPA != netip.MustParseAddr("10.0.0.2") {
		t.Fatalf("Parse(wire) = %+v, %v", p, err)
	}
	out := make([]byte, HeaderLen)
	p.Put(out)
	if !bytes.Equal(out, wire) {
		t.Errorf("Put = % x", out)
	}
}

func TestParseRejects(t *testing.T) {
	good := []byte{0, 1, 8, 0, 6, 4, 0, 2, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2}
	tests := []struct {
		name string
		off  int
		val  byte
	}{
		{"hardware type", 1, 6},
		{"protocol type", 2, 0x86},
		{"hardware length", 4, 8},
		{"protocol length", 5, 16},
		{"operation 0", 7, 0},
		{"operation 3", 7, 3},
	}
	for _, tt := range tests {
		b := append([]byte(nil), good...)
		b[tt.off] = tt.val
		if _, err := Parse(b); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, err := Parse(good[:HeaderLen-1]); err == nil {
		t.Error("short packet accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte{0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2})
	f.Add([]byte{0, 1, 8, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		out := make([]byte, HeaderLen)
		p.Put(out)
		if !bytes.Equal(out, b[:HeaderLen]) {
			t.Fatalf("round trip: % x != % x", out, b[:HeaderLen])
		}
	})
}
