package vfstest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// ok stands for "no error" where a case says which errno it expects.
const ok errno.Errno = 0

// Users the permission cases switch to. userA and userB share groupS as
// a supplementary group; nobody shares nothing with anyone.
const (
	uidA, gidA = 1000, 1000
	uidB, gidB = 1001, 1001
	groupS     = 2000
	uidNobody  = 3000
	gidNobody  = 3000
)

// fixture is one case's view of its Env: the test, the calling process,
// the case's directory and the file system's capabilities. Its helpers
// stop the case (t.Fatal) when a step that prepares the case fails, and
// report without stopping when a checked result is wrong.
type fixture struct {
	t    *testing.T
	p    *rump.Proc
	dir  string
	caps Caps
}

// path returns the absolute path of name (which may hold slashes) in the
// case's directory.
func (f *fixture) path(name string) string { return f.dir + "/" + name }

// has reports whether the file system has the capabilities in n.
func (f *fixture) has(n need) bool { return n.missing(f.caps, true) == "" }

// as returns a fixture whose process is a fork of f's running as uid and
// gid with the given supplementary groups.
func (f *fixture) as(uid, gid uint32, groups ...uint32) *fixture {
	f.t.Helper()
	child, err := f.p.Fork(rump.ForkCopyFD)
	if err != nil {
		f.t.Fatalf("fork: %v", err)
	}
	f.t.Cleanup(child.Exit)
	if err := child.SetCred(uid, gid, groups...); err != nil {
		f.t.Fatalf("setcred(%d, %d, %v): %v", uid, gid, groups, err)
	}
	g := *f
	g.p = child
	return &g
}

// userA, userB and nobody are f as those users.
func (f *fixture) userA() *fixture  { return f.as(uidA, gidA, groupS) }
func (f *fixture) userB() *fixture  { return f.as(uidB, gidB, groupS) }
func (f *fixture) nobody() *fixture { return f.as(uidNobody, gidNobody) }

// errText describes err for a failure message: the errno's name and
// text, or "success".
func errText(err error) string {
	if err == nil {
		return "success"
	}
	var e errno.Errno
	if errors.As(err, &e) {
		return e.Name() + " (" + e.Error() + ")"
	}
	return fmt.Sprintf("%v (not an errno)", err)
}

func wantText(want errno.Errno) string {
	if want == ok {
		return "success"
	}
	return want.Name()
}

// expect reports a failure unless err is want (ok: no error). op and
// args describe the call, such as "rename(%s, %s)", a, b. It reports
// whether err was as expected.
func (f *fixture) expect(want errno.Errno, err error, op string, args ...any) bool {
	f.t.Helper()
	if want == ok && err == nil || want != ok && errors.Is(err, want) {
		return true
	}
	f.t.Errorf("%s: got %s, want %s", fmt.Sprintf(op, args...), errText(err), wantText(want))
	return false
}

// must stops the case if err is not nil: a step preparing the case
// failed.
func (f *fixture) must(err error, op string, args ...any) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("%s: unexpected %s", fmt.Sprintf(op, args...), errText(err))
	}
}

// check reports a failure unless cond holds.
func (f *fixture) check(cond bool, format string, args ...any) {
	f.t.Helper()
	if !cond {
		f.t.Errorf(format, args...)
	}
}

// Operations that prepare a case; they take names relative to the case's
// directory and stop the case on failure.

func (f *fixture) mkfile(name, data string, mode uint32) {
	f.t.Helper()
	fd := f.open(name, rump.O_WRONLY|rump.O_CREAT|rump.O_EXCL, mode)
	f.write(fd, data)
	f.close(fd)
}

func (f *fixture) mkdir(name string, mode uint32) {
	f.t.Helper()
	f.must(f.p.Mkdir(f.path(name), mode), "mkdir(%s)", name)
}

// mountOn mounts an empty tmpfs on directory name, to be unmounted when
// the case ends. Cases use it for what the VFS does with a mount point
// that lies on the file system under test.
func (f *fixture) mountOn(name string) {
	f.t.Helper()
	path := f.path(name)
	f.must(f.p.Mount("tmpfs", "", path, 0, nil), "mount(tmpfs, %s)", name)
	f.t.Cleanup(func() {
		if err := f.p.Unmount(path, rump.MNT_FORCE); err != nil {
			f.t.Errorf("unmount(%s): %s", name, errText(err))
		}
	})
}

func (f *fixture) symlink(target, name string) {
	f.t.Helper()
	f.must(f.p.Symlink(target, f.path(name)), "symlink(%q, %s)", target, name)
}

