package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// stageDir is where build puts what install copies to the destination.
func (b *builder) stageDir() string { return filepath.Join(b.obj, "stage") }

// tools probes the toolchain and writes the tool dir.
func (b *builder) tools() error {
	tc, err := b.toolchain()
	if err != nil {
		return err
	}
	kind := "native"
	if tc.cross {
		kind = "cross"
	}
	b.say("tools: %s builds for %s (%s, %s); AR=%s NM=%s OBJCOPY=%s", tc.cc, tc.target.triple, tc.target, kind, tc.ar, tc.nm, tc.objcopy)
	if err := os.MkdirAll(b.tool, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.tool, "rumpmake"), []byte(b.rumpmake(tc)), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.tool, "buildrump.conf"), []byte(b.conf(tc)), 0o644); err != nil {
		return err
	}
	b.say("tools: wrote %s", filepath.Join(b.tool, "rumpmake"))
	return nil
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// settingArgs are the options that reproduce this run's settings.
func (b *builder) settingArgs() []string {
	args := []string{"-s", b.src, "-o", b.obj, "-d", b.dest, "-T", b.tool, "-j", strconv.Itoa(b.jobs)}
	for range b.quiet {
		args = append(args, "-q")
	}
	if b.release {
		args = append(args, "-r")
	}
	if b.kernelOnly {
		args = append(args, "-k")
	}
	for range b.debug {
		args = append(args, "-D")
	}
	for _, f := range b.rawFlags {
		args = append(args, "-F", f)
	}
	if len(b.components) > 0 {
		args = append(args, "-c", strings.Join(b.components, ","))
	}
	return args
}

// rumpmake is a script that runs buildrump again, from the source
// dir's own copy, with this run's settings and toolchain.
func (b *builder) rumpmake(tc *toolchain) string {
	var s strings.Builder
	s.WriteString("#!/bin/sh\n")
	s.WriteString("# rumpmake: written by buildrump tools. Reruns buildrump from the source\n")
	s.WriteString("# dir with the settings of the run that wrote it; no arguments means\n")
	s.WriteString("# \"build install\". Any buildrump command or option may be given.\n")
	s.WriteString("[ $# -gt 0 ] || set -- build install\n")
	for _, kv := range [][2]string{{"CC", tc.cc}, {"AR", tc.ar}, {"NM", tc.nm}, {"OBJCOPY", tc.objcopy}} {
		fmt.Fprintf(&s, "%s=%s; export %s\n", kv[0], shellQuote(kv[1]), kv[0])
	}
	fmt.Fprintf(&s, "cd %s || exit 1\n", shellQuote(b.src))
	s.WriteString("exec env GOFLAGS=-mod=vendor GOPROXY=off GOWORK=off go run ./cmd/buildrump")
	for _, a := range b.settingArgs() {
		s.WriteString(" " + shellQuote(a))
	}
	s.WriteString(" \"$@\"\n")
	return s.String()
}

// conf is the settings, for people to read.
func (b *builder) conf(tc *toolchain) string {
	var s strings.Builder
	s.WriteString("# buildrump settings, written by buildrump tools\n")
	kv := func(k, v string) { fmt.Fprintf(&s, "%s=%s\n", k, shellQuote(v)) }
	kv("SRCDIR", b.src)
	kv("OBJDIR", b.obj)
	kv("DESTDIR", b.dest)
	kv("TOOLDIR", b.tool)
	kv("CC", tc.cc)
	kv("AR", tc.ar)
	kv("NM", tc.nm)
	kv("OBJCOPY", tc.objcopy)
	kv("TARGET", tc.target.triple)
	kv("GOOS", tc.target.goos)
	kv("GOARCH", tc.target.goarch)
	kv("GOARM", tc.target.goarm)
	kv("CROSS", strconv.FormatBool(tc.cross))
	kv("JOBS", strconv.Itoa(b.jobs))
	kv("RELEASE", strconv.FormatBool(b.release))
	kv("DEBUG", strconv.Itoa(b.debug))
	kv("KERNEL_ONLY", strconv.FormatBool(b.kernelOnly))
	kv("CFLAGS", strings.Join(b.flags.c, " "))
	kv("CPPFLAGS", strings.Join(b.flags.cpp, " "))
	kv("LDFLAGS", strings.Join(b.flags.ld, " "))
	kv("COMPONENTS", strings.Join(b.components, ","))
	return s.String()
}

