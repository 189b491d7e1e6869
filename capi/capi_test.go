package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/internal/peer"
)

// libs builds librump.so and librump.a once for every test.
var libs struct {
	once sync.Once
	dir  string
	err  error
	out  []byte
}

// libDir returns the directory holding librump.so and librump.a, built
// from this package with go build.
func libDir(t *testing.T) string {
	t.Helper()
	peer.Require(t, "gcc", "gcc")
	libs.once.Do(func() {
		libs.dir, libs.err = os.MkdirTemp("", "capi-lib")
		if libs.err != nil {
			return
		}
		var gobin string
		if gobin, libs.err = exec.LookPath("go"); libs.err != nil {
			return
		}
		for _, mode := range []string{"c-shared", "c-archive"} {
			name := "librump.so"
			if mode == "c-archive" {
				name = "librump.a"
			}
			cmd := exec.Command(gobin, "build", "-buildmode="+mode, "-o", filepath.Join(libs.dir, name), ".")
			libs.out, libs.err = cmd.CombinedOutput()
			if libs.err != nil {
				return
			}
		}
	})
	if libs.err != nil {
		t.Fatalf("building librump: %v\n%s", libs.err, libs.out)
	}
	return libs.dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if libs.dir != "" {
		os.RemoveAll(libs.dir)
	}
	os.Exit(code)
}

// cc compiles the C program src against capi/include with -Wall
// -Werror and links it with librump, shared or static.
func cc(t *testing.T, src string, static bool) string {
	t.Helper()
	lib := libDir(t)
	bin := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(src), ".c"))
	args := []string{"-std=gnu11", "-Wall", "-Wextra", "-Werror", "-Iinclude", "-o", bin, src}
	if static {
		args = append(args, filepath.Join(lib, "librump.a"), "-lpthread", "-ldl", "-lm")
	} else {
		args = append(args, "-L"+lib, "-lrump", "-Wl,-rpath,"+lib, "-lpthread")
	}
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
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
	for _, prog := range []string{"headers", "fs", "ffs", "net", "threads"} {
		for _, static := range []bool{false, true} {
			name := prog + "/shared"
			if static {
				name = prog + "/static"
			}
			t.Run(name, func(t *testing.T) {
				bin := cc(t, filepath.Join("tests", prog+".c"), static)
				var args []string
				if prog == "ffs" {
					args = append(args, ffsImage(t))
				}
				out := run(t, bin, args...)
				if !strings.Contains(out, prog+": ") || !strings.Contains(out, "ok") {
					t.Errorf("output %q", out)
				}
			})
		}
	}
}
