package rumpuser_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/memhost"
	"github.com/gorump/gorump/rumpuser/posix"
)

// hostCase is a host under test with a way to make its files: the
// contract below is what every host owes the kernel.
type hostCase struct {
	name string
	// new returns a host and a function that makes a regular host file
	// with the given contents, returning its name in the host namespace.
	new func(t *testing.T) (rumpuser.Host, func(data []byte) string)
	// noTruncate: File.Truncate fails with EOPNOTSUPP, as on a host of
	// rumpuser(3) version 17's hypercalls, which cannot truncate.
	noTruncate bool
}

// moreHosts are hosts that files built with tags add to the contract.
var moreHosts []hostCase

func hosts() []hostCase {
	return append([]hostCase{
		{"memhost", func(t *testing.T) (rumpuser.Host, func([]byte) string) {
			h := memhost.New(memhost.Options{Params: map[string]string{"RUMP_NCPU": "3", "GREETING": "hi"}})
			n := 0
			return h, func(data []byte) string {
				n++
				name := "/host/file" + strconv.Itoa(n)
				h.AddFile(name, data)
				return name
			}
		}, false},
		{"posix", func(t *testing.T) (rumpuser.Host, func([]byte) string) {
			env := map[string]string{"RUMP_NCPU": "3", "GREETING": "hi"}
			h := &posix.Host{
				Getenv:     func(k string) (string, bool) { v, ok := env[k]; return v, ok },
				ConsoleOut: io.Discard,
			}
			dir := t.TempDir()
			n := 0
			return h, func(data []byte) string {
				n++
				name := filepath.Join(dir, "file"+strconv.Itoa(n))
				if err := os.WriteFile(name, data, 0o644); err != nil {
					t.Fatal(err)
				}
				return name
			}
		}, false},
	}, moreHosts...)
}

func wantErrno(t *testing.T, what string, err error, want errno.Errno) {
	t.Helper()
	var e errno.Errno
	if !errors.As(err, &e) || e != want {
		t.Errorf("%s: got %v (%T), want %s", what, err, err, want.Name())
	}
}

