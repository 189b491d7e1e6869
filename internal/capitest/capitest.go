// Package capitest builds librump (package capi) for tests that run C
// programs or scripts against it: once per test binary, as a shared
// library and an archive, in a temporary directory.
package capitest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/gorump/gorump/internal/peer"
)

var libs struct {
	once sync.Once
	dir  string
	err  error
	out  []byte
}

// moduleRoot is the gorump checkout this file is in.
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Include returns capi's header directory.
func Include() string { return filepath.Join(moduleRoot(), "capi", "include") }

// LibDir returns the directory holding librump.so and librump.a. It
// skips t (fails it under GORUMP_REQUIRE_PEERS=1) when gcc, which cgo
// needs, is missing.
func LibDir(t testing.TB) string {
	t.Helper()
	peer.Require(t, "gcc", "gcc")
	libs.once.Do(func() {
		var gobin string
		if gobin, libs.err = exec.LookPath("go"); libs.err != nil {
			return
		}
		if libs.dir, libs.err = os.MkdirTemp("", "librump"); libs.err != nil {
			return
		}
		for mode, name := range map[string]string{"c-shared": "librump.so", "c-archive": "librump.a"} {
			cmd := exec.Command(gobin, "build", "-buildmode="+mode, "-o", filepath.Join(libs.dir, name), "./capi")
			cmd.Dir = moduleRoot()
			if libs.out, libs.err = cmd.CombinedOutput(); libs.err != nil {
				return
			}
		}
	})
	if libs.err != nil {
		t.Fatalf("building librump: %v\n%s", libs.err, libs.out)
	}
	return libs.dir
}

// Cleanup removes the built libraries; call it from TestMain after the
// tests ran.
func Cleanup() {
	if libs.dir != "" {
		os.RemoveAll(libs.dir)
	}
}

// CC compiles the C program src against capi's headers with -Wall
// -Wextra -Werror, linked with librump.a (static) or librump.so, and
// returns the binary's path.
func CC(t testing.TB, src string, static bool) string {
	t.Helper()
	lib := LibDir(t)
	bin := filepath.Join(t.TempDir(), filepath.Base(src)+".bin")
	args := []string{"-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I" + Include(), "-o", bin, src}
	if static {
		args = append(args, filepath.Join(lib, "librump.a"), "-lpthread", "-ldl", "-lm")
	} else {
		args = append(args, "-L"+lib, "-lrump", "-Wl,-rpath,"+lib, "-lpthread")
	}
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %v: %v\n%s", args, err, out)
	}
	return bin
}
