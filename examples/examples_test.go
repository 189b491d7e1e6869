// Package examples runs the examples of using librump from C, LuaJIT
// and Python: each boots a kernel, works with a file and a TCP socket,
// and says what it did.
package examples

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/capitest"
	"github.com/gorump/gorump/internal/peer"
)

func TestMain(m *testing.M) {
	code := m.Run()
	capitest.Cleanup()
	os.Exit(code)
}

// run runs an example and checks that it did each thing.
func run(t *testing.T, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	t.Logf("%s", out)
	for _, want := range []string{"booted NetBSD 799003400 ABI kernel, pid 1", "file /hello.txt:",
		"open /missing: errno 2 (RUMP_ENOENT is 2)", "received"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func lib(t *testing.T) string { return filepath.Join(capitest.LibDir(t), "librump.so") }

func TestC(t *testing.T) {
	run(t, capitest.CC(t, filepath.Join("capi", "hello.c"), false))
}

func TestLuaJIT(t *testing.T) {
	luajit := peer.Require(t, "luajit", "luajit")
	run(t, luajit, filepath.Join("capi", "hello.lua"), lib(t))
}

func TestPython(t *testing.T) {
	python := peer.Require(t, "python3", "python3")
	run(t, python, filepath.Join("capi", "hello.py"), lib(t))
}
