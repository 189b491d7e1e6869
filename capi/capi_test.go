package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/internal/capitest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	capitest.Cleanup()
	os.Exit(code)
}

// run runs a test program and fails t unless it exits 0.
func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "RUMP_VERBOSE=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(bin), err, out)
	}
	return string(out)
}

// ffsImage writes a fresh 16 MiB FFS image and returns its path.
func ffsImage(t *testing.T) string {
	t.Helper()
	d := disk.NewMem(16<<20, 512)
	if err := ffs.Newfs(d, ffs.NewfsOptions{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ffs.img")
	if err := os.WriteFile(path, d.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPrograms builds each program of tests/ against librump.so and
// librump.a and runs it.
func TestPrograms(t *testing.T) {
	for _, prog := range []string{"headers", "fs", "ffs", "etfs", "reboot", "daemon", "net", "threads", "shmif", "pipe"} {
		for _, static := range []bool{false, true} {
			name := prog + "/shared"
			if static {
				name = prog + "/static"
			}
			t.Run(name, func(t *testing.T) {
				bin := capitest.CC(t, filepath.Join("tests", prog+".c"), static)
				var args []string
				if prog == "ffs" || prog == "reboot" || prog == "daemon" {
					args = append(args, ffsImage(t))
				}
				out := run(t, bin, args...)
				t.Logf("%s", out)
				if !strings.Contains(out, prog+": ") || !strings.Contains(out, "ok") {
					t.Errorf("output %q", out)
				}
			})
		}
	}
}
