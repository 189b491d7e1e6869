package memhost_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/memhost"
)

func wantErrno(t *testing.T, what string, err error, want errno.Errno) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %s", what, err, want.Name())
	}
}

func TestDevicesKeepTheirSize(t *testing.T) {
	for _, typ := range []rumpuser.FileType{rumpuser.FTBlk, rumpuser.FTChr} {
		h := memhost.New(memhost.Options{})
		h.AddDevice("/dev/disk", typ, 1024)
		fi, err := h.FileInfo("/dev/disk")
		if err != nil || fi.Type != typ || fi.Size != 1024 {
			t.Fatalf("%v: FileInfo = %+v, %v", typ, fi, err)
		}
		f, err := h.Open("/dev/disk", rumpuser.OpenRDWR|rumpuser.OpenBIO)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := f.WriteAt(bytes.Repeat([]byte{1}, 512), 512); n != 512 || err != nil {
			t.Errorf("%v: write of the last sector = %d, %v", typ, n, err)
		}
		// Past the end: what fits is written, then ENOSPC.
		n, err := f.WriteAt(bytes.Repeat([]byte{2}, 100), 1000)
		if n != 24 {
			t.Errorf("%v: write across the end wrote %d, want 24", typ, n)
		}
		wantErrno(t, typ.String()+" write across the end", err, errno.ENOSPC)
		n, err = f.WriteAt([]byte{3}, 1024)
		if n != 0 {
			t.Errorf("write at the end wrote %d", n)
		}
		wantErrno(t, typ.String()+" write at the end", err, errno.ENOSPC)
		_, err = f.WriteAt([]byte{3}, 5000)
		wantErrno(t, typ.String()+" write far past the end", err, errno.ENOSPC)
		if sz, _ := f.Size(); sz != 1024 {
			t.Errorf("%v: size changed to %d", typ, sz)
		}
		wantErrno(t, typ.String()+" truncate", f.Truncate(10), errno.EINVAL)
		got := make([]byte, 1024)
		if n, err := f.ReadAt(got, 0); n != 1024 || err != nil {
			t.Fatalf("read whole device = %d, %v", n, err)
		}
		want := make([]byte, 1024)
		copy(want[512:], bytes.Repeat([]byte{1}, 512))
		copy(want[1000:], bytes.Repeat([]byte{2}, 24))
		if !bytes.Equal(got, want) {
			t.Errorf("%v: device contents wrong", typ)
		}
		f.Close()
	}
}

func TestOpenModes(t *testing.T) {
	h := memhost.New(memhost.Options{})
	orig := []byte("abc")
	file := h.AddFile("/f", orig)
	orig[0] = 'X'
	if string(file.Bytes()) != "abc" {
		t.Fatal("AddFile keeps the caller's slice")
	}
	ro, err := h.Open("/f", rumpuser.OpenRDONLY)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ro.WriteAt([]byte("x"), 0)
	wantErrno(t, "write read-only", err, errno.EBADF)
	wantErrno(t, "truncate read-only", ro.Truncate(0), errno.EBADF)
	_, err = ro.ReadAt(make([]byte, 1), -1)
	wantErrno(t, "read at -1", err, errno.EINVAL)
	rw, _ := h.Open("/f", rumpuser.OpenRDWR)
	_, err = rw.WriteAt([]byte("x"), -1)
	wantErrno(t, "write at -1", err, errno.EINVAL)
	wantErrno(t, "truncate to -1", rw.Truncate(-1), errno.EINVAL)
	if _, err := rw.WriteAt([]byte("Z"), 0); err != nil {
		t.Fatal(err)
	}
	// Handles share the file.
	b := make([]byte, 3)
	if n, err := ro.ReadAt(b, 0); n != 3 || err != nil || string(b) != "Zbc" {
		t.Errorf("read-only handle reads %q, %v", b[:n], err)
	}
	if string(file.Bytes()) != "Zbc" {
		t.Errorf("Bytes = %q", file.Bytes())
	}
	cp := file.Bytes()
	cp[0] = 'Q'
	if string(file.Bytes()) != "Zbc" {
		t.Error("Bytes returns the file's own slice")
	}
	if n, err := ro.ReadAt(b, 3); n != 0 || err != io.EOF {
		t.Errorf("read at the end = %d, %v", n, err)
	}

	h.AddDevice("/dir", rumpuser.FTDir, 0)
	_, err = h.Open("/dir", rumpuser.OpenRDONLY)
	wantErrno(t, "open a directory", err, errno.EISDIR)

	// Lookup and Remove.
	if got, ok := h.Lookup("/f"); !ok || got != file {
		t.Error("Lookup")
	}
	h.Remove("/f")
	if _, ok := h.Lookup("/f"); ok {
		t.Error("Lookup after Remove")
	}
	_, err = h.Open("/f", rumpuser.OpenRDONLY)
	wantErrno(t, "open removed", err, errno.ENOENT)
	// An open handle keeps working on the removed file, as on POSIX.
	if _, err := rw.WriteAt([]byte("!"), 3); err != nil {
		t.Errorf("write to an unlinked open file: %v", err)
	}
	if string(file.Bytes()) != "Zbc!" {
		t.Errorf("unlinked file holds %q", file.Bytes())
	}
}

