// Command buildrump is gorump's counterpart of buildrump.sh: it takes a
// pinned copy of the gorump source, builds the C library librump from
// it (capi, as a shared library and a static archive) with the drivers
// chosen, installs libraries, headers and test programs under a
// destination directory, and runs the C tests against what it
// installed.
//
// Usage:
//
//	buildrump [-h] [options] [command ...]
//
// Run "buildrump -h" for the commands and options; the text is the
// constant helpText below.
//
// The last line of a successful run is "buildrump ran successfully". A
// failure prints one line, "buildrump: <step>: <cause>", and exits 1; a
// wrong command line exits 2.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gorump/gorump/internal/cliargs"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(os.Stderr, "buildrump: %v\n", err)
		os.Exit(exitFailure)
	}
	os.Exit(run(os.Args[1:], &env{wd: wd, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
}

// env is what a run starts from: the directory relative paths are
// taken from and the process environment.
type env struct {
	wd     string
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

const helpText = `usage: buildrump [-h] [options] [command ...]

Builds gorump's C library (librump, from capi/) as buildrump.sh builds
NetBSD's rump kernel libraries, and installs it with its headers.
No command means "checkout fullbuild tests"; in a tree made by tarup
(one whose module root holds buildrump.pins) it means "fullbuild tests".
Commands run in the order listed here, whatever order they are given in.

commands:
  checkout       copy the gorump module that holds the current directory
                 (its git-tracked and untracked-but-not-ignored files, as
                 they are in the working tree) into the source dir (-s),
                 run "go mod vendor" there and write buildrump.pins: the
                 commit, its date, whether the working tree was dirty,
                 the vendored modules and a hash of every file
  listdates      print the pinned module, commit and commit date, and
                 the vendored modules' versions (of -s, else of the
                 module that holds the current directory)
  tools          probe the C toolchain ($CC -dumpmachine) and write the
                 tool dir: rumpmake, which reruns buildrump with this
                 run's settings (default commands "build install"), and
                 buildrump.conf, the settings for people to read
  build          refuse a source dir that differs from its pins, then
                 build librump.so (-buildmode=c-shared) and librump.a
                 (-buildmode=c-archive) from ./capi with the chosen
                 components, with GOFLAGS=-mod=vendor and GOPROXY=off
                 (no network), staged under the obj dir
  install        copy the staged tree to the destination dir
  fullbuild      tools build install
  kernelheaders  install only the headers (capi/include/rump)
  tests          compile the C tests (cmd/buildrump/testdata/*.c and
                 capi/tests/*.c) against the destination dir with
                 NetBSD's link lines (with -k, -lrumpuser replaced by
                 -lrumpuser_gorump), into its bin/, run each, linked
                 shared and static, and print each result; a cross
                 build runs under qemu-user when it is installed and
                 fails, saying so, when it is not
  tarup          write tarup/gorump-<date>-<commit>.tar.gz of the source
                 dir: it holds the vendored modules and the pins, and
                 builds with no network

the destination dir (-d):
  lib/           librump.so, librump.a, and NetBSD's component library
                 names of the components built (librumpvfs,
                 librumpfs_ffs, librumpnet_netinet, librumpuser...): .so
                 as symlinks to librump.so, .a as empty archives, so that
                 "-lrumpfs_ffs -lrumpdev_disk -lrumpdev -lrumpvfs -lrump
                 -lrumpuser -lpthread" links unchanged, and a component
                 left out fails to link by name. With -k: no
                 librumpuser, and librumpuser_gorump.so and .a
  include/rump/  the headers
  bin/           the test programs

options:
  -s dir     source dir (default ./src; the tree itself in a tarup tree)
  -o dir     obj dir, for build files (default ./obj)
  -d dir     destination dir (default ./rump, or ./rump.dest where ./rump
             is gorump's own Go package, at the module root)
  -T dir     tool dir (default <obj dir>/tooldir)
  -j n       build parallelism, as GOFLAGS -p (default: the CPU count)
  -q         quieter: only test results, warnings and the last line
  -r         release: -trimpath -ldflags="-s -w", no debug information
  -D         more debug, repeatable: once -gcflags=all="-N -l"; twice
             also -race where the target allows it with cgo: in
             librump.a only (programs then link with -no-pie; the
             race runtime cannot start inside a shared library)
  -F X=flags add flags, repeatable; X is CFLAGS (cgo C compiles and the
             tests), CPPFLAGS, AFLAGS or ACFLAGS (as CFLAGS: cgo has no
             assembler of its own), LDFLAGS (cgo links and the tests)
             or ACLFLAGS (CFLAGS and LDFLAGS). CFLAGS, AFLAGS and
             LDFLAGS must not be set in the environment.
  -c list    components, comma-separated (default: all in the source
             dir): vfs, tmpfs, ffs, disk, net, netinet, virtif, shmif,
             and ext2fs, msdos, cd9660, netinet6, sysproxy once the
             source has them. capi's own imports are always in: a
             component left out that capi needs is kept, with a warning.
             The choice is made by replacing capi/components.go through
             go build -overlay.
  -k         kernel only: librump without its POSIX host (Go build tag
             gorump_kernelonly). Its kernel calls NetBSD's rumpuser(3)
             version 17 hypercalls as C functions, the subset that
             include/rump/rumpuser.h lists, and rump_init hands the
             hypervisor librump's upcalls in rumpuser_init. They come
             from the hypercall library the program links: NetBSD's
             librumpuser, or gorump's own librumpuser_gorump
             (capi/librumpuser/rumpuser.c, POSIX), which -k builds
             with $CC and installs under that name beside librump. No
             librumpuser alias is installed, so link with
             "... -lrump -lrumpuser_gorump -lpthread", or -lrumpuser
             for a librumpuser of your own. The Go runtime beneath the
             kernel still takes threads, memory and timers from the
             operating system.
  -h         print this help

environment:
  CC         the C compiler (default cc). When "$CC -dumpmachine" names
             another target than the host's, the build is a cross build
             for the GOOS/GOARCH/GOARM of that triple, and AR, NM and
             OBJCOPY default to the target-prefixed tools
  AR, NM, OBJCOPY  the archiver (given to the Go linker as -extar), the
             symbol lister (checks that the libraries export rump_init)
             and objcopy (recorded for rumpmake; nothing uses it yet)

The last line of a successful run is "buildrump ran successfully". A
failure prints "buildrump: <step>: <cause>" and exits 1; a wrong command
line exits 2.
`

// commandOrder is the order commands run in.
var commandOrder = []string{"checkout", "listdates", "tools", "build", "install", "kernelheaders", "tests", "tarup"}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// stepError is the failure of one step of a run.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// counter is a flag that counts how often it is given (-q, -D).
type counter int

func (c *counter) String() string   { return strconv.Itoa(int(*c)) }
func (c *counter) Set(string) error { *c++; return nil }
func (c *counter) IsBoolFlag() bool { return true }

// flagList is a repeatable flag.
type flagList []string

func (l *flagList) String() string     { return strings.Join(*l, " ") }
func (l *flagList) Set(s string) error { *l = append(*l, s); return nil }

// options are the command line's settings, before paths are resolved.
type options struct {
	src, obj, dest, tool string
	jobs                 int
	quiet, debug         counter
	release, kernelOnly  bool
	flags                flagList // -F
	components           string   // -c
}

// run runs the command line args and returns the exit status.
func run(args []string, e *env) int {
	var o options
	cmds, err := parseArgs(newFlagSet(&o), args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stdout, helpText)
		return exitOK
	}
	var b *builder
	if err == nil {
		b, err = newBuilder(e, &o, cmds)
	}
	if err == nil {
		err = b.run()
	}
	if err == nil {
		fmt.Fprintln(e.stdout, "buildrump ran successfully")
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "buildrump: %s (see buildrump -h)\n", cliargs.OneLine(err.Error()))
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "buildrump: %s\n", cliargs.OneLine(err.Error()))
	return exitFailure
}

// newFlagSet defines the options on o; helpText documents them.
func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("buildrump", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.src, "s", "", "")
	fs.StringVar(&o.obj, "o", "", "")
	fs.StringVar(&o.dest, "d", "", "")
	fs.StringVar(&o.tool, "T", "", "")
	fs.IntVar(&o.jobs, "j", 0, "")
	fs.Var(&o.quiet, "q", "")
	fs.Var(&o.debug, "D", "")
	fs.BoolVar(&o.release, "r", false, "")
	fs.BoolVar(&o.kernelOnly, "k", false, "")
	fs.Var(&o.flags, "F", "")
	fs.StringVar(&o.components, "c", "", "")
	return fs
}