func TestHostContract(t *testing.T) {
	for _, hc := range hosts() {
		t.Run(hc.name, func(t *testing.T) {
			t.Run("Params", func(t *testing.T) {
				h, _ := hc.new(t)
				if h.Version() != rumpuser.Version {
					t.Errorf("Version = %d", h.Version())
				}
				if v, err := h.Param(rumpuser.ParamNCPU); v != "3" || err != nil {
					t.Errorf("NCPU = %q, %v", v, err)
				}
				if v, err := h.Param(rumpuser.ParamHostname); v == "" || err != nil {
					t.Errorf("hostname = %q, %v", v, err)
				}
				if v, err := h.Param("GREETING"); v != "hi" || err != nil {
					t.Errorf("GREETING = %q, %v", v, err)
				}
				_, err := h.Param("NO_SUCH_PARAM")
				wantErrno(t, "missing param", err, errno.ENOENT)
				_, err = h.Param("_RUMPUSER_NO_SUCH")
				wantErrno(t, "unknown mandatory param", err, errno.EINVAL)
			})
			t.Run("Files", func(t *testing.T) {
				h, mk := hc.new(t)
				name := mk([]byte("hello, world"))
				fi, err := h.FileInfo(name)
				if err != nil || fi.Type != rumpuser.FTReg || fi.Size != 12 {
					t.Fatalf("FileInfo = %+v, %v", fi, err)
				}
				f, err := h.Open(name, rumpuser.OpenRDWR)
				if err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 5)
				if n, err := f.ReadAt(buf, 7); n != 5 || err != nil || string(buf) != "world" {
					t.Errorf("ReadAt = %d %q %v", n, buf[:n], err)
				}
				// Short reads only at the end, with io.EOF.
				if n, err := f.ReadAt(buf, 10); n != 2 || err != io.EOF || string(buf[:n]) != "ld" {
					t.Errorf("ReadAt at the end = %d %q %v", n, buf[:n], err)
				}
				if n, err := f.ReadAt(buf, 100); n != 0 || err != io.EOF {
					t.Errorf("ReadAt past the end = %d %v", n, err)
				}
				// Writes extend regular files, zero-filling a gap.
				if n, err := f.WriteAt([]byte("!"), 14); n != 1 || err != nil {
					t.Errorf("WriteAt = %d, %v", n, err)
				}
				if sz, err := f.Size(); sz != 15 || err != nil {
					t.Errorf("Size = %d, %v", sz, err)
				}
				all := make([]byte, 15)
				if _, err := f.ReadAt(all, 0); err != nil || !bytes.Equal(all, []byte("hello, world\x00\x00!")) {
					t.Errorf("contents %q, %v", all, err)
				}
				wantSize := int64(15)
				if hc.noTruncate {
					wantErrno(t, "Truncate", f.Truncate(5), errno.EOPNOTSUPP)
				} else {
					if err := f.Truncate(5); err != nil {
						t.Fatal(err)
					}
					if err := f.Truncate(8); err != nil {
						t.Fatal(err)
					}
					all = make([]byte, 8)
					if n, _ := f.ReadAt(all, 0); n != 8 || !bytes.Equal(all, []byte("hello\x00\x00\x00")) {
						t.Errorf("after truncating down and up: %q", all[:n])
					}
					wantSize = 8
				}
				for _, fl := range []rumpuser.SyncFlags{rumpuser.SyncRead, rumpuser.SyncWrite, rumpuser.SyncBoth | rumpuser.SyncDurable} {
					if err := f.Sync(fl); err != nil {
						t.Errorf("Sync(%d): %v", fl, err)
					}
				}
				if err := f.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
				if fi, _ := h.FileInfo(name); fi.Size != wantSize {
					t.Errorf("size after close %d, want %d", fi.Size, wantSize)
				}
			})
			t.Run("OpenModes", func(t *testing.T) {
				h, mk := hc.new(t)
				name := mk([]byte("data"))
				ro, err := h.Open(name, rumpuser.OpenRDONLY)
				if err != nil {
					t.Fatal(err)
				}
				defer ro.Close()
				if _, err := ro.WriteAt([]byte("x"), 0); err == nil {
					t.Error("write through a read-only open succeeded")
				}
				wo, err := h.Open(name, rumpuser.OpenWRONLY)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := wo.WriteAt([]byte("D"), 0); err != nil {
					t.Error(err)
				}
				wo.Close()
				buf := make([]byte, 4)
				ro.ReadAt(buf, 0)
				if string(buf) != "Data" {
					t.Errorf("read-only handle sees %q", buf)
				}
				_, err = h.Open(name, rumpuser.OpenACCMODE)
				wantErrno(t, "open with access mode 3", err, errno.EINVAL)

				missing := filepath.Join(filepath.Dir(name), "missing")
				_, err = h.Open(missing, rumpuser.OpenRDWR)
				wantErrno(t, "open missing", err, errno.ENOENT)
				_, err = h.FileInfo(missing)
				wantErrno(t, "FileInfo missing", err, errno.ENOENT)
				c, err := h.Open(missing, rumpuser.OpenRDWR|rumpuser.OpenCreate)
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				c.WriteAt([]byte("new"), 0)
				c.Close()
				if fi, err := h.FileInfo(missing); err != nil || fi.Size != 3 || fi.Type != rumpuser.FTReg {
					t.Errorf("created file: %+v, %v", fi, err)
				}
				_, err = h.Open(missing, rumpuser.OpenRDWR|rumpuser.OpenCreate|rumpuser.OpenExcl)
				wantErrno(t, "exclusive create of an existing file", err, errno.EEXIST)
				// OpenCreate on an existing file opens it unchanged.
				c, err = h.Open(missing, rumpuser.OpenRDWR|rumpuser.OpenCreate)
				if err != nil {
					t.Fatal(err)
				}
				if sz, _ := c.Size(); sz != 3 {
					t.Errorf("OpenCreate of an existing file: size %d", sz)
				}
				c.Close()
				bio, err := h.Open(name, rumpuser.OpenRDWR|rumpuser.OpenBIO)
				if err != nil {
					t.Fatalf("open with OpenBIO: %v", err)
				}
				bio.Close()
			})
			t.Run("ConcurrentIO", func(t *testing.T) {
				h, mk := hc.new(t)
				name := mk(make([]byte, 64*1024))
				f, err := h.Open(name, rumpuser.OpenRDWR)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				var wg sync.WaitGroup
				for i := range 16 {
					wg.Go(func() {
						block := bytes.Repeat([]byte{byte(i + 1)}, 4096)
						for range 20 {
							if _, err := f.WriteAt(block, int64(i)*4096); err != nil {
								t.Error(err)
								return
							}
							got := make([]byte, 4096)
							if _, err := f.ReadAt(got, int64(i)*4096); err != nil || !bytes.Equal(got, block) {
								t.Errorf("block %d read back wrong: %v", i, err)
								return
							}
						}
					})
				}
				wg.Wait()
			})
			t.Run("Random", func(t *testing.T) {
				h, _ := hc.new(t)
				a, b := make([]byte, 32), make([]byte, 32)
				for _, fl := range []rumpuser.RandomFlags{0, rumpuser.RandomHard, rumpuser.RandomNoWait} {
					if err := h.Random(a, fl); err != nil {
						t.Fatal(err)
					}
				}
				h.Random(b, 0)
				if bytes.Equal(a, b) || bytes.Equal(a, make([]byte, 32)) {
					t.Errorf("random bytes repeat or are zero: %x %x", a, b)
				}
			})
			t.Run("Clock", func(t *testing.T) {
				h, _ := hc.new(t)
				c := h.Clock()
				if d := time.Since(c.Now()); d < -time.Second || d > time.Second {
					t.Errorf("Now is %v off", d)
				}
				m1 := c.Monotonic()
				c.Sleep(2 * time.Millisecond)
				if m2 := c.Monotonic(); m2-m1 < 2*time.Millisecond {
					t.Errorf("Monotonic moved %v over a 2ms sleep", m2-m1)
				}
				fired := make(chan struct{})
				tm := c.AfterFunc(time.Millisecond, func() { close(fired) })
				<-fired
				if tm.Stop() {
					t.Error("Stop after firing reports it prevented the call")
				}
				never := c.AfterFunc(time.Hour, func() { t.Error("stopped timer fired") })
				if !never.Stop() {
					t.Error("Stop of an armed timer")
				}
				again := make(chan struct{})
				tm = c.AfterFunc(time.Hour, func() { close(again) })
				if !tm.Reset(time.Millisecond) {
					t.Error("Reset of an armed timer reports it was not active")
				}
				<-again
			})
			t.Run("Console", func(t *testing.T) {
				h, _ := hc.new(t)
				h.Console([]byte("kernel says hi\n"))
			})
		})
	}
}

// TestMemhostClockIsVirtualInBubble checks that a memhost made in a
// synctest bubble has a virtual clock, for tests that drive kernels
// through time.
func TestMemhostClockIsVirtualInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := memhost.New(memhost.Options{})
		c := h.Clock()
		t0, m0 := c.Now(), c.Monotonic()
		c.Sleep(time.Hour)
		if d := c.Now().Sub(t0); d != time.Hour {
			t.Errorf("Now moved %v over an hour's sleep", d)
		}
		if d := c.Monotonic() - m0; d != time.Hour {
			t.Errorf("Monotonic moved %v", d)
		}
	})
}
