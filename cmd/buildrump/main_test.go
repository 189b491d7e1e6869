package main

import (
	"bytes"
	"go/format"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// buildrump runs the command in this process from wd, with the process
// environment but for the variables in extra.
func buildrump(t *testing.T, wd string, extra map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		if v, ok := extra[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	status := run(args, &env{wd: wd, stdout: &stdout, stderr: &stderr, getenv: getenv})
	return status, stdout.String(), stderr.String()
}

// noBuildEnv keeps the tests' own environment from tripping the check
// that CFLAGS and friends are not set.
var noBuildEnv = map[string]string{"CFLAGS": "", "AFLAGS": "", "LDFLAGS": ""}

func TestUsageErrors(t *testing.T) {
	wd := t.TempDir()
	for _, tc := range []struct {
		args   []string
		env    map[string]string
		status int
		want   string
	}{
		{[]string{"frobnicate"}, nil, exitUsage, `unknown command "frobnicate"`},
		{[]string{"-x"}, nil, exitUsage, "flag provided but not defined: -x"},
		{[]string{"-r", "-D", "build"}, nil, exitUsage, "-r and -D conflict"},
		{[]string{"-j", "-1", "build"}, nil, exitUsage, "-j -1: want a positive count"},
		{[]string{"-F", "CFLAGS", "build"}, nil, exitUsage, `-F "CFLAGS": want XFLAGS=value`},
		{[]string{"-F", "DBG=-g", "build"}, nil, exitUsage, "-F DBG: want CFLAGS"},
		{[]string{"-c", "ffs,zfs", "build"}, nil, exitUsage, "-c zfs: unknown component; known: ffs,"},
		{[]string{"-c", ",", "build"}, nil, exitUsage, `-c ",": no components named`},
		{[]string{"build"}, map[string]string{"CFLAGS": "-O3"}, exitUsage, "CFLAGS is set in the environment: give it with -F CFLAGS=... instead"},
		{[]string{"build"}, nil, exitFailure, "buildrump: build: " + filepath.Join(wd, "src") + " is not a checkout"},
		{[]string{"checkout"}, nil, exitFailure, "is not inside the gorump module"},
	} {
		env := map[string]string{}
		for k, v := range noBuildEnv {
			env[k] = v
		}
		for k, v := range tc.env {
			env[k] = v
		}
		status, stdout, stderr := buildrump(t, wd, env, tc.args...)
		if status != tc.status || !strings.Contains(stderr, tc.want) {
			t.Errorf("buildrump %q: status %d, stderr %q; want %d and %q", tc.args, status, stderr, tc.status, tc.want)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "buildrump: ") {
			t.Errorf("buildrump %q: stderr is not one line starting buildrump: %q", tc.args, stderr)
		}
		if strings.Contains(stdout, "ran successfully") {
			t.Errorf("buildrump %q: says it ran successfully", tc.args)
		}
		if (tc.status == exitUsage) != strings.HasSuffix(stderr, "(see buildrump -h)\n") {
			t.Errorf("buildrump %q: usage pointer wrong in %q", tc.args, stderr)
		}
	}
}

func TestHelp(t *testing.T) {
	status, stdout, _ := buildrump(t, t.TempDir(), nil, "-h")
	if status != exitOK {
		t.Fatalf("-h: status %d", status)
	}
	for _, want := range []string{"checkout", "fullbuild", "tarup", "kernelheaders", "listdates",
		"-k         kernel only: librump without its POSIX host", "-lrump -lrumpuser_gorump -lpthread",
		"-c list", "lib/", "include/rump/", "bin/",
		"buildrump ran successfully"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestOptions(t *testing.T) {
	wd := t.TempDir()
	e := &env{wd: wd, getenv: func(string) string { return "" }}
	parse := func(args ...string) *builder {
		t.Helper()
		var o options
		cmds, err := parseArgs(newFlagSet(&o), args)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		b, err := newBuilder(e, &o, cmds)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		return b
	}

	b := parse()
	if want := []string{"checkout", "tools", "build", "install", "tests"}; !slices.Equal(b.cmds, want) {
		t.Errorf("no command: %q, want %q", b.cmds, want)
	}
	if b.src != filepath.Join(wd, "src") || b.obj != filepath.Join(wd, "obj") ||
		b.dest != filepath.Join(wd, "rump") || b.tool != filepath.Join(wd, "obj", "tooldir") {
		t.Errorf("defaults: src %s obj %s dest %s tool %s", b.src, b.obj, b.dest, b.tool)
	}
	if b.jobs < 1 {
		t.Errorf("default -j %d", b.jobs)
	}

	// Options between and after commands; order fixed; fullbuild expands.
	b = parse("tests", "-q", "-q", "fullbuild", "-s", "/x/src", "-j", "3", "-F", "ACLFLAGS=-O1 -g", "-F", "LDFLAGS=-Wl,-z,now", "-c", "ffs,vfs,ffs", "-D", "-D", "tarup")
	if want := []string{"tools", "build", "install", "tests", "tarup"}; !slices.Equal(b.cmds, want) {
		t.Errorf("commands %q, want %q", b.cmds, want)
	}
	if b.src != "/x/src" || b.jobs != 3 || b.quiet != 2 || b.debug != 2 {
		t.Errorf("src %s jobs %d quiet %d debug %d", b.src, b.jobs, b.quiet, b.debug)
	}
	if !slices.Equal(b.flags.c, []string{"-O1", "-g"}) || !slices.Equal(b.flags.ld, []string{"-O1", "-g", "-Wl,-z,now"}) {
		t.Errorf("flags %+v", b.flags)
	}
	if !slices.Equal(b.components, []string{"ffs", "vfs"}) {
		t.Errorf("components %q", b.components)
	}
	// rumpmake reproduces the settings.
	args := b.settingArgs()
	for _, want := range [][]string{{"-s", "/x/src"}, {"-j", "3"}, {"-F", "ACLFLAGS=-O1 -g"}, {"-c", "ffs,vfs"}} {
		if !containsSeq(args, want) {
			t.Errorf("settingArgs %q lacks %q", args, want)
		}
	}
	if strings.Count(strings.Join(args, " "), "-D") != 2 {
		t.Errorf("settingArgs %q: want -D twice", args)
	}
	if b.kernelOnly || slices.Contains(args, "-k") || b.goTags() != nil {
		t.Errorf("no -k: kernelOnly %v, settingArgs %q, tags %q", b.kernelOnly, args, b.goTags())
	}

	// -k: the tag, and rumpmake keeps it.
	b = parse("-k", "build")
	if !b.kernelOnly || !slices.Contains(b.settingArgs(), "-k") || !slices.Equal(b.goTags(), []string{"-tags", "gorump_kernelonly"}) {
		t.Errorf("-k: kernelOnly %v, settingArgs %q, tags %q", b.kernelOnly, b.settingArgs(), b.goTags())
	}

	// At a module root whose ./rump is gorump's Go package, the
	// destination moves aside; in a tarup tree the source is the tree.
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"go.mod":       "module github.com/gorump/gorump\n\ngo 1.26.0\n",
		"rump/rump.go": "package rump\n",
		pinsName:       "module github.com/gorump/gorump\n",
	})
	e.wd = root
	b = parse()
	if b.dest != filepath.Join(root, "rump.dest") || !b.tarball || b.src != root {
		t.Errorf("tarup tree: dest %s tarball %v src %s", b.dest, b.tarball, b.src)
	}
	if want := []string{"tools", "build", "install", "tests"}; !slices.Equal(b.cmds, want) {
		t.Errorf("tarup tree, no command: %q, want %q", b.cmds, want)
	}
}

func containsSeq(s, seq []string) bool {
	for i := range s {
		if i+len(seq) <= len(s) && slices.Equal(s[i:i+len(seq)], seq) {
			return true
		}
	}
	return false
}

// writeFiles writes files (path: contents) under root.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestParseTriple(t *testing.T) {
	for _, tc := range []struct {
		triple, goos, goarch, goarm string
	}{
		{"x86_64-linux-gnu", "linux", "amd64", ""},
		{"x86_64-pc-linux-gnu", "linux", "amd64", ""},
		{"x86_64-unknown-linux-musl", "linux", "amd64", ""},
		{"x86_64-redhat-linux", "linux", "amd64", ""},
		{"i686-linux-gnu", "linux", "386", ""},
		{"aarch64-linux-gnu", "linux", "arm64", ""},
		{"aarch64-unknown-linux-gnu", "linux", "arm64", ""},
		{"aarch64-linux-android", "android", "arm64", ""},
		{"arm-linux-gnueabihf", "linux", "arm", "7"},
		{"arm-linux-gnueabi", "linux", "arm", "5"},
		{"armv6-unknown-linux-gnueabihf", "linux", "arm", "6"},
		{"armv7a-unknown-linux-gnueabi", "linux", "arm", "7"},
		{"riscv64-linux-gnu", "linux", "riscv64", ""},
		{"powerpc64le-linux-gnu", "linux", "ppc64le", ""},
		{"powerpc64-linux-gnu", "linux", "ppc64", ""},
		{"s390x-linux-gnu", "linux", "s390x", ""},
		{"mips-linux-gnu", "linux", "mips", ""},
		{"mipsel-linux-gnu", "linux", "mipsle", ""},
		{"mips64el-linux-gnuabi64", "linux", "mips64le", ""},
		{"loongarch64-linux-gnu", "linux", "loong64", ""},
		{"x86_64--netbsd", "netbsd", "amd64", ""},
		{"x86_64-unknown-netbsd10.0", "netbsd", "amd64", ""},
		{"aarch64-unknown-freebsd14.1", "freebsd", "arm64", ""},
		{"x86_64-apple-darwin23.0.0", "darwin", "amd64", ""},
	} {
		got, err := parseTriple(tc.triple)
		if err != nil || got.goos != tc.goos || got.goarch != tc.goarch || got.goarm != tc.goarm {
			t.Errorf("parseTriple(%q) = %s/%s GOARM=%q, %v; want %s/%s GOARM=%q",
				tc.triple, got.goos, got.goarch, got.goarm, err, tc.goos, tc.goarch, tc.goarm)
		}
	}
	for _, bad := range []string{"x86_64", "x86_64-w64-mingw32", "vax-netbsd", "sparc64-linux-gnu", "armeb-linux-gnueabi"} {
		if got, err := parseTriple(bad); err == nil {
			t.Errorf("parseTriple(%q) = %v, want an error", bad, got)
		}
	}
}

func TestToolPrefix(t *testing.T) {
	for _, tc := range []struct{ cc, triple, want string }{
		{"aarch64-linux-gnu-gcc", "aarch64-linux-gnu", "aarch64-linux-gnu-"},
		{"/usr/bin/arm-linux-gnueabihf-gcc-12", "arm-linux-gnueabihf", "arm-linux-gnueabihf-"},
		{"riscv64-linux-gnu-cc -march=rv64gc", "riscv64-linux-gnu", "riscv64-linux-gnu-"},
		{"clang", "aarch64-unknown-linux-gnu", "aarch64-unknown-linux-gnu-"},
		{"x86_64-w64-clang", "x86_64-w64", "x86_64-w64-"},
	} {
		if got := toolPrefix(tc.cc, tc.triple); got != tc.want {
			t.Errorf("toolPrefix(%q, %q) = %q, want %q", tc.cc, tc.triple, got, tc.want)
		}
	}
}

func TestComponentsFile(t *testing.T) {
	var chosen []*component
	for _, name := range []string{"ffs", "netinet"} {
		chosen = append(chosen, componentByName(name))
	}
	for _, c := range [][]*component{nil, chosen} {
		src := componentsFile(c)
		formatted, err := format.Source(src)
		if err != nil {
			t.Fatalf("components file does not parse: %v\n%s", err, src)
		}
		if !bytes.Equal(formatted, src) {
			t.Errorf("components file is not gofmt'd:\n%s", src)
		}
	}
	src := string(componentsFile(chosen))
	for _, want := range []string{"package main", `_ "github.com/gorump/gorump/fs/ffs"`, `_ "github.com/gorump/gorump/net/inet/tcp"`, "DO NOT EDIT"} {
		if !strings.Contains(src, want) {
			t.Errorf("components file lacks %q:\n%s", want, src)
		}
	}
}

func TestAliasLibsAndLinkLine(t *testing.T) {
	var in []*component
	for _, name := range []string{"vfs", "disk", "ffs", "tmpfs", "net", "netinet", "virtif"} {
		in = append(in, componentByName(name))
	}
	libs := aliasLibs(in)
	want := []string{"rumpfs_ffs", "rumpfs_tmpfs", "rumpdev_disk", "rumpvfs", "rumpnet_virtif",
		"rumpnet_netinet", "rumpnet_config", "rumpnet_net", "rumpnet", "rumpdev", "rumpuser"}
	if !slices.Equal(libs, want) {
		t.Errorf("aliasLibs = %q\nwant       %q", libs, want)
	}
	line := strings.Join(linkLine([]string{"rumpfs_ffs", "rumpdev_disk", "rumpdev", "rumpvfs", "rumpuser"}), " ")
	if want := "-lrumpfs_ffs -lrumpdev_disk -lrumpdev -lrumpvfs -lrump -lrumpuser -lpthread"; line != want {
		t.Errorf("linkLine = %q, want %q", line, want)
	}
	if line := strings.Join(linkLine(nil), " "); line != "-lrump -lpthread" {
		t.Errorf("linkLine(nil) = %q", line)
	}
}

func TestWriteAliases(t *testing.T) {
	dir := t.TempDir()
	libs := []string{"rumpvfs", "rumpfs_ffs", "rumpuser"}
	// Twice: a second install writes over the first.
	for range 2 {
		if err := writeAliases(dir, libs); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range libs {
		if target, err := os.Readlink(filepath.Join(dir, "lib"+l+".so")); err != nil || target != "librump.so" {
			t.Errorf("lib%s.so: %q, %v; want a symlink to librump.so", l, target, err)
		}
		if data, err := os.ReadFile(filepath.Join(dir, "lib"+l+".a")); err != nil || string(data) != "!<arch>\n" {
			t.Errorf("lib%s.a: %q, %v; want an empty archive", l, data, err)
		}
	}
	if got := installedLibs(dir); !slices.Equal(got, []string{"rumpfs_ffs", "rumpvfs", "rumpuser"}) {
		t.Errorf("installedLibs = %q", got)
	}
	if got := missingLibs(dir, []string{"-lrumpfs_ffs", "-lrumpdev_disk", "-lrump", "-lrumpuser", "-lpthread"}); !slices.Equal(got, []string{"-lrumpdev_disk", "-lrump"}) {
		t.Errorf("missingLibs = %q", got)
	}
}

func TestReadTest(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.c":   "/* buildrump-link: -lrumpfs_ffs -lrump -lrumpuser -lpthread */\nint main(void){return 0;}\n",
		"b.c":   "int main(void){return 0;}\n",
		"c.c":   "// buildrump-link: -lrump\n",
		"ffs.c": "/*\n * ffs IMAGE: register an FFS image with etfs: mount it.\n */\n",
		"d.c":   "/* buildrump-args: IMAGE -v */\n/*\n * d X: not read, the directive wins.\n */\n",
		"e.c":   "/*\n * e: boot. Then mount it: NOT operands.\n */\n",
	})
	for name, want := range map[string][]string{"ffs.c": {"IMAGE"}, "d.c": {"IMAGE", "-v"}, "e.c": nil, "a.c": nil} {
		tc, err := readTest(filepath.Join(dir, name), nil)
		if err != nil || !slices.Equal(tc.args, want) {
			t.Errorf("readTest(%s) args %q, %v; want %q", name, tc.args, err, want)
		}
	}
	def := []string{"-lrump", "-lrumpuser", "-lpthread"}
	for name, want := range map[string][]string{
		"ffs.c": def,
		"a.c":   {"-lrumpfs_ffs", "-lrump", "-lrumpuser", "-lpthread"},
		"b.c":   def,
		"c.c":   {"-lrump"},
	} {
		tc, err := readTest(filepath.Join(dir, name), def)
		if err != nil || !slices.Equal(tc.link, want) || tc.name != strings.TrimSuffix(name, ".c") {
			t.Errorf("readTest(%s) = %+v, %v; want link %q", name, tc, err, want)
		}
	}
}