// goBuildEnv is the environment of go build and go list: the target,
// the cgo flags, vendored modules and no network.
func (b *builder) goBuildEnv(tc *toolchain) []string {
	env := append(os.Environ(), tc.goEnv()...)
	env = append(env,
		"GOFLAGS=-mod=vendor -p="+strconv.Itoa(b.jobs),
		"GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	cflags := []string{"-O2", "-g"}
	switch {
	case b.release:
		cflags = []string{"-O2"}
	case b.debug > 0:
		cflags = []string{"-O1", "-g"}
	}
	if v := b.e.getenv("CGO_CFLAGS"); v != "" {
		cflags = strings.Fields(v)
	}
	env = append(env, "CGO_CFLAGS="+strings.Join(append(cflags, b.flags.c...), " "))
	if len(b.flags.cpp) > 0 {
		env = append(env, "CGO_CPPFLAGS="+strings.TrimSpace(b.e.getenv("CGO_CPPFLAGS")+" "+strings.Join(b.flags.cpp, " ")))
	}
	if len(b.flags.ld) > 0 {
		env = append(env, "CGO_LDFLAGS="+strings.TrimSpace(b.e.getenv("CGO_LDFLAGS")+" "+strings.Join(b.flags.ld, " ")))
	}
	return env
}

// chooseComponents returns the components -c asked for (all that the
// source has, by default).
func (b *builder) chooseComponents() ([]*component, error) {
	var chosen []*component
	for i := range components {
		c := &components[i]
		asked := len(b.components) == 0 || slices.Contains(b.components, c.name)
		if !asked {
			continue
		}
		if !c.available(b.src) {
			if len(b.components) > 0 {
				return nil, fmt.Errorf("-c %s: this source has no %s", c.name, strings.Join(c.pkgs, ", "))
			}
			continue
		}
		chosen = append(chosen, c)
	}
	return chosen, nil
}

// build builds librump.so and librump.a from capi and stages them with
// the headers and NetBSD's library names.
func (b *builder) build() error {
	p, err := b.verifySrc()
	if err != nil {
		return err
	}
	b.say("build: source %s is %s, as pinned", b.src, p.version())
	tc, err := b.toolchain()
	if err != nil {
		return err
	}
	capi := filepath.Join(b.src, "capi")
	if _, err := os.Stat(capi); err != nil {
		return fmt.Errorf("%s has no capi/ (the C library): nothing to build", b.src)
	}
	chosen, err := b.chooseComponents()
	if err != nil {
		return err
	}
	overlay, err := b.writeOverlay(chosen)
	if err != nil {
		return err
	}
	env := b.goBuildEnv(tc)
	in, err := b.linkedComponents(env, overlay)
	if err != nil {
		return err
	}
	for _, c := range in {
		if !slices.Contains(chosen, c) {
			b.warn("build: component %s was left out by -c, but capi needs it: it is in", c.name)
		}
	}
	var names []string
	for _, c := range in {
		names = append(names, c.name)
	}
	kind := ""
	if b.kernelOnly {
		kind = ", kernel only (tag " + kernelOnlyTag + ")"
	}
	b.say("build: components %s for %s%s", strings.Join(names, ","), tc.target, kind)

	buildDir := filepath.Join(b.obj, "build")
	if err := os.MkdirAll(buildDir, 0o755); err != nil {
		return err
	}
	for _, mode := range []string{"c-shared", "c-archive"} {
		out := filepath.Join(buildDir, "librump.so")
		if mode == "c-archive" {
			out = filepath.Join(buildDir, "librump.a")
		}
		args := []string{"build", "-buildmode=" + mode, "-o", out, "-overlay", overlay}
		args = append(args, b.goTags()...)
		args = append(args, b.goFlags(tc, mode)...)
		args = append(args, "./capi")
		b.say("build: go %s", strings.Join(args, " "))
		cmd := exec.Command("go", args...)
		cmd.Dir = b.src
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.e.stderr.Write(out)
			return fmt.Errorf("go build -buildmode=%s ./capi: %v: %s", mode, err, lastLine(out))
		}
	}

	stage := b.stageDir()
	if err := os.RemoveAll(stage); err != nil {
		return err
	}
	lib := filepath.Join(stage, "lib")
	for _, name := range []string{"librump.so", "librump.a"} {
		if err := copyFile(filepath.Join(buildDir, name), filepath.Join(lib, name)); err != nil {
			return err
		}
	}
	aliases := aliasLibs(in)
	if b.kernelOnly {
		// The hypercall library is the program's to link, not librump.
		aliases = slices.DeleteFunc(aliases, func(l string) bool { return l == "rumpuser" })
		if err := b.buildHypercallLib(tc, buildDir); err != nil {
			return err
		}
		for _, ext := range []string{".a", ".so"} {
			name := "lib" + hypercallLib + ext
			if err := copyFile(filepath.Join(buildDir, name), filepath.Join(lib, name)); err != nil {
				return err
			}
		}
		b.say("build: lib: lib%s.so and .a, gorump's hypercall library (from %s)", hypercallLib, hypercallSrc)
	}
	if err := writeAliases(lib, aliases); err != nil {
		return err
	}
	b.say("build: lib: librump.so, librump.a and %d NetBSD names: %s", len(aliases), strings.Join(aliases, " "))
	if err := b.stageHeaders(stage); err != nil {
		return err
	}
	if err := b.checkSymbols(tc, lib); err != nil {
		return err
	}
	if b.kernelOnly {
		return b.checkHypercalls(tc, lib)
	}
	return nil
}

