package ffstool

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestOutputDevice writes an image as to a device, which cannot be
// truncated and holds old bytes: pages never written must read as
// zeroes while building and be zeroes when done, including the rest of
// a page written in part.
func TestOutputDevice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev")
	if err := os.WriteFile(path, bytes.Repeat([]byte{0xa5}, 5*outPage), 0o644); err != nil {
		t.Fatal(err)
	}
	out, created, err := openOutput(path)
	if err != nil || created {
		t.Fatalf("openOutput: created %v, %v", created, err)
	}
	defer out.closeFile()
	out.regular = false // as for a block device
	if err := out.reset(4 * outPage); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 4*outPage)
	write := func(p []byte, off int64) {
		t.Helper()
		if n, err := out.WriteAt(p, off); err != nil || n != len(p) {
			t.Fatalf("WriteAt(%d bytes, %d) = %d, %v", len(p), off, n, err)
		}
		copy(want[off:], p)
	}
	write(bytes.Repeat([]byte{1}, 512), outPage+1024)          // part of a page
	write(make([]byte, outPage), 2*outPage)                    // zeroes to a page never written
	write(bytes.Repeat([]byte{2}, outPage+512), 3*outPage-512) // across a page boundary
	got := make([]byte, len(want))
	if _, err := out.ReadAt(got, 0); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back while building differs (%v)", err)
	}
	if err := out.finish(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b[:len(want)], want) {
		t.Error("the device holds other bytes than the image")
	}
	if b[len(want)] != 0xa5 {
		t.Error("finish wrote past the image")
	}
	if _, err := out.WriteAt([]byte{1}, 4*outPage); err == nil {
		t.Error("a write past the image succeeds")
	}
}
