package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorump/gorump/internal/peer"
)

// stubCAPI stands in for capi in a stub module: the two calls the
// init test makes.
const stubCAPI = `// Command capi stands in for gorump's C library in buildrump's tests.
package main

// #include <sys/types.h>
import "C"

//export rump_init
func rump_init() C.int { return 0 }

//export rump_sys_getpid
func rump_sys_getpid() C.pid_t { return 1 }

func main() {}
`

// stubModule writes a module named github.com/gorump/gorump with a stub
// capi, empty packages for the vfs, tmpfs, ffs and disk components and
// this package's C tests, commits it to git when git is there, and
// returns its root.
func stubModule(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "gorump")
	files := map[string]string{
		"go.mod":                            "module github.com/gorump/gorump\n\ngo 1.26.0\n",
		".gitignore":                        "/src/\n/obj/\n/rump/\n/tarup/\n",
		"capi/main.go":                      stubCAPI,
		"capi/include/rump/rump.h":          "#ifndef _RUMP_RUMP_H_\n#define _RUMP_RUMP_H_\nint rump_init(void);\n#endif\n",
		"capi/include/rump/rump_syscalls.h": "#ifndef _RUMP_RUMP_SYSCALLS_H_\n#define _RUMP_RUMP_SYSCALLS_H_\n#include <sys/types.h>\npid_t rump_sys_getpid(void);\n#endif\n",
		"vfs/vfs.go":                        "package vfs\n",
		"fs/tmpfs/tmpfs.go":                 "package tmpfs\n",
		"fs/ffs/ffs.go":                     "package ffs\n",
		"dev/disk/disk.go":                  "package disk\n",
	}
	tests, err := filepath.Glob("testdata/*.c")
	if err != nil || len(tests) == 0 {
		t.Fatalf("no C tests in testdata: %v", err)
	}
	for _, f := range tests {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		files["cmd/buildrump/"+filepath.ToSlash(f)] = string(data)
	}
	writeFiles(t, root, files)
	if _, err := exec.LookPath("git"); err == nil {
		for _, args := range [][]string{
			{"init", "-q"}, {"add", "-A"},
			{"-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "stub", "--date=2026-01-02T03:04:05Z"},
		} {
			cmd := exec.Command("git", args...)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=2026-01-02T03:04:05Z")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git %q: %v\n%s", args, err, out)
			}
		}
	}
	return root
}

// lastLineOf is the last line of out.
func lastLineOf(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}

// requireSuccess fails t unless a run ended well.
func requireSuccess(t *testing.T, what string, status int, stdout, stderr string) {
	t.Helper()
	if status != exitOK || lastLineOf(stdout) != "buildrump ran successfully" {
		t.Fatalf("%s: status %d\nstdout:\n%s\nstderr:\n%s", what, status, stdout, stderr)
	}
}

