package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// What -k (kernel only) changes: librump is built with the tag below,
// without the POSIX host inside it, and calls NetBSD's rumpuser(3)
// version 17 hypercalls as C functions. The program links them from a
// hypercall library: NetBSD's librumpuser, or gorump's own, which -k
// builds and installs as librumpuser_gorump. No librumpuser alias of
// librump is installed, so -lrumpuser finds only a real one.
const (
	kernelOnlyTag = "gorump_kernelonly"
	hypercallLib  = "rumpuser_gorump"             // lib<name>.a and .so
	hypercallSrc  = "capi/librumpuser/rumpuser.c" // in the source dir
)

// goTags are the go build and go list flags of the build's tags.
func (b *builder) goTags() []string {
	if b.kernelOnly {
		return []string{"-tags", kernelOnlyTag}
	}
	return nil
}

// buildHypercallLib compiles gorump's hypercall library into dir as
// librumpuser_gorump.a and librumpuser_gorump.so, with $CC, $AR and
// the -F flags.
func (b *builder) buildHypercallLib(tc *toolchain, dir string) error {
	src := filepath.Join(b.src, filepath.FromSlash(hypercallSrc))
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("-k: this source has no %s, gorump's hypercall library", hypercallSrc)
	}
	obj := filepath.Join(dir, "rumpuser_gorump.o")
	cc := strings.Fields(tc.cc)
	ar := strings.Fields(tc.ar)
	opt := []string{"-O2", "-g"}
	if b.release {
		opt = []string{"-O2"}
	}
	compile := append(slices.Clone(cc), opt...)
	compile = append(compile, b.flags.c...)
	compile = append(compile, b.flags.cpp...)
	compile = append(compile, "-fPIC", "-I", filepath.Join(b.src, "capi", "include"), "-c", "-o", obj, src)
	archive := filepath.Join(dir, "lib"+hypercallLib+".a")
	os.Remove(archive)
	link := append(slices.Clone(cc), "-shared", "-o", filepath.Join(dir, "lib"+hypercallLib+".so"), obj)
	link = append(link, b.flags.ld...)
	link = append(link, "-lpthread")
	for _, args := range [][]string{compile, append(slices.Clone(ar), "rcs", archive, obj), link} {
		b.say("build: %s", strings.Join(args, " "))
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			b.e.stderr.Write(out)
			return fmt.Errorf("%s: %v: %s", filepath.Base(args[0]), err, lastLine(out))
		}
	}
	return nil
}

// withHypercallLib is a kernel-only test's link line: -lrumpuser
// becomes -lrumpuser_gorump, which a line without it gets after -lrump.
func withHypercallLib(line []string) []string {
	out := slices.Clone(line)
	if i := slices.Index(out, "-lrumpuser"); i >= 0 {
		out[i] = "-l" + hypercallLib
		return out
	}
	at := len(out)
	if i := slices.Index(out, "-lrump"); i >= 0 {
		at = i + 1
	}
	return slices.Insert(out, at, "-l"+hypercallLib)
}

// checkDestKind refuses to test a destination built for the other
// mode: a kernel-only librump links only with a hypercall library.
func (b *builder) checkDestKind(lib string) error {
	_, errUser := os.Lstat(filepath.Join(lib, "librumpuser.so"))
	_, errHyp := os.Lstat(filepath.Join(lib, "lib"+hypercallLib+".so"))
	switch {
	case b.kernelOnly && errHyp != nil:
		return fmt.Errorf("-k: no lib%s.so in %s: the librump there is not kernel-only; run buildrump -k fullbuild first", hypercallLib, lib)
	case !b.kernelOnly && errUser != nil && errHyp == nil:
		return fmt.Errorf("the librump in %s is kernel-only (it has lib%s.so, no librumpuser.so): test it with -k", lib, hypercallLib)
	}
	return nil
}

// checkHypercalls checks with $NM that the kernel-only librump.so
// defines no hypercall and that librumpuser_gorump.so defines every one
// it calls.
func (b *builder) checkHypercalls(tc *toolchain, lib string) error {
	nm := strings.Fields(tc.nm)
	if _, err := exec.LookPath(nm[0]); err != nil {
		return nil // checkSymbols has warned
	}
	symbols := func(name string, which string) ([]string, error) {
		args := append(slices.Clone(nm[1:]), "-D", which, filepath.Join(lib, name))
		out, err := exec.Command(nm[0], args...).Output()
		if err != nil {
			return nil, fmt.Errorf("%s %s: %v", tc.nm, name, err)
		}
		var syms []string
		for line := range strings.SplitSeq(string(out), "\n") {
			if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[len(f)-1], "rumpuser_") {
				syms = append(syms, f[len(f)-1])
			}
		}
		slices.Sort(syms)
		return slices.Compact(syms), nil
	}
	defined, err := symbols("librump.so", "--defined-only")
	if err != nil {
		return err
	}
	if len(defined) > 0 {
		return fmt.Errorf("-k: librump.so defines hypercalls itself: %s", strings.Join(defined, " "))
	}
	calls, err := symbols("librump.so", "--undefined-only")
	if err != nil {
		return err
	}
	ours, err := symbols("lib"+hypercallLib+".so", "--defined-only")
	if err != nil {
		return err
	}
	var missing []string
	for _, s := range calls {
		if !slices.Contains(ours, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("-k: lib%s.so lacks hypercalls librump.so calls: %s", hypercallLib, strings.Join(missing, " "))
	}
	b.say("build: librump.so calls %d hypercalls, all in lib%s.so: %s", len(calls), hypercallLib, strings.Join(calls, " "))
	return nil
}
