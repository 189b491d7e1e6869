package anykernel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/gorump/gorump"

// kernelRoots are the folders of kernel code. Net and dev are listed
// before they exist so that the rule holds from their first package.
var kernelRoots = []string{"kern", "vfs", "fs", "net", "dev", "sys"}

// forbiddenImports are the standard packages that reach the host behind
// the hypercall interface's back, with what to use instead.
var forbiddenImports = map[string]string{
	"os":          "host files and the environment go through rumpuser.Host",
	"os/exec":     "a kernel runs no host programs",
	"os/signal":   "a kernel sees no host signals",
	"os/user":     "credentials are the kernel's own",
	"syscall":     "host calls go through rumpuser.Host",
	"net":         "the kernel has its own network stack; host network hooks are rumpuser interfaces",
	"crypto/rand": "randomness comes from Host.Random",
	"log":         "console output goes through Kernel.Printf",
	"plugin":      "a kernel loads no host code",
}

// forbiddenTrees are packages kernel code must not import, together
// with every package below them. A path ending in "/" names only the
// packages below it: rumpuser itself is the kernel's way to the host.
var forbiddenTrees = map[string]string{
	"golang.org/x/sys":        "host calls go through rumpuser.Host",
	module + "/rumpuser/":     "a kernel does not know which host it runs on",
	module + "/rump":          "the public API is above the kernel (arrows point down)",
	module + "/cmd":           "commands are above the kernel",
	module + "/capi":          "the C API is above the kernel",
	module + "/sysproxy":      "the syscall server is above the kernel",
	module + "/internal/peer": "peer tools are for tests",
}

// forbiddenCalls are functions kernel code must not use, by package: the
// wall clock and Go's timers (use Kernel.Clock, callouts and Clock.Sleep,
// so a kernel runs on virtual time), and printing to the host's standard
// output (use Kernel.Printf).
var forbiddenCalls = map[string]map[string]string{
	"time": {
		"Now": "Kernel.Clock().Now or Kernel.Now", "Since": "Kernel.Clock().Monotonic", "Until": "Kernel.Clock().Monotonic",
		"Sleep": "Kernel.Clock().Sleep", "After": "a callout", "AfterFunc": "a callout", "NewTimer": "a callout",
		"NewTicker": "a callout", "Tick": "a callout",
	},
	"fmt": {"Print": "Kernel.Printf", "Printf": "Kernel.Printf", "Println": "Kernel.Printf"},
}

// isKernelPackage reports whether the import path is kernel code.
// Packages named *test (vfstest and the like) are conformance suites and
// fakes that run kernels from tests; packages named *tool (ffstool and
// the like) are a driver's host-side image tools, which run a kernel on
// a host of their choosing and read host files. Both may use the host.
func isKernelPackage(path string) bool {
	rel, ok := strings.CutPrefix(path, module+"/")
	if !ok {
		return false
	}
	elems := strings.Split(rel, "/")
	if !slices.Contains(kernelRoots, elems[0]) {
		return false
	}
	last := elems[len(elems)-1]
	return !strings.HasSuffix(last, "test") && !strings.HasSuffix(last, "tool")
}

func importViolation(path string) (string, bool) {
	if why, ok := forbiddenImports[path]; ok {
		return why, true
	}
	for tree, why := range forbiddenTrees {
		if below, ok := strings.CutSuffix(tree, "/"); ok {
			if strings.HasPrefix(path, below+"/") {
				return why, true
			}
		} else if path == tree || strings.HasPrefix(path, tree+"/") {
			return why, true
		}
	}
	return "", false
}

// scanFile reports the forbidden imports and calls in one Go source file.
func scanFile(fset *token.FileSet, name string, src any) ([]string, error) {
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	var found []string
	report := func(pos token.Pos, format string, args ...any) {
		found = append(found, fmt.Sprintf("%s: %s", fset.Position(pos), fmt.Sprintf(format, args...)))
	}
	// local names of the packages whose calls are checked
	local := map[string]string{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if why, bad := importViolation(path); bad {
			report(imp.Pos(), "imports %s: %s", path, why)
		}
		if _, checked := forbiddenCalls[path]; checked {
			name := path
			if imp.Name != nil {
				name = imp.Name.Name
			}
			if name == "." {
				report(imp.Pos(), "dot-imports %s, hiding its calls from this check", path)
			}
			local[name] = path
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			// A package name resolves to no object; a local variable
			// that shadows it does.
			if !ok || id.Obj != nil {
				return true
			}
			if path, ok := local[id.Name]; ok {
				if instead, bad := forbiddenCalls[path][n.Sel.Name]; bad {
					report(n.Pos(), "uses %s.%s: use %s", path, n.Sel.Name, instead)
				}
			}
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && id.Obj == nil && (id.Name == "print" || id.Name == "println") {
				report(n.Pos(), "calls the builtin %s, which writes to host stderr: use Kernel.Printf", id.Name)
			}
		}
		return true
	})
	return found, nil
}

type listedPackage struct {
	ImportPath     string
	Dir            string
	Standard       bool
	GoFiles        []string
	CgoFiles       []string
	IgnoredGoFiles []string
	Imports        []string
	Error          *struct{ Err string }
}

func goCommand(t *testing.T) string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	t.Fatal("the go command is not found: it is needed to list the import graph")
	return ""
}

// moduleRoot returns the folder holding go.mod.
func moduleRoot(t *testing.T, gocmd string) string {
	out, err := exec.Command(gocmd, "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("not in a module")
	}
	return filepath.Dir(gomod)
}