// parseArgs parses flags given before, between and after the commands;
// after "--" everything is a command. A bad flag is a usage error.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	cmds, err := cliargs.Parse(fs, args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return nil, usageError{err.Error()}
	}
	return cmds, err
}

// cflags are the -F flags sorted by where they go.
type cflags struct {
	c, cpp, ld []string
}

// parseFlags sorts -F X=value options, as buildrump.sh's -F takes them.
func parseFlags(list []string) (cflags, error) {
	var f cflags
	for _, s := range list {
		name, value, ok := strings.Cut(s, "=")
		if !ok {
			return f, usagef("-F %q: want XFLAGS=value", s)
		}
		words := strings.Fields(value)
		switch name {
		case "CFLAGS", "AFLAGS", "ACFLAGS":
			f.c = append(f.c, words...)
		case "CPPFLAGS":
			f.cpp = append(f.cpp, words...)
		case "LDFLAGS":
			f.ld = append(f.ld, words...)
		case "ACLFLAGS":
			f.c = append(f.c, words...)
			f.ld = append(f.ld, words...)
		default:
			return f, usagef("-F %s: want CFLAGS, CPPFLAGS, AFLAGS, ACFLAGS, LDFLAGS or ACLFLAGS", name)
		}
	}
	return f, nil
}

// parseCommands checks the commands and puts them in running order;
// fullbuild is tools, build and install.
func parseCommands(cmds []string) ([]string, error) {
	want := map[string]bool{}
	for _, c := range cmds {
		switch c {
		case "fullbuild":
			want["tools"], want["build"], want["install"] = true, true, true
		case "checkoutgit":
			want["checkout"] = true
		case "setupdest":
			// buildrump.sh accepts it and does nothing; so do we.
		default:
			if !slices.Contains(commandOrder, c) {
				return nil, usagef("unknown command %q", c)
			}
			want[c] = true
		}
	}
	var ordered []string
	for _, c := range commandOrder {
		if want[c] {
			ordered = append(ordered, c)
		}
	}
	return ordered, nil
}

// abs resolves p against the run's working directory.
func (e *env) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(e.wd, p)
}
