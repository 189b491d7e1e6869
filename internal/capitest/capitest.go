// Package capitest builds librump (package capi) for tests that run C
// programs or scripts against it: once per test binary, as a shared
// library and an archive, in a temporary directory. It builds the
// kernel-only librump too (the tag gorump_kernelonly, as buildrump -k),
// with gorump's own hypercall library, librumpuser_gorump, beside it.
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

// KernelOnlyTag is the build tag of a kernel-only librump.
const KernelOnlyTag = "gorump_kernelonly"

// HypercallLib is the name of gorump's own hypercall library, without
// "lib": librumpuser_gorump.a and .so.
const HypercallLib = "rumpuser_gorump"

// A build of the libraries, made once.
type build struct {
	once sync.Once
	dir  string
	err  error
	out  []byte
}

var libs, kernelOnlyLibs build

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
	return libs.get(t, false)
}

// KernelOnlyLibDir returns the directory holding the kernel-only
// librump.so and librump.a, and librumpuser_gorump.so and .a; it skips
// t as LibDir does.
func KernelOnlyLibDir(t testing.TB) string {
	t.Helper()
	return kernelOnlyLibs.get(t, true)
}

func (b *build) get(t testing.TB, kernelOnly bool) string {
	t.Helper()
	peer.Require(t, "gcc", "gcc")
	b.once.Do(func() {
		var gobin string
		if gobin, b.err = exec.LookPath("go"); b.err != nil {
			return
		}
		if b.dir, b.err = os.MkdirTemp("", "librump"); b.err != nil {
			return
		}
		for mode, name := range map[string]string{"c-shared": "librump.so", "c-archive": "librump.a"} {
			args := []string{"build", "-buildmode=" + mode, "-o", filepath.Join(b.dir, name)}
			if kernelOnly {
				args = append(args, "-tags", KernelOnlyTag)
			}
			cmd := exec.Command(gobin, append(args, "./capi")...)
			cmd.Dir = moduleRoot()
			if b.out, b.err = cmd.CombinedOutput(); b.err != nil {
				return
			}
		}
		if kernelOnly {
			b.out, b.err = buildHypercallLib(b.dir)
		}
	})
	if b.err != nil {
		t.Fatalf("building librump: %v\n%s", b.err, b.out)
	}
	return b.dir
}

// buildHypercallLib compiles capi/librumpuser into dir as
// librumpuser_gorump.a and librumpuser_gorump.so.
func buildHypercallLib(dir string) ([]byte, error) {
	src := filepath.Join(moduleRoot(), "capi", "librumpuser", "rumpuser.c")
	obj := filepath.Join(dir, "rumpuser.o")
	for _, args := range [][]string{
		{"gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2", "-fPIC", "-I" + Include(), "-c", "-o", obj, src},
		{"ar", "rcs", filepath.Join(dir, "lib"+HypercallLib+".a"), obj},
		{"gcc", "-shared", "-o", filepath.Join(dir, "lib"+HypercallLib+".so"), obj, "-lpthread"},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			return out, err
		}
	}
	return nil, nil
}

// Cleanup removes the built libraries; call it from TestMain after the
// tests ran.
func Cleanup() {
	for _, b := range []*build{&libs, &kernelOnlyLibs} {
		if b.dir != "" {
			os.RemoveAll(b.dir)
		}
	}
}

// CC compiles the C program src against capi's headers with -Wall
// -Wextra -Werror, linked with librump.a (static) or librump.so, and
// returns the binary's path.
func CC(t testing.TB, src string, static bool) string {
	t.Helper()
	return cc(t, LibDir(t), src, static, false)
}

// CCKernelOnly compiles src as CC does, linked with the kernel-only
// librump and librumpuser_gorump for its hypercalls.
func CCKernelOnly(t testing.TB, src string, static bool) string {
	t.Helper()
	return cc(t, KernelOnlyLibDir(t), src, static, true)
}

func cc(t testing.TB, lib, src string, static, kernelOnly bool) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(src)+".bin")
	args := []string{"-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I" + Include(), "-o", bin, src}
	switch {
	case static && kernelOnly:
		args = append(args, filepath.Join(lib, "librump.a"), filepath.Join(lib, "lib"+HypercallLib+".a"), "-lpthread", "-ldl", "-lm")
	case static:
		args = append(args, filepath.Join(lib, "librump.a"), "-lpthread", "-ldl", "-lm")
	case kernelOnly:
		args = append(args, "-L"+lib, "-lrump", "-l"+HypercallLib, "-Wl,-rpath,"+lib, "-lpthread")
	default:
		args = append(args, "-L"+lib, "-lrump", "-Wl,-rpath,"+lib, "-lpthread")
	}
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %v: %v\n%s", args, err, out)
	}
	return bin
}
