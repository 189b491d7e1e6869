package inet

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// rawPacket builds an IPv4 packet with a correct checksum.
func rawPacket(src, dst string, proto uint8, id uint16, frag uint16, ttl uint8, opts []byte, payload []byte) []byte {
	hlen := HeaderLen + len(opts)
	p := make([]byte, hlen+len(payload))
	p[0] = 0x40 | byte(hlen/4)
	binary.BigEndian.PutUint16(p[2:4], uint16(len(p)))
	binary.BigEndian.PutUint16(p[4:6], id)
	binary.BigEndian.PutUint16(p[6:8], frag)
	p[8], p[9] = ttl, proto
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(p[12:16], s[:])
	copy(p[16:20], d[:])
	copy(p[HeaderLen:], opts)
	setChecksum(p, hlen)
	copy(p[hlen:], payload)
	return p
}

func TestParseHeader(t *testing.T) {
	good := rawPacket("10.0.0.1", "10.0.0.2", ProtoUDP, 7, flagDF, 64, nil, []byte("payload"))
	withOpts := rawPacket("10.0.0.1", "10.0.0.2", ProtoTCP, 8, 0, 3, []byte{1, 1, 1, 0}, []byte("xy"))
	mod := func(p []byte, f func(p []byte)) []byte {
		q := append([]byte(nil), p...)
		f(q)
		return q
	}
	fix := func(p []byte) []byte {
		setChecksum(p, int(p[0]&0xf)*4)
		return p
	}
	tests := []struct {
		name string
		in   []byte
		want headerError
	}{
		{"good", good, hdrOK},
		{"options", withOpts, hdrOK},
		{"trailing padding", append(append([]byte(nil), good...), 0, 0, 0, 0), hdrOK},
		{"empty", nil, hdrTooShort},
		{"19 bytes", good[:19], hdrTooShort},
		{"version 6", fix(mod(good, func(p []byte) { p[0] = 0x65 })), hdrBadVersion},
		{"IHL 4", mod(good, func(p []byte) { p[0] = 0x44 }), hdrBadHeaderLen},
		{"IHL past the buffer", mod(good, func(p []byte) { p[0] = 0x4f }), hdrBadHeaderLen},
		{"total length short of the header", fix(mod(good, func(p []byte) { p[2], p[3] = 0, 19 })), hdrBadLen},
		{"total length past the buffer", fix(mod(good, func(p []byte) { p[3]++ })), hdrBadLen},
		{"truncated", good[:len(good)-1], hdrBadLen},
		{"checksum", mod(good, func(p []byte) { p[10] ^= 1 }), hdrBadSum},
		{"checksum of options", mod(withOpts, func(p []byte) { p[21] = 7 }), hdrBadSum},
	}
	for _, tt := range tests {
		h, err := parseHeader(tt.in)
		if err != tt.want {
			t.Errorf("%s: error %d, want %d", tt.name, err, tt.want)
			continue
		}
		if err != hdrOK {
			continue
		}
		if h.src != netip.MustParseAddr("10.0.0.1") || h.dst != netip.MustParseAddr("10.0.0.2") {
			t.Errorf("%s: addresses %v %v", tt.name, h.src, h.dst)
		}
	}
	h, _ := parseHeader(good)
	if h.hlen != 20 || h.totalLen != len(good) || h.id != 7 || !h.df() || h.mf() || h.ttl != 64 || h.proto != ProtoUDP {
		t.Errorf("fields: %+v", h)
	}
	h, _ = parseHeader(withOpts)
	if h.hlen != 24 || h.ttl != 3 {
		t.Errorf("options: %+v", h)
	}
}

func TestPutHeaderRoundTrip(t *testing.T) {
	h := ipHeader{hlen: 20, tos: 0x10, totalLen: 40, id: 0xbeef, frag: flagMF | 3, ttl: 9, proto: ProtoTCP,
		src: netip.MustParseAddr("1.2.3.4"), dst: netip.MustParseAddr("5.6.7.8")}
	p := make([]byte, 40)
	putHeader(p, &h)
	got, err := parseHeader(p)
	if err != hdrOK || got != h {
		t.Fatalf("parse(put(%+v)) = %+v, %d", h, got, err)
	}
	if got.fragOffset() != 24 {
		t.Errorf("fragment offset %d", got.fragOffset())
	}
}

