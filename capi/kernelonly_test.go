package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/internal/capitest"
	"github.com/gorump/gorump/internal/peer"
)

// The kernel-only librump (capi built with the tag gorump_kernelonly)
// runs on the C hypercalls of the hypercall library the program links:
// here gorump's own, librumpuser_gorump, whose RUMPUSER_GORUMP_TRACE
// shows each hypercall on standard error.

// runKernelOnly runs a test program with the hypercall trace on and
// extra environment, and returns its standard output, its standard
// error and its exit status.
func runKernelOnly(t *testing.T, bin string, env []string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "RUMP_VERBOSE=0", "RUMPUSER_GORUMP_TRACE=1")
	cmd.Env = append(cmd.Env, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ctx.Err() == nil:
		status = ee.ExitCode()
	default:
		t.Fatalf("%s: %v\n%s%s", filepath.Base(bin), err, out.String(), errOut.String())
	}
	return out.String(), errOut.String(), status
}

// wantTrace fails t unless the trace holds a line matching each pattern.
func wantTrace(t *testing.T, trace string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(`(?m)^rumpuser: ` + p).MatchString(trace) {
			t.Errorf("no hypercall in the trace matches %q", p)
		}
	}
}

// TestKernelOnlyPrograms runs capi's test programs on the kernel-only
// librump, linked shared and static with librumpuser_gorump, and checks
// in the hypercall trace that the kernel reached its host through it.
func TestKernelOnlyPrograms(t *testing.T) {
	for _, prog := range []string{"headers", "fs", "ffs", "etfs", "daemon", "net", "threads", "pipe"} {
		for _, static := range []bool{false, true} {
			name := prog + "/shared"
			if static {
				name = prog + "/static"
			}
			t.Run(name, func(t *testing.T) {
				bin := capitest.CCKernelOnly(t, filepath.Join("tests", prog+".c"), static)
				var args []string
				var img string
				if prog == "ffs" || prog == "daemon" {
					img = ffsImage(t)
					args = append(args, img)
				}
				out, trace, status := runKernelOnly(t, bin, []string{"RUMP_NCPU=3"}, args...)
				if status != 0 || !strings.HasPrefix(out, prog+": ") || !strings.HasSuffix(out, "ok\n") {
					t.Fatalf("status %d, output %q\n%s", status, out, trace)
				}
				if prog == "headers" {
					return // it does not boot
				}
				wantTrace(t, trace,
					`rumpuser_init\(17\) = 0$`,
					`rumpuser_getparam\("_RUMPUSER_NCPU", \d+\) = 0 "3"$`,
					`rumpuser_getparam\("_RUMPUSER_HOSTNAME", \d+\) = 0 "rump-`)
				switch prog {
				case "ffs":
					// The image is a disk: opened for block I/O, read and
					// written with rumpuser_bio by the hypervisor's I/O
					// thread, which made itself an lwp with an upcall.
					wantTrace(t, trace,
						`rumpuser_getfileinfo\("`+regexp.QuoteMeta(img)+`"\) = 0 size 16777216$`,
						`rumpuser_open\("`+regexp.QuoteMeta(img)+`", 0x12\) = 0 fd \d+$`,
						`rumpuser_bio\(\d+, READ, \d+, \d+\) done: \d+ bytes, error 0$`,
						`rumpuser_bio\(\d+, WRITE, \d+, \d+\) done: \d+ bytes, error 0$`,
						`upcall hyp_lwproc_newlwp\(0\) = 0 \(the I/O thread\)$`,
						`rumpuser_syncfd\(\d+, 0xa\) = 0$`,
						`rumpuser_close\(\d+\) = 0$`)
				case "etfs":
					// A regular host file is no disk: iovread and iovwrite;
					// a missing one is ENOENT in NetBSD's numbers.
					wantTrace(t, trace,
						`rumpuser_iovread\(\d+, 1 iov, 0\) = 0, 12 bytes$`,
						`rumpuser_iovwrite\(\d+, 1 iov, 7\) = 0, 4 bytes$`,
						`rumpuser_getfileinfo\(".*/missing"\) = 2 size 0$`,
						`rumpuser_open\(".*/blk", 0x12\) = 0 fd \d+$`,
						`rumpuser_bio\(\d+, WRITE, 4096, 8192\) done: 4096 bytes, error 0$`)
				}
			})
		}
	}
}

// TestKernelOnlyShmifSkips checks that the shmif test skips, saying why,
// on the kernel-only librump: rumpuser(3) has no hypercalls for bus
// files, so its host has none.
func TestKernelOnlyShmifSkips(t *testing.T) {
	bin := capitest.CCKernelOnly(t, filepath.Join("tests", "shmif.c"), true)
	out, trace, status := runKernelOnly(t, bin, []string{"TMPDIR=" + t.TempDir()})
	if status != 37 || !strings.Contains(out, "shmif: skipped: this librump's host has no bus files") {
		t.Errorf("status %d, output %q\n%s", status, out, trace)
	}
}

