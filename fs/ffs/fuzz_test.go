package ffs

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/vfs"
)

// loadImage reads a gzipped test image made by Debian's makefs.
func loadImage(t testing.TB, name string) []byte {
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// walkAll reads every directory, file and symlink reachable from the root
// of an FFS, bounded so that a looping tree cannot hang it.
func walkAll(fsys vfs.FileSystem) {
	seen := map[vfs.Ino]bool{}
	var walk func(ino vfs.Ino, depth int)
	walk = func(ino vfs.Ino, depth int) {
		if seen[ino] || depth > 64 || len(seen) > 4096 {
			return
		}
		seen[ino] = true
		n, err := fsys.Vget(ino)
		if err != nil {
			return
		}
		a, _ := n.Attr()
		switch a.Type {
		case vfs.VDIR:
			var kids []vfs.Ino
			n.ReadDir(0, func(d vfs.Dirent) bool {
				if d.Name != "." && d.Name != ".." {
					kids = append(kids, d.Ino)
				}
				n.Lookup(d.Name)
				return len(kids) < 1024
			})
			for _, k := range kids {
				walk(k, depth+1)
			}
		case vfs.VREG:
			buf := make([]byte, 64<<10)
			for off := int64(0); off < min(a.Size, 1<<20); off += int64(len(buf)) {
				if _, err := n.Read(buf, off); err != nil {
					return
				}
			}
		case vfs.VLNK:
			n.Readlink()
		}
	}
	walk(fsys.Root(), 0)
	fsys.Statvfs()
}

func TestSmallImagesReadable(t *testing.T) {
	for _, name := range []string{"small-ufs1.img.gz", "small-ufs2.img.gz"} {
		img := loadImage(t, name)
		fsys, err := New(nil, disk.NewMemFrom(img, 512), true)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		root, _ := fsys.Vget(fsys.Root())
		ino, err := root.Lookup("a")
		if err != nil {
			t.Fatalf("%s: lookup a: %v", name, err)
		}
		n, _ := fsys.Vget(ino)
		buf := make([]byte, 16)
		got, _ := n.Read(buf, 0)
		if string(buf[:got]) != "hello\n" {
			t.Errorf("%s: a reads %q", name, buf[:got])
		}
		walkAll(fsys)
	}
}

func TestRejectsGarbage(t *testing.T) {
	if _, err := New(nil, disk.NewMem(1<<20, 512), true); err == nil {
		t.Error("mounted a blank disk")
	}
	img := loadImage(t, "small-ufs2.img.gz")
	binary.LittleEndian.PutUint32(img[8192+48:], 3000) // block size not a power of two
	if _, err := New(nil, disk.NewMemFrom(img, 512), true); err == nil {
		t.Error("mounted a superblock with a bad block size")
	}
}

// FuzzSuperblock feeds mangled superblocks to the parser in both byte
// orders; whatever it accepts must have a sane geometry.
func FuzzSuperblock(f *testing.F) {
	for _, name := range []string{"small-ufs1.img.gz", "small-ufs2.img.gz"} {
		img := loadImage(f, name)
		f.Add(img[8192 : 8192+maxSuperblock])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < maxSuperblock {
			b = append(b, make([]byte, maxSuperblock-len(b))...)
		}
		for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			sb, err := parseSuperblock(b[:maxSuperblock], bo, 8192, 1<<30)
			if err != nil {
				continue
			}
			if sb.bsize < minBlockSize || sb.fsize < 512 || sb.inopb < 1 || sb.nindir < 1 || sb.ipg < 1 {
				t.Fatalf("accepted bad geometry: %+v", sb)
			}
			last := sb.ncg*sb.ipg - 1
			if sb.inodeAddr(last) < 0 {
				t.Fatalf("inode address overflows")
			}
		}
	})
}

// FuzzImage patches bytes of a real image anywhere (superblock, inodes,
// directories, indirect blocks) and reads the whole tree: it must never
// panic or hang, whatever it returns.
func FuzzImage(f *testing.F) {
	imgs := [][]byte{loadImage(f, "small-ufs1.img.gz"), loadImage(f, "small-ufs2.img.gz")}
	f.Add(false, uint32(8192+48), []byte{0, 0x20})
	f.Add(true, uint32(8192+1372), []byte{1})
	f.Add(false, uint32(32*512+2*128), bytes.Repeat([]byte{0xff}, 64))
	f.Add(true, uint32(32*512+2*256+112), bytes.Repeat([]byte{0x7f}, 16))
	f.Fuzz(func(t *testing.T, ufs2 bool, at uint32, patch []byte) {
		base := imgs[0]
		if ufs2 {
			base = imgs[1]
		}
		img := bytes.Clone(base)
		copy(img[int(at)%len(img):], patch)
		withDeadline(t, "reading the image", func() {
			fsys, err := New(nil, disk.NewMemFrom(img, 512), true)
			if err != nil {
				return
			}
			walkAll(fsys)
		})
	})
}

// withDeadline runs f and fails t, with every goroutine's stack, if f has
// not returned within 5 s: a fuzz input that hangs is a failure too.
func withDeadline(t *testing.T, what string, f func()) {
	t.Helper()
	withDeadlineAfter(t, 5*time.Second, what, f)
}

// withDeadlineAfter is withDeadline with another limit.
func withDeadlineAfter(t *testing.T, limit time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		buf := make([]byte, 1<<20)
		t.Fatalf("%s hangs:\n%s", what, buf[:runtime.Stack(buf, true)])
	}
}
