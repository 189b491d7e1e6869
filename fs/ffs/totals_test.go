package ffs

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/vfs"
)

// oldTotals and wideTotals read the superblock's 32-bit totals at 192 and
// its 64-bit ones at 1008.
func oldTotals(sb *superblock, raw []byte) csumTotal {
	g := func(off int64) int64 { return int64(int32(sb.bo.Uint32(raw[sb.loc+off:]))) }
	return csumTotal{g(192), g(196), g(200), g(204)}
}

func wideTotals(sb *superblock, raw []byte) csumTotal {
	g := func(off int64) int64 { return int64(sb.bo.Uint64(raw[sb.loc+off:])) }
	return csumTotal{g(1008), g(1016), g(1024), g(1032)}
}

// putOldTotals and putWideTotals write them on md.
func putOldTotals(t *testing.T, md *disk.MemDisk, sb *superblock, c csumTotal) {
	b := make([]byte, 16)
	for i, v := range []int64{c.ndir, c.nbfree, c.nifree, c.nffree} {
		sb.bo.PutUint32(b[4*i:], uint32(int32(v)))
	}
	mustWriteAt(t, md, b, sb.loc+192)
}

func putWideTotals(t *testing.T, md *disk.MemDisk, sb *superblock, c csumTotal) {
	b := make([]byte, 32)
	for i, v := range []int64{c.ndir, c.nbfree, c.nifree, c.nffree} {
		sb.bo.PutUint64(b[8*i:], uint64(v))
	}
	mustWriteAt(t, md, b, sb.loc+1008)
}

// mustWriteAt writes b at off on md, reading and writing whole sectors.
func mustWriteAt(t *testing.T, md *disk.MemDisk, b []byte, off int64) {
	t.Helper()
	start := off &^ 511
	buf := make([]byte, (off+int64(len(b))+511)&^511-start)
	if _, err := md.ReadAt(buf, start); err != nil {
		t.Fatal(err)
	}
	copy(buf[off-start:], b)
	if _, err := md.WriteAt(buf, start); err != nil {
		t.Fatal(err)
	}
}

// fillFiles creates n files of size bytes each in the root of the file
// system on md, mounted read-write for the time.
func fillFiles(t *testing.T, md *disk.MemDisk, prefix string, n, size int) {
	t.Helper()
	v, err := New(testKernel(t), md, false)
	if err != nil {
		t.Fatal(err)
	}
	root, err := v.Vget(v.Root())
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte{0xa5}, size)
	for i := range n {
		c, err := root.Create(fmt.Sprintf("%s%d", prefix, i), &vfs.NewNode{Type: vfs.VREG, Mode: 0o644})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(data, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := root.Mkdir(prefix+"dir", &vfs.NewNode{Mode: 0o755}); err != nil {
		t.Fatal(err)
	}
	if err := v.Unmount(); err != nil {
		t.Fatal(err)
	}
}

// TestUFS1WideTotals follows NetBSD's rule for UFS1 superblocks with
// FS_FLAGS_UPDATED: the totals are the 64-bit fs_cstotal at 1008 alone,
// and the 32-bit copy at 192 is neither read nor written. An image that
// NetBSD wrote to has a stale 192 copy; the checker must call it clean,
// statvfs must count from 1008, and a write must not bring the stale
// copy back into the totals.
func TestUFS1WideTotals(t *testing.T) {
	for _, order := range []string{"le", "be"} {
		t.Run(order, func(t *testing.T) {
			md := disk.NewMem(64<<20, 512)
			if err := Newfs(md, NewfsOptions{Version: 1, BigEndian: order == "be"}); err != nil {
				t.Fatal(err)
			}
			sb, err := readSuperblock(md)
			if err != nil {
				t.Fatal(err)
			}
			fresh := oldTotals(sb, md.Bytes())
			if w := wideTotals(sb, md.Bytes()); w != fresh {
				t.Fatalf("a new UFS1 file system has totals %+v at 192 and %+v at 1008", fresh, w)
			}
			// Another implementation, as NetBSD does, writes files and
			// updates the totals at 1008 only.
			fillFiles(t, md, "netbsd", 40, 300<<10)
			putOldTotals(t, md, sb, fresh)
			truth := wideTotals(sb, md.Bytes())
			if truth == fresh {
				t.Fatal("writing files did not change the totals")
			}

			r, err := Check(md, CheckOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !r.Clean() {
				t.Fatalf("a consistent image with a stale old copy of the totals:\n%s", r)
			}
			v, err := New(testKernel(t), md, true)
			if err != nil {
				t.Fatal(err)
			}
			st, err := v.Statvfs()
			if err != nil {
				t.Fatal(err)
			}
			if want := uint64(truth.nbfree*sb.frag + truth.nffree); st.Bfree != want {
				t.Errorf("statvfs f_bfree %d, want %d from the totals at 1008", st.Bfree, want)
			}
			if st.Ffree != uint64(truth.nifree) {
				t.Errorf("statvfs f_ffree %d, want %d", st.Ffree, truth.nifree)
			}

			// gorump writes: the totals at 1008 follow, the copy at 192
			// stays as NetBSD left it, and the image still checks clean.
			fillFiles(t, md, "gorump", 10, 100<<10)
			if got := oldTotals(sb, md.Bytes()); got != fresh {
				t.Errorf("gorump rewrote the old totals: %+v, NetBSD left %+v", got, fresh)
			}
			if r, err := Check(md, CheckOptions{}); err != nil || !r.Clean() {
				t.Fatalf("after gorump wrote: %v\n%s", err, r)
			}
		})
	}
}

// TestUFS1OldTotals reads a UFS1 superblock from before FS_FLAGS_UPDATED,
// which keeps its totals only at 192: the space at 1008 means nothing
// there and stays untouched.
func TestUFS1OldTotals(t *testing.T) {
	md := disk.NewMem(32<<20, 512)
	if err := Newfs(md, NewfsOptions{Version: 1}); err != nil {
		t.Fatal(err)
	}
	sb, err := readSuperblock(md)
	if err != nil {
		t.Fatal(err)
	}
	mustWriteAt(t, md, []byte{0}, sb.loc+211)        // fs_old_flags: no FS_FLAGS_UPDATED, no flags
	mustWriteAt(t, md, make([]byte, 4), sb.loc+1312) // fs_flags
	garbage := csumTotal{7, 7, 7, 7}
	putWideTotals(t, md, sb, garbage)

	if r, err := Check(md, CheckOptions{}); err != nil || !r.Clean() {
		t.Fatalf("old-format UFS1: %v\n%s", err, r)
	}
	fillFiles(t, md, "f", 5, 50<<10)
	if got := wideTotals(sb, md.Bytes()); got != garbage {
		t.Errorf("the driver wrote totals at 1008 of an old-format superblock: %+v", got)
	}
	if r, err := Check(md, CheckOptions{}); err != nil || !r.Clean() {
		t.Fatalf("after writing: %v\n%s", err, r)
	}
}
