package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gorump/gorump/bench/capibench"
	"github.com/gorump/gorump/bench/ops"
)

// capiFigures makes one run's figures: every operation in every mode on
// every side, at ns(side, op) ns/op.
func capiFigures(ns func(s capibench.Side, op string) float64) []capibench.Figure {
	var figs []capibench.Figure
	for _, c := range ops.Calls() {
		for _, m := range capibench.Modes() {
			for _, s := range []capibench.Side{capibench.Librump, capibench.GoAPI, capibench.Host} {
				figs = append(figs, capibench.Figure{Side: s, Op: c.Name, Mode: m, Iterations: 1, NsPerOp: ns(s, c.Name)})
			}
		}
	}
	return figs
}

// TestCAPIRows checks that the rows hold the median of the runs of each
// side and the ratios between the medians.
func TestCAPIRows(t *testing.T) {
	var figs []capibench.Figure
	for _, scale := range []float64{1, 3, 2} {
		figs = append(figs, capiFigures(func(s capibench.Side, op string) float64 {
			switch s {
			case capibench.Librump:
				return 200 * scale
			case capibench.GoAPI:
				return 100 * scale
			}
			return 1000 * scale
		})...)
	}
	rows := capiRows(figs)
	if want := len(ops.Calls()) * len(capibench.Modes()); len(rows) != want {
		t.Fatalf("%d rows, want %d", len(rows), want)
	}
	for _, r := range rows {
		if r.C.NsPerOp != 400 || r.Go.NsPerOp != 200 || r.Host.NsPerOp != 2000 || len(r.C.Runs) != 3 {
			t.Errorf("%s %s: C %v, Go %v, host %v: want medians 400, 200, 2000 of 3 runs", r.Name, r.Mode, r.C, r.Go, r.Host)
		}
		if r.CToGo != 2 || r.Ratio != 5 {
			t.Errorf("%s %s: C/Go %v, ratio %v, want 2 and 5", r.Name, r.Mode, r.CToGo, r.Ratio)
		}
	}
	if rows[0].Name != "Getpid" || rows[0].Mode != "main" {
		t.Errorf("first row %s %s, want Getpid main", rows[0].Name, rows[0].Mode)
	}
}

// TestCAPIAims checks the getpid aim against NetBSD's figure and the
// 3x aim per operation, and that the table names every row.
func TestCAPIAims(t *testing.T) {
	st := &capiStats{Build: "test", Rows: capiRows(capiFigures(func(s capibench.Side, op string) float64 {
		switch {
		case s == capibench.GoAPI:
			return 100
		case op == "Getpid":
			return 400 // under NetBSD's 417 ns, 4x Go
		}
		return 250
	}))}
	aims := capiAims(st)
	if len(aims) != 1+len(ops.Calls()) {
		t.Fatalf("%d aims, want %d: %+v", len(aims), 1+len(ops.Calls()), aims)
	}
	for _, a := range aims {
		wantMet := !strings.Contains(a.Aim, "Getpid within")
		if a.Met != wantMet {
			t.Errorf("%s: met %v, want %v (%s)", a.Aim, a.Met, wantMet, a.Value)
		}
	}
	if v := aims[0].Value; !strings.Contains(v, "main 400 ns (0.96x)") {
		t.Errorf("getpid aim %q does not give the main thread's figure against NetBSD's", v)
	}
	var b bytes.Buffer
	st.print(&b, true, 1)
	for _, want := range []string{"Getpid", "OpenClose", "Read4K", "main thread", "1 other thread", "2 threads at once", "4.00"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table does not say %q:\n%s", want, b.String())
		}
	}
}
