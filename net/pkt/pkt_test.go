package pkt

import (
	"bytes"
	"testing"
)

func TestPrependTrimAppend(t *testing.T) {
	b := From(4, []byte("payload"))
	copy(b.Prepend(3), "hdr")
	if got := string(b.Bytes()); got != "hdrpayload" {
		t.Fatalf("after prepend: %q", got)
	}
	// Beyond the headroom: the data moves and stays intact.
	copy(b.Prepend(10), "0123456789")
	if got := string(b.Bytes()); got != "0123456789hdrpayload" {
		t.Fatalf("after growing prepend: %q", got)
	}
	if b.Headroom() < Headroom {
		t.Fatalf("headroom after growth = %d, want >= %d", b.Headroom(), Headroom)
	}
	b.TrimFront(13)
	b.Append(bytes.Repeat([]byte{'x'}, 5000))
	if b.Len() != 7+5000 || string(b.Bytes()[:7]) != "payload" || b.Bytes()[b.Len()-1] != 'x' {
		t.Fatalf("after append: len %d, %q...", b.Len(), b.Bytes()[:7])
	}
	b.Truncate(3)
	if got := string(b.Bytes()); got != "pay" {
		t.Fatalf("after truncate: %q", got)
	}
	c := b.Clone()
	b.Free()
	if got := string(c.Bytes()); got != "pay" {
		t.Fatalf("clone: %q", got)
	}
	c.Free()
}

func TestNewIsZeroed(t *testing.T) {
	for range 3 {
		b := New(Headroom, 1000)
		for i, v := range b.Bytes() {
			if v != 0 {
				t.Fatalf("byte %d = %d", i, v)
			}
		}
		for i := range b.Bytes() {
			b.Bytes()[i] = 0xff
		}
		b.Free()
	}
}

func BenchmarkNewFree(b *testing.B) {
	for b.Loop() {
		p := New(Headroom, 1460)
		p.Free()
	}
}
