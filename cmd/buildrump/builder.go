package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// builder is one run of buildrump with its settings resolved.
type builder struct {
	e          *env
	cmds       []string
	origin     string // the gorump module holding the working directory, or ""
	tarball    bool   // origin is itself a checkout (made by tarup)
	src, obj   string
	dest, tool string
	jobs       int
	quiet      int
	debug      int
	release    bool
	kernelOnly bool // -k
	flags      cflags
	components []string // chosen with -c; nil means all
	rawFlags   []string // -F as given, for rumpmake

	tc *toolchain // probed on first use
}

// newBuilder resolves the options against the environment.
func newBuilder(e *env, o *options, cmds []string) (*builder, error) {
	b := &builder{e: e, jobs: o.jobs, quiet: int(o.quiet), debug: int(o.debug), release: o.release, kernelOnly: o.kernelOnly, rawFlags: o.flags}
	if o.release && o.debug > 0 {
		return nil, usagef("-r and -D conflict")
	}
	if o.jobs < 0 {
		return nil, usagef("-j %d: want a positive count", o.jobs)
	}
	if b.jobs == 0 {
		b.jobs = runtime.NumCPU()
	}
	for _, v := range []string{"CFLAGS", "AFLAGS", "LDFLAGS"} {
		if e.getenv(v) != "" {
			return nil, usagef("%s is set in the environment: give it with -F %s=... instead", v, v)
		}
	}
	var err error
	if b.flags, err = parseFlags(o.flags); err != nil {
		return nil, err
	}
	if o.components != "" {
		for name := range strings.SplitSeq(o.components, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if componentByName(name) == nil {
				return nil, usagef("-c %s: unknown component; known: %s", name, strings.Join(componentNames(), ", "))
			}
			if !slices.Contains(b.components, name) {
				b.components = append(b.components, name)
			}
		}
		if len(b.components) == 0 {
			return nil, usagef("-c %q: no components named", o.components)
		}
	}
	b.origin = findModuleRoot(e.wd)
	if b.origin != "" {
		if _, err := os.Stat(filepath.Join(b.origin, pinsName)); err == nil {
			b.tarball = true
		}
	}
	if len(cmds) == 0 {
		cmds = []string{"checkout", "fullbuild", "tests"}
		if b.tarball {
			cmds = []string{"fullbuild", "tests"}
		}
	}
	if b.cmds, err = parseCommands(cmds); err != nil {
		return nil, err
	}
	b.src = e.abs(o.src)
	if o.src == "" {
		b.src = e.abs("src")
		if b.tarball {
			b.src = b.origin
		}
	}
	b.obj = e.abs(cmpOr(o.obj, "obj"))
	b.tool = e.abs(o.tool)
	if o.tool == "" {
		b.tool = filepath.Join(b.obj, "tooldir")
	}
	b.dest = e.abs(o.dest)
	if o.dest == "" {
		b.dest = e.abs("rump")
		if hasGoFiles(b.dest) {
			b.dest = e.abs("rump.dest")
		}
	}
	return b, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// hasGoFiles reports whether dir holds Go source: gorump's own rump
// package, which a destination dir must not be written into.
func hasGoFiles(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	return len(m) > 0
}

// say prints a progress line unless -q.
func (b *builder) say(format string, args ...any) {
	if b.quiet > 0 {
		return
	}
	fmt.Fprintf(b.e.stdout, ">> "+format+"\n", args...)
}

// warn prints a warning, even with -q.
func (b *builder) warn(format string, args ...any) {
	fmt.Fprintf(b.e.stderr, ">> WARNING: "+format+"\n", args...)
}

// run runs the commands in order.
func (b *builder) run() error {
	steps := map[string]func() error{
		"checkout":      b.checkout,
		"listdates":     b.listdates,
		"tools":         b.tools,
		"build":         b.build,
		"install":       b.install,
		"kernelheaders": b.kernelheaders,
		"tests":         b.tests,
		"tarup":         b.tarup,
	}
	for _, c := range b.cmds {
		if err := steps[c](); err != nil {
			var se *stepError
			if errors.As(err, &se) {
				return err
			}
			return &stepError{c, err}
		}
	}
	return nil
}

// toolchain probes the C toolchain once.
func (b *builder) toolchain() (*toolchain, error) {
	if b.tc == nil {
		tc, err := probeToolchain(b.e.getenv)
		if err != nil {
			return nil, err
		}
		b.tc = &tc
	}
	return b.tc, nil
}

// verifySrc checks the source dir against its pins; the build's own
// dirs may be inside it, as they are by default in a tarup tree.
func (b *builder) verifySrc() (*pins, error) {
	return verifyPins(b.src, b.obj, b.dest, b.tool, filepath.Join(b.e.wd, "tarup"))
}

// checkout copies the origin module into the source dir and vendors
// its modules.
func (b *builder) checkout() error {
	if b.tarball && b.src == b.origin {
		p, err := b.verifySrc()
		if err != nil {
			return err
		}
		b.say("checkout: %s is a tarup tree of %s, as pinned: nothing to copy", b.src, p.version())
		return nil
	}
	if b.origin == "" {
		return fmt.Errorf("%s is not inside the gorump module (%s): run buildrump from a gorump checkout", b.e.wd, modulePath)
	}
	if b.src == b.origin || within(b.origin, b.src) {
		return fmt.Errorf("-s %s holds the gorump module itself: give another directory", b.src)
	}
	if err := b.clearSrc(); err != nil {
		return err
	}
	names, inGit, err := originFiles(b.origin, []string{b.src, b.obj, b.dest, b.tool, filepath.Join(b.e.wd, "tarup")})
	if err != nil {
		return err
	}
	p := &pins{module: modulePath, origin: b.origin}
	if inGit {
		if p.commit, p.date, p.dirty, err = gitState(b.origin); err != nil {
			return err
		}
	}
	for _, name := range names {
		if err := copyFile(filepath.Join(b.origin, name), filepath.Join(b.src, name)); err != nil {
			return err
		}
	}
	b.say("checkout: copied %d files of %s %s from %s into %s", len(names), modulePath, p.version(), b.origin, b.src)
	if p.dirty {
		b.warn("checkout: %s has changes not committed: the pins record the working tree, marked dirty", b.origin)
	}
	if err := os.RemoveAll(filepath.Join(b.src, "vendor")); err != nil {
		return err
	}
	cmd := exec.Command("go", "mod", "vendor")
	cmd.Dir = b.src
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go mod vendor: %v: %s", err, lastLine(out))
	}
	if p.requires, err = vendoredModules(b.src); err != nil {
		return err
	}
	if p.files, err = hashTree(b.src); err != nil {
		return err
	}
	if err := p.write(b.src); err != nil {
		return err
	}
	b.say("checkout: vendored %d modules (%s); pinned %d files, tree %s", len(p.requires), strings.Join(p.requires, ", "), len(p.files), p.treeHash())
	return nil
}

