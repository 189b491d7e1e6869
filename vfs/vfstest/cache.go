package vfstest

import (
	"fmt"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// lookedUp stats name so that a name cache remembers the answer, and
// checks the answer is want.
func (f *fixture) lookedUp(name string, want errno.Errno) {
	f.t.Helper()
	_, err := f.p.Lstat(f.path(name))
	f.expect(want, err, "lstat(%s)", name)
}

// cacheCases check that what lookups remember follows every change of a
// directory: a name looked up and found missing appears when made, and
// one looked up and found disappears when removed or replaced.
var cacheCases = []testCase{
	{name: "negative-then-created", run: func(f *fixture) {
		f.mkfile("src", "", 0o644)
		makers := []struct {
			name string
			need need
			make func(path string) error
		}{
			{"create", 0, func(p string) error {
				fd, err := f.p.Open(p, rump.O_WRONLY|rump.O_CREAT, 0o644)
				if err == nil {
					f.p.Close(fd)
				}
				return err
			}},
			{"mkdir", 0, func(p string) error { return f.p.Mkdir(p, 0o755) }},
			{"symlink", needSymlinks, func(p string) error { return f.p.Symlink("src", p) }},
			{"link", needHardLinks, func(p string) error { return f.p.Link(f.path("src"), p) }},
			{"mkfifo", needSpecialFiles, func(p string) error { return f.p.Mkfifo(p, 0o644) }},
			{"rename", 0, func(p string) error {
				f.mkfile("tmp", "", 0o644)
				return f.p.Rename(f.path("tmp"), p)
			}},
		}
		for _, m := range makers {
			if !f.has(m.need) {
				continue
			}
			name := "by-" + m.name
			f.lookedUp(name, errno.ENOENT)
			f.expect(ok, m.make(f.path(name)), "%s(%s)", m.name, name)
			f.lookedUp(name, ok)
		}
	}},
	{name: "positive-then-removed", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.mkdir("d", 0o755)
		f.mkfile("g", "", 0o644)
		f.lookedUp("f", ok)
		f.lookedUp("d", ok)
		f.lookedUp("g", ok)
		f.must(f.p.Unlink(f.path("f")), "unlink(f)")
		f.must(f.p.Rmdir(f.path("d")), "rmdir(d)")
		f.must(f.p.Rename(f.path("g"), f.path("h")), "rename(g, h)")
		f.lookedUp("f", errno.ENOENT)
		f.lookedUp("d", errno.ENOENT)
		f.lookedUp("g", errno.ENOENT)
		f.lookedUp("h", ok)
	}},
	{name: "replaced-by-rename", run: func(f *fixture) {
		f.mkfile("a", "a", 0o644)
		f.mkfile("b", "b", 0o644)
		old := f.stat("b").Ino
		f.content("b", "b")
		f.must(f.p.Rename(f.path("a"), f.path("b")), "rename(a, b)")
		f.content("b", "a")
		f.check(f.stat("b").Ino != old, "b still has the replaced file's inode number")
	}},
	{name: "dir-contents-after-rename", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("d/f", "x", 0o644)
		f.lookedUp("d/f", ok)
		f.lookedUp("d/nope", errno.ENOENT)
		f.must(f.p.Rename(f.path("d"), f.path("e")), "rename(d, e)")
		f.lookedUp("d/f", errno.ENOENT)
		f.lookedUp("e/f", ok)
		f.mkdir("d", 0o755)
		f.lookedUp("d/f", errno.ENOENT)
		f.mkfile("e/nope", "", 0o644)
		f.lookedUp("e/nope", ok)
	}},
	{name: "recreated-dir-is-empty", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("d/f", "", 0o644)
		f.lookedUp("d/f", ok)
		f.must(f.p.Unlink(f.path("d/f")), "unlink")
		f.must(f.p.Rmdir(f.path("d")), "rmdir")
		f.mkdir("d", 0o755)
		f.lookedUp("d/f", errno.ENOENT)
	}},
	{name: "many-files-reread", run: func(f *fixture) {
		// More files than a vnode cache is likely to keep: nodes
		// are dropped and loaded again from the file system.
		const n = 1500
		f.mkdir("d", 0o755)
		for i := range n {
			f.mkfile(fmt.Sprintf("d/f%04d", i), fmt.Sprintf("content of %d", i), 0o644)
		}
		for i := range n {
			name := fmt.Sprintf("d/f%04d", i)
			b, err := f.p.ReadFile(f.path(name))
			if !f.expect(ok, err, "read(%s)", name) || string(b) != fmt.Sprintf("content of %d", i) {
				f.t.Fatalf("%s reads %q", name, b)
			}
		}
		f.check(len(f.list("d", 0)) == n+2, "listing has %d entries, want %d", len(f.list("d", 0)), n+2)
	}},
}
