package ffs_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gorump/gorump/internal/peer"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// writeWorkload changes a mounted file system in the ways that exercise
// allocation: fragments growing into blocks, indirect blocks, truncation,
// removal, renames across directories, symlinks of both kinds, hard
// links. It returns the expected regular-file contents by path.
func writeWorkload(t *testing.T, p *rump.Proc, root string) map[string][]byte {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][]byte{}
	put := func(name string, data []byte) {
		must(p.WriteFile(root+"/"+name, data, 0o644))
		want[name] = data
	}
	pattern := func(n, seed int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + seed*13 + i/251)
		}
		return b
	}
	must(p.Mkdir(root+"/a", 0o755))
	must(p.Mkdir(root+"/a/b", 0o700))
	must(p.Mkdir(root+"/c", 0o755))
	put("tiny", []byte("x"))
	put("a/frag", pattern(1500, 1))
	put("a/b/blocks", pattern(70000, 2))
	put("c/indirect", pattern(300000, 3))
	put("c/doomed", pattern(50000, 4))
	// Grow a fragment tail by appending, several times.
	fd, err := p.Open(root+"/a/grow", rump.O_CREAT|rump.O_WRONLY|rump.O_APPEND, 0o644)
	must(err)
	var grown []byte
	for i := range 40 {
		chunk := pattern(700+i*37, i)
		_, err := p.Write(fd, chunk)
		must(err)
		grown = append(grown, chunk...)
	}
	must(p.Close(fd))
	want["a/grow"] = grown
	// Shrink one file into a fragment and another to nothing.
	must(p.Truncate(root+"/c/indirect", 5000))
	want["c/indirect"] = want["c/indirect"][:5000]
	must(p.Truncate(root+"/a/b/blocks", 0))
	want["a/b/blocks"] = []byte{}
	must(p.Unlink(root + "/c/doomed"))
	delete(want, "c/doomed")
	must(p.Rename(root+"/a/b", root+"/c/b"))
	want["c/b/blocks"] = want["a/b/blocks"]
	delete(want, "a/b/blocks")
	must(p.Symlink("../tiny", root+"/a/short"))
	must(p.Symlink(strings.Repeat("long/", 30)+"end", root+"/a/long"))
	must(p.Link(root+"/a/frag", root+"/c/frag-link"))
	want["c/frag-link"] = want["a/frag"]
	for i := range 200 {
		put(fmt.Sprintf("c/many-%03d", i), pattern(i*10, i))
	}
	for i := 0; i < 200; i += 3 {
		must(p.Unlink(fmt.Sprintf("%s/c/many-%03d", root, i)))
		delete(want, fmt.Sprintf("c/many-%03d", i))
	}
	return want
}

// tskAgrees has The Sleuth Kit list the image at path and read every
// regular file: the files must be exactly want's, with want's contents.
// It returns the inode number of every name fls lists.
func tskAgrees(t *testing.T, fls, icat, path string, want map[string][]byte) map[string]string {
	t.Helper()
	out, err := exec.Command(fls, "-r", "-p", "-f", "ufs", path).CombinedOutput()
	if err != nil {
		t.Fatalf("fls: %v\n%s", err, out)
	}
	inodes := map[string]string{}
	var regular []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		// "r/r 4:\tname"; deleted entries carry a '*'.
		kind, rest, ok := strings.Cut(line, " ")
		if !ok || strings.Contains(rest, "*") || strings.Contains(rest, "$OrphanFiles") {
			continue
		}
		ino, name, _ := strings.Cut(rest, ":\t")
		inodes[name] = ino
		if kind == "r/r" {
			regular = append(regular, name)
		}
	}
	sort.Strings(regular)
	var wantNames []string
	for name := range want {
		wantNames = append(wantNames, name)
	}
	sort.Strings(wantNames)
	if strings.Join(regular, ",") != strings.Join(wantNames, ",") {
		t.Fatalf("fls lists files\n%v\nwant\n%v", regular, wantNames)
	}
	for name, data := range want {
		if _, err := strconv.Atoi(inodes[name]); err != nil {
			t.Fatalf("%s: inode %q", name, inodes[name])
		}
		got, err := exec.Command(icat, "-f", "ufs", path, inodes[name]).Output()
		if err != nil {
			t.Fatalf("icat %s: %v", name, err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s: icat reads %d bytes, want %d (or different bytes)", name, len(got), len(data))
		}
	}
	return inodes
}

// TestWrittenImageReadByTSK writes to a makefs-built UFS1 image in the
// kernel, then has The Sleuth Kit, an independent reader, list it and
// read every file back.
func TestWrittenImageReadByTSK(t *testing.T) {
	fls := peer.Require(t, "fls", "sleuthkit")
	icat := peer.Require(t, "icat", "sleuthkit")
	for _, order := range []string{"le", "be"} {
		t.Run("ufs1-"+order, func(t *testing.T) {
			img := blankImage(t, 1, order, "16m")
			host := memhost.New(memhost.Options{})
			hf := host.AddFile("ffs.img", img)
			k, err := rump.Init(rump.Options{Host: host})
			if err != nil {
				t.Fatal(err)
			}
			if err := k.EtfsRegister("/dev/ffs0", "ffs.img", rump.EtfsBlk); err != nil {
				t.Fatal(err)
			}
			p := k.InitProc()
			p.Mkdir("/mnt", 0o755)
			if err := p.Mount("ffs", "/dev/ffs0", "/mnt", 0, nil); err != nil {
				t.Fatal(err)
			}
			want := writeWorkload(t, p, "/mnt")
			if err := k.Halt(); err != nil {
				t.Fatal(err)
			}
			assertClean(t, hf.Bytes())
			path := filepath.Join(t.TempDir(), "written.img")
			if err := os.WriteFile(path, hf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			inodes := tskAgrees(t, fls, icat, path, want)
			for _, link := range []string{"a/short", "a/long"} {
				if _, ok := inodes[link]; !ok {
					t.Errorf("fls does not list %s", link)
				}
			}
		})
	}
}
