package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// testTimeout bounds one test program's run.
const testTimeout = time.Minute

// exitSkip is the status a test program exits with when what it tests
// is not there, as NetBSD's dynamic test does.
const exitSkip = 37

// testDirs are where the C tests live in the source, in the order they
// run.
var testDirs = []string{"cmd/buildrump/testdata", "capi/tests"}

// cTest is one C test program.
type cTest struct {
	name string // file name without .c
	src  string
	link []string // its link line: NetBSD's -l options
	args []string // its operands: IMAGE for an FFS image, others as they are
}

// Directives in a test's first comment lines.
const (
	linkDirective = "buildrump-link:" // the link line
	argsDirective = "buildrump-args:" // the operands
)

// imageOperand is the operand a test is given a fresh FFS image for.
const imageOperand = "IMAGE"

// readTest reads how to build and run a test from its first 30 lines:
// "buildrump-link: -l... -l..." gives its link line (def otherwise);
// "buildrump-args: ..." its operands, as does capi's convention of a
// first comment line "name OPERAND...: what it does" with operands in
// capitals.
func readTest(path string, def []string) (cTest, error) {
	t := cTest{name: strings.TrimSuffix(filepath.Base(path), ".c"), src: path, link: def}
	f, err := os.Open(path)
	if err != nil {
		return t, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	directiveArgs := false
	for i := 0; i < 30 && sc.Scan(); i++ {
		line := sc.Text()
		words := func(rest string) []string {
			return strings.Fields(strings.TrimSuffix(strings.TrimSpace(rest), "*/"))
		}
		if _, rest, ok := strings.Cut(line, linkDirective); ok {
			t.link = words(rest)
			continue
		}
		if _, rest, ok := strings.Cut(line, argsDirective); ok {
			t.args, directiveArgs = words(rest), true
			continue
		}
		comment := strings.TrimLeft(strings.TrimSpace(line), "/* ")
		if head, _, ok := strings.Cut(comment, ":"); ok && !directiveArgs && t.args == nil {
			if f := strings.Fields(head); len(f) > 1 && f[0] == t.name && allCapitals(f[1:]) {
				t.args = f[1:]
			}
		}
	}
	return t, sc.Err()
}

// allCapitals reports whether every word is an operand name in capitals.
func allCapitals(words []string) bool {
	for _, w := range words {
		if strings.ToUpper(w) != w || strings.ToLower(w) == w {
			return false
		}
	}
	return true
}

// operands turns a test's operands into arguments: IMAGE becomes a
// fresh FFS image in dir, made by the source's own cmd/ffs on the host.
func (b *builder) operands(t cTest, dir string) ([]string, error) {
	var args []string
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, a := range t.args {
		if a != imageOperand {
			args = append(args, a)
			continue
		}
		img := filepath.Join(dir, t.name+".img")
		os.Remove(img)
		cmd := exec.Command("go", "run", "./cmd/ffs", "newfs", "-q", "-s", "16m", img)
		cmd.Dir = b.src
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=vendor", "GOPROXY=off", "GOWORK=off", "GOOS=", "GOARCH=", "GOARM=", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("ffs newfs for %s: %v: %s", imageOperand, err, lastLine(out))
		}
		args = append(args, img)
	}
	return args, nil
}

// installedLibs lists the NetBSD library names installed in lib, in
// link order.
func installedLibs(lib string) []string {
	var libs []string
	for _, c := range components {
		for _, l := range c.libs {
			if _, err := os.Lstat(filepath.Join(lib, "lib"+l+".so")); err == nil {
				libs = append(libs, l)
			}
		}
	}
	for _, l := range baseLibs {
		if _, err := os.Lstat(filepath.Join(lib, "lib"+l+".so")); err == nil {
			libs = append(libs, l)
		}
	}
	return libs
}

// missingLibs lists the -l options of line that lib cannot satisfy.
func missingLibs(lib string, line []string) []string {
	var missing []string
	for _, opt := range line {
		name, ok := strings.CutPrefix(opt, "-l")
		if !ok || !strings.HasPrefix(name, "rump") {
			continue
		}
		if _, err := os.Lstat(filepath.Join(lib, "lib"+name+".so")); err != nil {
			missing = append(missing, opt)
		}
	}
	return missing
}

// testResult is what one run of a test gave.
type testResult struct {
	name   string
	status string // "ok", "skipped" or "FAILED"
	why    string
	output []byte
}

