package sys_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gorump/gorump/sys"
)

var update = flag.Bool("update", false, "rewrite docs/syscalls.md from the table")

// syscallDoc renders the table as docs/syscalls.md shows it.
func syscallDoc() string {
	var b strings.Builder
	b.WriteString("# The syscall table\n\n")
	b.WriteString("Generated from `sys.List()` by `go test ./sys -run TestSyscallDoc -update`; do not edit.\n\n")
	b.WriteString("Every syscall of NetBSD's rump table (NetBSD 7.99.34 `syscalls.master`, the RUMP entries)\n")
	b.WriteString("with its number, its argument slots, and whether package `sys` implements it;\n")
	b.WriteString("the others answer ENOSYS.\n\n")
	impl, total := 0, 0
	var rows strings.Builder
	for _, in := range sys.List() {
		total++
		state := "ENOSYS"
		if in.Implemented {
			impl++
			state = "yes"
		}
		if in.Compat {
			state += " (compat)"
		}
		fmt.Fprintf(&rows, "| %d | `%s` | %d | %s |\n", in.Num, in.Name, in.Slots, state)
	}
	fmt.Fprintf(&b, "%d of %d implemented.\n\n| # | name | slots | implemented |\n|---:|---|---:|---|\n", impl, total)
	b.WriteString(rows.String())
	return b.String()
}

// TestSyscallDoc keeps docs/syscalls.md in step with the table.
func TestSyscallDoc(t *testing.T) {
	const path = "../docs/syscalls.md"
	want := syscallDoc()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Errorf("%s is out of date (%v): run go test ./sys -run TestSyscallDoc -update", path, err)
	}
}
