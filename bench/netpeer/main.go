// Command netpeer measures gorump's TCP/IP stack against its peers, gVisor's
// netstack and Go's net over Linux loopback, with the measurements of
// package netbench, side by side in one run:
//
//	go run . [-count N] [-short] [-json] [-q] [-run REGEXP]
//
// The gorump and netstack stacks are two kernels (stacks) in this
// process, joined by an in-process link of MTU 1500 or 65535 (see
// netbench.GorumpPair and netstackPair). Each measurement runs on
// a pair of stacks of its own, destroyed before the next one starts,
// and the runs alternate between stacks so that drift in the machine
// touches all alike. The table shows medians of N runs and each
// stack's figure against loopback's, and gorump's against netstack's at
// the same MTU.
//
// -run selects measurements by "measure/stack" names: bulk, pingpong
// and connrate, on gorump-1500, gorump-65535, netstack-1500,
// netstack-65535 and loopback. -short
// runs smaller sizes (what CI may afford).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/gorump/gorump/bench/netbench"
)

// stacks are the stacks measured, loopback last: it is what the others
// are held against.
var stacks = []struct {
	name string
	open func() (netbench.Pair, error)
}{
	{"gorump-1500", func() (netbench.Pair, error) { return netbench.GorumpPair(1500) }},
	{"gorump-65535", func() (netbench.Pair, error) { return netbench.GorumpPair(65535) }},
	{"netstack-1500", func() (netbench.Pair, error) { return netstackPair(1500) }},
	{"netstack-65535", func() (netbench.Pair, error) { return netstackPair(65535) }},
	{loopback, func() (netbench.Pair, error) { return netbench.LoopbackPair(), nil }},
}

const loopback = "loopback"

// sizes are how much each measurement does.
type sizes struct {
	BulkBytes          int64 `json:"bulk_bytes"`
	BulkChunk          int   `json:"bulk_chunk"`
	PingPongRoundTrips int   `json:"pingpong_round_trips"`
	ConnRateConns      int   `json:"connrate_conns"`
}

// metric is one figure of one measurement run.
type metric struct {
	name, unit string
	value      float64
}

// measures are the measurements, in the order they run.
var measures = []struct {
	name string
	run  func(netbench.Pair, sizes) ([]metric, error)
}{
	{"bulk", func(p netbench.Pair, sz sizes) ([]metric, error) {
		r, err := netbench.Bulk(p, sz.BulkBytes, sz.BulkChunk)
		return []metric{{"throughput", "MB/s", r.MBPerSec}, {"cpu", "CPU s/GiB", r.CPUSecondsPerGiB}}, err
	}},
	{"pingpong", func(p netbench.Pair, sz sizes) ([]metric, error) {
		r, err := netbench.PingPong(p, sz.PingPongRoundTrips)
		return []metric{{"mean", "µs", r.Mean}, {"p50", "µs", r.P50}, {"p99", "µs", r.P99}}, err
	}},
	{"connrate", func(p netbench.Pair, sz sizes) ([]metric, error) {
		r, err := netbench.ConnRate(p, sz.ConnRateConns)
		return []metric{{"rate", "conns/s", r.PerSec}}, err
	}},
}

func main() {
	flags := flag.NewFlagSet("netpeer", flag.ExitOnError)
	count := flags.Int("count", 1, "run each measurement `N` times and report the median")
	short := flags.Bool("short", false, "run smaller sizes: 64 MiB bulk, fewer round trips and connections")
	asJSON := flags.Bool("json", false, "print machine-readable JSON instead of a table")
	quiet := flags.Bool("q", false, "print only the results, no progress or header")
	runRE := flags.String("run", "", "run only measurements whose measure/stack name matches `REGEXP`")
	flags.Parse(os.Args[1:])
	if *count < 1 || flags.NArg() > 0 {
		flags.Usage()
		os.Exit(2)
	}
	re, err := regexp.Compile(*runRE)
	if err != nil {
		fatalf("bad -run: %v", err)
	}
	var progress io.Writer = os.Stderr
	if *quiet {
		progress = io.Discard
	}

	sz := sizes{netbench.BulkBytes, netbench.BulkChunk, netbench.PingPongRoundTrips, netbench.ConnRateConns}
	if *short {
		sz = sizes{netbench.ShortBulkBytes, netbench.BulkChunk, netbench.ShortPingPongRoundTrips, netbench.ShortConnRateConns}
	}
	rep := report{GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), Count: *count, Short: *short, Sizes: sz}
	index := map[string]int{} // into rep.Results, by stack/measure/metric
	for i := range *count {
		for _, m := range measures {
			for _, st := range stacks {
				name := m.name + "/" + st.name
				if !re.MatchString(name) {
					continue
				}
				ms, err := runOnce(st.open, m.run, sz)
				if err != nil {
					fatalf("%s: %v", name, err)
				}
				var line []string
				for _, x := range ms {
					key := st.name + "/" + m.name + "/" + x.name
					j, ok := index[key]
					if !ok {
						j = len(rep.Results)
						index[key] = j
						rep.Results = append(rep.Results, row{Stack: st.name, Measure: m.name, Metric: x.name, Unit: x.unit})
					}
					rep.Results[j].Runs = append(rep.Results[j].Runs, x.value)
					line = append(line, fmtValue(x.value, x.unit)+" "+x.unit)
				}
				fmt.Fprintf(progress, "%s %d/%d: %s\n", name, i+1, *count, strings.Join(line, ", "))
			}
		}
	}
	rep.summarize(index)

	if *asJSON {
		if err := rep.writeJSON(os.Stdout); err != nil {
			fatalf("%v", err)
		}
		return
	}
	rep.print(os.Stdout, *quiet)
}

// runOnce opens a pair of stacks, runs one measurement on it and closes
// it, after collecting garbage left by what ran before. It warns when
// goroutines outlive the pair.
func runOnce(open func() (netbench.Pair, error), run func(netbench.Pair, sizes) ([]metric, error), sz sizes) ([]metric, error) {
	runtime.GC()
	before := runtime.NumGoroutine()
	p, err := open()
	if err != nil {
		return nil, err
	}
	ms, err := run(p, sz)
	if cerr := p.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	if n := leftoverGoroutines(before); n > 0 {
		fmt.Fprintf(os.Stderr, "netpeer: warning: %s left %d goroutines running after Close\n", p.Name, n)
	}
	return ms, err
}

// leftoverGoroutines waits up to a second for the number of goroutines
// to fall back to before, and returns how many more there still are.
func leftoverGoroutines(before int) int {
	deadline := time.Now().Add(time.Second)
	for {
		n := runtime.NumGoroutine() - before
		if n <= 0 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "netpeer: "+format+"\n", args...)
	os.Exit(1)
}
