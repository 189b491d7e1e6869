package capibench

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorump/gorump/bench/ops"
)

// Side is who answers the calls.
type Side string

const (
	// Librump is gorump through the C library, called from C.
	Librump Side = "librump"
	// GoAPI is gorump through package rump.
	GoAPI Side = "go"
	// Host is the host kernel, called from C with raw syscalls.
	Host Side = "host"
)

// Mode is which threads make the calls.
type Mode string

const (
	// Main is the program's main thread; for the Go API, the goroutine
	// that called MeasureGo.
	Main Mode = "main"
	// Other is one thread other than the main one, alone.
	Other Mode = "other"
	// Pair is two threads other than the main one, at once.
	Pair Mode = "pair"
)

// Modes returns the modes in the order they are measured.
func Modes() []Mode { return []Mode{Main, Other, Pair} }

// threads is how many threads make calls in mode m.
func (m Mode) threads() int {
	if m == Pair {
		return 2
	}
	return 1
}

// Doc says which threads mode m runs on, for a table.
func (m Mode) Doc() string {
	switch m {
	case Main:
		return "main thread"
	case Other:
		return "1 other thread"
	case Pair:
		return "2 threads at once"
	}
	return string(m)
}

// Figure is what one operation costs on one side in one mode: the mean
// over the mode's threads of each thread's elapsed time over its
// iterations.
type Figure struct {
	Side       Side
	Op         string // the name of one of bench/ops.Calls
	Mode       Mode
	Iterations int64 // on each thread
	NsPerOp    float64
}

//go:embed c/capibench.c
var programSource []byte

// capiPackage is the C library's package, which go build makes into
// librump.a.
const capiPackage = "github.com/gorump/gorump/capi"

// Missing returns what this host lacks to build the C program, "" when
// nothing: the C compiler cgo uses (go env CC).
func Missing() string {
	cc, err := compiler()
	if err != nil {
		return err.Error()
	}
	if _, err := exec.LookPath(cc[0]); err != nil {
		return cc[0] + " (Debian package gcc), the C compiler that cgo and the C benchmark use"
	}
	return ""
}

// compiler returns the C compiler cgo uses, with its flags.
func compiler() ([]string, error) {
	out, err := exec.Command("go", "env", "CC").Output()
	if err != nil {
		return nil, fmt.Errorf("the go command (go env CC): %v", err)
	}
	cc := strings.Fields(string(out))
	if len(cc) == 0 {
		return nil, errors.New("a C compiler: go env CC is empty")
	}
	return cc, nil
}

// Program is the C benchmark program, built.
type Program struct {
	path string
}

// Build builds librump.a from package capi of the gorump module the
// working directory is in and the C program linked with it, both in dir,
// and says how in the returned description.
func Build(dir string) (*Program, string, error) {
	cc, err := compiler()
	if err != nil {
		return nil, "", err
	}
	capiDir, err := exec.Command("go", "list", "-f", "{{.Dir}}", capiPackage).Output()
	if err != nil {
		return nil, "", fmt.Errorf("go list %s (run inside the gorump module): %v", capiPackage, commandError(err))
	}
	include := filepath.Join(strings.TrimSpace(string(capiDir)), "include")
	lib := filepath.Join(dir, "librump.a")
	build := exec.Command("go", "build", "-buildmode=c-archive", "-o", lib, capiPackage)
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("go build -buildmode=c-archive %s: %v\n%s", capiPackage, err, out)
	}
	src := filepath.Join(dir, "capibench.c")
	if err := os.WriteFile(src, programSource, 0o644); err != nil {
		return nil, "", err
	}
	p := &Program{path: filepath.Join(dir, "capibench")}
	flags := []string{"-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror"}
	args := slices.Concat(cc[1:], flags, []string{"-I" + include, "-o", p.path, src, lib, "-lpthread", "-ldl", "-lm"})
	if out, err := exec.Command(cc[0], args...).CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("%s %s: %v\n%s", cc[0], strings.Join(args, " "), err, out)
	}
	how := fmt.Sprintf("librump.a (go build -buildmode=c-archive ./capi), %s %s", strings.Join(cc, " "), strings.Join(flags, " "))
	return p, how, nil
}

// commandError adds what a failed command wrote to its standard error.
func commandError(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return fmt.Errorf("%v: %s", err, bytes.TrimSpace(ee.Stderr))
	}
	return err
}

// Run runs the program: the librump and host sides of every operation in
// every mode. With iterations above 0 it makes that many calls on each
// thread, once; otherwise it grows the count until a run lasts goal.
// The host side works in a fresh directory under hostBase, removed when
// Run returns.
func (p *Program) Run(ctx context.Context, hostBase string, goal time.Duration, iterations int64) ([]Figure, error) {
	tmp, err := os.MkdirTemp(hostBase, "gorump-capibench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	args := []string{"-t", strconv.FormatInt(goal.Nanoseconds(), 10)}
	if iterations > 0 {
		args = []string{"-n", strconv.FormatInt(iterations, 10)}
	}
	cmd := exec.CommandContext(ctx, p.path, append(args, filepath.Join(tmp, "host"))...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %s", filepath.Base(p.path), err, bytes.TrimSpace(stderr.Bytes()))
	}
	figs, err := parse(out)
	if err != nil {
		return nil, err
	}
	return figs, complete(figs, Librump, Host)
}

// parse reads the program's figures, the lines
//
//	capibench SIDE OP MODE ITERATIONS NS_PER_OP
//
// and skips other lines (the kernel's console, if it is verbose).
func parse(out []byte) ([]Figure, error) {
	var figs []Figure
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "capibench" {
			continue
		}
		if len(f) != 6 {
			return nil, fmt.Errorf("capibench: %q: want 6 fields", sc.Text())
		}
		fig := Figure{Side: Side(f[1]), Op: f[2], Mode: Mode(f[3])}
		var err1, err2 error
		fig.Iterations, err1 = strconv.ParseInt(f[4], 10, 64)
		fig.NsPerOp, err2 = strconv.ParseFloat(f[5], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("capibench: %q: %v", sc.Text(), err)
		}
		figs = append(figs, fig)
	}
	return figs, sc.Err()
}

// complete checks that figs hold exactly one figure of each operation
// in each mode for each of sides, and no other.
func complete(figs []Figure, sides ...Side) error {
	type key struct {
		side Side
		op   string
		mode Mode
	}
	want := map[key]bool{}
	for _, s := range sides {
		for _, c := range ops.Calls() {
			for _, m := range Modes() {
				want[key{s, c.Name, m}] = true
			}
		}
	}
	for _, f := range figs {
		k := key{f.Side, f.Op, f.Mode}
		if !want[k] {
			return fmt.Errorf("unexpected figure %s %s %s (or a second one)", f.Side, f.Op, f.Mode)
		}
		delete(want, k)
	}
	for k := range want {
		return fmt.Errorf("no figure for %s %s %s", k.side, k.op, k.mode)
	}
	return nil
}