// clearSrc empties the source dir if it is an earlier checkout; it
// refuses to write over anything else.
func (b *builder) clearSrc() error {
	entries, err := os.ReadDir(b.src)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(entries) == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(b.src, pinsName)); err != nil {
		return fmt.Errorf("%s holds files but is not a buildrump checkout (no %s): will not write over it", b.src, pinsName)
	}
	return os.RemoveAll(b.src)
}

// listdates prints what the source is pinned to.
func (b *builder) listdates() error {
	p, err := readPins(b.src)
	if err != nil {
		if b.origin == "" {
			return err
		}
		// No checkout yet: say what one would pin.
		p = &pins{module: modulePath, origin: b.origin}
		if p.commit, p.date, p.dirty, err = gitState(b.origin); err != nil {
			return err
		}
		fmt.Fprintf(b.e.stdout, ">> no checkout in %s; %s would pin:\n", b.src, b.origin)
	}
	date := p.date
	if date == "" {
		date = "(no date: not from git)"
	}
	fmt.Fprintf(b.e.stdout, ">> %s %s\n", p.module, p.version())
	fmt.Fprintf(b.e.stdout, ">> commit %s of %s\n", cmpOr(p.commit, "(none)"), date)
	for _, r := range p.requires {
		fmt.Fprintf(b.e.stdout, ">> require %s\n", r)
	}
	return nil
}

// lastLine is the last non-empty line of a command's output.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
