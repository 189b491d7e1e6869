//go:build linux

package ffstool_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorump/gorump/fs/ffs/ffstool"
	"github.com/gorump/gorump/internal/peer"
)

// statvfs mounts img and describes its file system.
func statvfs(t *testing.T, img []byte) (freeFrags, freeInodes, frags int64) {
	t.Helper()
	st, err := mountImage(t, img).Statvfs("/mnt")
	if err != nil {
		t.Fatal(err)
	}
	return int64(st.Bfree), int64(st.Ffree), int64(st.Blocks)
}

func TestMakefsSizing(t *testing.T) {
	t.Parallel()
	src := makeTree(t, smallSpec)
	base := ffstool.MakefsOptions{Epoch: epoch}
	img, res := makeImage(t, src, base)
	free, freeInodes, frags := statvfs(t, img)
	t.Logf("computed: %d bytes, %d of %d fragments free, %d inodes free", res.Size, free, frags, freeInodes)
	// The minfree reserve (5%) stays free; not much more than it and
	// the slack does.
	if free < frags*5/100 {
		t.Errorf("%d of %d fragments free: less than the 5%% reserve", free, frags)
	}
	if free > frags*15/100+64 {
		t.Errorf("%d of %d fragments free: the computed size is loose", free, frags)
	}

	opts := base
	opts.FreeFiles, opts.FreeBlocks = 500, 300
	img, res = makeImage(t, src, opts)
	free2, freeInodes2, frags2 := statvfs(t, img)
	if freeInodes2 < 500 {
		t.Errorf("-f 500: %d inodes free", freeInodes2)
	}
	if want := 300*res.BlockSize/res.FragmentSize + frags2*5/100; free2 < want {
		t.Errorf("-b 300: %d fragments free, want at least %d", free2, want)
	}

	opts = base
	opts.FreeFilesPercent, opts.FreeBlocksPercent = 50, 50
	img, _ = makeImage(t, src, opts)
	if free3, freeInodes3, _ := statvfs(t, img); freeInodes3 <= freeInodes || free3 <= free {
		t.Errorf("-f 50%% -b 50%%: %d fragments, %d inodes free; without: %d, %d", free3, freeInodes3, free, freeInodes)
	}

	opts = base
	opts.MinSize = 4 << 20
	if _, res := makeImage(t, src, opts); res.Size != 4<<20 {
		t.Errorf("minimum size 4 MiB: made %d bytes", res.Size)
	}
	opts = base
	opts.Size = 3 << 20
	if _, res := makeImage(t, src, opts); res.Size != 3<<20 {
		t.Errorf("size 3 MiB: made %d bytes", res.Size)
	}
	opts = base
	opts.MaxSize = 256 << 10
	if _, err := ffstool.Makefs(filepath.Join(t.TempDir(), "x.img"), src, opts); err == nil || !strings.Contains(err.Error(), "maximum size") {
		t.Errorf("maximum size 256 KiB: %v", err)
	}
	opts = base
	opts.Size = 256 << 10
	if _, err := ffstool.Makefs(filepath.Join(t.TempDir(), "x.img"), src, opts); err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Errorf("size 256 KiB: %v", err)
	}
	opts = base
	opts.Density = 1 << 20
	if _, res := makeImage(t, src, opts); res.Density != 1<<20 {
		t.Errorf("density 1 MiB: made %d", res.Density)
	}
}

