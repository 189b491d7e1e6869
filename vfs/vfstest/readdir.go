package vfstest

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/vfs"
)

// populate makes n empty files prefix0..prefix(n-1) in dir.
func (f *fixture) populate(dir, prefix string, n int) []string {
	f.t.Helper()
	out := make([]string, n)
	for i := range n {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
		f.mkfile(dir+"/"+out[i], "", 0o644)
	}
	return out
}

// counts returns how often each name occurs in ents.
func counts(ents []rump.Dirent) map[string]int {
	m := map[string]int{}
	for _, e := range ents {
		m[e.Name]++
	}
	return m
}

// checkResumed checks a listing that was interrupted and resumed while
// the directory changed: every name in stable appears exactly once, no
// other name appears twice (unless reused says names were removed and
// made again, which makes new entries), and every name is one the
// directory ever held.
func (f *fixture) checkResumed(ents []rump.Dirent, stable, ever []string, reused bool) {
	f.t.Helper()
	c := counts(ents)
	for _, n := range stable {
		if c[n] != 1 {
			f.t.Errorf("entry %q present all along was listed %d times, want once", n, c[n])
		}
	}
	for n, k := range c {
		if k > 1 && !reused && !slices.Contains(stable, n) {
			f.t.Errorf("entry %q listed %d times", n, k)
		}
		if !slices.Contains(ever, n) {
			f.t.Errorf("entry %q listed but never existed", n)
		}
	}
}

// readdirResume lists half of directory d, lets change alter it, then
// resumes from the saved offset, on the same descriptor or on a fresh
// one (fresh), and checks the listing.
func (f *fixture) readdirResume(initial int, fresh bool, change func(read map[string]bool) (stable, ever []string)) {
	f.t.Helper()
	f.mkdir("d", 0o755)
	f.populate("d", "e", initial)
	fd := f.open("d", rump.O_RDONLY|rump.O_DIRECTORY, 0)
	first, err := f.p.ReadDir(fd, initial/2)
	f.must(err, "readdir(d, %d)", initial/2)
	saved, err := f.p.Lseek(fd, 0, rump.SEEK_CUR)
	f.must(err, "lseek(d, 0, SEEK_CUR)")
	read := map[string]bool{}
	for _, e := range first {
		read[e.Name] = true
	}
	stable, ever := change(read)
	if fresh {
		f.close(fd)
		fd = f.open("d", rump.O_RDONLY|rump.O_DIRECTORY, 0)
	}
	defer f.close(fd)
	_, err = f.p.Lseek(fd, saved, rump.SEEK_SET)
	f.must(err, "lseek(d, %d, SEEK_SET)", saved)
	all := first
	for {
		ents, err := f.p.ReadDir(fd, 7)
		f.must(err, "readdir(d)")
		if len(ents) == 0 {
			break
		}
		all = append(all, ents...)
		if len(all) > 100000 {
			f.t.Fatal("readdir(d): listing does not end")
		}
	}
	f.checkResumed(all, append(stable, ".", ".."), append(ever, ".", ".."), false)
}

// eNames returns the names populate gave, less those in drop.
func eNames(n int, drop map[string]bool) []string {
	var out []string
	for i := range n {
		if name := fmt.Sprintf("e%03d", i); !drop[name] {
			out = append(out, name)
		}
	}
	return out
}

// direntType is the d_type a file type should have.
var direntType = map[uint32]uint8{
	rump.S_IFREG: 8, rump.S_IFDIR: 4, rump.S_IFLNK: 10, rump.S_IFIFO: 1,
	rump.S_IFCHR: 2, rump.S_IFBLK: 6, rump.S_IFSOCK: 12,
}

