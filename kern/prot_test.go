package kern

import (
	"testing"

	"github.com/gorump/gorump/kern/errno"
)

// ids returns l's real, effective and saved user ids.
func uids(l *LWP) [3]uint32 {
	c := l.Cred()
	return [3]uint32{c.RealUID(), c.UID(), c.SavedUID()}
}

func gids(l *LWP) [3]uint32 {
	c := l.Cred()
	return [3]uint32{c.RealGID(), c.GID(), c.SavedGID()}
}

// TestSeteuid follows a daemon that drops root for its effective id
// and takes it back, as NetBSD allows through the real and saved ids.
func TestSeteuid(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	if err := l.Seteuid(1000); err != nil {
		t.Fatal(err)
	}
	if got := uids(l); got != [3]uint32{0, 1000, 0} || l.Getuid() != 0 || l.Geteuid() != 1000 {
		t.Errorf("after seteuid(1000): ids %v", got)
	}
	wantErrno(t, "seteuid to a third user", l.Seteuid(1001), errno.EPERM)
	if err := l.Seteuid(0); err != nil {
		t.Fatalf("seteuid back to the real id: %v", err)
	}
	// setuid by root sets all three; then nothing brings root back.
	if err := l.Setuid(1000); err != nil {
		t.Fatal(err)
	}
	if got := uids(l); got != [3]uint32{1000, 1000, 1000} {
		t.Errorf("after setuid(1000): %v", got)
	}
	wantErrno(t, "seteuid(0) after setuid", l.Seteuid(0), errno.EPERM)
	wantErrno(t, "setreuid(0, 0) after setuid", l.Setreuid(0, 0), errno.EPERM)
}

func TestSetreuid(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	// Root swaps to real 1000, effective 2000: the saved id follows the
	// effective one, as the real id changed.
	if err := l.Setreuid(1000, 2000); err != nil {
		t.Fatal(err)
	}
	if got := uids(l); got != [3]uint32{1000, 2000, 2000} {
		t.Errorf("after setreuid(1000, 2000): %v", got)
	}
	// A user may swap its real and effective ids.
	if err := l.Setreuid(2000, 1000); err != nil {
		t.Fatal(err)
	}
	if got := uids(l); got != [3]uint32{2000, 1000, 1000} {
		t.Errorf("after setreuid(2000, 1000): %v", got)
	}
	// NoID leaves an id; the real id unchanged leaves the saved one.
	if err := l.Setreuid(NoID, 2000); err != nil {
		t.Fatal(err)
	}
	if got := uids(l); got != [3]uint32{2000, 2000, 1000} {
		t.Errorf("after setreuid(-1, 2000): %v", got)
	}
	wantErrno(t, "setreuid to a stranger", l.Setreuid(3000, NoID), errno.EPERM)
	wantErrno(t, "setreuid effective to a stranger", l.Setreuid(NoID, 3000), errno.EPERM)
	// setuid by a user: only to the real id.
	wantErrno(t, "setuid to the saved id", l.Setuid(1000), errno.EPERM)
	if err := l.Setuid(2000); err != nil {
		t.Fatal(err)
	}
}

func TestSetregidSetegid(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	if err := l.Setregid(10, 20); err != nil {
		t.Fatal(err)
	}
	if got := gids(l); got != [3]uint32{10, 20, 20} || l.Getgid() != 10 || l.Getegid() != 20 {
		t.Errorf("after setregid(10, 20): %v", got)
	}
	if err := l.Setuid(1000); err != nil {
		t.Fatal(err)
	}
	if err := l.Setegid(10); err != nil {
		t.Errorf("setegid to the real group: %v", err)
	}
	if err := l.Setegid(20); err != nil {
		t.Errorf("setegid to the saved group: %v", err)
	}
	wantErrno(t, "setegid to another group", l.Setegid(30), errno.EPERM)
	wantErrno(t, "setgid to the saved group", l.Setgid(20), errno.EPERM)
	if err := l.Setgid(10); err != nil {
		t.Errorf("setgid to the real group: %v", err)
	}
	if got := gids(l); got != [3]uint32{10, 10, 10} {
		t.Errorf("after setgid(10): %v", got)
	}
	wantErrno(t, "setgroups by a user", l.Setgroups([]uint32{1}), errno.EPERM)
}

func TestFsyncRange(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	s := &syncFile{}
	fd, _ := l.Proc().Files().Alloc(NewFile(s, FREAD|FWRITE, true), 0, false)
	ro, _ := l.Proc().Files().Alloc(NewFile(&syncFile{}, FREAD, true), 0, false)
	plain, _ := open(t, l, O_RDWR)
	wantErrno(t, "bad descriptor", l.FsyncRange(99, FDATASYNC, 0, 0), errno.EBADF)
	wantErrno(t, "a file that cannot sync", l.FsyncRange(plain, FDATASYNC, 0, 0), errno.EINVAL)
	wantErrno(t, "read-only descriptor", l.FsyncRange(ro, FDATASYNC, 0, 0), errno.EBADF)
	wantErrno(t, "no flag", l.FsyncRange(fd, FDISKSYNC, 0, 0), errno.EINVAL)
	wantErrno(t, "both flags", l.FsyncRange(fd, FDATASYNC|FFILESYNC, 0, 0), errno.EINVAL)
	wantErrno(t, "negative length", l.FsyncRange(fd, FFILESYNC, 10, -11), errno.EINVAL)
	wantErrno(t, "overflowing end", l.FsyncRange(fd, FFILESYNC, 1<<62, 1<<62), errno.EINVAL)
	for _, fl := range []int{FDATASYNC, FFILESYNC, FFILESYNC | FDISKSYNC} {
		if err := l.FsyncRange(fd, fl, 0, 4096); err != nil {
			t.Errorf("flags %#x: %v", fl, err)
		}
	}
	if s.syncs.Load() != 3 {
		t.Errorf("%d syncs, want 3", s.syncs.Load())
	}
}
