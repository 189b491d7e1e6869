package ffs_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/internal/peer"
)

// TestCheckMakefsImages checks every image Debian's makefs builds from
// the interop tree (empty files, fragments, single and double indirect
// blocks, a sparse file, short and long symlinks, a hard link, a deep
// directory chain and a 10,000-entry directory): UFS1 and UFS2, both
// byte orders, 4096/512 and the default geometry. All must be clean.
func TestCheckMakefsImages(t *testing.T) {
	makefs := peer.Require(t, "makefs", "makefs")
	tree := buildTree(t)
	dir := t.TempDir()
	for _, version := range []int{1, 2} {
		for _, order := range []string{"le", "be"} {
			for _, geom := range []string{"bsize=4096,fsize=512", "default"} {
				opts := fmt.Sprintf("version=%d", version)
				if geom != "default" {
					opts += "," + geom
				}
				name := fmt.Sprintf("ufs%d-%s-%s", version, order, geom)
				t.Run(name, func(t *testing.T) {
					img := filepath.Join(dir, name+".img")
					if out, err := exec.Command(makefs, "-t", "ffs", "-o", opts, "-B", order, "-s", "48m", img, tree).CombinedOutput(); err != nil {
						t.Fatalf("makefs: %v\n%s", err, out)
					}
					r := checkFile(t, img)
					if !r.Clean() {
						t.Fatalf("makefs image not clean:\n%s", r)
					}
					if r.BigEndian != (order == "be") || r.UFS2 != (version == 2) {
						t.Errorf("report says UFS2 %v, big-endian %v", r.UFS2, r.BigEndian)
					}
					// The tree: the root, sticky, big, 24 deep directories;
					// 10,012 files, "hard" and "one" being one inode.
					if r.Dirs != 27 || r.Files != 10012 {
						t.Errorf("%d directories and %d files counted, want 27 and 10012", r.Dirs, r.Files)
					}
					os.Remove(img)
				})
			}
		}
	}
}

// TestCheckOddGeometries checks small makefs images of other geometries:
// fragments as large as blocks, 16K blocks, short last groups. (makefs
// rounds every size up to whole blocks, so no image ends in a partial
// block.)
func TestCheckOddGeometries(t *testing.T) {
	makefs := peer.Require(t, "makefs", "makefs")
	tree := filepath.Join(t.TempDir(), "tree")
	if err := os.MkdirAll(filepath.Join(tree, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, size := range map[string]int{"f": 300, "d/g": 70000, "h": 9000} {
		if err := os.WriteFile(filepath.Join(tree, name), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ opts, size string }{
		{"version=1,bsize=8192,fsize=1024", "5000k"},
		{"version=2,bsize=8192,fsize=1024", "3000k"},
		{"version=2,bsize=4096,fsize=4096", "2m"},
		{"version=1,bsize=16384,fsize=2048,density=4096", "9m"},
		{"version=2,bsize=4096,fsize=1024,minfree=0,optimization=space", "6m"},
	} {
		t.Run(tc.opts+"-"+tc.size, func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "ffs.img")
			if out, err := exec.Command(makefs, "-t", "ffs", "-o", tc.opts, "-s", tc.size, img, tree).CombinedOutput(); err != nil {
				t.Fatalf("makefs: %v\n%s", err, out)
			}
			if r := checkFile(t, img); !r.Clean() {
				t.Fatalf("makefs image not clean:\n%s", r)
			}
		})
	}
}

func checkFile(t *testing.T, path string) *ffs.CheckReport {
	t.Helper()
	img, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ffs.Check(disk.NewMemFrom(img, 512), ffs.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