func (f *fixture) link(old, new string) {
	f.t.Helper()
	f.must(f.p.Link(f.path(old), f.path(new)), "link(%s, %s)", old, new)
}

func (f *fixture) chmod(name string, mode uint32) {
	f.t.Helper()
	f.must(f.p.Chmod(f.path(name), mode), "chmod(%s, %#o)", name, mode)
}

func (f *fixture) chown(name string, uid, gid uint32) {
	f.t.Helper()
	f.must(f.p.Chown(f.path(name), uid, gid), "chown(%s, %d, %d)", name, uid, gid)
}

func (f *fixture) open(name string, flags int, mode uint32) int {
	f.t.Helper()
	fd, err := f.p.Open(f.path(name), flags, mode)
	f.must(err, "open(%s, %#x)", name, flags)
	return fd
}

func (f *fixture) close(fd int) {
	f.t.Helper()
	f.must(f.p.Close(fd), "close(%d)", fd)
}

func (f *fixture) write(fd int, data string) {
	f.t.Helper()
	n, err := f.p.Write(fd, []byte(data))
	f.must(err, "write(%d, %d bytes)", fd, len(data))
	if n != len(data) {
		f.t.Fatalf("write(%d, %d bytes): wrote %d", fd, len(data), n)
	}
}

func (f *fixture) pwrite(fd int, data string, off int64) {
	f.t.Helper()
	n, err := f.p.Pwrite(fd, []byte(data), off)
	f.must(err, "pwrite(%d, %d bytes, %d)", fd, len(data), off)
	if n != len(data) {
		f.t.Fatalf("pwrite(%d, %d bytes, %d): wrote %d", fd, len(data), off, n)
	}
}

// pread reads up to n bytes at off.
func (f *fixture) pread(fd, n int, off int64) string {
	f.t.Helper()
	b := make([]byte, n)
	got, err := f.p.Pread(fd, b, off)
	f.must(err, "pread(%d, %d, %d)", fd, n, off)
	return string(b[:got])
}

func (f *fixture) stat(name string) rump.Stat {
	f.t.Helper()
	st, err := f.p.Stat(f.path(name))
	f.must(err, "stat(%s)", name)
	return st
}

func (f *fixture) lstat(name string) rump.Stat {
	f.t.Helper()
	st, err := f.p.Lstat(f.path(name))
	f.must(err, "lstat(%s)", name)
	return st
}

func (f *fixture) fstat(fd int) rump.Stat {
	f.t.Helper()
	st, err := f.p.Fstat(fd)
	f.must(err, "fstat(%d)", fd)
	return st
}

// read returns the whole content of name.
func (f *fixture) read(name string) string {
	f.t.Helper()
	b, err := f.p.ReadFile(f.path(name))
	f.must(err, "read(%s)", name)
	return string(b)
}

// Checks on the results of the operations under test.

// exists reports a failure unless name exists (not following a final
// symlink).
func (f *fixture) exists(name string) {
	f.t.Helper()
	_, err := f.p.Lstat(f.path(name))
	f.expect(ok, err, "lstat(%s)", name)
}

// absent reports a failure unless name does not exist.
func (f *fixture) absent(name string) {
	f.t.Helper()
	_, err := f.p.Lstat(f.path(name))
	f.expect(errno.ENOENT, err, "lstat(%s)", name)
}

// content reports a failure unless name holds want.
func (f *fixture) content(name, want string) {
	f.t.Helper()
	b, err := f.p.ReadFile(f.path(name))
	if !f.expect(ok, err, "read(%s)", name) {
		return
	}
	if string(b) != want {
		f.t.Errorf("read(%s) = %s, want %s", name, quote(b), quote([]byte(want)))
	}
}

