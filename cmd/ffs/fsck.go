package main

import (
	"flag"
	"fmt"

	"github.com/gorump/gorump/fs/ffs/ffstool"
)

var fsckCommand = command{
	usage: "[-q] [--json] [-n | -y] [-b sector] image",
	exitHelp: `  4  problems found; with -y, problems left after repair
`,
	flags: func(fs *flag.FlagSet) func(*env, []string) error {
		reportOnly := fs.Bool("n", false, "report only, change nothing; this is what fsck does without -y")
		repair := fs.Bool("y", false, "repair what is found, as fsck_ffs -y")
		alt := fs.Int64("b", 0, "check with the superblock copy at this 512-byte `sector` instead of the primary, as fsck_ffs -b;\n"+
			"with -y the copy is written over the primary (without -b a copy is found when the primary is unusable)")
		return func(e *env, args []string) error {
			if len(args) != 1 {
				return usagef("want one image, got %s", gotOperands(args))
			}
			if *reportOnly && *repair {
				return usagef("-n and -y: give one or the other")
			}
			if *alt < 0 {
				return usagef("-b %d: want a sector number", *alt)
			}
			rep, err := ffstool.Check(args[0], ffstool.CheckOptions{Repair: *repair, AltSuperblock: *alt * 512})
			if err != nil {
				return err
			}
			if e.json {
				e.printJSON(reportJSON(args[0], rep))
			} else if !e.quiet {
				fmt.Fprintf(e.stdout, "%s: UFS%d %s: %s", args[0], version1or2(rep.UFS2), byteOrderName(rep.BigEndian), rep)
			}
			if !rep.Clean() && !(*repair && rep.Repaired) {
				return errProblemsFound
			}
			return nil
		}
	},
}

// fsckJSON is fsck's --json output.
type fsckJSON struct {
	Image         string        `json:"image"`
	Clean         bool          `json:"clean"`
	MarkedClean   bool          `json:"markedClean"`
	Version       int           `json:"version"`
	ByteOrder     string        `json:"byteOrder"`
	Files         int64         `json:"files"`
	Directories   int64         `json:"directories"`
	UsedFragments int64         `json:"usedFragments"`
	FreeFragments int64         `json:"freeFragments"`
	Problems      []problemJSON `json:"problems"`
	Truncated     bool          `json:"truncated"`
	Repaired      bool          `json:"repaired"`
}

// problemJSON is one problem; inode, cg, fragment and offset are absent
// where they do not apply.
type problemJSON struct {
	Phase    int    `json:"phase"`
	PhaseStr string `json:"phaseName"`
	Kind     int    `json:"kind"`
	Inode    *int64 `json:"inode,omitempty"`
	CG       *int64 `json:"cg,omitempty"`
	Fragment *int64 `json:"fragment,omitempty"`
	Offset   *int64 `json:"offset,omitempty"`
	Got      int64  `json:"got"`
	Want     int64  `json:"want"`
	Message  string `json:"message"`
	Fix      string `json:"fix,omitempty"`
}

func reportJSON(image string, r *ffstool.CheckReport) fsckJSON {
	out := fsckJSON{Image: image, Clean: r.Clean(), MarkedClean: r.MarkedClean, Version: version1or2(r.UFS2),
		ByteOrder: byteOrder(r.BigEndian), Files: r.Files, Directories: r.Dirs, UsedFragments: r.UsedFrags,
		FreeFragments: r.FreeFrags, Problems: []problemJSON{}, Truncated: r.Truncated, Repaired: r.Repaired}
	for _, p := range r.Problems {
		pj := problemJSON{Phase: int(p.Phase), PhaseStr: p.Phase.String(), Kind: int(p.Kind), Got: p.Got, Want: p.Want, Message: p.Msg, Fix: p.Fix}
		if p.Ino != 0 {
			pj.Inode = &p.Ino
		}
		if p.CG >= 0 {
			pj.CG = &p.CG
		}
		if p.Frag >= 0 {
			pj.Fragment = &p.Frag
		}
		if p.Offset >= 0 {
			pj.Offset = &p.Offset
		}
		out.Problems = append(out.Problems, pj)
	}
	return out
}
