package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gorump/gorump/bench/capibench"
	"github.com/gorump/gorump/bench/ops"
)

// capiGroup is the -run name of the C library's comparison (package
// bench/capibench): librump called from C, beside the Go API and the
// host kernel.
const capiGroup = "CAPI"

// netbsdGetpidNs is getpid through NetBSD's own rump kernel, called from
// a small C program linked to its shared libraries on a 2-core VM like
// CI's, in ns (the anchor figures): the C library aims to be faster.
const netbsdGetpidNs = 417

// capiAimRatio is how many times the Go API's cost a call through the C
// library may take.
const capiAimRatio = 3

// capiSides says what each side of the C library's comparison calls.
const capiSides = "c: rump_sys_ calls through librump.a from a C program; " +
	"go: the same operations of bench/ops through package rump (getpid is p.PID(), no syscall); " +
	"host: the C program's raw syscalls (getpid by syscall(2))"

// capiStats are the C library's figures, medians over the runs; they are
// part of the -json format.
type capiStats struct {
	// Build says how librump and the C program were built.
	Build string `json:"build"`
	// Sides is capiSides.
	Sides string    `json:"sides"`
	Rows  []capiRow `json:"rows"`
}

// capiRow is one operation in one mode on the three sides.
type capiRow struct {
	Name string `json:"name"` // one of bench/ops.Calls
	// Mode is which threads made the calls: main (the main thread; for
	// the Go API the main goroutine), other (one other thread) or pair
	// (two other threads at once); ns/op is per call on each thread.
	Mode string   `json:"mode"`
	C    capiSide `json:"c"`
	Go   capiSide `json:"go"`
	Host capiSide `json:"host"`
	// CToGo is C ns/op over Go ns/op: what calling from C costs over
	// calling from Go (aim: at most capiAimRatio).
	CToGo float64 `json:"c_to_go"`
	// Ratio is host ns/op over C ns/op, as the main table's ratio:
	// above 1 the C library is faster than the host kernel.
	Ratio float64 `json:"ratio"`
}

// capiSide is one side's median and runs.
type capiSide struct {
	NsPerOp float64   `json:"ns_per_op"`
	Runs    []float64 `json:"runs_ns_per_op"`
}

// measureCAPI builds the C program and runs it and the Go API's side
// count times each, alternating, each figure timed for goal.
func measureCAPI(count int, goal time.Duration, progress io.Writer) (*capiStats, error) {
	dir, err := os.MkdirTemp("", "gorump-bench-capi-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(progress, "%s: building librump.a and the C program\n", capiGroup)
	prog, how, err := capibench.Build(dir)
	if err != nil {
		return nil, err
	}
	hostBase, _ := ops.HostBase()
	var figs []capibench.Figure
	for i := range count {
		fmt.Fprintf(progress, "%s/C+host %d/%d\n", capiGroup, i+1, count)
		c, err := prog.Run(context.Background(), hostBase, goal, 0)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(progress, "%s/Go %d/%d\n", capiGroup, i+1, count)
		g, err := capibench.MeasureGo(goal, 0)
		if err != nil {
			return nil, fmt.Errorf("the Go API: %v", err)
		}
		figs = append(append(figs, c...), g...)
	}
	return &capiStats{Build: how, Sides: capiSides, Rows: capiRows(figs)}, nil
}

// capiRows gathers the figures of every run into one row per operation
// and mode, in the order of bench/ops.Calls and capibench.Modes.
func capiRows(figs []capibench.Figure) []capiRow {
	side := func(name string, m capibench.Mode, s capibench.Side) capiSide {
		var cs capiSide
		for _, f := range figs {
			if f.Op == name && f.Mode == m && f.Side == s {
				cs.Runs = append(cs.Runs, f.NsPerOp)
			}
		}
		if len(cs.Runs) > 0 {
			cs.NsPerOp = median(slices.Clone(cs.Runs))
		}
		return cs
	}
	var rows []capiRow
	for _, c := range ops.Calls() {
		for _, m := range capibench.Modes() {
			r := capiRow{Name: c.Name, Mode: string(m),
				C: side(c.Name, m, capibench.Librump), Go: side(c.Name, m, capibench.GoAPI), Host: side(c.Name, m, capibench.Host)}
			if r.Go.NsPerOp > 0 {
				r.CToGo = r.C.NsPerOp / r.Go.NsPerOp
			}
			if r.C.NsPerOp > 0 {
				r.Ratio = r.Host.NsPerOp / r.C.NsPerOp
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// print prints the C library's table.
func (st *capiStats) print(w io.Writer, quiet bool, count int) {
	if !quiet {
		fmt.Fprintf(w, "C library vs the Go API vs the host kernel, per call on each thread, median of %d\n", count)
		fmt.Fprintf(w, "built as %s\n", st.Build)
		fmt.Fprintln(w, "C/Go = C ns/op / Go ns/op (aim: at most 3); ratio = host ns/op / C ns/op, above 1 C through gorump is faster")
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%-18s %-18s %10s %10s %11s %8s %8s\n", "C library", "threads", "C ns/op", "Go ns/op", "host ns/op", "C/Go", "ratio")
	for _, r := range st.Rows {
		fmt.Fprintf(w, "%-18s %-18s %10s %10s %11s %8.2f %8.2f\n", r.Name, capibench.Mode(r.Mode).Doc(),
			fmtNs(r.C.NsPerOp), fmtNs(r.Go.NsPerOp), fmtNs(r.Host.NsPerOp), r.CToGo, r.Ratio)
	}
	if !quiet {
		fmt.Fprintln(w)
		for _, side := range strings.Split(st.Sides, "; ") {
			fmt.Fprintln(w, side)
		}
	}
}

// capiAims holds the C library's figures against its aims: getpid below
// NetBSD's rump kernel, every call within capiAimRatio of the Go API.
func capiAims(st *capiStats) []aim {
	var aims []aim
	byName := map[string][]capiRow{}
	var names []string
	for _, r := range st.Rows {
		if byName[r.Name] == nil {
			names = append(names, r.Name)
		}
		byName[r.Name] = append(byName[r.Name], r)
	}
	var getpid []string
	met := true
	for _, r := range byName["Getpid"] {
		getpid = append(getpid, fmt.Sprintf("%s %s ns (%.2fx)", r.Mode, fmtNs(r.C.NsPerOp), r.C.NsPerOp/netbsdGetpidNs))
		met = met && r.C.NsPerOp < netbsdGetpidNs
	}
	if len(getpid) > 0 {
		aims = append(aims, aim{fmt.Sprintf("C library getpid under NetBSD's %d ns", netbsdGetpidNs), strings.Join(getpid, ", "), met})
	}
	for _, name := range names {
		var ratios []string
		met := true
		for _, r := range byName[name] {
			ratios = append(ratios, fmt.Sprintf("%s %.2f", r.Mode, r.CToGo))
			met = met && r.CToGo <= capiAimRatio
		}
		aims = append(aims, aim{fmt.Sprintf("C library %s within %dx of the Go API", name, capiAimRatio),
			"C/Go " + strings.Join(ratios, ", "), met})
	}
	return aims
}