// TestKernelOnlyReboot checks that rump_sys_reboot halts the kernel,
// which leaves the FFS image it had mounted synced and clean, and ends
// the process with rumpuser_exit(0), whose exit runs the program's
// atexit check of the image.
func TestKernelOnlyReboot(t *testing.T) {
	bin := capitest.CCKernelOnly(t, filepath.Join("tests", "reboot.c"), true)
	img := ffsImage(t)
	out, trace, status := runKernelOnly(t, bin, nil, img)
	if status != 0 || !strings.HasSuffix(out, "\nreboot: ok\n") {
		t.Fatalf("status %d, output %q\n%s", status, out, trace)
	}
	wantTrace(t, trace, `rumpuser_exit\(0\)$`)
	if !strings.Contains(trace, "rump kernel halting...\n") || !strings.HasSuffix(trace, "halted\n") {
		t.Errorf("console and hypervisor did not say the kernel halted:\n%s", trace)
	}
	image, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ffs.Check(disk.NewMemFrom(image, 512), ffs.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.MarkedClean || len(r.Problems) > 0 || r.Files != 1 {
		t.Errorf("after reboot the image is clean %v, holds %d files, problems %v", r.MarkedClean, r.Files, r.Problems)
	}
}

// TestKernelOnlyUpcalls makes the calls a hypervisor would through the
// upcalls librump gave rumpuser_init.
func TestKernelOnlyUpcalls(t *testing.T) {
	for _, static := range []bool{false, true} {
		bin := capitest.CCKernelOnly(t, filepath.Join("librumpuser", "testdata", "upcalls.c"), static)
		out, trace, status := runKernelOnly(t, bin, nil)
		if status != 0 || out != "upcalls: ok\n" {
			t.Errorf("static %v: status %d, output %q\n%s", static, status, out, trace)
		}
	}
}

// TestKernelOnlyVersionMismatch checks that rump_init fails, saying why,
// on a hypervisor of another rumpuser version.
func TestKernelOnlyVersionMismatch(t *testing.T) {
	bin := capitest.CCKernelOnly(t, filepath.Join("..", "cmd", "buildrump", "testdata", "init.c"), false)
	out, trace, status := runKernelOnly(t, bin, []string{"RUMPUSER_GORUMP_VERSION=16"})
	if status != 1 || out != "rump kernel init complete, rv 22\n" {
		t.Errorf("status %d, output %q", status, out)
	}
	for _, want := range []string{
		"rumpuser mismatch, kern: 17, hypervisor 16\n",
		"rump_init: hypercall: rumpuser_init(17) failed: the hypervisor does not implement rumpuser(3) version 17",
	} {
		if !strings.Contains(trace, want) {
			t.Errorf("standard error lacks %q:\n%s", want, trace)
		}
	}
}

// TestKernelOnlyLinksNoPOSIXHost checks that the kernel-only librump
// links in no POSIX host, defines no hypercall, and calls exactly the
// hypercalls rumpuser.h lists as the subset gorump needs.
func TestKernelOnlyLinksNoPOSIXHost(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", capitest.KernelOnlyTag, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	for _, p := range []string{"github.com/gorump/gorump/rumpuser/posix", "golang.org/x/sys/unix"} {
		if slices.Contains(deps, p) {
			t.Errorf("the kernel-only librump links in %s", p)
		}
	}
	if !slices.Contains(deps, "github.com/gorump/gorump/rumpuser/hypercall") {
		t.Errorf("the kernel-only librump does not link in rumpuser/hypercall")
	}

	peer.Require(t, "nm", "binutils")
	lib := filepath.Join(capitest.KernelOnlyLibDir(t), "librump.so")
	undefined := hypercallSymbols(t, "nm", "-D", "--undefined-only", lib)
	if defined := hypercallSymbols(t, "nm", "-D", "--defined-only", lib); len(defined) > 0 {
		t.Errorf("the kernel-only librump defines hypercalls: %q", defined)
	}
	listed := listedHypercalls(t)
	if !slices.Equal(undefined, listed) {
		t.Errorf("the kernel-only librump calls %q\nrumpuser.h lists       %q", undefined, listed)
	}
}

// hypercallSymbols returns the rumpuser_ symbols nm prints, sorted.
func hypercallSymbols(t *testing.T, nm string, args ...string) []string {
	t.Helper()
	out, err := exec.Command(nm, args...).Output()
	if err != nil {
		t.Fatalf("%s %q: %v", nm, args, err)
	}
	var syms []string
	for line := range strings.SplitSeq(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && strings.HasPrefix(f[len(f)-1], "rumpuser_") {
			syms = append(syms, f[len(f)-1])
		}
	}
	slices.Sort(syms)
	return slices.Compact(syms)
}

// listedHypercalls returns the hypercalls rumpuser.h's first comment
// lists, one a line after a tab, sorted.
func listedHypercalls(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("include", "rump", "rumpuser.h"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), " */") {
		if name, ok := strings.CutPrefix(sc.Text(), " *\t"); ok && strings.HasPrefix(name, "rumpuser_") {
			names = append(names, strings.Fields(name)[0])
		}
	}
	slices.Sort(names)
	return names
}
