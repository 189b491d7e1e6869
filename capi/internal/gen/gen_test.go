package gen

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesUpToDate fails when capi's generated files differ
// from what the generator writes now: run go generate ./capi.
func TestGeneratedFilesUpToDate(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Errorf("%s: %v (run go generate ./capi)", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date: run go generate ./capi", name)
		}
	}
}

// TestCallsMatchSys checks calls.txt against sys.List and that every
// argument type has a slot width.
func TestCallsMatchSys(t *testing.T) {
	calls, err := parseCalls()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		for _, a := range c.args {
			a.width() // panics on an unknown type
		}
	}
	if len(calls) != 218 {
		t.Errorf("%d syscalls, want NetBSD's 218", len(calls))
	}
}

func TestPublicType(t *testing.T) {
	for in, want := range map[string]string{
		"const struct stat *":   "const struct rump_stat *",
		"fd_set *":              "rump_fd_set *",
		"u_long":                "unsigned long",
		"u_int":                 "unsigned int",
		"timer_t *":             "int *",
		"clockid_t":             "int",
		"struct aiocb *const *": "struct rump_aiocb *const *",
		"const sigset_t *":      "const rump_sigset_t *",
		"int":                   "int",
	} {
		if got := publicType(in); got != want {
			t.Errorf("publicType(%q) = %q, want %q", in, got, want)
		}
	}
}