func TestCopiedOptions(t *testing.T) {
	tests := []struct {
		name string
		opts []byte
		want []byte
	}{
		{"none", nil, nil},
		{"nops", []byte{1, 1, 1, 1}, nil},
		// Loose source route (0x83) is copied; record route (7) is not.
		{"lsrr and rr", []byte{0x83, 7, 4, 1, 2, 3, 4, 7, 7, 4, 0, 0, 0, 0, 0, 0}, []byte{0x83, 7, 4, 1, 2, 3, 4, 0}},
		{"bad length", []byte{0x83, 1, 0, 0}, nil},
		{"past the end", []byte{0x83, 9, 0, 0}, nil},
		{"end of list", []byte{0, 0x83, 4, 0}, nil},
	}
	for _, tt := range tests {
		hdr := append(make([]byte, HeaderLen), tt.opts...)
		if got := copiedOptions(hdr); !bytes.Equal(got, tt.want) {
			t.Errorf("%s: % x, want % x", tt.name, got, tt.want)
		}
	}
}

func TestFragment(t *testing.T) {
	payload := make([]byte, 3000)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	pk := rawPacket("10.0.0.1", "10.0.0.2", ProtoUDP, 42, 0, 64, []byte{0x83, 7, 4, 1, 2, 3, 4, 7, 3, 4, 0, 0}, payload)
	frags, err := fragment(pk, 1500)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for i, f := range frags {
		p := f.Bytes()
		if len(p) > 1500 {
			t.Errorf("fragment %d: %d bytes", i, len(p))
		}
		h, herr := parseHeader(p)
		if herr != hdrOK {
			t.Fatalf("fragment %d: header error %d", i, herr)
		}
		if h.id != 42 || h.mf() != (i < len(frags)-1) || h.fragOffset() != len(got) {
			t.Errorf("fragment %d: %+v offset %d", i, h, h.fragOffset())
		}
		if i == 0 && h.hlen != 32 || i > 0 && h.hlen != 28 {
			t.Errorf("fragment %d: header length %d", i, h.hlen)
		}
		if h.mf() && (h.totalLen-h.hlen)%8 != 0 {
			t.Errorf("fragment %d: %d data bytes", i, h.totalLen-h.hlen)
		}
		got = append(got, p[h.hlen:]...)
		f.Free()
	}
	if !bytes.Equal(got, payload) {
		t.Error("fragments do not add up to the payload")
	}
	if _, err := fragment(rawPacket("10.0.0.1", "10.0.0.2", ProtoUDP, 1, flagDF, 64, nil, payload), 1500); err == nil {
		t.Error("fragmented a DF packet")
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add(rawPacket("10.0.0.1", "10.0.0.2", ProtoUDP, 7, flagDF, 64, nil, []byte("payload")))
	f.Add(rawPacket("10.0.0.1", "10.0.0.2", ProtoTCP, 8, 0, 3, []byte{0x83, 7, 4, 1, 2, 3, 4, 0}, []byte("xy")))
	f.Fuzz(func(t *testing.T, p []byte) {
		h, err := parseHeader(p)
		if err != hdrOK {
			return
		}
		if h.hlen < HeaderLen || h.hlen > h.totalLen || h.totalLen > len(p) {
			t.Fatalf("accepted inconsistent lengths %+v for %d bytes", h, len(p))
		}
		copiedOptions(p[:h.hlen])
		if frags, err := fragment(p, 68); err == nil {
			n := 0
			for _, f := range frags {
				fh, ferr := parseHeader(f.Bytes())
				if ferr != hdrOK || fh.totalLen > 68 {
					t.Fatalf("bad fragment % x", f.Bytes())
				}
				n += fh.totalLen - fh.hlen
			}
			if n != h.totalLen-h.hlen {
				t.Fatalf("fragments carry %d bytes of %d", n, h.totalLen-h.hlen)
			}
		}
	})
}

// TestStatsMirror checks that the atomic counters and Stats line up
// field for field, as Stats copies them by position.
func TestStatsMirror(t *testing.T) {
	if a, b := reflect.TypeFor[stats]().NumField(), reflect.TypeFor[Stats]().NumField(); a != b {
		t.Fatalf("stats has %d fields, Stats %d", a, b)
	}
	for i := range reflect.TypeFor[Stats]().NumField() {
		a := reflect.TypeFor[stats]().Field(i).Name
		b := reflect.TypeFor[Stats]().Field(i).Name
		if !strings.EqualFold(a, b) {
			t.Errorf("field %d: %s and %s", i, a, b)
		}
	}
}