// goFlags are the go build flags of -r and -D.
func (b *builder) goFlags(tc *toolchain, mode string) []string {
	var flags, ldflags []string
	if b.release {
		flags = append(flags, "-trimpath")
		ldflags = append(ldflags, "-s", "-w")
	}
	if b.debug > 0 {
		flags = append(flags, "-gcflags=all=-N -l")
	}
	if b.debug > 1 {
		switch {
		case !tc.target.raceOK():
			if mode == "c-shared" {
				b.warn("build: -D -D: the race detector is not available with cgo for %s: built without it", tc.target)
			}
		case mode == "c-archive":
			flags = append(flags, "-race")
		default:
			// The race runtime cannot map its shadow memory from a
			// shared library loaded by a C program (ENOMEM at start).
			b.warn("build: -D -D: librump.a has the race detector (link programs with -no-pie), librump.so cannot have it")
		}
	}
	if mode == "c-archive" {
		ldflags = append(ldflags, "-extar="+tc.ar)
	}
	if len(ldflags) > 0 {
		flags = append(flags, "-ldflags="+strings.Join(ldflags, " "))
	}
	return flags
}

// writeOverlay writes the components file and the overlay that puts it
// in place of capi/components.go.
func (b *builder) writeOverlay(chosen []*component) (string, error) {
	dir := filepath.Join(b.obj, "overlay")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Not a .go file: a package of objdir's would join the module's
	// ./... when objdir is inside it (./obj by default).
	file := filepath.Join(dir, "components.go.in")
	if err := os.WriteFile(file, componentsFile(chosen), 0o644); err != nil {
		return "", err
	}
	ov, _ := json.Marshal(map[string]map[string]string{
		"Replace": {filepath.Join(b.src, "capi", "components.go"): file},
	})
	path := filepath.Join(dir, "overlay.json")
	return path, os.WriteFile(path, ov, 0o644)
}