// tests compiles the C tests against the destination dir, linked
// shared and static, and runs them.
func (b *builder) tests() error {
	tc, err := b.toolchain()
	if err != nil {
		return err
	}
	lib := filepath.Join(b.dest, "lib")
	if _, err := os.Stat(filepath.Join(lib, "librump.so")); err != nil {
		return fmt.Errorf("no librump.so in %s: run buildrump install first", lib)
	}
	if err := b.checkDestKind(lib); err != nil {
		return err
	}
	installed := installedLibs(lib)
	def := linkLine(installed)
	var tests []cTest
	for _, dir := range testDirs {
		files, _ := filepath.Glob(filepath.Join(b.src, filepath.FromSlash(dir), "*.c"))
		if len(files) == 0 {
			fmt.Fprintf(b.e.stdout, ">> tests: %s: no C tests in this source\n", dir)
			continue
		}
		for _, f := range files {
			t, err := readTest(f, def)
			if err != nil {
				return err
			}
			if b.kernelOnly {
				t.link = withHypercallLib(t.link)
			}
			tests = append(tests, t)
		}
	}
	if len(tests) == 0 {
		return errors.New("no C tests found: nothing was tested")
	}

	var runner []string
	if tc.cross {
		q := tc.target.qemuName()
		if _, err := exec.LookPath(q); q == "" || err != nil {
			return fmt.Errorf("cannot run %s programs here (cross build for %s): no %s (Debian package qemu-user)", tc.target, tc.target.triple, cmpOr(q, "qemu-user emulator"))
		}
		runner = []string{q}
		b.warn("tests: cross build: running %s programs under %s", tc.target, q)
	}

	bin := filepath.Join(b.dest, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	var results []testResult
	for _, t := range tests {
		for _, static := range []bool{false, true} {
			results = append(results, b.runTest(tc, t, static, bin, runner))
		}
	}
	var failed []string
	passed, skipped := 0, 0
	for _, r := range results {
		switch r.status {
		case "ok":
			passed++
		case "skipped":
			skipped++
		default:
			failed = append(failed, r.name)
		}
	}
	fmt.Fprintf(b.e.stdout, ">> tests: %d passed, %d skipped, %d failed\n", passed, skipped, len(failed))
	if len(failed) > 0 {
		return fmt.Errorf("FAILED %d of %d tests: %s", len(failed), len(results), strings.Join(failed, ", "))
	}
	return nil
}

// runTest compiles one test and runs it, printing its result.
func (b *builder) runTest(tc *toolchain, t cTest, static bool, bin string, runner []string) testResult {
	lib := filepath.Join(b.dest, "lib")
	r := testResult{name: t.name + " (shared)"}
	out := filepath.Join(bin, t.name)
	if static {
		r.name = t.name + " (static)"
		out += ".static"
	}
	report := func() testResult {
		line := fmt.Sprintf(">> test %-24s %s", r.name, r.status)
		if r.why != "" {
			line += ": " + r.why
		}
		fmt.Fprintln(b.e.stdout, line)
		if r.status == "FAILED" && len(r.output) > 0 {
			for l := range strings.SplitSeq(strings.TrimRight(string(r.output), "\n"), "\n") {
				fmt.Fprintf(b.e.stdout, "   | %s\n", l)
			}
		}
		return r
	}
	if missing := missingLibs(lib, t.link); len(missing) > 0 {
		r.status, r.why = "skipped", "its link line needs "+strings.Join(missing, " ")+", not built (see -c)"
		return report()
	}
	cc := strings.Fields(tc.cc)
	args := append(cc[1:], b.flags.c...)
	args = append(args, b.flags.cpp...)
	args = append(args, "-I", filepath.Join(b.dest, "include"), "-o", out, t.src, "-L", lib)
	if static {
		// The rump libraries statically, libc and libpthread as usual:
		// NetBSD's line between -Bstatic and -Bdynamic.
		var rump, rest []string
		for _, opt := range t.link {
			if strings.HasPrefix(opt, "-lrump") {
				rump = append(rump, opt)
			} else {
				rest = append(rest, opt)
			}
		}
		if b.debug > 1 && tc.target.raceOK() {
			args = append(args, "-no-pie") // the race runtime's fixed shadow memory needs it
		}
		args = append(args, "-Wl,-Bstatic")
		args = append(args, rump...)
		args = append(args, "-Wl,-Bdynamic")
		args = append(args, rest...)
		args = append(args, "-ldl", "-lm")
	} else {
		args = append(args, "-Wl,-rpath,"+lib)
		args = append(args, t.link...)
	}
	args = append(args, b.flags.ld...)
	if out, err := exec.Command(cc[0], args...).CombinedOutput(); err != nil {
		r.status, r.why, r.output = "FAILED", "compile: "+lastLine(out), out
		return report()
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	args, err := b.operands(t, filepath.Join(b.obj, "tests"))
	if err != nil {
		r.status, r.why = "FAILED", err.Error()
		return report()
	}
	argv := append(append(slices.Clone(runner), out), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+lib)
	if len(runner) > 0 {
		// A test that runs itself again (daemon) cannot under qemu-user
		// without binfmt_misc: it skips on this.
		cmd.Env = append(cmd.Env, "RUMPTEST_EMULATED=1")
		if dir := "/usr/" + tc.target.triple; isDir(dir) {
			cmd.Env = append(cmd.Env, "QEMU_LD_PREFIX="+dir)
		}
	}
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	err = cmd.Run()
	r.output = output.Bytes()
	var ee *exec.ExitError
	switch {
	case err == nil:
		r.status = "ok"
	case ctx.Err() != nil:
		r.status, r.why = "FAILED", fmt.Sprintf("still running after %v", testTimeout)
	case errors.As(err, &ee) && ee.ExitCode() == exitSkip:
		r.status, r.why = "skipped", lastLine(r.output)
	default:
		r.status, r.why = "FAILED", err.Error()
	}
	return report()
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
