package ether

import (
	"bytes"
	"net/netip"
	"testing"
)

func TestParse(t *testing.T) {
	frame := []byte{
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x08, 0x06, 0xaa,
	}
	tests := []struct {
		name string
		in   []byte
		want Header
		ok   bool
	}{
		{"arp broadcast", frame, Header{Dst: Broadcast, Src: Addr{2, 0, 0, 0, 0, 1}, Type: TypeARP}, true},
		{"exact header", frame[:14], Header{Dst: Broadcast, Src: Addr{2, 0, 0, 0, 0, 1}, Type: TypeARP}, true},
		{"runt", frame[:13], Header{}, false},
		{"empty", nil, Header{}, false},
		{"802.3 length", append(append([]byte{}, frame[:12]...), 0x05, 0xdc), Header{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := Parse(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("Parse err = %v, want ok %v", err, tt.ok)
			}
			if h != tt.want {
				t.Fatalf("Parse = %+v, want %+v", h, tt.want)
			}
		})
	}
}

func TestPutRoundTrip(t *testing.T) {
	h := Header{Dst: Addr{1, 2, 3, 4, 5, 6}, Src: Addr{7, 8, 9, 10, 11, 12}, Type: TypeIPv4}
	p := make([]byte, HeaderLen)
	h.Put(p)
	want := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 8, 0}
	if !bytes.Equal(p, want) {
		t.Fatalf("Put = % x, want % x", p, want)
	}
	if got, err := Parse(p); err != nil || got != h {
		t.Fatalf("Parse(Put) = %+v, %v", got, err)
	}
}

func TestAddr(t *testing.T) {
	tests := []struct {
		a                  Addr
		bcast, mcast, zero bool
		str                string
	}{
		{Broadcast, true, true, false, "ff:ff:ff:ff:ff:ff"},
		{Addr{0x01, 0, 0x5e, 0, 0, 1}, false, true, false, "01:00:5e:00:00:01"},
		{Addr{0x02, 0, 0, 0, 0, 1}, false, false, false, "02:00:00:00:00:01"},
		{Addr{}, false, false, true, "00:00:00:00:00:00"},
	}
	for _, tt := range tests {
		if tt.a.IsBroadcast() != tt.bcast || tt.a.IsMulticast() != tt.mcast || tt.a.IsZero() != tt.zero || tt.a.String() != tt.str {
			t.Errorf("%v: broadcast %v multicast %v zero %v", tt.a, tt.a.IsBroadcast(), tt.a.IsMulticast(), tt.a.IsZero())
		}
	}
	if got := MulticastIPv4(netip.MustParseAddr("239.129.2.3")); got != (Addr{1, 0, 0x5e, 1, 2, 3}) {
		t.Errorf("MulticastIPv4 = %v", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 8, 0})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, p []byte) {
		h, err := Parse(p)
		if err != nil {
			return
		}
		q := make([]byte, HeaderLen)
		h.Put(q)
		if !bytes.Equal(q, p[:HeaderLen]) {
			t.Fatalf("round trip: % x != % x", q, p[:HeaderLen])
		}
	})
}