func TestOriginFilesLeaveOutBuildOutput(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"go.mod":                        "module github.com/gorump/gorump\n",
		"rump/rump.go":                  "package rump\n",
		"old/src/" + pinsName:           "module github.com/gorump/gorump\n",
		"old/src/go.mod":                "module github.com/gorump/gorump\n",
		"obj2/stage/lib/librump.so":     "",
		"obj2/tooldir/rumpmake":         "",
		"elsewhere/lib/librump.so":      "",
		"elsewhere/include/rump/rump.h": "",
		"skipped/file":                  "",
	})
	names, _, err := originFiles(root, []string{filepath.Join(root, "skipped")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"go.mod", "rump/rump.go"}; !slices.Equal(names, want) {
		t.Errorf("originFiles = %q, want %q", names, want)
	}
}

// TestComponentsOfThisTree checks, with go list over this module and the
// overlay -c writes, that capi links in exactly the components chosen
// beside those package rump always has: a component capi imported
// itself could not be left out.
func TestComponentsOfThisTree(t *testing.T) {
	src, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ chosen, want string }{
		{"tmpfs", "tmpfs,vfs,netinet,net"},
		{"ffs,disk", "ffs,tmpfs,disk,vfs,netinet,net"},
		{"virtif", "tmpfs,vfs,virtif,netinet,net"},
	} {
		b := &builder{src: src, obj: t.TempDir()}
		var chosen []*component
		for _, name := range strings.Split(tc.chosen, ",") {
			chosen = append(chosen, componentByName(name))
		}
		overlay, err := b.writeOverlay(chosen)
		if err != nil {
			t.Fatal(err)
		}
		in, err := b.linkedComponents(os.Environ(), overlay)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range in {
			got = append(got, c.name)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("-c %s links in %s, want %s", tc.chosen, strings.Join(got, ","), tc.want)
		}
	}
}

