package ffs_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/internal/peer"
	"github.com/gorump/gorump/rump"
)

// buildTree makes the host tree every variant is built from: files of the
// sizes that exercise each part of the block map, links, owners, modes
// and nanosecond mtimes.
func buildTree(t *testing.T) string {
	root := filepath.Join(t.TempDir(), "tree")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(root, 0o755))
	rng := rand.New(rand.NewPCG(1, 2))
	data := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	files := map[string]int{
		"empty": 0, "one": 1, "frag": 512, "block": 4096, "block+1": 4097,
		"direct12": 12 * 4096, "single": 200 << 10, "double": 5 << 20,
	}
	for name, size := range files {
		must(os.WriteFile(filepath.Join(root, name), data(size), 0o644))
	}
	// A sparse file: a hole, then data past the direct blocks.
	f, err := os.Create(filepath.Join(root, "sparse"))
	must(err)
	_, err = f.WriteAt([]byte("tail"), 3<<20)
	must(err)
	must(f.Close())
	must(os.Symlink("one", filepath.Join(root, "short-link")))
	must(os.Symlink(strings.Repeat("long/", 40)+"target", filepath.Join(root, "long-link")))
	must(os.Link(filepath.Join(root, "one"), filepath.Join(root, "hard")))
	deep := root
	for i := range 24 {
		deep = filepath.Join(deep, fmt.Sprintf("d%02d", i))
	}
	must(os.MkdirAll(deep, 0o750))
	must(os.WriteFile(filepath.Join(deep, "bottom"), []byte("deep\n"), 0o600))
	big := filepath.Join(root, "big")
	must(os.Mkdir(big, 0o755))
	for i := range 10000 {
		must(os.WriteFile(filepath.Join(big, fmt.Sprintf("entry-%05d", i)), nil, 0o644))
	}
	must(os.Chown(filepath.Join(root, "one"), 1001, 2002))
	must(os.Chmod(filepath.Join(root, "frag"), 0o4755))
	sticky := filepath.Join(root, "sticky")
	must(os.Mkdir(sticky, 0o755))
	must(os.Chmod(sticky, 0o1777))
	must(os.Chown(sticky, 7, 8))
	when := time.Date(2021, 3, 4, 5, 6, 7, 123456789, time.UTC)
	must(os.Chtimes(filepath.Join(root, "block"), when, when))
	return root
}

type variant struct {
	version int
	order   string
}

func (v variant) String() string { return fmt.Sprintf("ufs%d-%s", v.version, v.order) }

func TestReadMakefsImages(t *testing.T) {
	makefs := peer.Require(t, "makefs", "makefs")
	tree := buildTree(t)
	for _, v := range []variant{{1, "le"}, {1, "be"}, {2, "le"}, {2, "be"}} {
		t.Run(v.String(), func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "ffs.img")
			out, err := exec.Command(makefs, "-t", "ffs", "-o", fmt.Sprintf("version=%d,bsize=4096,fsize=512", v.version),
				"-B", v.order, "-s", "48m", img, tree).CombinedOutput()
			if err != nil {
				t.Fatalf("makefs: %v\n%s", err, out)
			}
			k, err := rump.Init(rump.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer k.Halt()
			if err := k.EtfsRegister("/dev/ffs0", img, rump.EtfsBlk); err != nil {
				t.Fatal(err)
			}
			p := k.InitProc()
			if err := p.Mkdir("/mnt", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := p.Mount("ffs", "/dev/ffs0", "/mnt", rump.MNT_RDONLY, nil); err != nil {
				t.Fatal(err)
			}
			compareTree(t, p, tree, "/mnt")
		})
	}
}

// compareTree checks that every host entry under hostRoot appears under
// kernRoot with the same type, mode, owner, size, mtime, link count and
// contents, and that directories list the same names.
func compareTree(t *testing.T, p *rump.Proc, hostRoot, kernRoot string) {
	t.Helper()
	checked := 0
	err := filepath.WalkDir(hostRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(hostRoot, path)
		kpath := kernRoot
		if rel != "." {
			kpath = kernRoot + "/" + filepath.ToSlash(rel)
		}
		var hst syscall.Stat_t
		if err := syscall.Lstat(path, &hst); err != nil {
			return err
		}
		kst, err := p.Lstat(kpath)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		checked++
		if kst.Mode != hst.Mode {
			t.Errorf("%s: mode %o, want %o", rel, kst.Mode, hst.Mode)
		}
		if rel != "." && (kst.UID != hst.Uid || kst.GID != hst.Gid) {
			t.Errorf("%s: owner %d:%d, want %d:%d", rel, kst.UID, kst.GID, hst.Uid, hst.Gid)
		}
		if hst.Mode&syscall.S_IFMT != syscall.S_IFDIR && kst.Size != hst.Size {
			t.Errorf("%s: size %d, want %d", rel, kst.Size, hst.Size)
		}
		if hst.Mode&syscall.S_IFMT == syscall.S_IFREG && kst.Nlink != uint32(hst.Nlink) {
			t.Errorf("%s: %d links, want %d", rel, kst.Nlink, hst.Nlink)
		}
		// Debian's makefs stores whole seconds (nanoseconds 0).
		if rel != "." && (kst.Mtime.Sec != hst.Mtim.Sec || kst.Mtime.Nsec != 0) {
			t.Errorf("%s: mtime %v, want %d.%09d", rel, kst.Mtime, hst.Mtim.Sec, hst.Mtim.Nsec)
		}
		switch hst.Mode & syscall.S_IFMT {
		case syscall.S_IFREG:
			want, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			got, err := p.ReadFile(kpath)
			if err != nil {
				t.Errorf("%s: %v", rel, err)
			} else if !bytes.Equal(got, want) {
				t.Errorf("%s: contents differ (%d bytes read, %d on the host)", rel, len(got), len(want))
			}
		case syscall.S_IFLNK:
			want, _ := os.Readlink(path)
			got, err := p.Readlink(kpath)
			if err != nil || got != want {
				t.Errorf("%s: link %q, %v; want %q", rel, got, err, want)
			}
		case syscall.S_IFDIR:
			ents, err := os.ReadDir(path)
			if err != nil {
				return err
			}
			var want []string
			for _, e := range ents {
				want = append(want, e.Name())
			}
			got, err := listDir(p, kpath)
			if err != nil {
				t.Errorf("%s: %v", rel, err)
			} else if strings.Join(got, "/") != strings.Join(want, "/") {
				t.Errorf("%s: %d entries listed, want %d", rel, len(got), len(want))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10000 {
		t.Errorf("checked only %d entries", checked)
	}
}

func listDir(p *rump.Proc, path string) ([]string, error) {
	fd, err := p.Open(path, rump.O_RDONLY|rump.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	defer p.Close(fd)
	ents, err := p.ReadDir(fd, 0)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if e.Name != "." && e.Name != ".." {
			names = append(names, e.Name)
		}
	}
	sort.Strings(names)
	return names, nil
}
