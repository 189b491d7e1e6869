package errno

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

func TestTableComplete(t *testing.T) {
	seen := map[string]bool{}
	for e := Errno(1); e <= ELAST; e++ {
		name := e.Name()
		if name == "" || e.Error() == "" || e.Error()[:7] == "Unknown" {
			t.Errorf("errno %d has no entry", e)
		}
		if seen[name] {
			t.Errorf("name %s used twice", name)
		}
		seen[name] = true
		if got, ok := ByName(name); !ok || got != e {
			t.Errorf("ByName(%s) = %d, %v; want %d", name, got, ok, e)
		}
	}
	if len(seen) != 98 {
		t.Errorf("table has %d entries, want 98", len(seen))
	}
}

func TestNetBSDNumbers(t *testing.T) {
	// Spot checks against sys/errno.h values that differ from Linux.
	for _, c := range []struct {
		e    Errno
		want int32
	}{{EAGAIN, 35}, {ELOOP, 62}, {ENAMETOOLONG, 63}, {ENOTEMPTY, 66}, {ENOSYS, 78}, {EFTYPE, 79}, {ETIMEDOUT, 60}, {ENOTSUP, 86}} {
		if int32(c.e) != c.want {
			t.Errorf("%s = %d, want %d", c.e.Name(), c.e, c.want)
		}
	}
}

func TestIs(t *testing.T) {
	wrapped := fmt.Errorf("open /x: %w", ENOENT)
	if !errors.Is(wrapped, fs.ErrNotExist) || !errors.Is(wrapped, ENOENT) {
		t.Error("wrapped ENOENT does not match fs.ErrNotExist")
	}
	if !errors.Is(EEXIST, fs.ErrExist) || !errors.Is(EACCES, fs.ErrPermission) || !errors.Is(EPERM, fs.ErrPermission) {
		t.Error("fs sentinel mapping broken")
	}
	if errors.Is(EIO, fs.ErrNotExist) {
		t.Error("EIO matches fs.ErrNotExist")
	}
	if !errors.Is(EOPNOTSUPP, errors.ErrUnsupported) {
		t.Error("EOPNOTSUPP should match errors.ErrUnsupported")
	}
	if From(wrapped) != ENOENT || From(errors.New("x")) != EIO || From(nil) != nil {
		t.Error("From mapping broken")
	}
	if Errno(500).Error() != "Unknown error: 500" {
		t.Error(Errno(500).Error())
	}
}