// readdirCases cover directory listing: contents, cookies that survive
// changes, and the getdents record format.
var readdirCases = []testCase{
	{name: "empty", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.sameNames("readdir(empty dir)", names(f.list("d", 0)), []string{".", ".."})
	}},
	{name: "dot-and-dotdot", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkdir("d/sub", 0o755)
		for _, e := range f.list("d/sub", 0) {
			switch e.Name {
			case ".":
				f.check(uint64(e.Ino) == f.stat("d/sub").Ino, "\".\" lists inode %d, want %d", e.Ino, f.stat("d/sub").Ino)
				f.check(e.Type == vfs.VDIR, "\".\" has type %d", e.Type)
			case "..":
				f.check(uint64(e.Ino) == f.stat("d").Ino, "\"..\" lists inode %d, want %d", e.Ino, f.stat("d").Ino)
				f.check(e.Type == vfs.VDIR, "\"..\" has type %d", e.Type)
			}
		}
	}},
	{name: "all-once", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		want := append(f.populate("d", "f", 60), ".", "..")
		for i := range 10 {
			name := fmt.Sprintf("sub%d", i)
			f.mkdir("d/"+name, 0o755)
			want = append(want, name)
		}
		f.sameNames("readdir(d)", names(f.list("d", 0)), want)
		f.sameNames("readdir(d) one at a time", names(f.list("d", 1)), want)
		f.sameNames("readdir(d) 7 at a time", names(f.list("d", 7)), want)
	}},
	{name: "types-and-inodes", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("d/file", "", 0o644)
		f.mkdir("d/dir", 0o755)
		if !f.caps.NoSymlinks {
			f.symlink("file", "d/link")
		}
		if !f.caps.NoSpecialFiles {
			f.must(f.p.Mkfifo(f.path("d/fifo"), 0o644), "mkfifo")
		}
		for _, e := range f.list("d", 0) {
			st := f.lstat("d/" + e.Name)
			f.check(uint64(e.Ino) == st.Ino, "%s: listed inode %d, stat says %d", e.Name, e.Ino, st.Ino)
			f.check(e.Type.DirentType() == direntType[fileType(st.Mode)], "%s: listed d_type %d, want %d", e.Name, e.Type.DirentType(), direntType[fileType(st.Mode)])
		}
	}},
	{name: "many-long-names", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		want := []string{".", ".."}
		long := strings.Repeat("n", min(f.nameMax(), 200)-4)
		for i := range 400 {
			name := fmt.Sprintf("%s%04d", long, i)
			f.mkfile("d/"+name, "", 0o644)
			want = append(want, name)
		}
		f.sameNames("readdir(d)", names(f.list("d", 0)), want)
	}},
	{name: "removed-not-listed", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.populate("d", "e", 20)
		for i := 0; i < 20; i += 2 {
			f.must(f.p.Unlink(f.path(fmt.Sprintf("d/e%03d", i))), "unlink")
		}
		f.sameNames("readdir(d) after removals", names(f.list("d", 0)), append(eNames(20, evens(20)), ".", ".."))
	}},
	{name: "resume-after-create", run: func(f *fixture) {
		f.readdirResume(40, false, func(map[string]bool) ([]string, []string) {
			added := f.populate("d", "n", 30)
			return eNames(40, nil), append(eNames(40, nil), added...)
		})
	}},
	{name: "resume-after-remove", run: func(f *fixture) {
		f.readdirResume(40, false, func(read map[string]bool) ([]string, []string) {
			// Remove some entries already listed and some not yet.
			gone := map[string]bool{}
			for i := range 40 {
				if i%3 == 0 {
					name := fmt.Sprintf("e%03d", i)
					gone[name] = true
					f.must(f.p.Unlink(f.path("d/"+name)), "unlink(d/%s)", name)
				}
			}
			return eNames(40, gone), eNames(40, nil)
		})
	}},
	{name: "resume-after-churn", run: func(f *fixture) {
		// Enough creates and removes that a driver compacting or
		// rehashing its directory would move entries around.
		f.readdirResume(60, false, func(read map[string]bool) ([]string, []string) {
			gone := evens(60)
			for name := range gone {
				f.must(f.p.Unlink(f.path("d/"+name)), "unlink(d/%s)", name)
			}
			added := f.populate("d", "n", 300)
			for i, name := range added {
				if i%4 != 0 {
					f.must(f.p.Unlink(f.path("d/"+name)), "unlink(d/%s)", name)
				}
			}
			return eNames(60, gone), append(eNames(60, nil), added...)
		})
	}},
	{name: "resume-on-new-descriptor", run: func(f *fixture) {
		f.readdirResume(40, true, func(read map[string]bool) ([]string, []string) {
			f.must(f.p.Unlink(f.path("d/e039")), "unlink")
			added := f.populate("d", "n", 5)
			return eNames(40, map[string]bool{"e039": true}), append(eNames(40, nil), added...)
		})
	}},
	{name: "remove-while-listing", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.populate("d", "e", 50)
		fd := f.open("d", rump.O_RDONLY|rump.O_DIRECTORY, 0)
		defer f.close(fd)
		var all []rump.Dirent
		for {
			ents, err := f.p.ReadDir(fd, 3)
			f.must(err, "readdir(d)")
			if len(ents) == 0 {
				break
			}
			all = append(all, ents...)
			for _, e := range ents {
				if e.Name != "." && e.Name != ".." {
					f.must(f.p.Unlink(f.path("d/"+e.Name)), "unlink(d/%s)", e.Name)
				}
			}
			if len(all) > 1000 {
				f.t.Fatal("listing does not end")
			}
		}
		f.checkResumed(all, append(eNames(50, nil), ".", ".."), append(eNames(50, nil), ".", ".."), false)
		f.sameNames("readdir(d) after removing everything", names(f.list("d", 0)), []string{".", ".."})
	}},
	{name: "rename-within-while-listing", run: func(f *fixture) {
		f.readdirResume(40, false, func(read map[string]bool) ([]string, []string) {
			// Renamed entries may show under either name, but
			// at most once; the others exactly once.
			var renamed []string
			moved := map[string]bool{}
			for i := 0; i < 40; i += 5 {
				from := fmt.Sprintf("e%03d", i)
				to := fmt.Sprintf("r%03d", i)
				f.must(f.p.Rename(f.path("d/"+from), f.path("d/"+to)), "rename")
				moved[from] = true
				renamed = append(renamed, to)
			}
			return eNames(40, moved), append(eNames(40, nil), renamed...)
		})
	}},
	{name: "rewind", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		want := append(f.populate("d", "e", 10), ".", "..")
		fd := f.open("d", rump.O_RDONLY|rump.O_DIRECTORY, 0)
		defer f.close(fd)
		first, err := f.p.ReadDir(fd, 0)
		f.must(err, "readdir")
		more, err := f.p.ReadDir(fd, 0)
		f.must(err, "readdir")
		f.check(len(more) == 0, "readdir at the end gave %d entries", len(more))
		_, err = f.p.Lseek(fd, 0, rump.SEEK_SET)
		f.must(err, "lseek(0)")
		again, err := f.p.ReadDir(fd, 0)
		f.must(err, "readdir")
		f.sameNames("first listing", names(first), want)
		f.sameNames("listing after rewinding", names(again), want)
	}},
	{name: "on-file", run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		_, err := f.p.ReadDir(fd, 0)
		f.expect(errno.ENOTDIR, err, "readdir(file)")
		_, err = f.p.Getdents(fd, make([]byte, 4096))
		f.expect(errno.ENOTDIR, err, "getdents(file)")
	}},
	{name: "getdents-format", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("d/file", "", 0o644)
		f.mkdir("d/subdir", 0o755)
		name255 := strings.Repeat("x", f.nameMax())
		f.mkfile("d/"+name255, "", 0o644)
		fd := f.open("d", rump.O_RDONLY|rump.O_DIRECTORY, 0)
		defer f.close(fd)
		var got []string
		buf := make([]byte, 600)
		for {
			n, err := f.p.Getdents(fd, buf)
			f.must(err, "getdents")
			if n == 0 {
				break
			}
			for off := 0; off < n; {
				rec := buf[off:n]
				if len(rec) < 16 {
					f.t.Fatalf("getdents: %d stray bytes at the end", len(rec))
				}
				ino := binary.NativeEndian.Uint64(rec)
				reclen := int(binary.NativeEndian.Uint16(rec[8:]))
				namlen := int(binary.NativeEndian.Uint16(rec[10:]))
				typ := rec[12]
				// NetBSD's _DIRENT_RECLEN: header, name, NUL, 8-aligned.
				if want := (13 + namlen + 1 + 7) &^ 7; reclen != want || reclen > len(rec) {
					f.t.Fatalf("getdents: record at %d: d_reclen %d for d_namlen %d, want %d", off, reclen, namlen, want)
				}
				name := string(rec[13 : 13+namlen])
				f.check(rec[13+namlen] == 0, "getdents: %q is not NUL-terminated", name)
				st := f.lstat("d/" + name)
				f.check(ino == st.Ino, "getdents: %q has d_fileno %d, stat says %d", name, ino, st.Ino)
				f.check(typ == direntType[fileType(st.Mode)], "getdents: %q has d_type %d, want %d", name, typ, direntType[fileType(st.Mode)])
				got = append(got, name)
				off += reclen
			}
		}
		f.sameNames("getdents(d)", got, []string{".", "..", "file", "subdir", name255})
		n, err := f.p.Getdents(fd, buf)
		f.check(n == 0 && err == nil, "getdents at the end = %d, %v; want 0, nil", n, err)
	}},
	{name: "getdents-small-buffer", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		fd := f.open("d", rump.O_RDONLY|rump.O_DIRECTORY, 0)
		defer f.close(fd)
		_, err := f.p.Getdents(fd, make([]byte, 8))
		f.expect(errno.EINVAL, err, "getdents with an 8-byte buffer")
	}},
	{name: "listing-unlinked-dir", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("d/f", "", 0o644)
		fd := f.open("d", rump.O_RDONLY|rump.O_DIRECTORY, 0)
		defer f.close(fd)
		f.must(f.p.Unlink(f.path("d/f")), "unlink")
		f.must(f.p.Rmdir(f.path("d")), "rmdir")
		ents, err := f.p.ReadDir(fd, 0)
		if err != nil {
			// A removed directory has no ".." to list; NetBSD's
			// drivers differ on whether that is ENOENT.
			f.expect(errno.ENOENT, err, "readdir(removed directory)")
		}
		for _, e := range ents {
			f.check(e.Name == "." || e.Name == "..", "removed directory lists %q", e.Name)
		}
	}},
}

// evens returns e000, e002, ... below n, as a set.
func evens(n int) map[string]bool {
	m := map[string]bool{}
	for i := 0; i < n; i += 2 {
		m[fmt.Sprintf("e%03d", i)] = true
	}
	return m
}

// nameMax returns the longest name the file system takes.
func (f *fixture) nameMax() int {
	if f.caps.MaxNameLen > 0 {
		return f.caps.MaxNameLen
	}
	return 255
}
