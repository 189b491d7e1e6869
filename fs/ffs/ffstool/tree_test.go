//go:build linux

package ffstool_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// A source tree with everything makefs must carry over. Each spec is
// made by the test; times, owners and modes are set explicitly, so two
// trees made from the same spec are the same tree.
type treeSpec struct {
	bigDir    int   // entries in the big directory (0: none)
	deep      int   // levels of the deep tree
	doubleLen int64 // size of the file that needs a double indirect block
	sparseLen int64 // size of the sparse file
}

// fullSpec is the tree of the fidelity tests.
var fullSpec = treeSpec{bigDir: 10000, deep: 40, doubleLen: 17<<20 + 12345, sparseLen: 40 << 20}

// mediumSpec is fullSpec with a 1,000-entry directory.
var mediumSpec = treeSpec{bigDir: 1000, deep: 40, doubleLen: 17<<20 + 12345, sparseLen: 40 << 20}

// quick returns a smaller spec under the race detector or -short, which
// make the driver's scan of a directory for room for each new entry, and
// every pass over megabytes, far slower: a 500-entry directory, a
// double-indirect file only for 4096-byte blocks, and a smaller sparse
// file.
func quick(spec treeSpec) treeSpec {
	if raceEnabled || testing.Short() {
		spec.bigDir = min(spec.bigDir, 500)
		spec.doubleLen = min(spec.doubleLen, 5<<20)
		spec.sparseLen = min(spec.sparseLen, 4<<20)
	}
	return spec
}

// smallSpec is a quicker tree with the same kinds of entries.
var smallSpec = treeSpec{bigDir: 300, deep: 10, doubleLen: 300000, sparseLen: 40 << 20}

// pattern returns n bytes that differ from block to block and are never
// a whole block of zeroes.
func pattern(n int64, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7+seed*13+i/251) | 1
	}
	return b
}

