package cliargs

import (
	"errors"
	"flag"
	"io"
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		args     []string
		operands []string
		y        bool
	}{
		{[]string{"a.img"}, []string{"a.img"}, false},
		{[]string{"-y", "a.img"}, []string{"a.img"}, true},
		{[]string{"a.img", "-y"}, []string{"a.img"}, true},
		{[]string{"a", "-y", "b"}, []string{"a", "b"}, true},
		{[]string{"a", "--", "-y"}, []string{"a", "-y"}, false},
		{nil, nil, false},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		y := fs.Bool("y", false, "")
		got, err := Parse(fs, c.args)
		if err != nil || !slices.Equal(got, c.operands) || *y != c.y {
			t.Errorf("Parse(%q) = %q, -y %v, %v; want %q, -y %v", c.args, got, *y, err, c.operands, c.y)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := Parse(fs, []string{"a", "-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h after an operand: %v, want flag.ErrHelp", err)
	}
}

func TestOneLine(t *testing.T) {
	if got := OneLine("a:\n\tb  c\n"); got != "a: b c" {
		t.Errorf("OneLine = %q", got)
	}
}
