package posix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

func envHost(env map[string]string) *Host {
	return &Host{Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
}

func TestParamDefaults(t *testing.T) {
	h := envHost(nil)
	if v, err := h.Param(rumpuser.ParamNCPU); v != "2" || err != nil {
		t.Errorf("default NCPU = %q, %v; want 2 as NetBSD", v, err)
	}
	if v, _ := envHost(map[string]string{"RUMP_NCPU": ""}).Param(rumpuser.ParamNCPU); v != "2" {
		t.Errorf("empty RUMP_NCPU = %q", v)
	}
	if v, _ := envHost(map[string]string{"RUMP_NCPU": "host"}).Param(rumpuser.ParamNCPU); v != strconv.Itoa(runtime.NumCPU()) {
		t.Errorf("RUMP_NCPU=host gives %q, want %d", v, runtime.NumCPU())
	}
	if v, _ := envHost(map[string]string{"RUMP_NCPU": "5"}).Param(rumpuser.ParamNCPU); v != "5" {
		t.Errorf("RUMP_NCPU=5 gives %q", v)
	}
	hn, err := h.Param(rumpuser.ParamHostname)
	want := fmt.Sprintf("rump-%05d.", os.Getpid())
	if err != nil || !strings.HasPrefix(hn, want) {
		t.Errorf("hostname %q, want prefix %q", hn, want)
	}
	if v, err := envHost(map[string]string{"RUMP_VERBOSE": "1"}).Param("RUMP_VERBOSE"); v != "1" || err != nil {
		t.Errorf("RUMP_VERBOSE = %q, %v", v, err)
	}
	if _, err := h.Param("RUMP_VERBOSE"); !errors.Is(err, errno.ENOENT) {
		t.Errorf("unset param: %v", err)
	}
	if _, err := h.Param("_RUMPUSER_OTHER"); !errors.Is(err, errno.EINVAL) {
		t.Errorf("unknown mandatory param: %v", err)
	}
}

func TestParamFromEnvironment(t *testing.T) {
	t.Setenv("RUMP_NCPU", "4")
	t.Setenv("GORUMP_TEST_PARAM", "x")
	h := New()
	if v, _ := h.Param(rumpuser.ParamNCPU); v != "4" {
		t.Errorf("NCPU from the environment = %q", v)
	}
	if v, _ := h.Param("GORUMP_TEST_PARAM"); v != "x" {
		t.Errorf("param from the environment = %q", v)
	}
}

func TestFileInfoTypes(t *testing.T) {
	h := New()
	dir := t.TempDir()
	reg := filepath.Join(dir, "reg")
	os.WriteFile(reg, []byte("12345"), 0o644)
	link := filepath.Join(dir, "link")
	os.Symlink("reg", link)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		typ  rumpuser.FileType
		size int64
	}{
		{dir, rumpuser.FTDir, -1},
		{reg, rumpuser.FTReg, 5},
		{link, rumpuser.FTReg, 5}, // followed
		{fifo, rumpuser.FTOther, 0},
		{"/dev/null", rumpuser.FTChr, 0},
		{"/dev/zero", rumpuser.FTChr, 0},
	} {
		fi, err := h.FileInfo(tc.name)
		if err != nil {
			t.Errorf("FileInfo(%s): %v", tc.name, err)
			continue
		}
		if fi.Type != tc.typ || tc.size >= 0 && fi.Size != tc.size {
			t.Errorf("FileInfo(%s) = %v size %d; want %v size %d", tc.name, fi.Type, fi.Size, tc.typ, tc.size)
		}
	}
	if _, err := h.FileInfo(filepath.Join(dir, "missing")); !errors.Is(err, errno.ENOENT) {
		t.Errorf("FileInfo of a missing file: %v", err)
	}
	if _, err := h.FileInfo(filepath.Join(reg, "below")); !errors.Is(err, errno.ENOTDIR) {
		t.Errorf("FileInfo below a file: %v", err)
	}
}

