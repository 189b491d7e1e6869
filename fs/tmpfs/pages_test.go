package tmpfs_test

import (
	"bytes"
	"testing"

	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// TestRecycledPagesReadZero checks that pages freed by one file and
// reused by another never show the old file's data: whatever a write
// does not cover reads as zeroes.
func TestRecycledPagesReadZero(t *testing.T) {
	const page = 4096
	p := boot(t, memhost.New(memhost.Options{}), rump.Options{})
	dirty := bytes.Repeat([]byte{0xff}, 64*page)
	for round := range 4 {
		if err := p.WriteFile("/dirty", dirty, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := p.Unlink("/dirty"); err != nil {
			t.Fatal(err)
		}
		fd, err := p.Open("/f", rump.O_RDWR|rump.O_CREAT|rump.O_TRUNC, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, 8*page)
		pwrite := func(b []byte, off int64) {
			t.Helper()
			if n, err := p.Pwrite(fd, b, off); err != nil || n != len(b) {
				t.Fatalf("round %d: pwrite at %d: %d, %v", round, off, n, err)
			}
			copy(want[off:], b)
		}
		pwrite([]byte("x"), 2*page+100)                        // inside one page
		pwrite(bytes.Repeat([]byte{7}, page), 4*page+7)        // across two pages
		pwrite(bytes.Repeat([]byte{9}, page), 6*page)          // a whole page
		pwrite(bytes.Repeat([]byte{5}, page/2), 7*page+page/2) // a page's tail
		// Shrinking into a page and growing again must zero its tail.
		if err := p.Ftruncate(fd, 4*page+10); err != nil {
			t.Fatal(err)
		}
		clear(want[4*page+10:])
		if err := p.Ftruncate(fd, int64(len(want))); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(want))
		if n, err := p.Pread(fd, got, 0); err != nil || n != len(got) {
			t.Fatalf("round %d: pread: %d, %v", round, n, err)
		}
		if i := firstDiff(got, want); i >= 0 {
			t.Fatalf("round %d: byte %d is %#x, want %#x", round, i, got[i], want[i])
		}
		if err := p.Close(fd); err != nil {
			t.Fatal(err)
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
