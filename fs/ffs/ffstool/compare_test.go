//go:build linux

package ffstool_test

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	_ "github.com/gorump/gorump/fs/ffs" // the driver that mounts the images
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// mountImage mounts img read-only at /mnt in a new kernel.
func mountImage(t *testing.T, img []byte) *rump.Proc {
	t.Helper()
	host := memhost.New(memhost.Options{})
	host.AddFile("img", img)
	k, err := rump.Init(rump.Options{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Halt() })
	if err := k.EtfsRegister("/dev/img", "img", rump.EtfsBlk); err != nil {
		t.Fatal(err)
	}
	p := k.InitProc()
	if err := p.Mkdir("/mnt", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := p.Mount("ffs", "/dev/img", "/mnt", rump.MNT_RDONLY, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

// compareTree reads every entry of the host tree at src back from the
// image mounted at /mnt and reports every difference: type, mode,
// owners, times (change and birth times must be the epoch), link
// counts, sizes, contents, symlink targets, directory listings, and
// hard links sharing one inode. Sparse files must stay sparse.
func compareTree(t *testing.T, p *rump.Proc, src string, epoch time.Time, ufs2 bool) {
	t.Helper()
	errs := 0
	fail := func(rel, format string, args ...any) {
		t.Helper()
		if errs++; errs <= 30 {
			t.Errorf("%s: "+format, append([]any{"/" + rel}, args...)...)
		}
	}
	inodes := map[uint64]uint64{} // host inode -> image inode
	entries := 0
	err := filepath.WalkDir(src, func(hostPath string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		entries++
		rel, _ := filepath.Rel(src, hostPath)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			rel = ""
		}
		img := path.Join("/mnt", rel)
		var hs syscall.Stat_t
		if err := syscall.Lstat(hostPath, &hs); err != nil {
			return err
		}
		st, err := p.Lstat(img)
		if err != nil {
			fail(rel, "%v", err)
			return nil
		}
		if st.Mode != hs.Mode {
			fail(rel, "mode %#o, want %#o", st.Mode, hs.Mode)
		}
		if st.UID != hs.Uid || st.GID != hs.Gid {
			fail(rel, "owner %d:%d, want %d:%d", st.UID, st.GID, hs.Uid, hs.Gid)
		}
		if st.Nlink != uint32(hs.Nlink) {
			fail(rel, "%d links, want %d", st.Nlink, hs.Nlink)
		}
		if st.Mtime.Sec != hs.Mtim.Sec || st.Mtime.Nsec != hs.Mtim.Nsec {
			fail(rel, "mtime %v, want %v", st.Mtime, hs.Mtim)
		}
		if st.Atime.Sec != hs.Atim.Sec || st.Atime.Nsec != hs.Atim.Nsec {
			fail(rel, "atime %v, want %v", st.Atime, hs.Atim)
		}
		want := rump.Timespec{Sec: epoch.Unix(), Nsec: int64(epoch.Nanosecond())}
		if st.Ctime != want {
			fail(rel, "ctime %v, want the epoch %v", st.Ctime, want)
		}
		if ufs2 && st.Birthtime != want {
			fail(rel, "birthtime %v, want the epoch %v", st.Birthtime, want)
		}
		if hs.Nlink > 1 && hs.Mode&syscall.S_IFMT != syscall.S_IFDIR {
			ino, ok := inodes[hs.Ino]
			if ok && ino != st.Ino {
				fail(rel, "inode %d, but another link to it has inode %d", st.Ino, ino)
			}
			inodes[hs.Ino] = st.Ino
			if ok {
				return nil // the same inode: compared already
			}
		}
		switch hs.Mode & syscall.S_IFMT {
		case syscall.S_IFCHR, syscall.S_IFBLK:
			// Linux and NetBSD encode device numbers alike.
			if st.Rdev != hs.Rdev {
				fail(rel, "device %#x, want %#x", st.Rdev, hs.Rdev)
			}
		case syscall.S_IFREG:
			if st.Size != hs.Size {
				fail(rel, "size %d, want %d", st.Size, hs.Size)
			}
			got, err := p.ReadFile(img)
			if err != nil {
				fail(rel, "read: %v", err)
				break
			}
			want, err := readNoAtime(hostPath)
			if err != nil {
				return err
			}
			if !bytes.Equal(got, want) {
				fail(rel, "contents differ")
			}
			// A file with holes in the source keeps them.
			if hs.Blocks*512 < hs.Size/2 && st.Blocks*512 > hs.Size/2 {
				fail(rel, "%d bytes allocated for a sparse %d-byte file", st.Blocks*512, st.Size)
			}
		case syscall.S_IFLNK:
			got, err := p.Readlink(img)
			want, _ := os.Readlink(hostPath)
			if err != nil || got != want {
				fail(rel, "target %q (%v), want %q", got, err, want)
			}
			if st.Size != int64(len(want)) {
				fail(rel, "size %d, want %d", st.Size, len(want))
			}
		case syscall.S_IFDIR:
			hostNames, err := readNames(hostPath)
			if err != nil {
				return err
			}
			fd, err := p.Open(img, rump.O_RDONLY|rump.O_DIRECTORY, 0)
			if err != nil {
				fail(rel, "%v", err)
				break
			}
			var names []string
			for {
				ents, err := p.ReadDir(fd, 1000)
				if err != nil {
					fail(rel, "readdir: %v", err)
				}
				if len(ents) == 0 || err != nil {
					break
				}
				for _, e := range ents {
					if e.Name != "." && e.Name != ".." {
						names = append(names, e.Name)
					}
				}
			}
			p.Close(fd)
			slices.Sort(names)
			if !slices.Equal(names, hostNames) {
				fail(rel, "lists %d names, want %d", len(names), len(hostNames))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if errs > 30 {
		t.Errorf("... and %d more differences", errs-30)
	}
	t.Logf("compared %d entries", entries)
}

// openNoAtime opens a host file or directory for reading without
// changing its access time, which a later build of the same tree reads.
func openNoAtime(path string) (*os.File, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOATIME, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

func readNoAtime(path string) ([]byte, error) {
	f, err := openNoAtime(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil && err != io.EOF {
		return nil, err
	}
	return b, nil
}

// readNames lists a host directory, sorted.
func readNames(dir string) ([]string, error) {
	f, err := openNoAtime(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	slices.Sort(names)
	return names, err
}
