// Package peer lets tests use real peer tools (Debian's makefs, sfdisk,
// e2fsprogs, curl...) and skip, naming what is missing, where a tool is
// not installed. With GORUMP_REQUIRE_PEERS=1, as CI sets it, a missing
// tool fails the test instead: CI must never pass by skipping.
package peer

import (
	"os"
	"os/exec"
	"testing"
)

// Require returns the path of tool, or skips t (fails it under
// GORUMP_REQUIRE_PEERS=1) naming the Debian package that provides it.
func Require(t testing.TB, tool, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err == nil {
		return path
	}
	Missing(t, tool+" (Debian package "+debianPackage+")")
	return ""
}

// Missing skips t, or fails it under GORUMP_REQUIRE_PEERS=1, because what
// is missing is not available.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("GORUMP_REQUIRE_PEERS") == "1" {
		t.Fatalf("needs %s, and GORUMP_REQUIRE_PEERS=1", what)
	}
	t.Skipf("needs %s", what)
}

// Run runs a peer command and fails t with its output if it fails.
func Run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return out
}
