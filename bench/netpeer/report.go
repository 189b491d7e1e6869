package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// report is the outcome of a run; it is also the -json format.
type report struct {
	GoVersion  string `json:"go_version"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Count      int    `json:"count"`
	Short      bool   `json:"short"`
	Sizes      sizes  `json:"sizes"`
	Results    []row  `json:"results"`
}

// row is one figure of one measurement on one stack, over the runs.
type row struct {
	Stack   string `json:"stack"`
	Measure string `json:"measure"`
	Metric  string `json:"metric"`
	// Value is the median of Runs.
	Value float64   `json:"value"`
	Unit  string    `json:"unit"`
	Runs  []float64 `json:"runs"`
	// VsLoopback is Value over loopback's Value for the same metric, when
	// loopback ran: above 1 is more of the unit (faster for MB/s and
	// conns/s, slower for µs and CPU s/GiB).
	VsLoopback float64 `json:"vs_loopback,omitempty"`
	// VsNetstack is a gorump row's Value over netstack's at the same MTU,
	// read like VsLoopback.
	VsNetstack float64 `json:"vs_netstack,omitempty"`
}

// summarize sets each row's Value and VsLoopback from its Runs; index
// finds rows by stack/measure/metric.
func (rep *report) summarize(index map[string]int) {
	for i := range rep.Results {
		rep.Results[i].Value = median(rep.Results[i].Runs)
	}
	for i := range rep.Results {
		r := &rep.Results[i]
		j, ok := index[loopback+"/"+r.Measure+"/"+r.Metric]
		if r.Stack != loopback && ok && rep.Results[j].Value != 0 {
			r.VsLoopback = r.Value / rep.Results[j].Value
		}
		if mtu, isGorump := strings.CutPrefix(r.Stack, "gorump-"); isGorump {
			j, ok := index["netstack-"+mtu+"/"+r.Measure+"/"+r.Metric]
			if ok && rep.Results[j].Value != 0 {
				r.VsNetstack = r.Value / rep.Results[j].Value
			}
		}
	}
}

// writeJSON writes rep as indented JSON.
func (rep *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// print writes rep as a table: a line per measure and metric, a column
// per stack.
func (rep *report) print(w io.Writer, quiet bool) {
	if !quiet {
		fmt.Fprintf(w, "gorump vs gVisor netstack vs Linux loopback, %s, GOMAXPROCS %d, median of %d\n",
			rep.GoVersion, rep.GOMAXPROCS, rep.Count)
		fmt.Fprintf(w, "bulk: %s in %s writes; pingpong: %d round trips of 1 byte; connrate: %d connections\n",
			fmtSize(rep.Sizes.BulkBytes), fmtSize(int64(rep.Sizes.BulkChunk)),
			rep.Sizes.PingPongRoundTrips, rep.Sizes.ConnRateConns)
		fmt.Fprintln(w, "(N.NNx) = the figure over loopback's; [N.NNx] = gorump's over netstack's at the same MTU")
		fmt.Fprintln(w)
	}
	var cols, lines []string // stacks; measure/metric
	cells := map[string]string{}
	for _, r := range rep.Results {
		line := r.Measure + " " + r.Metric + " (" + r.Unit + ")"
		if !slices.Contains(cols, r.Stack) {
			cols = append(cols, r.Stack)
		}
		if !slices.Contains(lines, line) {
			lines = append(lines, line)
		}
		cell := fmtValue(r.Value, r.Unit)
		if r.VsLoopback != 0 {
			cell += fmt.Sprintf(" (%.2fx)", r.VsLoopback)
		}
		if r.VsNetstack != 0 {
			cell += fmt.Sprintf(" [%.2fx]", r.VsNetstack)
		}
		cells[line+"|"+r.Stack] = cell
	}
	fmt.Fprintf(w, "%-28s", "")
	for _, c := range cols {
		fmt.Fprintf(w, " %26s", c)
	}
	fmt.Fprintln(w)
	for _, l := range lines {
		fmt.Fprintf(w, "%-28s", l)
		for _, c := range cols {
			cell, ok := cells[l+"|"+c]
			if !ok {
				cell = "-"
			}
			fmt.Fprintf(w, " %26s", cell)
		}
		fmt.Fprintln(w)
	}
}

// fmtValue formats a figure with the precision its unit deserves.
func fmtValue(v float64, unit string) string {
	switch {
	case strings.HasPrefix(unit, "CPU"):
		return fmt.Sprintf("%.2f", v)
	case unit == "µs":
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

func fmtSize(b int64) string {
	switch {
	case b >= 1<<30 && b%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", b>>30)
	case b >= 1<<20 && b%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", b>>20)
	case b >= 1<<10 && b%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", b>>10)
	}
	return fmt.Sprintf("%d B", b)
}

// median returns the median of v, which it leaves unchanged.
func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