func TestRandomIsDeterministic(t *testing.T) {
	stream := func(seed uint64) []byte {
		h := memhost.New(memhost.Options{Seed: seed})
		var out []byte
		for _, n := range []int{1, 7, 32, 100} {
			b := make([]byte, n)
			if err := h.Random(b, rumpuser.RandomHard); err != nil {
				t.Fatal(err)
			}
			out = append(out, b...)
		}
		return out
	}
	a, b := stream(42), stream(42)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different streams")
	}
	if bytes.Equal(a, stream(43)) {
		t.Fatal("different seeds, same stream")
	}
	if bytes.Equal(stream(0), stream(1<<40)) {
		t.Fatal("high seed bits ignored")
	}
}

func TestParams(t *testing.T) {
	params := map[string]string{"RUMP_MEMLIMIT": "1m"}
	h := memhost.New(memhost.Options{Params: params})
	params["RUMP_MEMLIMIT"] = "changed"
	if v, _ := h.Param("RUMP_MEMLIMIT"); v != "1m" {
		t.Errorf("Options.Params not copied: %q", v)
	}
	if v, _ := h.Param(rumpuser.ParamNCPU); v != "2" {
		t.Errorf("default NCPU %q", v)
	}
	if v, _ := h.Param(rumpuser.ParamHostname); v != "rump-memhost" {
		t.Errorf("hostname %q", v)
	}
	h.SetParam("RUMP_NCPU", "8")
	if v, _ := h.Param(rumpuser.ParamNCPU); v != "8" {
		t.Errorf("NCPU after SetParam %q", v)
	}
	h.SetParam("RUMP_NCPU", "")
	if v, _ := h.Param(rumpuser.ParamNCPU); v != "2" {
		t.Errorf("empty RUMP_NCPU gives %q, want the default", v)
	}
	h.SetParam("X", "y")
	if v, err := h.Param("X"); v != "y" || err != nil {
		t.Errorf("X = %q, %v", v, err)
	}
	_, err := h.Param("Y")
	wantErrno(t, "missing", err, errno.ENOENT)
	_, err = h.Param("_X")
	wantErrno(t, "underscore", err, errno.EINVAL)
}

func TestConsole(t *testing.T) {
	h := memhost.New(memhost.Options{})
	h.Console([]byte("one "))
	h.Console([]byte("two\n"))
	if got := h.ConsoleOutput(); got != "one two\n" {
		t.Errorf("console %q", got)
	}
}

func TestFixedClock(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	c := memhost.NewFixedClock(at)
	h := memhost.New(memhost.Options{Clock: c})
	if h.Clock() != rumpuser.Clock(c) {
		t.Fatal("the host does not use the clock it was given")
	}
	m0 := h.Clock().Monotonic()
	time.Sleep(2 * time.Millisecond)
	if now := h.Clock().Now(); !now.Equal(at) {
		t.Errorf("Now = %v, want %v", now, at)
	}
	if m1 := h.Clock().Monotonic(); m1 <= m0 {
		t.Errorf("monotonic time stood still: %v then %v", m0, m1)
	}
	later := at.Add(time.Hour)
	c.Set(later)
	if now := h.Clock().Now(); !now.Equal(later) {
		t.Errorf("after Set, Now = %v, want %v", now, later)
	}
	fired := make(chan struct{})
	h.Clock().AfterFunc(time.Millisecond, func() { close(fired) })
	select {
	case <-fired:
	case <-time.After(10 * time.Second):
		t.Fatal("a timer on a fixed clock did not fire")
	}
	// Without a clock the host keeps Go's.
	if d := memhost.New(memhost.Options{}).Clock().Now(); time.Since(d) > time.Minute || time.Since(d) < 0 {
		t.Errorf("the default clock reads %v", d)
	}
}