// TestMakefsSizeLikeMakefs compares the size computed for a tree
// without holes or blocks of zeroes (which Debian's makefs stores) with
// the one Debian's makefs computes. (Debian's makefs falls short of its
// own estimate for some trees and fails with ENOSPC; this one is not of
// them.)
func TestMakefsSizeLikeMakefs(t *testing.T) {
	t.Parallel()
	if raceEnabled || testing.Short() {
		t.Skip("66 MB of files: slow under the race detector and in -short")
	}
	makefs := peer.Require(t, "makefs", "makefs")
	src := filepath.Join(t.TempDir(), "src")
	for i := range 300 {
		dir := filepath.Join(src, fmt.Sprintf("d%02d", i%12))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", i)), pattern(int64(i*i*7), i), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []int{1, 2} {
		_, res := makeImage(t, src, ffstool.MakefsOptions{Version: v, Epoch: epoch})
		img := filepath.Join(t.TempDir(), "debian.img")
		out, err := exec.Command(makefs, "-t", "ffs", "-o", "version="+string(rune('0'+v)), img, src).CombinedOutput()
		if err != nil {
			t.Fatalf("makefs: %v\n%s", err, out)
		}
		st, err := os.Stat(img)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("UFS%d: %d bytes; Debian makefs: %d bytes", v, res.Size, st.Size())
		if res.Size > st.Size()*3/2 || res.Size < st.Size()/2 {
			t.Errorf("UFS%d: %d bytes, far from Debian makefs's %d", v, res.Size, st.Size())
		}
	}
}

func TestMakefsSkipsSockets(t *testing.T) {
	t.Parallel()
	src := filepath.Join(t.TempDir(), "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(src, "sock"))
	if err != nil {
		t.Skip("no unix sockets:", err)
	}
	defer l.Close()
	if err := os.WriteFile(filepath.Join(src, "file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	img, res := makeImage(t, src, ffstool.MakefsOptions{Epoch: epoch})
	if len(res.Skipped) != 1 || res.Skipped[0] != "sock" || res.Files != 1 {
		t.Errorf("skipped %v, %d files", res.Skipped, res.Files)
	}
	if _, err := mountImage(t, img).Lstat("/mnt/sock"); err == nil {
		t.Error("the socket is in the image")
	}
}

func TestMakefsProgress(t *testing.T) {
	t.Parallel()
	src := makeTree(t, smallSpec)
	var seen []ffstool.Progress
	opts := ffstool.MakefsOptions{Epoch: epoch, Progress: func(p ffstool.Progress) { seen = append(seen, p) }}
	_, res := makeImage(t, src, opts)
	if len(seen) == 0 {
		t.Fatal("no progress reported")
	}
	last := seen[len(seen)-1]
	if seen[0].Phase != "scan" || last.Phase != "copy" {
		t.Errorf("phases %q to %q", seen[0].Phase, last.Phase)
	}
	if last.Entries != last.TotalEntries || last.Bytes != last.TotalBytes || last.TotalBytes != res.FileBytes {
		t.Errorf("last progress %+v; the tree has %d bytes", last, res.FileBytes)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i].Phase == seen[i-1].Phase && (seen[i].Entries < seen[i-1].Entries || seen[i].Bytes < seen[i-1].Bytes) {
			t.Fatalf("progress goes back: %+v after %+v", seen[i], seen[i-1])
		}
	}
}

func TestMakefsSourceSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("src", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	img, res := makeImage(t, filepath.Join(dir, "link"), ffstool.MakefsOptions{Epoch: epoch})
	if res.Dirs != 2 {
		t.Errorf("%d directories, want 2", res.Dirs)
	}
	if st, err := mountImage(t, img).Lstat("/mnt/sub"); err != nil || st.Mode&0o170000 != 0o040000 {
		t.Errorf("/sub: %+v, %v", st, err)
	}
}

// TestMakefsClampTimes: with ClampTimes (makefs -T), times after the
// epoch become the epoch and earlier ones stay.
func TestMakefsClampTimes(t *testing.T) {
	t.Parallel()
	src := filepath.Join(t.TempDir(), "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	old, future := epoch.Add(-time.Hour), epoch.Add(time.Hour)
	for name, tm := range map[string]time.Time{"old": old, "future": future} {
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, tm, tm); err != nil {
			t.Fatal(err)
		}
	}
	img, _ := makeImage(t, src, ffstool.MakefsOptions{Epoch: epoch, ClampTimes: true})
	p := mountImage(t, img)
	for name, want := range map[string]time.Time{"old": old, "future": epoch} {
		st, err := p.Lstat("/mnt/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mtime.Sec != want.Unix() || st.Atime.Sec != want.Unix() {
			t.Errorf("%s: mtime %d, atime %d, want %d", name, st.Mtime.Sec, st.Atime.Sec, want.Unix())
		}
	}
}
