package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/peer"
)

// tarTestFile is one file of tarTestTree: content, or a symlink target.
type tarTestFile struct {
	data string
	exec bool
	link string
}

const tarTestPrefix = "gorump-20260102-0123456789ab"

// tarTestTree returns files whose paths (under tarTestPrefix) take every
// way through the header: short, split into ustar's prefix, longer than
// 255 bytes, a base name over 100 bytes, not ASCII, a link target over
// 100 bytes, and sizes on and around a block.
func tarTestTree() map[string]tarTestFile {
	a60, b60 := strings.Repeat("a", 60), strings.Repeat("b", 60)
	deep := strings.Repeat(strings.Repeat("c", 60)+"/", 5) // 305 bytes
	return map[string]tarTestFile{
		"short.txt":                          {data: "hello\n"},
		"empty":                              {},
		"block512":                           {data: strings.Repeat("x", 512)},
		"block513":                           {data: strings.Repeat("y", 513), exec: true},
		a60 + "/" + b60 + "/split.go":        {data: "package split\n"},
		deep + "deep.go":                     {data: "package deep\n"},
		"d/" + strings.Repeat("n", 120):      {data: "long base name\n"},
		"héllo/wörld.txt":                    {data: "utf-8\n"},
		"link":                               {link: "short.txt"},
		a60 + "/longlink":                    {link: "../" + deep + "deep.go"},
		a60 + "/" + b60 + "/" + b60 + "/dir": {link: "."},
	}
}

// writeTarTestTree writes tree under a new directory and returns it and
// the sorted file names.
func writeTarTestTree(t *testing.T, tree map[string]tarTestFile) (string, []string) {
	t.Helper()
	src := t.TempDir()
	for name, f := range tree {
		full := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if f.link != "" {
			if err := os.Symlink(f.link, full); err != nil {
				t.Fatal(err)
			}
			continue
		}
		mode := fs.FileMode(0o644)
		if f.exec {
			mode = 0o755
		}
		if err := os.WriteFile(full, []byte(f.data), mode); err != nil {
			t.Fatal(err)
		}
	}
	return src, slices.Sorted(mapKeys(tree))
}

// wantTarEntries returns the entries writeTarball should write for files:
// each directory once, before its first file.
func wantTarEntries(tree map[string]tarTestFile, files []string) []tar.Header {
	var want []tar.Header
	seen := map[string]bool{}
	for _, name := range files {
		parts := strings.Split(name, "/")
		for i := 1; i < len(parts); i++ {
			d := strings.Join(parts[:i], "/")
			if !seen[d] {
				seen[d] = true
				want = append(want, tar.Header{Typeflag: tar.TypeDir, Name: tarTestPrefix + "/" + d + "/", Mode: 0o755})
			}
		}
		f := tree[name]
		switch {
		case f.link != "":
			want = append(want, tar.Header{Typeflag: tar.TypeSymlink, Name: tarTestPrefix + "/" + name, Mode: 0o777, Linkname: f.link})
		case f.exec:
			want = append(want, tar.Header{Typeflag: tar.TypeReg, Name: tarTestPrefix + "/" + name, Mode: 0o755, Size: int64(len(f.data))})
		default:
			want = append(want, tar.Header{Typeflag: tar.TypeReg, Name: tarTestPrefix + "/" + name, Mode: 0o644, Size: int64(len(f.data))})
		}
	}
	return want
}

// TestWriteTarball reads writeTarball's archive back with archive/tar
// and checks every header and byte, and that it is deterministic.
func TestWriteTarball(t *testing.T) {
	tree := tarTestTree()
	src, files := writeTarTestTree(t, tree)
	date := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ball := filepath.Join(t.TempDir(), "t.tar.gz")
	if err := writeTarball(ball, src, tarTestPrefix, files, date); err != nil {
		t.Fatal(err)
	}
	raw := gunzipFile(t, ball)
	if len(raw)%512 != 0 || !bytes.Equal(raw[len(raw)-1024:], make([]byte, 1024)) {
		t.Errorf("archive of %d bytes does not end in two zero blocks", len(raw))
	}

	tr := tar.NewReader(bytes.NewReader(raw))
	for i, want := range wantTarEntries(tree, files) {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("entry %d (%s): %v", i, want.Name, err)
		}
		if hdr.Name != want.Name || hdr.Typeflag != want.Typeflag || hdr.Mode != want.Mode ||
			hdr.Size != want.Size || hdr.Linkname != want.Linkname ||
			hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" || hdr.Gname != "" || !hdr.ModTime.Equal(date) {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, *hdr, want)
		}
		if hdr.Format&(tar.FormatUSTAR|tar.FormatPAX) == 0 {
			t.Errorf("%s: format %v, want ustar or pax", hdr.Name, hdr.Format)
		}
		if strings.HasSuffix(hdr.Name, "/split.go") && hdr.Format != tar.FormatUSTAR {
			t.Errorf("%s: format %v, want its name split into ustar's prefix", hdr.Name, hdr.Format)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Errorf("%s: %v", hdr.Name, err)
		}
		if wantData := tree[strings.TrimPrefix(hdr.Name, tarTestPrefix+"/")].data; string(data) != wantData {
			t.Errorf("%s: %d bytes %.20q..., want %d bytes %.20q...", hdr.Name, len(data), data, len(wantData), wantData)
		}
	}
	if hdr, err := tr.Next(); err != io.EOF {
		t.Errorf("after the last entry: %v, %v; want io.EOF", hdr, err)
	}

	again := filepath.Join(t.TempDir(), "t.tar.gz")
	if err := writeTarball(again, src, tarTestPrefix, files, date); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(ball)
	second, _ := os.ReadFile(again)
	if !bytes.Equal(first, second) {
		t.Errorf("the same tree and date gave different archives")
	}
}

