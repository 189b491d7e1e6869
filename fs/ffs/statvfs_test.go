package ffs_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// newfsImage returns an empty FFS image made by Newfs.
func newfsImage(t *testing.T, size int64, opts ffs.NewfsOptions) []byte {
	t.Helper()
	md := disk.NewMem(size, 512)
	if err := ffs.Newfs(md, opts); err != nil {
		t.Fatal(err)
	}
	return md.Bytes()
}

// fillUntilFull writes 64 KiB chunks to a new file at path until a write
// fails, and returns that error.
func fillUntilFull(t *testing.T, p *rump.Proc, path string) error {
	t.Helper()
	fd, err := p.Open(path, rump.O_WRONLY|rump.O_CREAT, 0o644)
	if err != nil {
		return err
	}
	defer p.Close(fd)
	chunk := make([]byte, 64<<10)
	for {
		if _, err := p.Write(fd, chunk); err != nil {
			return err
		}
	}
}

// TestStatvfsReserve checks statvfs and the minfree reserve as NetBSD's
// FFS has them: f_bavail leaves out the reserve (f_bresvd), f_files the
// two inodes never handed out; a user's writes stop with ENOSPC at the
// reserve while the superuser's go on into it.
func TestStatvfsReserve(t *testing.T) {
	for _, c := range []struct {
		version int
		minfree int64
	}{{1, 5}, {2, 5}, {2, 10}, {1, 1}} {
		t.Run(fmt.Sprintf("ufs%d-minfree%d", c.version, c.minfree), func(t *testing.T) {
			img := newfsImage(t, 16<<20, ffs.NewfsOptions{Version: c.version, MinFree: c.minfree})
			info, err := ffs.Probe(disk.NewMemFrom(img, 512))
			if err != nil {
				t.Fatal(err)
			}
			root := mountImage(t, img)
			st, err := root.Statvfs("/mnt")
			if err != nil {
				t.Fatal(err)
			}
			if want := st.Blocks * uint64(c.minfree) / 100; st.Bresvd != want {
				t.Errorf("f_bresvd %d, want %d (%d%% of %d)", st.Bresvd, want, c.minfree, st.Blocks)
			}
			if st.Bavail != st.Bfree-st.Bresvd {
				t.Errorf("f_bavail %d, want f_bfree %d - f_bresvd %d", st.Bavail, st.Bfree, st.Bresvd)
			}
			if want := uint64(info.Inodes - 2); st.Files != want {
				t.Errorf("f_files %d, want %d", st.Files, want)
			}

			if err := root.Mkdir("/mnt/pub", 0o777); err != nil {
				t.Fatal(err)
			}
			if err := root.Chmod("/mnt/pub", 0o777); err != nil {
				t.Fatal(err)
			}
			user, err := root.Fork(rump.ForkCopyFD)
			if err != nil {
				t.Fatal(err)
			}
			if err := user.SetCred(1000, 1000); err != nil {
				t.Fatal(err)
			}
			if err := fillUntilFull(t, user, "/mnt/pub/user"); !errors.Is(err, errno.ENOSPC) {
				t.Fatalf("a user filling the file system: %v, want ENOSPC", err)
			}
			st, err = root.Statvfs("/mnt")
			if err != nil {
				t.Fatal(err)
			}
			// The user stops once the free space is down to the reserve:
			// no more than a block past it.
			if st.Bavail != 0 || st.Bfree+uint64(info.BlockSize/info.FragmentSize) < st.Bresvd {
				t.Errorf("user stopped at f_bfree %d, f_bavail %d, reserve %d", st.Bfree, st.Bavail, st.Bresvd)
			}
			if err := user.Mkdir("/mnt/pub/d", 0o755); !errors.Is(err, errno.ENOSPC) {
				t.Errorf("a user's mkdir in the reserve: %v, want ENOSPC", err)
			}
			if err := user.WriteFile("/mnt/pub/long", make([]byte, 100), 0o644); !errors.Is(err, errno.ENOSPC) {
				t.Errorf("a user's new data in the reserve: %v, want ENOSPC", err)
			}
			// Writes are judged by the opener's credentials, as NetBSD's
			// f_cred: a descriptor root opened may use the reserve in a
			// process that has since dropped its privileges.
			fd, err := root.Open("/mnt/opened-by-root", rump.O_WRONLY|rump.O_CREAT, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			dropped, err := root.Fork(rump.ForkCopyFD)
			if err != nil {
				t.Fatal(err)
			}
			if err := dropped.SetCred(1000, 1000); err != nil {
				t.Fatal(err)
			}
			if _, err := dropped.Write(fd, make([]byte, 8192)); err != nil {
				t.Errorf("a write in the reserve on a descriptor root opened: %v", err)
			}
			if err := root.Mkdir("/mnt/rootdir", 0o755); err != nil {
				t.Errorf("the superuser's mkdir in the reserve: %v", err)
			}
			if err := fillUntilFull(t, root, "/mnt/root"); !errors.Is(err, errno.ENOSPC) {
				t.Fatalf("the superuser filling the reserve: %v, want ENOSPC", err)
			}
			after, err := root.Statvfs("/mnt")
			if err != nil {
				t.Fatal(err)
			}
			// What is left is fragments of partly used blocks, which 64 KiB
			// writes cannot take.
			if after.Bfree*10 > st.Bfree {
				t.Errorf("the superuser stopped at f_bfree %d (was %d at the reserve)", after.Bfree, st.Bfree)
			}
		})
	}
}
