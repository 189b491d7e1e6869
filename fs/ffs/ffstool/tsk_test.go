//go:build linux

package ffstool_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gorump/gorump/internal/peer"
)

// readWithTSK has The Sleuth Kit, a reader that shares no code with
// gorump, list the image and read files back: every name of the source
// tree with its type and inode, the contents of the files outside the
// big directory (and a few inside it), and symlink targets.
func readWithTSK(t *testing.T, path, src string) {
	t.Helper()
	fls := peer.Require(t, "fls", "sleuthkit")
	icat := peer.Require(t, "icat", "sleuthkit")
	istat := peer.Require(t, "istat", "sleuthkit")
	out, err := exec.Command(fls, "-r", "-p", "-f", "ufs", path).Output()
	if err != nil {
		t.Fatalf("fls: %v", err)
	}
	listed := map[string]string{} // path -> "type inode"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		kind, rest, _ := strings.Cut(line, " ")
		ino, name, _ := strings.Cut(rest, ":\t")
		if strings.Contains(ino, "*") || strings.HasPrefix(name, "$OrphanFiles") {
			continue
		}
		listed[name] = kind + " " + ino
	}
	kinds := map[uint32]string{syscall.S_IFREG: "r/r", syscall.S_IFDIR: "d/d", syscall.S_IFLNK: "l/l", syscall.S_IFIFO: "p/p",
		syscall.S_IFCHR: "c/c", syscall.S_IFBLK: "b/b"}
	n := 0
	readInodes := map[string]bool{}
	err = filepath.Walk(src, func(hostPath string, _ os.FileInfo, err error) error {
		if err != nil || hostPath == src {
			return err
		}
		rel, _ := filepath.Rel(src, hostPath)
		var st syscall.Stat_t
		if err := syscall.Lstat(hostPath, &st); err != nil {
			return err
		}
		n++
		got, ok := listed[rel]
		kind, ino, _ := strings.Cut(got, " ")
		if !ok || kind != kinds[st.Mode&syscall.S_IFMT] {
			t.Errorf("fls lists %s as %q, want type %s", rel, got, kinds[st.Mode&syscall.S_IFMT])
			return nil
		}
		delete(listed, rel)
		// icat takes a process a file: read the big directory's
		// files only now and then.
		if strings.HasPrefix(rel, "big/") && !strings.HasSuffix(rel, "000") {
			return nil
		}
		switch st.Mode & syscall.S_IFMT {
		case syscall.S_IFLNK:
			want, err := os.Readlink(hostPath)
			if err != nil {
				return err
			}
			// icat reads a short symlink's target (kept in the inode)
			// as zeroes, in Debian makefs's images too; istat shows it.
			if data, err := exec.Command(icat, "-f", "ufs", path, ino).Output(); err == nil && string(data) == want {
				return nil
			}
			out, err := exec.Command(istat, "-f", "ufs", path, ino).Output()
			if err != nil {
				t.Errorf("istat %s (inode %s): %v", rel, ino, err)
			} else if !strings.Contains(string(out), "symbolic link to: "+want+"\n") {
				t.Errorf("istat %s (inode %s) does not show the target %q", rel, ino, want)
			}
			return nil
		case syscall.S_IFREG:
			if readInodes[ino] {
				return nil // another name of a file read already
			}
			readInodes[ino] = true
		default:
			return nil
		}
		want, err := readNoAtime(hostPath)
		if err != nil {
			return err
		}
		data, err := exec.Command(icat, "-f", "ufs", path, ino).Output()
		if err != nil {
			t.Errorf("icat %s (inode %s): %v", rel, ino, err)
		} else if !bytes.Equal(data, want) {
			t.Errorf("icat %s (inode %s): %d bytes, want %d (or other bytes)", rel, ino, len(data), len(want))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, what := range listed {
		t.Errorf("fls lists %s (%s), which the source does not have", name, what)
	}
	t.Logf("The Sleuth Kit lists all %d names", n)
}