// TestStubEndToEnd runs every command over a stub module: checkout,
// fullbuild and tests with chosen components, tarup, a build of the
// tarball with no network, and a build that must refuse a changed tree.
func TestStubEndToEnd(t *testing.T) {
	peer.Require(t, "gcc", "gcc")
	root := stubModule(t)
	env := map[string]string{"CFLAGS": "", "AFLAGS": "", "LDFLAGS": "", "CC": "gcc", "AR": "", "NM": "", "OBJCOPY": "", "GOOS": "", "GOARCH": ""}

	status, stdout, stderr := buildrump(t, root, env, "-q", "-c", "ffs,disk,vfs", "checkout", "fullbuild", "tests")
	requireSuccess(t, "checkout fullbuild tests", status, stdout, stderr)
	for _, want := range []string{
		">> test init (shared)", ">> test init (static)", ">> test init_ffs (shared)", ">> test init_ffs (static)",
		">> tests: capi/tests: no C tests in this source", ">> tests: 4 passed, 0 skipped, 0 failed",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	dest := filepath.Join(root, "rump")
	for _, f := range []string{"lib/librump.so", "lib/librump.a", "lib/librumpfs_ffs.so", "lib/librumpdev_disk.a",
		"lib/librumpvfs.so", "lib/librumpuser.so", "include/rump/rump.h", "bin/init", "bin/init_ffs.static"} {
		if _, err := os.Lstat(filepath.Join(dest, f)); err != nil {
			t.Errorf("not installed: %v", err)
		}
	}
	if _, err := os.Lstat(filepath.Join(dest, "lib/librumpfs_tmpfs.so")); err == nil {
		t.Errorf("librumpfs_tmpfs.so installed, though -c left tmpfs out")
	}
	// What buildrump leaves in the module does not join its ./...: go
	// build, vet and test go on working there.
	list := exec.Command("go", "list", "./...")
	list.Dir = root
	if out, err := list.CombinedOutput(); err != nil || strings.Contains(string(out), "/obj") || strings.Contains(string(out), "/src") {
		t.Errorf("go list ./... after a build: %v\n%s", err, out)
	}
	overlay, err := os.ReadFile(filepath.Join(root, "obj/overlay/components.go.in"))
	if err != nil || !strings.Contains(string(overlay), `_ "github.com/gorump/gorump/fs/ffs"`) || strings.Contains(string(overlay), "tmpfs") {
		t.Errorf("components file: %v\n%s", err, overlay)
	}
	rumpmake, err := os.ReadFile(filepath.Join(root, "obj/tooldir/rumpmake"))
	if err != nil || !strings.Contains(string(rumpmake), "'-c' 'ffs,disk,vfs'") {
		t.Errorf("rumpmake: %v\n%s", err, rumpmake)
	}

	// A second install with every component adds tmpfs's name.
	status, stdout, stderr = buildrump(t, root, env, "-q", "build", "install")
	requireSuccess(t, "build install", status, stdout, stderr)
	if _, err := os.Lstat(filepath.Join(dest, "lib/librumpfs_tmpfs.so")); err != nil {
		t.Errorf("all components: %v", err)
	}

	status, stdout, stderr = buildrump(t, root, env, "listdates")
	requireSuccess(t, "listdates", status, stdout, stderr)
	if _, err := exec.LookPath("git"); err == nil && !strings.Contains(stdout, "v0.0.0-20260102030405-") {
		t.Errorf("listdates: no pinned version:\n%s", stdout)
	}

	// tarup, then build the tarball's tree with no network.
	status, stdout, stderr = buildrump(t, root, env, "-q", "tarup")
	requireSuccess(t, "tarup", status, stdout, stderr)
	balls, _ := filepath.Glob(filepath.Join(root, "tarup", "gorump-*.tar.gz"))
	if len(balls) != 1 {
		t.Fatalf("tarup made %q", balls)
	}
	untar := t.TempDir()
	if out, err := exec.Command("tar", "-xzf", balls[0], "-C", untar).CombinedOutput(); err != nil {
		t.Fatalf("tar -x: %v\n%s", err, out)
	}
	trees, _ := filepath.Glob(filepath.Join(untar, "gorump-*"))
	if len(trees) != 1 {
		t.Fatalf("tarball holds %q", trees)
	}
	offline := map[string]string{"GOPROXY": "off", "GOFLAGS": "-mod=vendor"}
	for k, v := range env {
		offline[k] = v
	}
	status, stdout, stderr = buildrump(t, trees[0], offline, "-q")
	requireSuccess(t, "the tarball's default run", status, stdout, stderr)
	if _, err := os.Stat(filepath.Join(trees[0], "rump", "lib", "librump.so")); err != nil {
		t.Errorf("the tarball's run installed no librump.so: %v", err)
	}

	// A changed source is refused.
	if err := os.WriteFile(filepath.Join(root, "src/capi/main.go"), []byte(stubCAPI+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	status, _, stderr = buildrump(t, root, env, "-q", "build")
	if status != exitFailure || !strings.Contains(stderr, "does not match its pins: capi/main.go changed") {
		t.Errorf("build of a changed tree: status %d, %q", status, stderr)
	}
	// checkout refuses to write over a directory that is not a checkout.
	writeFiles(t, root, map[string]string{"other/keep": "x"})
	status, _, stderr = buildrump(t, root, env, "-s", "other", "checkout")
	if status != exitFailure || !strings.Contains(stderr, "is not a buildrump checkout") {
		t.Errorf("checkout over other files: status %d, %q", status, stderr)
	}
}

// TestCrossEndToEnd builds the stub module for arm64 and runs its tests
// under qemu-user.
func TestCrossEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go's runtime for arm64")
	}
	cc := peer.Require(t, "aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu")
	root := stubModule(t)
	env := map[string]string{"CFLAGS": "", "AFLAGS": "", "LDFLAGS": "", "CC": cc, "AR": "", "NM": "", "OBJCOPY": "", "GOOS": "", "GOARCH": ""}
	_, qemuErr := exec.LookPath("qemu-aarch64")
	status, stdout, stderr := buildrump(t, root, env, "-q", "checkout", "fullbuild", "tests")
	if qemuErr != nil {
		if status != exitFailure || !strings.Contains(stderr, "cannot run linux/arm64 programs here") {
			t.Errorf("cross tests with no qemu: status %d, %q", status, stderr)
		}
		peer.Missing(t, "qemu-aarch64 (Debian package qemu-user)")
	}
	requireSuccess(t, "cross checkout fullbuild tests", status, stdout, stderr)
	conf, err := os.ReadFile(filepath.Join(root, "obj/tooldir/buildrump.conf"))
	if err != nil || !strings.Contains(string(conf), "GOARCH='arm64'") || !strings.Contains(string(conf), "AR='aarch64-linux-gnu-ar'") {
		t.Errorf("buildrump.conf: %v\n%s", err, conf)
	}
	out, err := exec.Command("file", "-L", filepath.Join(root, "rump/lib/librump.so")).Output()
	if err == nil && !strings.Contains(string(out), "aarch64") {
		t.Errorf("librump.so is not for aarch64: %s", out)
	}
}

// TestEndToEnd runs "buildrump -q checkout fullbuild tests" over this
// module into temporary dirs: the real librump, booting real kernels;
// then "-k fullbuild tests" from the same checkout.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("copies the module and builds the whole kernel twice")
	}
	peer.Require(t, "gcc", "gcc")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := findModuleRoot(wd)
	if root == "" {
		t.Fatalf("%s is not in the gorump module", wd)
	}
	if goFiles, _ := filepath.Glob(filepath.Join(root, "capi", "*.go")); len(goFiles) == 0 {
		t.Skip("needs capi/ (the C library, on branch capi), not yet merged into this tree")
	}
	tmp := t.TempDir()
	env := map[string]string{"CFLAGS": "", "AFLAGS": "", "LDFLAGS": "", "CC": "gcc", "AR": "", "NM": "", "OBJCOPY": "", "GOOS": "", "GOARCH": ""}
	status, stdout, stderr := buildrump(t, root, env, "-q",
		"-s", filepath.Join(tmp, "src"), "-o", filepath.Join(tmp, "obj"), "-d", filepath.Join(tmp, "rump"),
		"checkout", "fullbuild", "tests")
	requireSuccess(t, "checkout fullbuild tests", status, stdout, stderr)
	t.Logf("%s", stdout)

	// -k from the same checkout: the kernel-only librump, with gorump's
	// hypercall library in place of librumpuser.
	dest := filepath.Join(tmp, "rump-k")
	status, stdout, stderr = buildrump(t, root, env, "-q", "-k",
		"-s", filepath.Join(tmp, "src"), "-o", filepath.Join(tmp, "obj-k"), "-d", dest,
		"fullbuild", "tests")
	requireSuccess(t, "-k fullbuild tests", status, stdout, stderr)
	t.Logf("-k:\n%s", stdout)
	// shmif skips: rumpuser(3) has no hypercalls for bus files.
	for _, want := range []string{">> test reboot (static)          ok", ">> test ffs (shared)             ok",
		">> test shmif (static)           skipped: shmif: skipped: this librump's host has no bus files", " 2 skipped, 0 failed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("-k output lacks %q", want)
		}
	}
	for _, f := range []string{"lib/librump.so", "lib/librump.a", "lib/librumpuser_gorump.so", "lib/librumpuser_gorump.a", "lib/librumpvfs.so"} {
		if _, err := os.Lstat(filepath.Join(dest, f)); err != nil {
			t.Errorf("-k: not installed: %v", err)
		}
	}
	if _, err := os.Lstat(filepath.Join(dest, "lib/librumpuser.so")); err == nil {
		t.Errorf("-k installed a librumpuser")
	}
	// Testing it without -k is refused, not a failure to link.
	status, _, stderr = buildrump(t, root, env, "-q", "-s", filepath.Join(tmp, "src"), "-o", filepath.Join(tmp, "obj-k"), "-d", dest, "tests")
	if status != exitFailure || !strings.Contains(stderr, "is kernel-only") {
		t.Errorf("tests without -k of a kernel-only install: status %d, %q", status, stderr)
	}
}
