package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// target is what the C compiler builds for, in Go's terms.
type target struct {
	triple string // as $CC -dumpmachine prints it
	goos   string
	goarch string
	goarm  string // "" unless goarch is arm
}

func (t target) String() string {
	s := t.goos + "/" + t.goarch
	if t.goarm != "" {
		s += " GOARM=" + t.goarm
	}
	return s
}

// archByCPU maps the CPU field of a GNU triple to GOARCH.
var archByCPU = map[string]string{
	"x86_64": "amd64", "amd64": "amd64",
	"i386": "386", "i486": "386", "i586": "386", "i686": "386",
	"aarch64": "arm64", "arm64": "arm64",
	"riscv64":     "riscv64",
	"powerpc64le": "ppc64le", "ppc64le": "ppc64le",
	"powerpc64": "ppc64", "ppc64": "ppc64",
	"s390x":       "s390x",
	"mips":        "mips",
	"mipsel":      "mipsle",
	"mips64":      "mips64",
	"mips64el":    "mips64le",
	"loongarch64": "loong64",
}

// osByName maps the system field of a GNU triple to GOOS.
var osByName = []struct{ prefix, goos string }{
	{"linux-android", "android"},
	{"linux", "linux"},
	{"netbsd", "netbsd"},
	{"freebsd", "freebsd"},
	{"openbsd", "openbsd"},
	{"dragonfly", "dragonfly"},
	{"solaris", "solaris"},
	{"darwin", "darwin"},
}

// parseTriple maps a GNU target triple (cpu-[vendor-]system[-abi], as
// $CC -dumpmachine prints it) to GOOS, GOARCH and, for 32-bit ARM,
// GOARM: hard-float ABIs (gnueabihf, musleabihf) are ARMv7 unless the
// CPU field says armv6; soft-float ones are ARMv5 unless it says
// armv6 or armv7.
func parseTriple(triple string) (target, error) {
	t := target{triple: triple}
	cpu, rest, ok := strings.Cut(triple, "-")
	if !ok {
		return t, fmt.Errorf("target %q: not a cpu-vendor-system triple", triple)
	}
	for _, o := range osByName {
		if i := strings.Index(rest, o.prefix); i >= 0 && (i == 0 || rest[i-1] == '-') {
			t.goos = o.goos
			break
		}
	}
	if t.goos == "" {
		return t, fmt.Errorf("target %q: Go has no GOOS for its system", triple)
	}
	switch {
	case strings.HasPrefix(cpu, "arm") && cpu != "arm64" && !strings.HasSuffix(cpu, "eb"):
		t.goarch = "arm"
		hard := strings.HasSuffix(rest, "hf")
		switch {
		case strings.HasPrefix(cpu, "armv6"):
			t.goarm = "6"
		case strings.HasPrefix(cpu, "armv7"), strings.HasPrefix(cpu, "armv8"), hard:
			t.goarm = "7"
		default:
			t.goarm = "5"
		}
	default:
		t.goarch = archByCPU[cpu]
	}
	if t.goarch == "" {
		return t, fmt.Errorf("target %q: Go has no GOARCH for CPU %s", triple, cpu)
	}
	return t, nil
}

// hostTarget is the target of the Go toolchain running us.
func hostTarget() target {
	return target{goos: runtime.GOOS, goarch: runtime.GOARCH}
}

// toolchain is the C toolchain a build uses.
type toolchain struct {
	cc              string // as given: may hold flags ("gcc -m32")
	ar, nm, objcopy string
	target          target
	cross           bool
	crossPrefix     string // "aarch64-linux-gnu-" for a cross build
}

