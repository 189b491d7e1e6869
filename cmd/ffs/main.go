// Command ffs makes and checks FFS (UFS1 and UFS2) images, as NetBSD's
// newfs, makefs -t ffs and fsck_ffs do, without mounting anything.
//
// Usage:
//
//	ffs newfs [-q] [--json] [-F] [-O 1|2] [-B le|be] [-b bsize] [-f fsize]
//	          [-i density] [-m minfree] [-L volname] [-s size] image
//	ffs makefs [-q] [--json] [-B le|be] [-b free-blocks[%]] [-f free-files[%]]
//	           [-M minsize] [-m maxsize] [-o option,...] [-s size]
//	           [-T timestamp] [-t ffs] image directory
//	ffs fsck [-q] [--json] [-n | -y] [-b sector] image
//
// Flags may come before, between or after the operands ("ffs fsck
// a.img -y"); after "--" everything is an operand.
//
// makefs's options are makefs(8)'s: -o takes version=1|2, bsize=N,
// fsize=N, density=N, minfree=N and label=name; sizes take b, k, m, g,
// t and w suffixes and x for products; -T clamps file times to the
// timestamp and makes it the image's time, as does SOURCE_DATE_EPOCH
// (which clamps nothing). The same tree and time give the same image,
// byte for byte. makefs writes the image as it goes, in memory that
// does not grow with the image. newfs's -s counts 512-byte sectors
// unless a suffix says otherwise, as newfs(8)'s does.
//
// newfs refuses to write over a file that holds data but no FFS unless
// -F is given, as mke2fs asks before it writes over data it does not
// recognise; an FFS image, an empty file and a file of zeroes are
// written over without -F.
//
// fsck reports without changing anything (-n); with -y it repairs what
// fsck_ffs -y repairs and marks the file system clean, or leaves it
// marked not clean when it cannot. When the primary superblock is
// unusable it checks with a copy, the one -b names (in 512-byte sectors,
// as newfs lists them) or one it finds, and -y writes the copy over the
// primary.
//
// Output is a line or two of text, nothing with -q, or one JSON object
// on standard output with --json (an object with an "error" field on
// failure; fsck's has "clean", "problems" with each one's phase, and
// "repaired"). Makefs draws a progress bar on a terminal. A failure
// prints one line on standard error, "ffs <command>: <what>: <cause>".
//
// Exit status, the same for every command:
//
//	0  done (fsck: the file system is clean, with -y once repaired)
//	1  the work failed: a missing or unreadable image or tree, not an
//	   FFS, too small for what it must hold, data newfs will not write
//	   over, an I/O error
//	2  the command line is wrong: an unknown flag, missing or extra
//	   operands, or an option value wrong whatever the image (a
//	   malformed size, version 3, block size 1000); the message ends
//	   with a pointer to the command's -h
//	4  fsck found problems (with -y: problems left after repair)
package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gorump/gorump/fs/ffs/ffstool"
	"github.com/gorump/gorump/internal/cliargs"
)

// Exit statuses.
const (
	exitOK       = 0
	exitFailure  = 1
	exitUsage    = 2
	exitProblems = 4
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr)))
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// env is what a subcommand runs with.
type env struct {
	name     string // "ffs newfs" and so on
	stdout   io.Writer
	stderr   io.Writer
	terminal bool // standard error is a terminal: progress may be shown
	quiet    bool
	json     bool
}

// command is a subcommand: it defines its flags on fs and runs with the
// arguments left.
type command struct {
	usage    string
	exitHelp string // more exit statuses, for the command's help
	flags    func(fs *flag.FlagSet) func(e *env, args []string) error
}

var commands = map[string]command{
	"newfs":  newfsCommand,
	"makefs": makefsCommand,
	"fsck":   fsckCommand,
}

const usage = `usage: ffs newfs|makefs|fsck [options] image [directory]
run "ffs <command> -h" for a command's options`

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// errProblemsFound is fsck's result when the file system is not clean.
var errProblemsFound = errors.New("problems found")

// run runs the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer, terminal bool) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return exitUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, usage)
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ffs: unknown command %q\n%s\n", args[0], usage)
		return exitUsage
	}
	e := &env{name: "ffs " + args[0], stdout: stdout, stderr: stderr, terminal: terminal}
	fs := flag.NewFlagSet(e.name, flag.ContinueOnError)
	// The flag package's messages are replaced by one line of our own.
	fs.SetOutput(io.Discard)
	fs.BoolVar(&e.quiet, "q", false, "print nothing but errors")
	fs.BoolVar(&e.json, "json", false, "print the result as one JSON object")
	exec := cmd.flags(fs)
	operands, err := cliargs.Parse(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "usage: %s %s\n", e.name, cmd.usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			fmt.Fprint(stdout, exitHelp)
			if cmd.exitHelp != "" {
				fmt.Fprint(stdout, cmd.exitHelp)
			}
			return exitOK
		}
		fmt.Fprintf(stderr, "%s: %s (see %s -h)\n", e.name, cliargs.OneLine(err.Error()), e.name)
		return exitUsage
	}
	err = exec(e, operands)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errProblemsFound) {
		return exitProblems
	}
	// The tools name themselves ("makefs: ..."): the command line says
	// "ffs makefs: ..." once.
	msg := strings.TrimPrefix(cliargs.OneLine(err.Error()), args[0]+": ")
	if e.json {
		e.printJSON(map[string]string{"error": msg})
	}
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, ffstool.ErrBadOption) {
		fmt.Fprintf(stderr, "%s: %s (see %s -h)\n", e.name, msg, e.name)
		return exitUsage
	}
	fmt.Fprintf(stderr, "%s: %s\n", e.name, msg)
	return exitFailure
}

// exitHelp ends every command's help; a command's exitHelp follows.
const exitHelp = `exit status:
  0  done (fsck: the file system is clean, with -y once repaired)
  1  the work failed: a missing or unreadable image or tree, not an FFS,
     too small for what it must hold, data newfs will not write over
     without -F, an I/O error
  2  the command line is wrong: an unknown flag, missing or extra operands,
     or an option value wrong whatever the image (a malformed size,
     version 3, block size 1000)
`

// gotOperands says how many operands were given, and which.
func gotOperands(args []string) string {
	if len(args) == 1 {
		return "1 operand: " + args[0]
	}
	return fmt.Sprintf("%d operands: %s", len(args), strings.Join(args, " "))
}

// printJSON writes v as one indented JSON object.
func (e *env) printJSON(v any) {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.Encode(v) //nolint:errcheck // a failing standard output has nowhere to report to
}

// say prints a line of text output unless -q or --json.
func (e *env) say(format string, args ...any) {
	if e.quiet || e.json {
		return
	}
	fmt.Fprintf(e.stdout, format+"\n", args...)
}

// byteOrder names an FFS byte order.
func byteOrder(big bool) string {
	if big {
		return "be"
	}
	return "le"
}

// parseByteOrder reads -B as makefs(8) and newfs(8) take it.
func parseByteOrder(s string) (big bool, err error) {
	switch strings.ToLower(s) {
	case "be", "big", "4321":
		return true, nil
	case "le", "little", "1234", "":
		return false, nil
	case "host":
		return binary.NativeEndian.Uint16([]byte{0, 1}) == 1, nil
	}
	return false, usagef("byte order %q: want le or be", s)
}