// TestWriteTarballSystemTar extracts writeTarball's archive with the
// system's tar and compares the tree with the source.
func TestWriteTarballSystemTar(t *testing.T) {
	tarPath := peer.Require(t, "tar", "tar")
	tree := tarTestTree()
	src, files := writeTarTestTree(t, tree)
	date := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ball := filepath.Join(t.TempDir(), "t.tar.gz")
	if err := writeTarball(ball, src, tarTestPrefix, files, date); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	if out, err := exec.Command(tarPath, "-xpzf", ball, "-C", dst).CombinedOutput(); err != nil {
		t.Fatalf("tar -x: %v\n%s", err, out)
	}
	if top, _ := os.ReadDir(dst); len(top) != 1 || top[0].Name() != tarTestPrefix {
		t.Fatalf("tar extracted %v, want only %s", top, tarTestPrefix)
	}

	got := map[string]bool{}
	root := filepath.Join(dst, tarTestPrefix)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		name := filepath.ToSlash(rel)
		got[name] = true
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		f, isFile := tree[name]
		switch {
		case d.IsDir():
			if isFile || st.Mode().Perm() != 0o755 {
				t.Errorf("%s: directory %v", name, st.Mode())
			}
		case !isFile:
			t.Errorf("%s: extracted, but not in the tree", name)
		case f.link != "":
			if link, err := os.Readlink(p); err != nil || link != f.link {
				t.Errorf("%s: link to %q (%v), want %q", name, link, err, f.link)
			}
		default:
			data, err := os.ReadFile(p)
			wantMode := fs.FileMode(0o644)
			if f.exec {
				wantMode = 0o755
			}
			if err != nil || string(data) != f.data || st.Mode() != wantMode || !st.ModTime().Equal(date) {
				t.Errorf("%s: %d bytes, %v, %v (%v); want %d bytes, %v, %v", name, len(data), st.Mode(), st.ModTime(), err, len(f.data), wantMode, date)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if !got[name] {
			t.Errorf("%s: not extracted", name)
		}
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if !got[d] {
				t.Errorf("%s: directory not extracted", d)
			}
		}
	}
}

// TestPAXRecordLength checks each record's length counts itself, also
// where adding its digits adds a digit.
func TestPAXRecordLength(t *testing.T) {
	for n := range 1100 {
		rec := paxRecord("path", strings.Repeat("p", n))
		size, _, ok := strings.Cut(rec, " ")
		if l, err := strconv.Atoi(size); err != nil || !ok || l != len(rec) {
			t.Errorf("value of %d bytes: record %.12q... of %d bytes says %s", n, rec, len(rec), size)
		}
	}
}

// TestTarWriterSizeMismatch checks a file's data must match its header.
func TestTarWriterSizeMismatch(t *testing.T) {
	tw := newTarWriter(io.Discard)
	if err := tw.writeHeader(tarEntry{name: "f", typeflag: tarTypeReg, mode: 0o644, size: 3}); err != nil {
		t.Fatal(err)
	}
	if n, err := tw.Write([]byte("abcd")); n != 3 || err != errTarWriteTooLong {
		t.Errorf("writing 4 bytes of 3: %d, %v", n, err)
	}
	tw = newTarWriter(io.Discard)
	if err := tw.writeHeader(tarEntry{name: "f", typeflag: tarTypeReg, mode: 0o644, size: 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte("ab")); err != nil {
		t.Fatal(err)
	}
	if err := tw.close(); err == nil {
		t.Errorf("close after 2 bytes of 3 succeeded")
	}
}

// TestNoCgo checks buildrump does not depend on cgo: go run builds it
// with the user's CC, which may be a cross compiler that cannot build
// runtime/cgo for the host. os/user (through archive/tar) brought it in.
func TestNoCgo(t *testing.T) {
	gocmd := peer.Require(t, "go", "golang-go")
	cmd := exec.Command(gocmd, "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "runtime/cgo" || pkg == "os/user" {
			t.Errorf("cmd/buildrump depends on %s: go run would build it with $CC", pkg)
		}
	}
}

func gunzipFile(t *testing.T, name string) []byte {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