// fastTempDir returns a new temporary folder, in memory (/dev/shm) where
// the host has one: making ten thousand files on a disk file system can
// take seconds.
func fastTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "ffstool-test-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// makeTree builds the tree of spec below a new temporary folder and
// returns its path.
func makeTree(t testing.TB, spec treeSpec) string {
	t.Helper()
	root := filepath.Join(fastTempDir(t), "src")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p := func(rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }
	file := func(rel string, data []byte, mode os.FileMode) {
		t.Helper()
		must(os.WriteFile(p(rel), data, 0o600))
		must(os.Chmod(p(rel), mode))
	}
	must(os.MkdirAll(p("dir/sub"), 0o755))
	must(os.Mkdir(p("setgid-dir"), 0o755))
	must(os.Mkdir(p("sticky"), 0o755))
	must(os.Mkdir(p("empty-dir"), 0o755))
	file("empty", nil, 0o644)
	file("frag", pattern(1500, 1), 0o644)
	file("direct", pattern(50000, 2), 0o640)
	file("single", pattern(300000, 3), 0o600)
	file("double", pattern(spec.doubleLen, 4), 0o644)
	file("setuid", pattern(10, 5), 0o755|os.ModeSetuid)
	file("setgid", pattern(10, 6), 0o755|os.ModeSetgid)
	file("none", pattern(10, 7), 0)
	file("dir/sub/leaf", []byte("leaf\n"), 0o444)
	file("sticky/file", []byte("x"), 0o666)
	// A sparse file: data at the start, in the middle and at the end,
	// holes between, and a hole-only file.
	sp, err := os.OpenFile(p("sparse"), os.O_CREATE|os.O_WRONLY, 0o644)
	must(err)
	for _, off := range []int64{0, 1 << 20, spec.sparseLen - 7} {
		_, err := sp.WriteAt(pattern(7, int(off)), off)
		must(err)
	}
	must(sp.Close())
	must(os.WriteFile(p("holes-only"), nil, 0o644))
	must(os.Truncate(p("holes-only"), 3<<20+100))
	// A file whose second block is zeroes written out: it becomes a hole.
	file("zero-block", append(append(pattern(8192, 8), make([]byte, 65536)...), pattern(100, 9)...), 0o644)
	// Symlinks around the short/long boundary of both versions.
	must(os.Symlink("frag", p("short-link")))
	for _, n := range []int{59, 60, 119, 120, 200, 1000} {
		target := strings.Repeat("t", n-4) + "/end"
		must(os.Symlink(target, p(fmt.Sprintf("link-%d", n))))
	}
	must(os.Symlink("../dangling/nowhere", p("dir/dangling")))
	// Hard links, two of them in other directories.
	must(os.Link(p("frag"), p("dir/frag-link")))
	must(os.Link(p("frag"), p("dir/sub/frag-link2")))
	must(os.Link(p("sparse"), p("sparse-link")))
	must(syscall.Mkfifo(p("fifo"), 0o640))
	root0 := os.Geteuid() == 0
	if root0 {
		// Device nodes (TestMakefsLargeDeviceNumber has more).
		must(syscall.Mknod(p("char-dev"), syscall.S_IFCHR|0o620, 1<<8|3))
		must(syscall.Mknod(p("block-dev"), syscall.S_IFBLK|0o660, 8<<8|1))
	}
	// A deep tree.
	deep := "deep"
	for range spec.deep {
		deep += "/d"
	}
	must(os.MkdirAll(p(deep), 0o755))
	file(deep+"/bottom", []byte("bottom\n"), 0o644)
	// A big directory.
	if spec.bigDir > 0 {
		must(os.Mkdir(p("big"), 0o755))
		for i := range spec.bigDir {
			name := p(fmt.Sprintf("big/entry-%05d", i))
			if i%100 == 0 {
				file(fmt.Sprintf("big/entry-%05d", i), pattern(int64(i), i), 0o644)
				continue
			}
			f, err := os.Create(name)
			must(err)
			must(f.Close())
		}
	}
	// Owners (when the test runs as root), modes and times, set last
	// and deepest first so that creating entries does not change a
	// directory's times afterwards.
	var paths []string
	must(filepath.Walk(root, func(path string, _ os.FileInfo, err error) error {
		paths = append(paths, path)
		return err
	}))
	base := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	for i := len(paths) - 1; i >= 0; i-- {
		path := paths[i]
		rel, _ := filepath.Rel(root, path)
		if root0 {
			must(os.Lchown(path, 1000+i%7, 2000+i%5))
		}
		switch rel {
		case "setgid-dir":
			must(os.Chmod(path, 0o755|os.ModeSetgid))
		case "sticky":
			must(os.Chmod(path, 0o777|os.ModeSticky))
		case "setuid":
			must(os.Chmod(path, 0o4755)) // chown cleared it
		case "setgid":
			must(os.Chmod(path, 0o2755|os.ModeSetgid))
		}
		atime := base.Add(time.Duration(i)*time.Hour + time.Duration(i*7919)%time.Second)
		mtime := base.Add(-time.Duration(i)*time.Minute + time.Duration(i*104729)%time.Second)
		ts := []syscall.Timespec{syscall.NsecToTimespec(atime.UnixNano()), syscall.NsecToTimespec(mtime.UnixNano())}
		must(utimesNoFollow(path, ts))
	}
	return root
}

// utimesNoFollow sets the times of path itself, even for a symlink:
// utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW).
func utimesNoFollow(path string, ts []syscall.Timespec) error {
	const atSymlinkNofollow = 0x100
	atFdcwd := -100
	pathp, err := syscall.BytePtrFromString(path)
	if err != nil {
		return err
	}
	_, _, e := syscall.Syscall6(syscall.SYS_UTIMENSAT, uintptr(atFdcwd), uintptr(unsafe.Pointer(pathp)),
		uintptr(unsafe.Pointer(&ts[0])), atSymlinkNofollow, 0, 0)
	if e != 0 {
		return &os.PathError{Op: "utimensat", Path: path, Err: e}
	}
	return nil
}