// toolPrefix is the prefix of a cross compiler's name that its binutils
// share ("aarch64-linux-gnu-" for aarch64-linux-gnu-gcc), or the
// triple and a dash when the name has none.
func toolPrefix(cc, triple string) string {
	base := filepath.Base(strings.Fields(cc)[0])
	if i := strings.LastIndex(base, "-"); i > 0 {
		name := base[i+1:]
		if strings.HasPrefix(name, "gcc") || strings.HasPrefix(name, "cc") || strings.HasPrefix(name, "clang") {
			return base[:i+1]
		}
		// gcc-12 and the like: the version follows the compiler's name.
		if j := strings.LastIndex(base[:i], "-"); j > 0 {
			name = base[j+1 : i]
			if name == "gcc" || name == "clang" {
				return base[:j+1]
			}
		}
	}
	return triple + "-"
}

// probeToolchain finds the target from $CC -dumpmachine and the tools
// that go with it.
func probeToolchain(getenv func(string) string) (toolchain, error) {
	tc := toolchain{cc: getenv("CC"), ar: getenv("AR"), nm: getenv("NM"), objcopy: getenv("OBJCOPY")}
	if strings.TrimSpace(tc.cc) == "" {
		tc.cc = "cc"
	}
	host := hostTarget()
	words := strings.Fields(tc.cc)
	out, err := exec.Command(words[0], append(words[1:], "-dumpmachine")...).Output()
	if err != nil {
		return tc, fmt.Errorf("%s -dumpmachine: %v (set CC to a C compiler; cgo needs one)", tc.cc, err)
	}
	triple := strings.TrimSpace(string(out))
	t, err := parseTriple(triple)
	if err != nil {
		return tc, err
	}
	tc.target = t
	// gcc -m32 on amd64 still says x86_64: its flags are the user's to
	// give, and GOARCH then says what Go should build.
	if g := getenv("GOARCH"); g != "" && g != t.goarch {
		if len(words) == 1 {
			return tc, fmt.Errorf("GOARCH=%s, but %s builds for %s (%s): set CC to a compiler for %s", g, tc.cc, t.goarch, triple, g)
		}
		tc.target.goarch = g
		tc.target.goarm = getenv("GOARM")
	}
	if g := getenv("GOOS"); g != "" && g != t.goos {
		return tc, fmt.Errorf("GOOS=%s, but %s builds for %s (%s)", g, tc.cc, t.goos, triple)
	}
	tc.cross = tc.target.goos != host.goos || tc.target.goarch != host.goarch
	prefix := ""
	if tc.cross {
		prefix = toolPrefix(tc.cc, triple)
		tc.crossPrefix = prefix
	}
	if tc.ar == "" {
		tc.ar = prefix + "ar"
	}
	if tc.nm == "" {
		tc.nm = prefix + "nm"
	}
	if tc.objcopy == "" {
		tc.objcopy = prefix + "objcopy"
	}
	return tc, nil
}

// goEnv is the environment Go builds for the target with.
func (tc toolchain) goEnv() []string {
	env := []string{"CGO_ENABLED=1", "CC=" + tc.cc, "GOOS=" + tc.target.goos, "GOARCH=" + tc.target.goarch}
	if tc.target.goarm != "" {
		env = append(env, "GOARM="+tc.target.goarm)
	}
	return env
}

// raceOK reports whether go build -race works with cgo on the target.
func (t target) raceOK() bool {
	switch t.goos + "/" + t.goarch {
	case "linux/amd64", "linux/arm64", "linux/ppc64le", "linux/s390x", "linux/loong64",
		"freebsd/amd64", "netbsd/amd64", "darwin/amd64", "darwin/arm64":
		return true
	}
	return false
}

// qemuName is the qemu-user program that runs the target's Linux
// binaries.
func (t target) qemuName() string {
	if t.goos != "linux" {
		return ""
	}
	cpu, _, _ := strings.Cut(t.triple, "-")
	switch t.goarch {
	case "amd64":
		return "qemu-x86_64"
	case "386":
		return "qemu-i386"
	case "arm64":
		return "qemu-aarch64"
	case "arm":
		return "qemu-arm"
	case "ppc64le":
		return "qemu-ppc64le"
	case "mipsle":
		return "qemu-mipsel"
	case "mips64le":
		return "qemu-mips64el"
	case "loong64":
		return "qemu-loongarch64"
	}
	return "qemu-" + cpu
}
