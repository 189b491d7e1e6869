package kern

import (
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorump/gorump/kern/errno"
)

func TestLowestFreeDescriptor(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	for want := range 4 {
		if fd, _ := open(t, l, O_RDWR); fd != want {
			t.Fatalf("open %d gave fd %d", want, fd)
		}
	}
	if err := l.Close(1); err != nil {
		t.Fatal(err)
	}
	if fd, _ := open(t, l, O_RDWR); fd != 1 {
		t.Fatalf("after closing 1, open gave %d", fd)
	}
	if fd, _ := open(t, l, O_RDWR); fd != 4 {
		t.Fatalf("with 0-3 open, open gave %d", fd)
	}
	for _, fd := range []int{2, 0, 3} {
		if err := l.Close(fd); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []int{0, 2, 3, 5} {
		if fd, _ := open(t, l, O_RDWR); fd != want {
			t.Fatalf("open gave %d, want %d", fd, want)
		}
	}
	// A descriptor placed high by dup2 leaves the hole below it free.
	if err := l.Dup2(0, 40); err != nil {
		t.Fatal(err)
	}
	if fd, _ := open(t, l, O_RDWR); fd != 6 {
		t.Fatalf("open after dup2 to 40 gave %d, want 6", fd)
	}
	if got := l.Proc().Files().MaxFD(); got != 40 {
		t.Fatalf("MaxFD = %d, want 40", got)
	}
	if err := l.Close(40); err != nil {
		t.Fatal(err)
	}
	if got := l.Proc().Files().MaxFD(); got != 6 {
		t.Fatalf("MaxFD after closing 40 = %d, want 6", got)
	}
	if got := l.Proc().Files().Count(); got != 7 {
		t.Fatalf("Count = %d, want 7", got)
	}
}

func TestCloseReleasesOnLastDescriptor(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	fd, m := open(t, l, O_RDWR)
	m.closeErr = errno.EIO
	dup, err := l.Dup(fd)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(fd); err != nil {
		t.Fatalf("close of a shared file: %v", err)
	}
	if m.closes.Load() != 0 {
		t.Fatal("file closed while a dup remains")
	}
	// The last close reports what the object's close said.
	wantErrno(t, "last close", l.Close(dup), errno.EIO)
	if m.closes.Load() != 1 {
		t.Fatalf("closes = %d, want 1", m.closes.Load())
	}
	wantErrno(t, "close twice", l.Close(dup), errno.EBADF)
}

func TestDup(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	open(t, l, O_RDWR|O_CLOEXEC) // fd 0
	open(t, l, O_RDONLY)         // fd 1
	if err := l.Close(0); err != nil {
		t.Fatal(err)
	}
	fd, m := open(t, l, O_RDWR|O_CLOEXEC) // back at 0
	if fd != 0 {
		t.Fatalf("reopen gave %d", fd)
	}
	d, err := l.Dup(fd)
	if err != nil || d != 2 {
		t.Fatalf("dup = %d, %v; want 2", d, err)
	}
	// dup clears close-on-exec on the new descriptor only.
	if v, _ := l.Fcntl(d, F_GETFD, 0); v != 0 {
		t.Errorf("dup'd descriptor has FD_CLOEXEC")
	}
	if v, _ := l.Fcntl(fd, F_GETFD, 0); v != FD_CLOEXEC {
		t.Errorf("original lost FD_CLOEXEC")
	}
	// The two descriptors share one offset.
	if _, err := l.Write(fd, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if off, _ := l.Lseek(d, 0, SEEK_CUR); off != 5 {
		t.Fatalf("dup's offset = %d, want 5", off)
	}
	if _, err := l.Write(d, []byte(" world")); err != nil {
		t.Fatal(err)
	}
	if got := m.contents(); got != "hello world" {
		t.Fatalf("contents %q", got)
	}
	_, err = l.Dup(7)
	wantErrno(t, "dup of a closed descriptor", err, errno.EBADF)
	_, err = l.Dup(-1)
	wantErrno(t, "dup of -1", err, errno.EBADF)
}

func TestDup2(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	a, ma := open(t, l, O_RDWR)
	b, mb := open(t, l, O_RDWR|O_CLOEXEC)

	// dup2 onto itself changes nothing, not even close-on-exec.
	if err := l.Dup2(b, b); err != nil {
		t.Fatalf("dup2 onto itself: %v", err)
	}
	if v, _ := l.Fcntl(b, F_GETFD, 0); v != FD_CLOEXEC {
		t.Error("dup2 onto itself cleared FD_CLOEXEC")
	}
	if mb.closes.Load() != 0 {
		t.Error("dup2 onto itself closed the file")
	}

	// dup2 onto an open descriptor closes what it held; the new one is
	// not close-on-exec.
	if err := l.Dup2(a, b); err != nil {
		t.Fatal(err)
	}
	if mb.closes.Load() != 1 {
		t.Errorf("file replaced by dup2 closed %d times, want 1", mb.closes.Load())
	}
	if v, _ := l.Fcntl(b, F_GETFD, 0); v != 0 {
		t.Error("dup2 kept FD_CLOEXEC")
	}
	if _, err := l.Write(b, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if ma.contents() != "x" {
		t.Error("write through dup2'd descriptor did not reach the file")
	}

	// dup2 to a free high descriptor.
	if err := l.Dup2(a, 100); err != nil {
		t.Fatal(err)
	}
	if got := l.Proc().Files().MaxFD(); got != 100 {
		t.Errorf("MaxFD = %d, want 100", got)
	}

	// Errors: a bad old descriptor leaves the new one alone.
	c, mc := open(t, l, O_RDWR)
	wantErrno(t, "dup2 from a closed descriptor", l.Dup2(50, c), errno.EBADF)
	wantErrno(t, "dup2 from -1", l.Dup2(-1, c), errno.EBADF)
	if mc.closes.Load() != 0 {
		t.Error("failed dup2 closed its target")
	}
	wantErrno(t, "dup2 onto itself when closed", l.Dup2(60, 60), errno.EBADF)
	wantErrno(t, "dup2 to -1", l.Dup2(a, -1), errno.EBADF)
	wantErrno(t, "dup2 to the limit", l.Dup2(a, DefaultMaxFiles), errno.EBADF)
	if err := l.Dup2(a, DefaultMaxFiles-1); err != nil {
		t.Errorf("dup2 to limit-1: %v", err)
	}
}

func TestDup3(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	a, _ := open(t, l, O_RDWR)
	b, mb := open(t, l, O_RDWR)
	if err := l.Dup3(a, b, O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if mb.closes.Load() != 1 {
		t.Error("dup3 did not close the replaced file")
	}
	if v, _ := l.Fcntl(b, F_GETFD, 0); v != FD_CLOEXEC {
		t.Error("dup3 with O_CLOEXEC: FD_CLOEXEC not set")
	}
	if v, _ := l.Fcntl(a, F_GETFD, 0); v != 0 {
		t.Error("dup3 set FD_CLOEXEC on the source")
	}
	if err := l.Dup3(a, 9, 0); err != nil {
		t.Fatal(err)
	}
	if v, _ := l.Fcntl(9, F_GETFD, 0); v != 0 {
		t.Error("dup3 without O_CLOEXEC set FD_CLOEXEC")
	}
	// Unlike dup2, dup3 onto itself is an error (as on Linux and in
	// POSIX.1-2024); so are flags other than O_CLOEXEC.
	wantErrno(t, "dup3 onto itself", l.Dup3(a, a, 0), errno.EINVAL)
	wantErrno(t, "dup3 with O_APPEND", l.Dup3(a, 5, O_APPEND), errno.EINVAL)
	wantErrno(t, "dup3 from a closed descriptor", l.Dup3(30, 5, 0), errno.EBADF)
	wantErrno(t, "dup3 to the limit", l.Dup3(a, DefaultMaxFiles, 0), errno.EBADF)
}

func TestCloseOnExec(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	keep, mkeep := open(t, l, O_RDWR)
	drop, mdrop := open(t, l, O_RDWR|O_CLOEXEC)
	if v, err := l.Fcntl(keep, F_GETFD, 0); v != 0 || err != nil {
		t.Fatalf("F_GETFD = %d, %v; want 0", v, err)
	}
	if v, err := l.Fcntl(drop, F_GETFD, 0); v != FD_CLOEXEC || err != nil {
		t.Fatalf("F_GETFD of O_CLOEXEC = %d, %v", v, err)
	}
	// F_SETFD looks only at FD_CLOEXEC.
	set, mset := open(t, l, O_RDWR)
	if _, err := l.Fcntl(set, F_SETFD, FD_CLOEXEC|0x10); err != nil {
		t.Fatal(err)
	}
	if v, _ := l.Fcntl(set, F_GETFD, 0); v != FD_CLOEXEC {
		t.Fatal("F_SETFD FD_CLOEXEC did not stick")
	}
	if _, err := l.Fcntl(set, F_SETFD, 0); err != nil {
		t.Fatal(err)
	}
	if v, _ := l.Fcntl(set, F_GETFD, 0); v != 0 {
		t.Fatal("F_SETFD 0 did not clear")
	}
	if _, err := l.Fcntl(set, F_SETFD, 0x10); err != nil {
		t.Fatal(err)
	}
	if v, _ := l.Fcntl(set, F_GETFD, 0); v != 0 {
		t.Fatal("F_SETFD without FD_CLOEXEC set it")
	}
	// F_DUPFD_CLOEXEC marks the copy only; F_DUPFD never.
	dc, err := l.Fcntl(keep, F_DUPFD_CLOEXEC, 10)
	if err != nil || dc != 10 {
		t.Fatalf("F_DUPFD_CLOEXEC = %d, %v", dc, err)
	}
	if v, _ := l.Fcntl(dc, F_GETFD, 0); v != FD_CLOEXEC {
		t.Error("F_DUPFD_CLOEXEC copy lacks FD_CLOEXEC")
	}
	dn, err := l.Fcntl(drop, F_DUPFD, 10)
	if err != nil || dn != 11 {
		t.Fatalf("F_DUPFD = %d, %v; want 11", dn, err)
	}
	if v, _ := l.Fcntl(dn, F_GETFD, 0); v != 0 {
		t.Error("F_DUPFD copy has FD_CLOEXEC")
	}

	l.Proc().Files().CloseExec(l)
	for fd, open := range map[int]bool{keep: true, drop: false, set: true, dc: false, dn: true} {
		_, err := l.Fcntl(fd, F_GETFD, 0)
		if open && err != nil {
			t.Errorf("fd %d closed by exec: %v", fd, err)
		}
		if !open && !errors.Is(err, errno.EBADF) {
			t.Errorf("fd %d survived exec", fd)
		}
	}
	if mdrop.closes.Load() != 0 {
		t.Error("file closed by exec though F_DUPFD copy is open")
	}
	if mkeep.closes.Load() != 0 || mset.closes.Load() != 0 {
		t.Error("exec closed a file without close-on-exec")
	}
	if err := l.Close(dn); err != nil {
		t.Fatal(err)
	}
	if mdrop.closes.Load() != 1 {
		t.Error("file not closed with its last descriptor")
	}
}

func TestFcntlDupfd(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	a, _ := open(t, l, O_RDWR)
	open(t, l, O_RDWR) // 1
	open(t, l, O_RDWR) // 2
	if fd, err := l.Fcntl(a, F_DUPFD, 0); fd != 3 || err != nil {
		t.Errorf("F_DUPFD 0 = %d, %v; want 3", fd, err)
	}
	if fd, err := l.Fcntl(a, F_DUPFD, 2); fd != 4 || err != nil {
		t.Errorf("F_DUPFD 2 = %d, %v; want 4", fd, err)
	}
	if fd, err := l.Fcntl(a, F_DUPFD, 7); fd != 7 || err != nil {
		t.Errorf("F_DUPFD 7 = %d, %v; want 7", fd, err)
	}
	if fd, err := l.Fcntl(a, F_DUPFD, 0); fd != 5 || err != nil {
		t.Errorf("F_DUPFD 0 after 7 = %d, %v; want 5", fd, err)
	}
	_, err := l.Fcntl(a, F_DUPFD, -1)
	wantErrno(t, "F_DUPFD -1", err, errno.EINVAL)
	_, err = l.Fcntl(a, F_DUPFD, DefaultMaxFiles)
	wantErrno(t, "F_DUPFD at the limit", err, errno.EINVAL)
	// A bad descriptor is reported before a bad argument, as NetBSD does.
	_, err = l.Fcntl(99, F_DUPFD, -1)
	wantErrno(t, "F_DUPFD of a closed descriptor", err, errno.EBADF)
	_, err = l.Fcntl(a, 999, 0)
	wantErrno(t, "unknown command", err, errno.EINVAL)
}

func TestFcntlCloseM(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	var files []*memFile
	for range 6 {
		_, m := open(t, l, O_RDWR)
		files = append(files, m)
	}
	if err := l.Close(3); err != nil {
		t.Fatal(err)
	}
	// closefrom(3) with 3 itself closed still closes 4 and 5: NetBSD's
	// libc implements closefrom with F_CLOSEM.
	if _, err := l.Fcntl(3, F_CLOSEM, 0); err != nil {
		t.Fatalf("F_CLOSEM from a closed descriptor: %v", err)
	}
	if got := l.Proc().Files().MaxFD(); got != 2 {
		t.Fatalf("after F_CLOSEM 3, MaxFD = %d, want 2", got)
	}
	if n, err := l.Fcntl(0, F_MAXFD, 0); n != 2 || err != nil {
		t.Fatalf("F_MAXFD = %d, %v; want 2", n, err)
	}
	for i, m := range files {
		want := int32(0)
		if i >= 3 {
			want = 1
		}
		if m.closes.Load() != want {
			t.Errorf("file %d closed %d times, want %d", i, m.closes.Load(), want)
		}
	}
	if _, err := l.Fcntl(1, F_CLOSEM, 0); err != nil {
		t.Fatal(err)
	}
	if n, _ := l.Fcntl(0, F_MAXFD, 0); n != 0 {
		t.Fatalf("F_MAXFD after F_CLOSEM 1 = %d, want 0", n)
	}
	_, err := l.Fcntl(-1, F_CLOSEM, 0)
	wantErrno(t, "F_CLOSEM -1", err, errno.EBADF)
	if _, err := l.Fcntl(0, F_CLOSEM, 0); err != nil {
		t.Fatal(err)
	}
	if n, _ := l.Fcntl(0, F_MAXFD, 0); n != -1 {
		t.Fatalf("F_MAXFD of an empty table = %d, want -1", n)
	}
}

func TestFileStatusFlags(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	for _, oflags := range []int{O_RDONLY, O_WRONLY, O_RDWR, O_RDWR | O_APPEND, O_WRONLY | O_NONBLOCK} {
		fd, _ := open(t, l, oflags|O_CLOEXEC)
		if got, err := l.Fcntl(fd, F_GETFL, 0); got != oflags || err != nil {
			t.Errorf("F_GETFL of %#x = %#x, %v", oflags, got, err)
		}
	}

	fd, m := open(t, l, O_RDWR)
	d, _ := l.Dup(fd)
	if _, err := l.Fcntl(fd, F_SETFL, O_APPEND|O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	// Status flags belong to the open file, so the dup sees them too.
	if got, _ := l.Fcntl(d, F_GETFL, 0); got != O_RDWR|O_APPEND|O_NONBLOCK {
		t.Errorf("dup's F_GETFL = %#x", got)
	}
	l.Write(fd, []byte("abc"))
	l.Lseek(fd, 0, SEEK_SET)
	l.Write(fd, []byte("de"))
	if got := m.contents(); got != "abcde" {
		t.Errorf("with O_APPEND, contents %q, want abcde", got)
	}
	if off, _ := l.Lseek(fd, 0, SEEK_CUR); off != 5 {
		t.Errorf("offset after an appending write = %d, want 5", off)
	}
	if _, err := l.Fcntl(fd, F_SETFL, O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	l.Lseek(fd, 0, SEEK_SET)
	l.Write(fd, []byte("X"))
	if got := m.contents(); got != "Xbcde" {
		t.Errorf("after clearing O_APPEND, contents %q", got)
	}
	if got, _ := l.Fcntl(fd, F_GETFL, 0); got != O_RDWR|O_NONBLOCK {
		t.Errorf("F_GETFL = %#x, want O_RDWR|O_NONBLOCK", got)
	}

	// The access mode and open-time flags cannot be changed.
	ro, _ := open(t, l, O_RDONLY)
	if _, err := l.Fcntl(ro, F_SETFL, O_RDWR|O_APPEND|O_CREAT|O_TRUNC|O_EXCL|O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.Fcntl(ro, F_GETFL, 0); got != O_RDONLY|O_APPEND {
		t.Errorf("F_GETFL after F_SETFL O_RDWR|... = %#x, want O_RDONLY|O_APPEND", got)
	}
	_, err := l.Write(ro, []byte("x"))
	wantErrno(t, "write to a read-only file after F_SETFL O_RDWR", err, errno.EBADF)
	wo, _ := open(t, l, O_WRONLY)
	l.Fcntl(wo, F_SETFL, O_RDONLY)
	_, err = l.Read(wo, make([]byte, 1))
	wantErrno(t, "read of a write-only file", err, errno.EBADF)
	if _, err := l.Write(wo, []byte("x")); err != nil {
		t.Errorf("F_SETFL 0 removed write access: %v", err)
	}
	_, err = l.Fcntl(99, F_SETFL, 0)
	wantErrno(t, "F_SETFL of a closed descriptor", err, errno.EBADF)
	_, err = l.Fcntl(99, F_GETFL, 0)
	wantErrno(t, "F_GETFL of a closed descriptor", err, errno.EBADF)
}

func TestEMFILE(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	tab := l.Proc().Files()
	wantErrno(t, "SetLimit 0", tab.SetLimit(0), errno.EINVAL)
	if err := tab.SetLimit(4); err != nil {
		t.Fatal(err)
	}
	if tab.Limit() != 4 {
		t.Fatalf("Limit = %d", tab.Limit())
	}
	for range 4 {
		open(t, l, O_RDWR)
	}
	m := &memFile{}
	f := NewFile(m, FREAD, true)
	_, err := tab.Alloc(f, 0, false)
	wantErrno(t, "open past the limit", err, errno.EMFILE)
	// A failed Alloc leaves the caller's reference with the caller.
	if err := f.Release(l); err != nil || m.closes.Load() != 1 {
		t.Errorf("release after failed alloc: %v, closes %d", err, m.closes.Load())
	}
	_, err = l.Dup(0)
	wantErrno(t, "dup at the limit", err, errno.EMFILE)
	_, err = l.Fcntl(0, F_DUPFD, 1)
	wantErrno(t, "F_DUPFD at the limit", err, errno.EMFILE)
	_, err = l.Fcntl(0, F_DUPFD_CLOEXEC, 3)
	wantErrno(t, "F_DUPFD_CLOEXEC at the limit", err, errno.EMFILE)
	wantErrno(t, "dup2 to the limit", l.Dup2(0, 4), errno.EBADF)
	if err := l.Dup2(0, 3); err != nil {
		t.Errorf("dup2 within the limit: %v", err)
	}
	if tab.Count() != 4 {
		t.Errorf("Count = %d, want 4", tab.Count())
	}
	// Closing one makes room for exactly one.
	l.Close(2)
	if fd, err := l.Dup(0); fd != 2 || err != nil {
		t.Errorf("dup after close = %d, %v; want 2", fd, err)
	}
	_, err = l.Dup(0)
	wantErrno(t, "dup at the limit again", err, errno.EMFILE)
}

func TestEBADF(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	open(t, l, O_RDWR) // 0 is open; 1 is not
	buf := make([]byte, 4)
	for _, fd := range []int{1, -1, 1 << 20, math.MaxInt32} {
		_, err := l.Read(fd, buf)
		wantErrno(t, "read", err, errno.EBADF)
		_, err = l.Write(fd, buf)
		wantErrno(t, "write", err, errno.EBADF)
		_, err = l.Pread(fd, buf, 0)
		wantErrno(t, "pread", err, errno.EBADF)
		_, err = l.Pwrite(fd, buf, 0)
		wantErrno(t, "pwrite", err, errno.EBADF)
		_, err = l.Lseek(fd, 0, SEEK_SET)
		wantErrno(t, "lseek", err, errno.EBADF)
		wantErrno(t, "close", l.Close(fd), errno.EBADF)
		_, err = l.Dup(fd)
		wantErrno(t, "dup", err, errno.EBADF)
		wantErrno(t, "dup2", l.Dup2(fd, 5), errno.EBADF)
		wantErrno(t, "dup3", l.Dup3(fd, 5, 0), errno.EBADF)
		for _, cmd := range []int{F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL} {
			_, err = l.Fcntl(fd, cmd, 0)
			wantErrno(t, "fcntl", err, errno.EBADF)
		}
		_, err = l.Fstat(fd)
		wantErrno(t, "fstat", err, errno.EBADF)
		wantErrno(t, "fsync", l.Fsync(fd, false), errno.EBADF)
		_, err = l.Proc().Files().Get(fd)
		wantErrno(t, "Get", err, errno.EBADF)
		wantErrno(t, "SetCloseOnExec", l.Proc().Files().SetCloseOnExec(fd, true), errno.EBADF)
	}
	// Access mode checks give EBADF too.
	ro, _ := open(t, l, O_RDONLY)
	wo, _ := open(t, l, O_WRONLY)
	_, err := l.Write(ro, buf)
	wantErrno(t, "write to O_RDONLY", err, errno.EBADF)
	_, err = l.Pwrite(ro, buf, 0)
	wantErrno(t, "pwrite to O_RDONLY", err, errno.EBADF)
	_, err = l.Read(wo, buf)
	wantErrno(t, "read from O_WRONLY", err, errno.EBADF)
	_, err = l.Pread(wo, buf, 0)
	wantErrno(t, "pread from O_WRONLY", err, errno.EBADF)
	// O_ACCMODE 3 opens a file for neither.
	none, _ := open(t, l, O_ACCMODE)
	_, err = l.Read(none, buf)
	wantErrno(t, "read from access mode 3", err, errno.EBADF)
	_, err = l.Write(none, buf)
	wantErrno(t, "write to access mode 3", err, errno.EBADF)
}

func TestReadWriteSeek(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	fd, m := open(t, l, O_RDWR)
	if n, err := l.Write(fd, []byte("0123456789")); n != 10 || err != nil {
		t.Fatalf("write = %d, %v", n, err)
	}
	buf := make([]byte, 4)
	if n, _ := l.Pread(fd, buf, 2); n != 4 || string(buf) != "2345" {
		t.Errorf("pread = %q", buf[:n])
	}
	if off, _ := l.Lseek(fd, 0, SEEK_CUR); off != 10 {
		t.Errorf("pread moved the offset to %d", off)
	}
	if _, err := l.Pwrite(fd, []byte("ab"), 0); err != nil {
		t.Fatal(err)
	}
	if m.contents() != "ab23456789" {
		t.Errorf("pwrite gave %q", m.contents())
	}
	if off, err := l.Lseek(fd, -3, SEEK_END); off != 7 || err != nil {
		t.Errorf("SEEK_END -3 = %d, %v", off, err)
	}
	if n, _ := l.Read(fd, buf); n != 3 || string(buf[:n]) != "789" {
		t.Errorf("read at 7 = %q", buf[:n])
	}
	if n, err := l.Read(fd, buf); n != 0 || err != nil {
		t.Errorf("read at end = %d, %v", n, err)
	}
	if off, _ := l.Lseek(fd, -4, SEEK_CUR); off != 6 {
		t.Errorf("SEEK_CUR -4 = %d", off)
	}
	_, err := l.Lseek(fd, -1, SEEK_SET)
	wantErrno(t, "seek before 0", err, errno.EINVAL)
	_, err = l.Lseek(fd, 0, 3)
	wantErrno(t, "bad whence", err, errno.EINVAL)
	l.Lseek(fd, 1, SEEK_SET)
	_, err = l.Lseek(fd, math.MaxInt64, SEEK_CUR)
	wantErrno(t, "seek past MaxInt64", err, errno.EOVERFLOW)
	if off, _ := l.Lseek(fd, 0, SEEK_CUR); off != 1 {
		t.Errorf("failed seek moved the offset to %d", off)
	}
	_, err = l.Pread(fd, buf, -1)
	wantErrno(t, "pread at -1", err, errno.EINVAL)
	_, err = l.Pwrite(fd, buf, -1)
	wantErrno(t, "pwrite at -1", err, errno.EINVAL)
	if st, err := l.Fstat(fd); err != nil || st.Size != 10 || st.Mode&S_IFMT != S_IFREG {
		t.Errorf("fstat = %+v, %v", st, err)
	}
	wantErrno(t, "fsync of a file that cannot", l.Fsync(fd, false), errno.EINVAL)

	s := &syncFile{}
	sfd, err := l.Proc().Files().Alloc(NewFile(s, FREAD|FWRITE, true), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Fsync(sfd, true); err != nil || s.syncs.Load() != 1 {
		t.Errorf("fsync = %v, syncs %d", err, s.syncs.Load())
	}

	// A file without an offset (a socket, a pipe) refuses seeks.
	pipe := &memFile{}
	pfd, err := l.Proc().Files().Alloc(NewFile(pipe, FREAD|FWRITE, false), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Write(pfd, []byte("xy")); err != nil {
		t.Fatal(err)
	}
	_, err = l.Lseek(pfd, 0, SEEK_SET)
	wantErrno(t, "lseek on a pipe", err, errno.ESPIPE)
	_, err = l.Pread(pfd, buf, 0)
	wantErrno(t, "pread on a pipe", err, errno.ESPIPE)
	_, err = l.Pwrite(pfd, buf, 0)
	wantErrno(t, "pwrite on a pipe", err, errno.ESPIPE)
}

func TestFFlagsRoundTrip(t *testing.T) {
	for _, o := range []int{O_RDONLY, O_WRONLY, O_RDWR, O_RDWR | O_APPEND | O_NONBLOCK | O_SYNC | O_DSYNC | O_RSYNC | O_ASYNC | O_DIRECT | O_NOSIGPIPE | O_ALT_IO} {
		if got := OFlags(FFlags(o)); got != o {
			t.Errorf("OFlags(FFlags(%#x)) = %#x", o, got)
		}
	}
	// Open-time flags are not kept.
	if got := FFlags(O_RDWR | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW); got != FREAD|FWRITE {
		t.Errorf("FFlags kept open-time flags: %#x", got)
	}
	if FFlags(O_ACCMODE) != 0 {
		t.Errorf("FFlags(O_ACCMODE) = %#x, want no access", FFlags(O_ACCMODE))
	}
}

// TestFileTableConcurrent hammers one table shared by several processes
// with opens, dups, dup2s and closes: the race detector watches, and in
// the end every file is closed exactly once.
func TestFileTableConcurrent(t *testing.T) {
	k := bootTest(t, Config{})
	first := newTestProc(t, k)
	var all sync.Map // *memFile -> struct{}
	var wg sync.WaitGroup
	const span = 64 // descriptors in play
	for w := range 8 {
		p, err := k.NewProc(first, ForkShareFD)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			l := p.LWP()
			tab := l.Proc().Files()
			for i := range 2000 {
				target := (i*7 + w*13) % span
				switch (i + w) % 6 {
				case 0, 1:
					m := &memFile{}
					all.Store(m, struct{}{})
					f := NewFile(m, FREAD|FWRITE, true)
					fd, err := tab.Alloc(f, 0, i%3 == 0)
					if err != nil {
						f.Release(l)
					} else if fd >= span {
						l.Close(fd)
					}
				case 2:
					if fd, err := l.Dup(target); err == nil && fd >= span {
						l.Close(fd)
					}
				case 3:
					l.Dup2(target, (target*5+1)%span)
				case 4:
					l.Close(target)
				case 5:
					if i%60 == 5 {
						tab.CloseExec(l)
					} else {
						l.Fcntl(target, F_SETFD, i&1)
					}
				}
			}
		})
	}
	wg.Wait()
	first.Files().CloseFrom(first.LWP(), 0)
	if n := first.Files().Count(); n != 0 {
		t.Errorf("%d descriptors open after CloseFrom(0)", n)
	}
	files := 0
	all.Range(func(key, _ any) bool {
		files++
		if n := key.(*memFile).closes.Load(); n != 1 {
			t.Errorf("a file was closed %d times", n)
			return false
		}
		return true
	})
	if files < 1000 {
		t.Errorf("only %d files made", files)
	}
}

// restartFile is a memFile that counts the restarts its descriptors'
// last close asks for.
type restartFile struct {
	memFile
	restarts atomic.Int32
}

func (r *restartFile) Restart(f *File) { r.restarts.Add(1) }

// A file's calls are restarted when its last descriptor closes, by
// whichever way it goes (close, dup2 over it, exit of the last process
// holding it), and not while another descriptor, in this table or a
// forked one, still refers to it. The object closes only when the calls
// let go.
func TestRestartOnLastDescriptorClose(t *testing.T) {
	k := bootTest(t, Config{})
	p := newTestProc(t, k)
	l := p.LWP()
	r := &restartFile{}
	a, err := p.Files().Alloc(NewFile(r, FREAD|FWRITE, false), 0, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Dup(a)
	if err != nil {
		t.Fatal(err)
	}
	child, err := k.NewProc(p, ForkCopyFD)
	if err != nil {
		t.Fatal(err)
	}
	inCall, err := p.Files().Get(a) // a call asleep in the file
	if err != nil {
		t.Fatal(err)
	}
	if n := inCall.Descriptors(); n != 4 {
		t.Fatalf("%d descriptors, want 4", n)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(l.Close(a))
	child.Exit()
	if n := r.restarts.Load(); n != 0 {
		t.Fatalf("%d restarts with a descriptor left", n)
	}
	other, _ := open(t, l, O_RDWR)
	must(l.Dup2(other, b)) // closes the last descriptor
	if n, d := r.restarts.Load(), inCall.Descriptors(); n != 1 || d != 0 {
		t.Fatalf("after the last descriptor closed: %d restarts, %d descriptors", n, d)
	}
	if r.closes.Load() != 0 {
		t.Fatal("closed under a call that holds it")
	}
	must(inCall.Release(l))
	if r.closes.Load() != 1 {
		t.Fatal("not closed when the call let go")
	}
}