// linkedComponents returns the components whose packages capi links
// in, with the overlay: those -c chose and those capi imports itself.
func (b *builder) linkedComponents(env []string, overlay string) ([]*component, error) {
	args := append([]string{"list", "-deps", "-overlay", overlay}, b.goTags()...)
	cmd := exec.Command("go", append(args, "-f", "{{.ImportPath}}", "./capi")...)
	cmd.Dir = b.src
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -deps ./capi: %v: %s", err, lastLine(stderr.Bytes()))
	}
	deps := strings.Fields(string(out))
	var in []*component
	for i := range components {
		c := &components[i]
		all := true
		for _, p := range c.pkgs {
			all = all && slices.Contains(deps, modulePath+"/"+p)
		}
		if all {
			in = append(in, c)
		}
	}
	return in, nil
}

// stageHeaders copies capi/include/rump into dir/include/rump.
func (b *builder) stageHeaders(dir string) error {
	from := filepath.Join(b.src, "capi", "include", "rump")
	headers, err := filepath.Glob(filepath.Join(from, "*.h"))
	if err != nil {
		return err
	}
	if len(headers) == 0 {
		return fmt.Errorf("no headers in %s", from)
	}
	to := filepath.Join(dir, "include", "rump")
	for _, h := range headers {
		if err := copyFile(h, filepath.Join(to, filepath.Base(h))); err != nil {
			return err
		}
	}
	b.say("headers: %d in include/rump", len(headers))
	return nil
}

// checkSymbols checks with $NM that both libraries define rump_init.
func (b *builder) checkSymbols(tc *toolchain, lib string) error {
	nm := strings.Fields(tc.nm)
	if _, err := exec.LookPath(nm[0]); err != nil {
		b.warn("build: %s not found: the libraries' symbols are not checked", tc.nm)
		return nil
	}
	for _, name := range []string{"librump.so", "librump.a"} {
		args := append(nm[1:], "--defined-only")
		if name == "librump.so" {
			args = append(args, "-D")
		}
		out, err := exec.Command(nm[0], append(args, filepath.Join(lib, name))...).Output()
		if err != nil {
			return fmt.Errorf("%s %s: %v", tc.nm, name, err)
		}
		count := 0
		found := false
		for line := range strings.SplitSeq(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || !strings.HasPrefix(f[len(f)-1], "rump") {
				continue
			}
			count++
			found = found || f[len(f)-1] == "rump_init"
		}
		if !found {
			return fmt.Errorf("%s defines no rump_init (%s)", name, tc.nm)
		}
		b.say("build: %s defines %d rump* symbols", name, count)
	}
	return nil
}

// install copies the staged tree to the destination dir, removing
// NetBSD library names an earlier install left that this build does not
// answer for.
func (b *builder) install() error {
	stage := b.stageDir()
	if _, err := os.Stat(filepath.Join(stage, "lib", "librump.so")); err != nil {
		return fmt.Errorf("nothing built in %s: run buildrump build first", stage)
	}
	old, _ := filepath.Glob(filepath.Join(b.dest, "lib", "librump*"))
	for _, f := range old {
		if _, err := os.Lstat(filepath.Join(stage, "lib", filepath.Base(f))); errors.Is(err, fs.ErrNotExist) {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	n := 0
	err := filepath.WalkDir(stage, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(stage, path)
		n++
		return copyFile(path, filepath.Join(b.dest, rel))
	})
	if err != nil {
		return err
	}
	b.say("install: %d files into %s", n, b.dest)
	return nil
}

// kernelheaders installs the headers alone.
func (b *builder) kernelheaders() error {
	if _, err := b.verifySrc(); err != nil {
		return err
	}
	return b.stageHeaders(b.dest)
}