func TestRealFiles(t *testing.T) {
	h := New()
	dir := t.TempDir()
	name := filepath.Join(dir, "disk.img")
	f, err := h.Open(name, rumpuser.OpenRDWR|rumpuser.OpenCreate|rumpuser.OpenExcl)
	if err != nil {
		t.Fatal(err)
	}
	block := bytes.Repeat([]byte("0123456789abcdef"), 32)
	for i := range 8 {
		if n, err := f.WriteAt(block, int64(i)*512); n != 512 || err != nil {
			t.Fatalf("WriteAt = %d, %v", n, err)
		}
	}
	if err := f.Sync(rumpuser.SyncWrite | rumpuser.SyncDurable); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// What the host wrote is in the real file, with the mode NetBSD's
	// POSIX hypervisor gives created files.
	data, err := os.ReadFile(name)
	if err != nil || len(data) != 4096 || !bytes.Equal(data[512:1024], block) {
		t.Fatalf("host file: %d bytes, %v", len(data), err)
	}
	st, _ := os.Stat(name)
	if st.Mode().Perm()&^0o022 != 0o644&^0o022 {
		t.Errorf("created with mode %v", st.Mode())
	}
	// And what is written outside is seen through the host.
	if err := os.WriteFile(name, []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err = h.Open(name, rumpuser.OpenRDONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 16)
	if n, err := f.ReadAt(buf, 0); n != 7 || err != io.EOF || string(buf[:n]) != "outside" {
		t.Errorf("ReadAt = %d %q %v", n, buf[:n], err)
	}
	if _, err := f.WriteAt([]byte("x"), 0); !errors.Is(err, errno.EBADF) {
		t.Errorf("write to a read-only open: %v", err)
	}
	if err := f.Truncate(0); !errors.Is(err, errno.EINVAL) && !errors.Is(err, errno.EBADF) {
		t.Errorf("truncate of a read-only open: %v", err)
	}
	if _, err := h.Open(dir, rumpuser.OpenRDWR); !errors.Is(err, errno.EISDIR) {
		t.Errorf("open a directory for writing: %v", err)
	}
	if _, err := h.Open(filepath.Join(dir, "nodir", "f"), rumpuser.OpenRDWR|rumpuser.OpenCreate); !errors.Is(err, errno.ENOENT) {
		t.Errorf("create in a missing directory: %v", err)
	}
}

func TestDevices(t *testing.T) {
	h := New()
	f, err := h.Open("/dev/null", rumpuser.OpenRDWR)
	if err != nil {
		t.Skipf("no /dev/null: %v", err)
	}
	if n, err := f.WriteAt([]byte("gone"), 0); n != 4 || err != nil {
		t.Errorf("write to /dev/null = %d, %v", n, err)
	}
	if sz, err := f.Size(); sz != 0 || err != nil {
		t.Errorf("size of /dev/null = %d, %v", sz, err)
	}
	// Closing syncs, and /dev/null cannot sync: that is not an error.
	if err := f.Close(); err != nil {
		t.Errorf("close /dev/null: %v", err)
	}
}

func TestConsole(t *testing.T) {
	var buf bytes.Buffer
	h := &Host{ConsoleOut: &buf}
	h.Console([]byte("booted\n"))
	if buf.String() != "booted\n" {
		t.Errorf("console %q", buf.String())
	}
}

func TestErrnoMapping(t *testing.T) {
	// The numbers differ between Linux and NetBSD past ERANGE; these are
	// the ones a wrong table would get wrong.
	for host, want := range map[syscall.Errno]errno.Errno{
		syscall.EPERM:        errno.EPERM,
		syscall.ENOENT:       errno.ENOENT,
		syscall.EIO:          errno.EIO,
		syscall.EBADF:        errno.EBADF,
		syscall.EACCES:       errno.EACCES,
		syscall.EEXIST:       errno.EEXIST,
		syscall.ENOTDIR:      errno.ENOTDIR,
		syscall.EISDIR:       errno.EISDIR,
		syscall.EINVAL:       errno.EINVAL,
		syscall.ENOSPC:       errno.ENOSPC,
		syscall.EROFS:        errno.EROFS,
		syscall.ERANGE:       errno.ERANGE,
		syscall.EAGAIN:       errno.EAGAIN,       // Linux 11, NetBSD 35
		syscall.EDEADLK:      errno.EDEADLK,      // Linux 35, NetBSD 11
		syscall.ENAMETOOLONG: errno.ENAMETOOLONG, // 36 / 63
		syscall.ENOLCK:       errno.ENOLCK,       // 37 / 77
		syscall.ENOSYS:       errno.ENOSYS,       // 38 / 78
		syscall.ENOTEMPTY:    errno.ENOTEMPTY,    // 39 / 66
		syscall.ELOOP:        errno.ELOOP,        // 40 / 62
		syscall.EOVERFLOW:    errno.EOVERFLOW,    // 75 / 84
		syscall.EILSEQ:       errno.EILSEQ,       // 84 / 85
		syscall.EOPNOTSUPP:   errno.EOPNOTSUPP,   // 95 / 45
		syscall.EADDRINUSE:   errno.EADDRINUSE,   // 98 / 48
		syscall.ECONNRESET:   errno.ECONNRESET,   // 104 / 54
		syscall.ETIMEDOUT:    errno.ETIMEDOUT,    // 110 / 60
		syscall.ECONNREFUSED: errno.ECONNREFUSED, // 111 / 61
		syscall.EHOSTUNREACH: errno.EHOSTUNREACH, // 113 / 65
		syscall.ESTALE:       errno.ESTALE,       // 116 / 70
		syscall.EDQUOT:       errno.EDQUOT,       // 122 / 69
		syscall.ECANCELED:    errno.ECANCELED,    // 125 / 87
	} {
		if got := Errno(host); got != want {
			t.Errorf("Errno(%v) = %v (%d), want %s (%d)", host, got, got, want.Name(), want)
		}
		// Wrapped as the os package wraps them.
		if got := Errno(&fs.PathError{Op: "open", Path: "/x", Err: host}); got != want {
			t.Errorf("Errno(PathError(%v)) = %v", host, got)
		}
	}
	// No two host errors share a NetBSD one, and every NetBSD value is
	// a real errno.
	seen := map[errno.Errno]syscall.Errno{}
	for host, nb := range hostErrno {
		if prev, dup := seen[nb]; dup {
			t.Errorf("%v and %v both map to %s", prev, host, nb.Name())
		}
		seen[nb] = host
		if nb <= 0 || nb > errno.ELAST {
			t.Errorf("%v maps to %d", host, nb)
		}
	}
	if len(hostErrno) < 85 {
		t.Errorf("only %d host errors mapped", len(hostErrno))
	}
}

func TestErrnoOther(t *testing.T) {
	if Errno(nil) != nil {
		t.Error("Errno(nil) is not nil")
	}
	for _, tc := range []struct {
		in   error
		want errno.Errno
	}{
		{syscall.Errno(0xffff), errno.EIO}, // a host error with no NetBSD counterpart
		{syscall.EREMCHG, errno.EIO},       // Linux-only
		{errno.ENOTBLK, errno.ENOTBLK},     // already NetBSD's
		{fmt.Errorf("wrap: %w", errno.EFTYPE), errno.EFTYPE},
		{errors.ErrUnsupported, errno.EOPNOTSUPP},
		{errors.New("anything else"), errno.EIO},
		{fs.ErrNotExist, errno.ENOENT},
		{fs.ErrExist, errno.EEXIST},
		{fs.ErrPermission, errno.EACCES},
		{fs.ErrClosed, errno.EBADF},
		{fs.ErrInvalid, errno.EINVAL},
	} {
		if got := Errno(tc.in); got != tc.want {
			t.Errorf("Errno(%v) = %v, want %s", tc.in, got, tc.want.Name())
		}
	}
	// Real host failures come back as NetBSD's numbers.
	dir := t.TempDir()
	_, err := os.Open(filepath.Join(dir, "missing"))
	if got := Errno(err); got != errno.ENOENT {
		t.Errorf("open missing: %v", got)
	}
	os.Mkdir(filepath.Join(dir, "d"), 0o755)
	os.WriteFile(filepath.Join(dir, "d", "f"), nil, 0o644)
	if got := Errno(os.Remove(filepath.Join(dir, "d"))); got != errno.ENOTEMPTY {
		t.Errorf("remove a full directory: %v (%d)", got, got)
	}
	if got := Errno(os.Mkdir(filepath.Join(dir, "d"), 0o755)); got != errno.EEXIST {
		t.Errorf("mkdir existing: %v", got)
	}
	long := filepath.Join(dir, strings.Repeat("n", 300))
	if got := Errno(os.WriteFile(long, nil, 0o644)); got != errno.ENAMETOOLONG {
		t.Errorf("long name: %v (%d)", got, got)
	}
}