// quote shows file data in a failure message, shortening long data.
func quote(b []byte) string {
	if len(b) <= 64 {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q... (%d bytes)", b[:48], len(b))
}

func (f *fixture) nlink(name string, want uint32) {
	f.t.Helper()
	if st := f.lstat(name); st.Nlink != want {
		f.t.Errorf("lstat(%s).Nlink = %d, want %d", name, st.Nlink, want)
	}
}

// fileType returns the S_IFMT bits of a mode.
func fileType(mode uint32) uint32 { return mode & rump.S_IFMT }

func (f *fixture) isType(name string, typ uint32) {
	f.t.Helper()
	if st := f.lstat(name); fileType(st.Mode) != typ {
		f.t.Errorf("lstat(%s): type %#o, want %#o", name, fileType(st.Mode), typ)
	}
}

func (f *fixture) perm(name string, want uint32) {
	f.t.Helper()
	if st := f.lstat(name); st.Mode&0o7777 != want {
		f.t.Errorf("lstat(%s): mode %#o, want %#o", name, st.Mode&0o7777, want)
	}
}

// Directory listing.

// list returns every entry of directory name, "." and "..", reading n
// entries per call (all at once when n <= 0).
func (f *fixture) list(name string, n int) []rump.Dirent {
	f.t.Helper()
	fd := f.open(name, rump.O_RDONLY|rump.O_DIRECTORY, 0)
	defer f.close(fd)
	var all []rump.Dirent
	for {
		ents, err := f.p.ReadDir(fd, n)
		f.must(err, "readdir(%s)", name)
		if len(ents) == 0 {
			return all
		}
		all = append(all, ents...)
		if len(all) > 1<<20 {
			f.t.Fatalf("readdir(%s): listing does not end", name)
		}
	}
}

// names returns the sorted names in ents.
func names(ents []rump.Dirent) []string {
	out := make([]string, 0, len(ents))
	for _, e := range ents {
		out = append(out, e.Name)
	}
	slices.Sort(out)
	return out
}

// sameNames reports a failure unless got and want hold the same names
// the same number of times.
func (f *fixture) sameNames(what string, got, want []string) {
	f.t.Helper()
	got, want = slices.Clone(got), slices.Clone(want)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		f.t.Errorf("%s: entries %s, want %s", what, shortList(got), shortList(want))
	}
}

func shortList(s []string) string {
	if len(s) > 20 {
		return fmt.Sprintf("%q... (%d)", s[:20], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// Times.

// granularity returns the file system's time granularity.
func (f *fixture) granularity() time.Duration {
	if f.caps.TimeGranularity > 0 {
		return f.caps.TimeGranularity
	}
	return time.Nanosecond
}

// now returns the kernel's clock.
func (f *fixture) now() time.Time { return f.p.Kernel().Kern().Now().Time() }

// tick waits until the kernel clock has moved past the file system's
// time granularity, so that a time set after it differs from one set
// before.
func (f *fixture) tick() {
	start := f.now()
	g := f.granularity()
	for f.now().Sub(start) <= g {
		if g >= time.Millisecond {
			time.Sleep(g / 4)
		}
	}
}

// An old time, with nanoseconds, to set and find again.
var (
	oldAtime = rump.Timespec{Sec: 1_000_000_000, Nsec: 123_456_789}
	oldMtime = rump.Timespec{Sec: 1_100_000_000, Nsec: 987_654_321}
)

// setTimes sets name's access and modification times.
func (f *fixture) setTimes(name string, atime, mtime rump.Timespec) {
	f.t.Helper()
	f.must(f.p.Utimens(f.path(name), &[2]rump.Timespec{atime, mtime}, true), "utimens(%s)", name)
}

// sameTime reports whether got is want as the file system stores it:
// want rounded down to the granularity, or want itself.
func (f *fixture) sameTime(got, want rump.Timespec) bool {
	d := want.Time().Sub(got.Time())
	return d >= 0 && d < f.granularity()
}

func (f *fixture) timeIs(what string, got, want rump.Timespec) {
	f.t.Helper()
	if !f.sameTime(got, want) {
		f.t.Errorf("%s = %s, want %s", what, fmtTime(got), fmtTime(want))
	}
}

// timeAfter reports a failure unless got is later than before.
func (f *fixture) timeAfter(what string, got, before rump.Timespec) {
	f.t.Helper()
	if !before.Before(got) {
		f.t.Errorf("%s = %s, want after %s", what, fmtTime(got), fmtTime(before))
	}
}

// timeWithin reports a failure unless got lies in [lo, hi] widened by
// the granularity.
func (f *fixture) timeWithin(what string, got rump.Timespec, lo, hi time.Time) {
	f.t.Helper()
	g := f.granularity()
	if tt := got.Time(); tt.Before(lo.Add(-g)) || tt.After(hi.Add(g)) {
		f.t.Errorf("%s = %s, want between %s and %s", what, fmtTime(got),
			lo.UTC().Format(time.RFC3339Nano), hi.UTC().Format(time.RFC3339Nano))
	}
}

func fmtTime(ts rump.Timespec) string { return ts.Time().UTC().Format(time.RFC3339Nano) }

// pattern returns n bytes of data that repeat only every 251 bytes (a
// prime, so never in step with a block size), so misplaced data shows.
func pattern(n int, seed byte) string {
	var b strings.Builder
	b.Grow(n)
	for i := range n {
		b.WriteByte(byte(i%251) ^ seed)
	}
	return b.String()
}

// zeros reports whether b is all zero bytes.
func zeros(b []byte) bool { return bytes.Count(b, []byte{0}) == len(b) }