func TestWithHypercallLib(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"-lrump -lrumpuser -lpthread", "-lrump -lrumpuser_gorump -lpthread"},
		{"-lrumpfs_ffs -lrumpvfs -lrump -lpthread", "-lrumpfs_ffs -lrumpvfs -lrump -lrumpuser_gorump -lpthread"},
		{"-lpthread", "-lpthread -lrumpuser_gorump"},
	} {
		line := strings.Fields(tc.line)
		if got := strings.Join(withHypercallLib(line), " "); got != tc.want {
			t.Errorf("withHypercallLib(%q) = %q, want %q", tc.line, got, tc.want)
		}
		if strings.Join(line, " ") != tc.line {
			t.Errorf("withHypercallLib changed its argument: %q", line)
		}
	}
}

// TestCheckDestKind checks that tests refuses a destination built for
// the other mode.
func TestCheckDestKind(t *testing.T) {
	normal, kernelOnly := t.TempDir(), t.TempDir()
	if err := writeAliases(normal, []string{"rumpvfs", "rumpuser"}); err != nil {
		t.Fatal(err)
	}
	if err := writeAliases(kernelOnly, []string{"rumpvfs"}); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, kernelOnly, map[string]string{"librumpuser_gorump.so": "", "librumpuser_gorump.a": ""})
	for _, tc := range []struct {
		kernelOnly bool
		lib, want  string
	}{
		{false, normal, ""},
		{true, kernelOnly, ""},
		{true, normal, "run buildrump -k fullbuild first"},
		{false, kernelOnly, "is kernel-only"},
	} {
		b := &builder{kernelOnly: tc.kernelOnly}
		err := b.checkDestKind(tc.lib)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("kernelOnly %v on %s: %v, want %q", tc.kernelOnly, filepath.Base(tc.lib), err, tc.want)
		}
	}
}
