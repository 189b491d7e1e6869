package vfstest

import (
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// aged sets name's atime and mtime to old values, waits a clock tick,
// and returns its attributes as they then are, so that an operation
// that follows can be seen to change a time or leave it.
func (f *fixture) aged(name string) rump.Stat {
	f.t.Helper()
	f.setTimes(name, oldAtime, oldMtime)
	st := f.lstat(name)
	f.tick()
	return st
}

// timesAfter checks which of name's times moved since before: atime,
// mtime and ctime must have moved exactly when the flags say.
func (f *fixture) timesAfter(op, name string, before rump.Stat, atime, mtime, ctime bool) {
	f.t.Helper()
	st := f.lstat(name)
	for _, c := range []struct {
		what      string
		old, new  rump.Timespec
		wantMoved bool
	}{
		{"atime", before.Atime, st.Atime, atime},
		{"mtime", before.Mtime, st.Mtime, mtime},
		{"ctime", before.Ctime, st.Ctime, ctime},
	} {
		moved := c.old.Before(c.new)
		switch {
		case c.wantMoved && !moved:
			f.t.Errorf("%s: %s's %s = %s, want it updated (was %s)", op, name, c.what, fmtTime(c.new), fmtTime(c.old))
		case !c.wantMoved && c.old != c.new:
			f.t.Errorf("%s: %s's %s changed from %s to %s", op, name, c.what, fmtTime(c.old), fmtTime(c.new))
		}
	}
}

// timeCases cover timestamps: what each operation updates, nanosecond
// precision, and utimens.
var timeCases = []testCase{
	{name: "create-sets-all", run: func(f *fixture) {
		lo := f.now()
		f.mkfile("f", "", 0o644)
		hi := f.now()
		st := f.stat("f")
		f.timeWithin("atime", st.Atime, lo, hi)
		f.timeWithin("mtime", st.Mtime, lo, hi)
		f.timeWithin("ctime", st.Ctime, lo, hi)
		if !f.caps.NoBirthtime {
			f.timeWithin("birthtime", st.Birthtime, lo, hi)
		}
	}},
	{name: "mkdir-symlink-set-all", run: func(f *fixture) {
		lo := f.now()
		f.mkdir("d", 0o755)
		if !f.caps.NoSymlinks {
			f.symlink("d", "l")
		}
		hi := f.now()
		names := []string{"d"}
		if !f.caps.NoSymlinks {
			names = append(names, "l")
		}
		for _, n := range names {
			st := f.lstat(n)
			f.timeWithin(n+" atime", st.Atime, lo, hi)
			f.timeWithin(n+" mtime", st.Mtime, lo, hi)
			f.timeWithin(n+" ctime", st.Ctime, lo, hi)
		}
	}},
	{name: "create-updates-parent", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		before := f.aged("d")
		f.mkfile("d/f", "", 0o644)
		f.timesAfter("create", "d", before, false, true, true)
	}},
	{name: "write-updates-mtime-ctime", run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		before := f.aged("f")
		fd := f.open("f", rump.O_WRONLY, 0)
		f.write(fd, "more")
		f.close(fd)
		f.timesAfter("write", "f", before, false, true, true)
	}},
	{name: "read-updates-atime", run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		before := f.aged("f")
		fd := f.open("f", rump.O_RDONLY, 0)
		f.pread(fd, 4, 0)
		f.close(fd)
		f.timesAfter("read", "f", before, true, false, false)
	}},
	{name: "readdir-updates-atime", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("d/f", "", 0o644)
		before := f.aged("d")
		f.list("d", 0)
		f.timesAfter("readdir", "d", before, true, false, false)
	}},
	{name: "chmod-updates-ctime-only", run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		before := f.aged("f")
		f.chmod("f", 0o600)
		f.timesAfter("chmod", "f", before, false, false, true)
	}},
	{name: "chown-updates-ctime-only", needs: needOwnership, run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		before := f.aged("f")
		f.chown("f", uidA, gidA)
		f.timesAfter("chown", "f", before, false, false, true)
	}},
	{name: "truncate-updates-mtime-ctime", run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		before := f.aged("f")
		f.must(f.p.Truncate(f.path("f"), 2), "truncate")
		f.timesAfter("truncate", "f", before, false, true, true)
		before = f.aged("f")
		f.must(f.p.Truncate(f.path("f"), 5000), "truncate")
		f.timesAfter("truncate up", "f", before, false, true, true)
	}},
	{name: "open-trunc-updates-mtime-ctime", run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		before := f.aged("f")
		f.close(f.open("f", rump.O_WRONLY|rump.O_TRUNC, 0))
		f.timesAfter("open(O_TRUNC)", "f", before, false, true, true)
	}},
	{name: "unlink-updates-parent", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("d/f", "", 0o644)
		before := f.aged("d")
		f.must(f.p.Unlink(f.path("d/f")), "unlink")
		f.timesAfter("unlink", "d", before, false, true, true)
	}},
	{name: "mkdir-rmdir-update-parent", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		before := f.aged("d")
		f.mkdir("d/sub", 0o755)
		f.timesAfter("mkdir", "d", before, false, true, true)
		before = f.aged("d")
		f.must(f.p.Rmdir(f.path("d/sub")), "rmdir")
		f.timesAfter("rmdir", "d", before, false, true, true)
	}},
	{name: "link-updates-ctime-and-parent", needs: needHardLinks, run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.mkfile("f", "", 0o644)
		bf, bd := f.aged("f"), f.aged("d")
		f.link("f", "d/g")
		f.timesAfter("link", "f", bf, false, false, true)
		f.timesAfter("link", "d", bd, false, true, true)
	}},
	{name: "unlink-updates-ctime-of-linked", needs: needHardLinks, run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.link("f", "g")
		before := f.aged("f")
		f.must(f.p.Unlink(f.path("g")), "unlink(g)")
		f.timesAfter("unlink of another name", "f", before, false, false, true)
	}},
	{name: "rename-updates-parents", run: func(f *fixture) {
		f.mkdir("p1", 0o755)
		f.mkdir("p2", 0o755)
		f.mkfile("p1/a", "", 0o644)
		b1, b2 := f.aged("p1"), f.aged("p2")
		f.must(f.p.Rename(f.path("p1/a"), f.path("p2/a")), "rename")
		f.timesAfter("rename", "p1", b1, false, true, true)
		f.timesAfter("rename", "p2", b2, false, true, true)
	}},
	{name: "rename-updates-ctime", run: func(f *fixture) {
		// NetBSD's file systems mark the renamed node changed.
		f.mkfile("a", "", 0o644)
		before := f.aged("a")
		f.must(f.p.Rename(f.path("a"), f.path("b")), "rename")
		f.timesAfter("rename", "b", before, false, false, true)
	}},
	{name: "utimens-explicit", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.expect(ok, f.p.Utimens(f.path("f"), &[2]rump.Timespec{oldAtime, oldMtime}, false), "utimens(explicit)")
		st := f.stat("f")
		f.timeIs("atime", st.Atime, oldAtime)
		f.timeIs("mtime", st.Mtime, oldMtime)
	}},
	{name: "utimens-updates-ctime", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		before := f.lstat("f")
		f.tick()
		f.setTimes("f", oldAtime, oldMtime)
		f.timeAfter("ctime after utimens", f.stat("f").Ctime, before.Ctime)
	}},
	{name: "utimens-null-is-now", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.setTimes("f", oldAtime, oldMtime)
		lo := f.now()
		f.expect(ok, f.p.Utimens(f.path("f"), nil, false), "utimens(NULL)")
		hi := f.now()
		st := f.stat("f")
		f.timeWithin("atime", st.Atime, lo, hi)
		f.timeWithin("mtime", st.Mtime, lo, hi)
	}},
	{name: "utimens-now", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.setTimes("f", oldAtime, oldMtime)
		lo := f.now()
		err := f.p.Utimens(f.path("f"), &[2]rump.Timespec{{Nsec: rump.UTIME_NOW}, oldAtime}, false)
		hi := f.now()
		f.expect(ok, err, "utimens(UTIME_NOW, explicit)")
		st := f.stat("f")
		f.timeWithin("atime", st.Atime, lo, hi)
		f.timeIs("mtime", st.Mtime, oldAtime)
	}},
	{name: "utimens-omit", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.setTimes("f", oldAtime, oldMtime)
		newer := rump.Timespec{Sec: 1_200_000_000, Nsec: 1}
		f.expect(ok, f.p.Utimens(f.path("f"), &[2]rump.Timespec{{Nsec: rump.UTIME_OMIT}, newer}, false), "utimens(UTIME_OMIT, t)")
		st := f.stat("f")
		f.timeIs("atime after UTIME_OMIT", st.Atime, oldAtime)
		f.timeIs("mtime", st.Mtime, newer)
		f.expect(ok, f.p.Utimens(f.path("f"), &[2]rump.Timespec{newer, {Nsec: rump.UTIME_OMIT}}, false), "utimens(t, UTIME_OMIT)")
		st = f.stat("f")
		f.timeIs("atime", st.Atime, newer)
		f.timeIs("mtime after UTIME_OMIT", st.Mtime, newer)
	}},
	{name: "utimens-omit-both", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.setTimes("f", oldAtime, oldMtime)
		omit := rump.Timespec{Nsec: rump.UTIME_OMIT}
		f.expect(ok, f.p.Utimens(f.path("f"), &[2]rump.Timespec{omit, omit}, false), "utimens(UTIME_OMIT, UTIME_OMIT)")
		st := f.stat("f")
		f.timeIs("atime", st.Atime, oldAtime)
		f.timeIs("mtime", st.Mtime, oldMtime)
	}},
	{name: "utimens-bad-nsec", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		for _, ns := range []int64{1_000_000_000, -1} {
			err := f.p.Utimens(f.path("f"), &[2]rump.Timespec{{Sec: 1, Nsec: ns}, oldMtime}, false)
			f.expect(errno.EINVAL, err, "utimens with tv_nsec %d", ns)
		}
	}},
	{name: "utimens-nofollow", needs: needSymlinks, run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.symlink("f", "l")
		f.setTimes("f", oldAtime, oldAtime)
		f.expect(ok, f.p.Utimens(f.path("l"), &[2]rump.Timespec{oldMtime, oldMtime}, true), "utimens(symlink, nofollow)")
		f.timeIs("symlink mtime", f.lstat("l").Mtime, oldMtime)
		f.timeIs("target mtime", f.stat("f").Mtime, oldAtime)
		f.expect(ok, f.p.Utimens(f.path("l"), &[2]rump.Timespec{oldMtime, oldMtime}, false), "utimens(symlink)")
		f.timeIs("target mtime after following", f.stat("f").Mtime, oldMtime)
	}},
	{name: "futimens", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		f.expect(ok, f.p.Futimens(fd, &[2]rump.Timespec{oldAtime, oldMtime}), "futimens")
		f.timeIs("mtime", f.fstat(fd).Mtime, oldMtime)
	}},
	{name: "nanoseconds-kept", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		ts := rump.Timespec{Sec: 1_500_000_000, Nsec: 999_999_999}
		f.setTimes("f", ts, ts)
		st := f.stat("f")
		f.timeIs("atime", st.Atime, ts)
		f.timeIs("mtime", st.Mtime, ts)
	}},
	{name: "birthtime-stable", needs: needBirthtime, run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		birth := f.stat("f").Birthtime
		f.tick()
		fd := f.open("f", rump.O_WRONLY|rump.O_APPEND, 0)
		f.write(fd, "more")
		f.close(fd)
		f.chmod("f", 0o600)
		f.must(f.p.Utimens(f.path("f"), nil, false), "utimens(NULL)")
		f.check(f.stat("f").Birthtime == birth, "birthtime moved from %s to %s", fmtTime(birth), fmtTime(f.stat("f").Birthtime))
	}},
}
