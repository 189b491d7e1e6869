package inet

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// refSum is RFC 1071's checksum, 16 bits at a time.
func refSum(p []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(p); i += 2 {
		s += uint32(p[i])<<8 | uint32(p[i+1])
	}
	if len(p)%2 == 1 {
		s += uint32(p[len(p)-1]) << 8
	}
	for s>>16 != 0 {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

func TestChecksumMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		if got, want := Fold(Checksum(p, 0)), refSum(p); got != want {
			t.Fatalf("len %d: %#04x, want %#04x", n, got, want)
		}
		// Split at an even point: the sums add.
		if n >= 2 {
			cut := r.IntN(n/2) * 2
			if got, want := Fold(Checksum(p[cut:], Checksum(p[:cut], 0))), refSum(p); got != want {
				t.Fatalf("len %d cut %d: %#04x, want %#04x", n, cut, got, want)
			}
		}
	}
	p := make([]byte, 70000)
	for i := range p {
		p[i] = 0xff
	}
	if got, want := Fold(Checksum(p, 0)), refSum(p); got != want {
		t.Fatalf("all ones: %#04x, want %#04x", got, want)
	}
}

func TestPseudoHeader(t *testing.T) {
	src, dst := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("192.168.1.200")
	raw := []byte{10, 0, 0, 1, 192, 168, 1, 200, 0, 6, 0, 40}
	if got, want := Fold(PseudoHeader(src, dst, 6, 40)), refSum(raw); got != want {
		t.Fatalf("%#04x, want %#04x", got, want)
	}
}

func BenchmarkChecksum1500(b *testing.B) {
	p := make([]byte, 1500)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		Checksum(p, 0)
	}
}

func BenchmarkChecksum64K(b *testing.B) {
	p := make([]byte, 65000)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		Checksum(p, 0)
	}
}
