// Package cliargs holds what gorump's commands share in reading their
// command lines: flags given anywhere among the operands, as users type
// them, and errors kept to one line.
package cliargs

import (
	"flag"
	"strings"
)

// Parse parses fs's flags given before, between and after the operands
// in args, and returns the operands in order; after "--" everything is
// an operand. It returns fs.Parse's error as it is (flag.ErrHelp for -h).
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return operands, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(operands, rest...), nil
		}
		operands = append(operands, rest[0])
		args = rest[1:]
	}
}

// OneLine folds s, an error message, onto one line.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
