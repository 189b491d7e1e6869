package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorump/gorump/fs/ffs/ffstool"
)

// TestMain runs the command itself when asked to, so that tests can see
// its real exit status and output.
func TestMain(m *testing.M) {
	if os.Getenv("FFS_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// ffsProcess runs the command as a process and returns its status,
// standard output and standard error.
func ffsProcess(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "FFS_TEST_RUN_MAIN=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// ffs runs the command in this process.
func ffs(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	status := run(args, &stdout, &stderr, false)
	return status, stdout.String(), stderr.String()
}

// smallTree makes a tree with a file, a directory, a symlink and a hard
// link.
func smallTree(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "tree")
	for _, err := range []error{
		os.MkdirAll(filepath.Join(root, "dir"), 0o755),
		os.WriteFile(filepath.Join(root, "dir", "file"), bytes.Repeat([]byte("gorump\n"), 3000), 0o644),
		os.Symlink("dir/file", filepath.Join(root, "link")),
		os.Link(filepath.Join(root, "dir", "file"), filepath.Join(root, "hard")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// oneLine fails t unless s is one line ending in a newline.
func wantOneLine(t *testing.T, what, s string) {
	t.Helper()
	if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
		t.Errorf("%s is not one line: %q", what, s)
	}
}

// decode parses one JSON object and checks it has exactly the keys
// given.
func decode(t *testing.T, out string, keys ...string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	slices.Sort(keys)
	if !slices.Equal(got, keys) {
		t.Errorf("JSON keys %v, want %v", got, keys)
	}
	return m
}

func TestMakefsAndFsck(t *testing.T) {
	tree := smallTree(t)
	img := filepath.Join(t.TempDir(), "tree.img")
	status, out, errOut := ffs("makefs", "-o", "version=2,bsize=16384,fsize=2048", "-B", "be", "-T", "1700000000", img, tree)
	if status != exitOK || errOut != "" {
		t.Fatalf("makefs: status %d, stderr %q", status, errOut)
	}
	if !strings.Contains(out, "UFS2 big-endian") || !strings.Contains(out, "block size 16384") {
		t.Errorf("makefs says %q", out)
	}
	info, err := ffstool.Probe(img)
	if err != nil || !info.UFS2 || !info.BigEndian || info.BlockSize != 16384 || info.FragmentSize != 2048 {
		t.Errorf("image: %+v, %v", info, err)
	}
	status, out, errOut = ffs("fsck", img)
	if status != exitOK || !strings.Contains(out, ": clean") || errOut != "" {
		t.Errorf("fsck: status %d, stdout %q, stderr %q", status, out, errOut)
	}
	if status, out, _ := ffs("fsck", "-q", img); status != exitOK || out != "" {
		t.Errorf("fsck -q: status %d, stdout %q", status, out)
	}
	if status, out, _ := ffs("makefs", "-q", img, tree); status != exitOK || out != "" {
		t.Errorf("makefs -q: status %d, stdout %q", status, out)
	}
}

func TestJSON(t *testing.T) {
	tree := smallTree(t)
	img := filepath.Join(t.TempDir(), "tree.img")
	status, out, _ := ffs("makefs", "--json", "-f", "10", "-b", "5%", img, tree)
	if status != exitOK {
		t.Fatalf("makefs --json: status %d", status)
	}
	m := decode(t, out, "image", "size", "version", "byteOrder", "blockSize", "fragmentSize", "density",
		"cylinderGroups", "inodes", "epoch", "directories", "files", "symlinks", "specials", "hardLinks",
		"fileBytes", "skipped")
	for k, want := range map[string]any{"image": img, "version": 1.0, "byteOrder": "le", "blockSize": 8192.0,
		"fragmentSize": 1024.0, "directories": 2.0, "files": 1.0, "symlinks": 1.0, "hardLinks": 1.0, "fileBytes": 21000.0} {
		if m[k] != want {
			t.Errorf("makefs --json: %s = %v, want %v", k, m[k], want)
		}
	}
	if s, ok := m["skipped"].([]any); !ok || len(s) != 0 {
		t.Errorf("skipped = %v, want []", m["skipped"])
	}

	status, out, _ = ffs("fsck", "--json", img)
	if status != exitOK {
		t.Fatalf("fsck --json: status %d", status)
	}
	m = decode(t, out, "image", "clean", "markedClean", "version", "byteOrder", "files", "directories",
		"usedFragments", "freeFragments", "problems", "truncated", "repaired")
	if m["clean"] != true || m["markedClean"] != true || m["version"] != 1.0 {
		t.Errorf("fsck --json: %v", m)
	}
	if p, ok := m["problems"].([]any); !ok || len(p) != 0 {
		t.Errorf("problems = %v, want []", m["problems"])
	}

	img2 := filepath.Join(t.TempDir(), "new.img")
	status, out, _ = ffs("newfs", "--json", "-s", "8m", "-L", "gorump", img2)
	if status != exitOK {
		t.Fatalf("newfs --json: status %d", status)
	}
	m = decode(t, out, "image", "size", "version", "byteOrder", "blockSize", "fragmentSize", "cylinderGroups",
		"inodes", "superblock", "volumeName", "superblockCopies")
	if m["size"] != float64(8<<20) || m["version"] != 2.0 || m["volumeName"] != "gorump" || m["superblock"] != 65536.0 {
		t.Errorf("newfs --json: %v", m)
	}
}

// TestFsckFindsProblems damages a new file system's free-fragment total
// and wants exit status 4 and the problem in the JSON report.
func TestFsckFindsProblems(t *testing.T) {
	img := filepath.Join(t.TempDir(), "new.img")
	if status, _, errOut := ffs("newfs", "-q", "-s", "4m", img); status != exitOK {
		t.Fatalf("newfs: %s", errOut)
	}
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	const nffree = 65536 + 1032 // UFS2 superblock's fs_cstotal.cs_nffree
	binary.LittleEndian.PutUint64(b[nffree:], binary.LittleEndian.Uint64(b[nffree:])+5)
	if err := os.WriteFile(img, b, 0o644); err != nil {
		t.Fatal(err)
	}
	status, out, _ := ffs("fsck", "--json", img)
	if status != exitProblems {
		t.Errorf("fsck of a damaged image: status %d, want %d", status, exitProblems)
	}
	var rep struct {
		Clean    bool
		Problems []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Clean || len(rep.Problems) == 0 {
		t.Fatalf("fsck --json reports %s", out)
	}
	for _, k := range []string{"phase", "phaseName", "kind", "got", "want", "message"} {
		if _, ok := rep.Problems[0][k]; !ok {
			t.Errorf("a problem has no %q: %v", k, rep.Problems[0])
		}
	}
	if status, out, _ := ffs("fsck", img); status != exitProblems || !strings.Contains(out, "problem") {
		t.Errorf("fsck: status %d, output %q", status, out)
	}
	// -y repairs it; a second check finds nothing.
	if status, out, errOut := ffs("fsck", "-y", "--json", img); status != exitOK || !strings.Contains(out, `"fix"`) || !strings.Contains(out, `"repaired": true`) {
		t.Errorf("fsck -y: status %d, output %q %q", status, out, errOut)
	}
	if status, out, errOut := ffs("fsck", img); status != exitOK {
		t.Errorf("fsck after -y: status %d, output %q %q", status, out, errOut)
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "x.img")
	missing := filepath.Join(dir, "no-such-dir")
	six := filepath.Join(dir, "six.img")
	if err := os.WriteFile(six, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args   []string
		status int
		stderr string // a part of the one line expected
	}{
		{[]string{"makefs", img, missing}, exitFailure, "ffs makefs: source directory " + missing + ": no such file or directory"},
		{[]string{"makefs", img, "/etc/passwd"}, exitFailure, "is not a directory"},
		{[]string{"makefs", "-s", "64k", img, "."}, exitFailure, "ffs makefs: size 65536 bytes: the tree does not fit"},
		{[]string{"makefs", "-s", "10k", img, "."}, exitFailure, "ffs makefs: size 10240 bytes: too small to hold an FFS file system"},
		{[]string{"makefs", "-m", "100k", img, "."}, exitFailure, "maximum size"},
		{[]string{"makefs", img}, exitUsage, "ffs makefs: want an image and a directory, got 1 operand: " + img},
		{[]string{"makefs", dir, "."}, exitFailure, "ffs makefs: " + dir + ": is a directory, want an image file"},
		{[]string{"makefs", "-o", "bsize=1000", img, "."}, exitUsage, "ffs makefs: block size 1000: want a power of two"},
		{[]string{"makefs", "-o", "version=3", img, "."}, exitUsage, "ffs makefs: version 3: want 1 or 2"},
		{[]string{"makefs", "-o", "nosuch=1", img, "."}, exitUsage, "unknown option"},
		{[]string{"makefs", "-B", "middle", img, "."}, exitUsage, "byte order"},
		{[]string{"makefs", "-s", "lots", img, "."}, exitUsage, "byte count"},
		{[]string{"makefs", "-t", "cd9660", img, "."}, exitUsage, "only ffs"},
		{[]string{"makefs", "-nosuch", img, "."}, exitUsage, "flag provided but not defined"},
		{[]string{"newfs", img}, exitFailure, "does not exist, and no size was given"},
		{[]string{"newfs", "-s", "100", img}, exitFailure, "ffs newfs: " + img + ": size 51200 bytes: too small to hold an FFS file system"},
		{[]string{"newfs", "-O", "3", img}, exitUsage, "ffs newfs: " + img + ": version 3: want 1 or 2"},
		{[]string{"newfs", "-b", "1000", "-s", "1m", img}, exitUsage, "block size 1000: want a power of two"},
		{[]string{"newfs", "-f", "512", "-s", "64m", img}, exitUsage, "fragment size 512: does not go with"},
		{[]string{"newfs", dir}, exitFailure, "ffs newfs: " + dir + ": is a directory, want an image file"},
		{[]string{"fsck", missing}, exitFailure, "ffs fsck: " + missing + ": no such file or directory"},
		{[]string{"fsck", six}, exitFailure, "ffs fsck: " + six + ": 6 bytes, too small to hold an FFS file system"},
		{[]string{"fsck", dir}, exitFailure, "ffs fsck: " + dir + ": is a directory, want an image file"},
		{[]string{"fsck", os.Args[0]}, exitFailure, "no FFS superblock found, not an FFS image"},
		{[]string{"fsck", "-n", "-y", six}, exitUsage, "-n and -y"},
		{[]string{"fsck", six, six}, exitUsage, "want one image, got 2 operands"},
		{[]string{"frobnicate"}, exitUsage, "unknown command"},
	} {
		status, _, stderr := ffs(c.args...)
		if status != c.status || !strings.Contains(stderr, c.stderr) {
			t.Errorf("ffs %s: status %d, stderr %q; want %d and %q", strings.Join(c.args, " "), status, stderr, c.status, c.stderr)
		}
		if c.args[0] == "frobnicate" {
			continue
		}
		wantOneLine(t, "ffs "+strings.Join(c.args, " ")+": stderr", stderr)
		// "ffs <command>: ", then no prefix of ours or errno text again.
		rest, ok := strings.CutPrefix(stderr, "ffs "+c.args[0]+": ")
		rest = strings.TrimSuffix(rest, " (see ffs "+c.args[0]+" -h)\n")
		if hint := strings.HasSuffix(stderr, " -h)\n"); hint != (status == exitUsage) {
			t.Errorf("ffs %s: stderr %q: status %d, a pointer to -h %v", strings.Join(c.args, " "), stderr, status, hint)
		}
		if !ok || strings.Contains(rest, "ffs: ") || strings.Contains(rest, "ffs "+c.args[0]) || strings.Contains(rest, ": "+c.args[0]+": ") ||
			strings.Contains(rest, "Invalid argument") || strings.Contains(rest, "Input/output error") {
			t.Errorf("ffs %s: stderr %q is not one \"ffs %s: what: cause\"", strings.Join(c.args, " "), stderr, c.args[0])
		}
	}
	// A failed newfs or makefs leaves no file it created.
	if _, err := os.Stat(img); !os.IsNotExist(err) {
		t.Errorf("failures left %s behind (%v)", img, err)
	}
	// With --json the error is also on standard output.
	status, out, _ := ffs("makefs", "--json", img, missing)
	m := decode(t, out, "error")
	if status != exitFailure || !strings.Contains(m["error"].(string), "no such file or directory") {
		t.Errorf("makefs --json of a missing directory: status %d, %v", status, m)
	}
}

// TestProcess runs the built command as a process: its exit status and
// its one-line message.
func TestProcess(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	status, out, stderr := ffsProcess(t, "makefs", filepath.Join(t.TempDir(), "x.img"), missing)
	if status != exitFailure || out != "" {
		t.Errorf("status %d, stdout %q", status, out)
	}
	want := "ffs makefs: source directory " + missing + ": no such file or directory\n"
	if stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	if status, _, _ := ffsProcess(t); status != exitUsage {
		t.Errorf("no arguments: status %d, want %d", status, exitUsage)
	}
	tree := smallTree(t)
	img := filepath.Join(t.TempDir(), "x.img")
	if status, _, stderr := ffsProcess(t, "makefs", "-q", img, tree); status != exitOK || stderr != "" {
		t.Errorf("makefs: status %d, stderr %q", status, stderr)
	}
	if status, _, _ := ffsProcess(t, "fsck", img); status != exitOK {
		t.Errorf("fsck: status %d", status)
	}
}

// TestReproducibleCLI builds one tree twice with SOURCE_DATE_EPOCH and
// once with another, through the command.
func TestReproducibleCLI(t *testing.T) {
	tree := smallTree(t)
	dir := t.TempDir()
	build := func(name, epoch string) []byte {
		t.Helper()
		t.Setenv("SOURCE_DATE_EPOCH", epoch)
		img := filepath.Join(dir, name)
		if status, _, stderr := ffs("makefs", "-q", img, tree); status != exitOK {
			t.Fatalf("makefs: %s", stderr)
		}
		b, err := os.ReadFile(img)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := build("a.img", "1700000000"), build("b.img", "1700000000")
	if !bytes.Equal(a, b) {
		t.Error("two builds with the same SOURCE_DATE_EPOCH differ")
	}
	if c := build("c.img", "1700000001"); bytes.Equal(a, c) {
		t.Error("another SOURCE_DATE_EPOCH gives the same image")
	}
	t.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	if status, _, stderr := ffs("makefs", filepath.Join(dir, "d.img"), tree); status != exitFailure || !strings.Contains(stderr, "SOURCE_DATE_EPOCH") {
		t.Errorf("a bad SOURCE_DATE_EPOCH: status %d, %q", status, stderr)
	}
}

func TestParseSize(t *testing.T) {
	for s, want := range map[string]int64{"0": 0, "512": 512, "1b": 512, "4k": 4096, "3m": 3 << 20, "2g": 2 << 30,
		"1t": 1 << 40, "2w": 8, "1000x512": 512000, "2x3kx2": 12288, "8M": 8 << 20} {
		if got, err := parseSize("size", s); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "x", "-1", "1q", "1kk", "99999999999t", "k"} {
		if _, err := parseSize("size", s); err == nil {
			t.Errorf("parseSize(%q) succeeds", s)
		}
	}
	for s, want := range map[string]int64{"100": 51200, "100s": 51200, "8m": 8 << 20, "4k": 4096} {
		if got, err := parseSectors(s); err != nil || got != want {
			t.Errorf("parseSectors(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	if n, pc, err := parseAmount("free", "15%"); err != nil || n != 0 || pc != 15 {
		t.Errorf("parseAmount(15%%) = %d, %d, %v", n, pc, err)
	}
	if n, pc, err := parseAmount("free", "2k"); err != nil || n != 2048 || pc != 0 {
		t.Errorf("parseAmount(2k) = %d, %d, %v", n, pc, err)
	}
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	bar := newProgressBar(&b, "makefs")
	bar.update(ffstool.Progress{Phase: "copy", Entries: 1, TotalEntries: 2})
	if b.Len() != 0 {
		t.Errorf("the bar shows before the work has lasted a moment: %q", b.String())
	}
	bar.start = time.Now().Add(-time.Second)
	bar.update(ffstool.Progress{Phase: "copy", Entries: 5, TotalEntries: 10, Bytes: 5 << 20, TotalBytes: 10 << 20})
	if s := b.String(); !strings.Contains(s, " 50%") || !strings.Contains(s, "5/10 entries") || !strings.Contains(s, "5.0 MiB/10.0 MiB") {
		t.Errorf("bar %q", s)
	}
	bar.done()
	if !strings.HasSuffix(b.String(), "\r\x1b[K") {
		t.Errorf("the bar is not cleared: %q", b.String())
	}
	var nilBar *progressBar
	nilBar.done() // no bar, no output, no panic
}

// TestFlagsAfterOperands gives flags where people type them: after the
// image, and between operands; after "--" all is an operand.
func TestFlagsAfterOperands(t *testing.T) {
	tree := smallTree(t)
	img := filepath.Join(t.TempDir(), "x.img")
	if status, out, stderr := ffs("makefs", img, "-q", tree, "-o", "version=2"); status != exitOK || out != "" {
		t.Fatalf("makefs img -q tree -o version=2: status %d, stdout %q, stderr %q", status, out, stderr)
	}
	if info, err := ffstool.Probe(img); err != nil || !info.UFS2 {
		t.Errorf("-o after the operands was not taken: %+v, %v", info, err)
	}
	if status, out, stderr := ffs("fsck", img, "-y", "-q"); status != exitOK || out != "" {
		t.Errorf("fsck img -y -q: status %d, stdout %q, stderr %q", status, out, stderr)
	}
	if status, _, stderr := ffs("fsck", "--", img, "-y"); status != exitUsage || !strings.Contains(stderr, "got 2 operands: "+img+" -y") {
		t.Errorf("fsck -- img -y: status %d, stderr %q", status, stderr)
	}
}

// TestHelp reads each command's help: no default shown twice, the exit
// statuses listed.
func TestHelp(t *testing.T) {
	for _, cmd := range []string{"newfs", "makefs", "fsck"} {
		status, out, _ := ffs(cmd, "-h")
		if status != exitOK || !strings.HasPrefix(out, "usage: ffs "+cmd) {
			t.Errorf("%s -h: status %d, %q", cmd, status, out)
		}
		if strings.Contains(out, "(the default) (default") || strings.Contains(out, "(default true)") {
			t.Errorf("%s -h says a default twice:\n%s", cmd, out)
		}
		for _, want := range []string{"exit status:", "\n  1  ", "\n  2  "} {
			if !strings.Contains(out, want) {
				t.Errorf("%s -h has no %q:\n%s", cmd, want, out)
			}
		}
		if has4 := strings.Contains(out, "\n  4  "); has4 != (cmd == "fsck") {
			t.Errorf("%s -h lists exit status 4: %v", cmd, has4)
		}
	}
}

// TestNewfsRefusesData wants newfs to keep a file holding data that is
// no FFS unless forced, and to write over an FFS, an empty file and a
// file of holes without asking.
func TestNewfsRefusesData(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.img")
	content := bytes.Repeat([]byte("precious"), 1<<17)
	if err := os.WriteFile(data, content, 0o644); err != nil {
		t.Fatal(err)
	}
	status, _, stderr := ffs("newfs", data)
	if status != exitFailure || stderr != "ffs newfs: "+data+": holds 1048576 bytes of data and no FFS file system (-F writes over it)\n" {
		t.Errorf("newfs over data: status %d, stderr %q", status, stderr)
	}
	if b, _ := os.ReadFile(data); !bytes.Equal(b, content) {
		t.Fatal("newfs changed a file it refused")
	}
	for _, force := range []string{"-F", "--force"} {
		if status, _, stderr := ffs("newfs", "-q", force, data); status != exitOK {
			t.Errorf("newfs %s: status %d, %q", force, status, stderr)
		}
	}
	// Now an FFS: written over without -F.
	if status, _, stderr := ffs("newfs", "-q", "-O", "1", data); status != exitOK {
		t.Errorf("newfs over an FFS: status %d, %q", status, stderr)
	}
	empty, holes := filepath.Join(dir, "empty.img"), filepath.Join(dir, "holes.img")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(holes, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(holes, 4<<20); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-s", "4m", empty}, {holes}} {
		if status, _, stderr := ffs(append([]string{"newfs", "-q"}, args...)...); status != exitOK {
			t.Errorf("newfs %v: status %d, %q", args, status, stderr)
		}
	}
}

// TestNewfsSizes runs newfs and fsck through the command at a few sizes,
// round and odd, for both versions.
func TestNewfsSizes(t *testing.T) {
	for _, size := range []string{"8m", "10001k", "20001k", "65537"} {
		for _, version := range []string{"1", "2"} {
			t.Run("UFS"+version+"-"+size, func(t *testing.T) {
				img := filepath.Join(t.TempDir(), "x.img")
				status, out, stderr := ffs("newfs", "--json", "-O", version, "-s", size, img)
				if status != exitOK {
					t.Fatalf("newfs: status %d, %q", status, stderr)
				}
				m := decode(t, out, "image", "size", "version", "byteOrder", "blockSize", "fragmentSize",
					"cylinderGroups", "inodes", "superblock", "volumeName", "superblockCopies")
				want, err := parseSectors(size)
				if err != nil {
					t.Fatal(err)
				}
				if got := int64(m["size"].(float64)); got > want || got < want-int64(m["blockSize"].(float64)) {
					t.Errorf("newfs -s %s made %d bytes", size, got)
				}
				status, out, stderr = ffs("fsck", img)
				if status != exitOK {
					t.Errorf("fsck: status %d, %q %q", status, out, stderr)
				}
			})
		}
	}
}

// TestFsckBackupSuperblock wipes the primary superblock: fsck finds a
// copy by itself or takes the one -b names (newfs lists them), and -y
// writes it over the primary, after which the image checks clean.
func TestFsckBackupSuperblock(t *testing.T) {
	for _, c := range []struct {
		version, size string
		pick          int // which listed copy -b names; -1 leaves -b out
	}{{"1", "32m", 0}, {"2", "300m", 3}, {"2", "64m", -1}} {
		t.Run("UFS"+c.version+"-"+c.size, func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "x.img")
			status, out, errOut := ffs("newfs", "--json", "-O", c.version, "-s", c.size, "-b", "4096", "-f", "512", img)
			if status != exitOK {
				t.Fatalf("newfs: %s", errOut)
			}
			m := decode(t, out, "image", "size", "version", "byteOrder", "blockSize", "fragmentSize",
				"cylinderGroups", "inodes", "superblock", "volumeName", "superblockCopies")
			copies := m["superblockCopies"].([]any)
			if len(copies) == 0 {
				t.Fatalf("newfs lists no superblock copies: %s", out)
			}
			f, err := os.OpenFile(img, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt(make([]byte, 8192), int64(m["superblock"].(float64))); err != nil {
				t.Fatal(err)
			}
			f.Close()
			var b []string
			if c.pick >= 0 {
				b = []string{"-b", strconv.Itoa(int(copies[c.pick].(float64)))}
			}
			if status, out, errOut := ffs(append([]string{"fsck", img}, b...)...); status != exitProblems {
				t.Errorf("fsck %v of an image without its primary superblock: status %d, %q %q", b, status, out, errOut)
			}
			if status, out, errOut := ffs(append([]string{"fsck", "-y", img}, b...)...); status != exitOK {
				t.Fatalf("fsck -y %v: status %d, %q %q", b, status, out, errOut)
			}
			if status, out, errOut := ffs("fsck", img); status != exitOK {
				t.Errorf("fsck after the repair: status %d, %q %q", status, out, errOut)
			}
		})
	}
	if status, _, errOut := ffs("fsck", "-b", "-5", "x.img"); status != exitUsage {
		t.Errorf("fsck -b -5: status %d, %q", status, errOut)
	}
}
