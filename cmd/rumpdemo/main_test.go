package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestDemo runs the whole demo, as go run ./cmd/rumpdemo does, and checks
// what it prints of the tree: each file's type and permissions, as the
// demo made them under the kernel's umask 022.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	d := &demo{out: &out}
	if err := d.run(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	want := []string{
		"drwxr-xr-x home",
		"drwxr-x--- home/demo",
		"Lrwxr-xr-x home/demo/greeting",
		"-rw-r--r-- home/demo/hello.txt",
		"Lrwxr-xr-x home/demo/loop",
		"-rw-r--r-- home/demo/renamed",
		"-rw------- home/demo/sparse",
	}
	var got []string
	for line := range strings.Lines(out.String()) {
		if f := strings.Fields(line); len(f) == 2 && strings.HasPrefix(f[1], "home") {
			got = append(got, f[0]+" "+f[1])
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the tree printed as\n%s\nwant\n%s\nwhole output:\n%s",
			strings.Join(got, "\n"), strings.Join(want, "\n"), out.String())
	}
	if !strings.Contains(out.String(), "steps behaved as expected\n") {
		t.Errorf("the demo did not end with all its steps:\n%s", out.String())
	}
}