// listKernelGraph runs go list -deps over the kernel folders.
func listKernelGraph(t *testing.T) []listedPackage {
	gocmd := goCommand(t)
	root := moduleRoot(t, gocmd)
	args := []string{"list", "-deps", "-json"}
	for _, r := range kernelRoots {
		if st, err := os.Stat(filepath.Join(root, r)); err == nil && st.IsDir() {
			args = append(args, "./"+r+"/...")
		}
	}
	cmd := exec.Command(gocmd, args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestAnykernel walks the import graph of the kernel packages and their
// sources and fails on any way to the host that bypasses rumpuser.Host.
func TestAnykernel(t *testing.T) {
	pkgs := listKernelGraph(t)
	fset := token.NewFileSet()
	var kernel []string
	for _, p := range pkgs {
		if p.Standard || !isKernelPackage(p.ImportPath) {
			continue
		}
		kernel = append(kernel, p.ImportPath)
		if p.Error != nil {
			t.Errorf("%s: %s", p.ImportPath, p.Error.Err)
		}
		// The files of this build and those for other platforms, but not
		// generators (//go:build ignore) or tests.
		files := slices.Concat(p.GoFiles, p.CgoFiles)
		for _, f := range p.IgnoredGoFiles {
			if !strings.HasSuffix(f, "_test.go") && !isIgnoreTagged(filepath.Join(p.Dir, f)) {
				files = append(files, f)
			}
		}
		seen := map[string]bool{}
		for _, f := range files {
			path := filepath.Join(p.Dir, f)
			found, err := scanFile(fset, path, nil)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			for _, v := range found {
				t.Errorf("kernel package %s: %s", p.ImportPath, v)
				seen[v] = true
			}
		}
		// go list's own view, for anything the sources did not show
		// (cgo's imports, say).
		for _, imp := range p.Imports {
			if why, bad := importViolation(imp); bad && !anyContains(seen, "imports "+imp+":") {
				t.Errorf("kernel package %s imports %s: %s", p.ImportPath, imp, why)
			}
		}
	}
	// The rule must not pass for want of packages to check.
	for _, want := range []string{module + "/kern", module + "/vfs", module + "/fs/tmpfs"} {
		if !slices.Contains(kernel, want) {
			t.Errorf("%s not among the kernel packages checked: %v", want, kernel)
		}
	}
	t.Logf("checked %d kernel packages: %s", len(kernel), strings.Join(kernel, " "))
}

func anyContains(set map[string]bool, sub string) bool {
	for s := range set {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// isIgnoreTagged reports whether a file is excluded from every build by
// a //go:build ignore line, as generators are.
func isIgnoreTagged(path string) bool {
	src, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(src)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "package ") {
			break
		}
		if rest, ok := strings.CutPrefix(line, "//go:build "); ok && slices.Contains(strings.Fields(rest), "ignore") {
			return true
		}
	}
	return false
}

// TestScannerCatches shows the checks at work on sources that break the
// rule in each way, so a change that blinds them fails here.
func TestScannerCatches(t *testing.T) {
	src := `package bad

import (
	"fmt"
	"os"
	clock "time"
	"syscall"
	"golang.org/x/sys/unix"
	"github.com/gorump/gorump/rumpuser/posix"
	"github.com/gorump/gorump/rump"
)

func f() {
	_ = clock.Now()
	clock.Sleep(1)
	t := clock.NewTimer(1)
	_ = t
	_ = clock.Since
	fmt.Println("hi")
	println("x")
	_ = fmt.Sprintf("fine")
	_ = clock.Duration(1) // fine
	_ = os.Getpid
	_ = syscall.Getpid
	_ = unix.Getpid
	_ = posix.New
	_ = rump.Init
}

func g(time struct{ Now func() }) {
	time.Now() // a parameter, not the package
}
`
	found, err := scanFile(token.NewFileSet(), "bad.go", src)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"imports os:", "imports syscall:", "imports golang.org/x/sys/unix:",
		"imports github.com/gorump/gorump/rumpuser/posix:", "imports github.com/gorump/gorump/rump:",
		"uses time.Now:", "uses time.Sleep:", "uses time.NewTimer:", "uses time.Since:",
		"uses fmt.Println:", "builtin println",
	}
	for _, w := range want {
		if !slices.ContainsFunc(found, func(s string) bool { return strings.Contains(s, w) }) {
			t.Errorf("scanner missed %q", w)
		}
	}
	if len(found) != len(want) {
		t.Errorf("scanner found %d problems, want %d:\n%s", len(found), len(want), strings.Join(found, "\n"))
	}

	clean := `package good

import (
	"fmt"
	"time"
	"github.com/gorump/gorump/rumpuser"
)

func f(c rumpuser.Clock) time.Duration {
	_ = fmt.Errorf("x")
	c.Sleep(time.Second)
	return c.Monotonic()
}
`
	if found, _ := scanFile(token.NewFileSet(), "good.go", clean); len(found) != 0 {
		t.Errorf("clean source flagged: %v", found)
	}
	for path, want := range map[string]bool{
		module + "/kern":                   true,
		module + "/kern/errno":             true,
		module + "/vfs":                    true,
		module + "/fs/tmpfs":               true,
		module + "/net/inet/tcp":           true,
		module + "/dev/disk":               true,
		module + "/vfs/vfstest":            false,
		module + "/rump":                   false,
		module + "/rumpuser/posix":         false,
		module + "/kernel":                 false,
		"example.com/other/kern":           false,
		module + "/internal/anykernel":     false,
		module + "/fs/tmpfs/tmpfstest":     false,
		module + "/fs/ffs/ffstool":         false,
		module + "/fs/ffs/internal/dinode": true,
	} {
		if got := isKernelPackage(path); got != want {
			t.Errorf("isKernelPackage(%s) = %v", path, got)
		}
	}
}
