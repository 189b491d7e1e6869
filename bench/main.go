// Command bench runs gorump's benchmarks side by side with the host
// kernel in one run and prints ratios:
//
//	go run ./bench [-count N] [-run REGEXP] [-benchtime D] [-dir DIR] [-short] [-json] [-q]
//
// Each operation of package bench/ops (the same code go test -bench
// runs in package rump) is timed with testing.Benchmark in a gorump
// kernel and on the host kernel, alternating, N times; the table shows
// medians. A ratio is host ns/op over gorump ns/op: above 1 gorump is
// faster. Booting has no host counterpart; the runner also reports the
// heap each idle kernel holds, and the resident memory of programs it
// builds for the purpose (package bench/rssprobe): an empty Go program,
// the floor under any Go program, and one that links package rump,
// before and after it boots one kernel. The latter is what the aim of
// 4.9 MiB (NetBSD's rump kernel after rump_init) is held against.
//
// The FFS operations (-run FFS selects them) work in -dir, os.TempDir()
// by default: gorump on an FFS image file there, the host kernel on the
// host file system that holds it. -short makes them smaller.
//
// -run CAPI selects the C library's comparison (package bench/capibench):
// getpid, open+close and a 4 KiB pread through librump, built from
// ./capi, called from a C program's main thread and other threads, beside
// the Go API and the host kernel doing the same; it needs the C compiler
// cgo uses, and skips saying so without one.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorump/gorump/bench/capibench"
	"github.com/gorump/gorump/bench/ops"
)

func main() {
	testing.Init() // registers the test.* flags testing.Benchmark reads
	flags := flag.NewFlagSet("bench", flag.ExitOnError)
	count := flags.Int("count", 1, "run each benchmark `N` times and report the median")
	runRE := flags.String("run", "", "run only operations whose name matches `REGEXP`")
	benchtime := flags.Duration("benchtime", time.Second, "time each benchmark for `D`")
	asJSON := flags.Bool("json", false, "print machine-readable JSON instead of a table")
	quiet := flags.Bool("q", false, "print only the results, no progress or descriptions")
	dir := flags.String("dir", "", "make the FFS operations' images and host files under `DIR` (default os.TempDir())")
	short := flags.Bool("short", false, "run the FFS operations with smaller sizes")
	flags.Parse(os.Args[1:])
	if *count < 1 || flags.NArg() > 0 {
		flags.Usage()
		os.Exit(2)
	}
	re, err := regexp.Compile(*runRE)
	if err != nil {
		fatalf("bad -run: %v", err)
	}
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		fatalf("%v", err)
	}
	var progress io.Writer = os.Stderr
	if *quiet {
		progress = io.Discard
	}

	opts := ops.Options{Dir: *dir, Short: *short}
	base, note := ops.HostBase()
	rep := report{HostDir: base, Note: note, Count: *count, Benchtime: benchtime.String(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version()}
	for _, op := range ops.All(opts) {
		if !re.MatchString(op.Name) {
			continue
		}
		if strings.HasPrefix(op.Name, "FFS") && rep.FFSDir == "" {
			rep.FFSDir = opts.ScratchDir()
			rep.FFSDirType = ops.HostFSType(rep.FFSDir)
			rep.Short = *short
		}
		if op.Missing != nil {
			if what := op.Missing(); what != "" {
				fmt.Fprintf(progress, "%s: skipped: needs %s\n", op.Name, what)
				rep.Skipped = append(rep.Skipped, skipped{op.Name, what})
				continue
			}
		}
		rep.Ops = append(rep.Ops, measure(op, *count, progress))
	}
	if re.MatchString(capiGroup) {
		if what := capibench.Missing(); what != "" {
			fmt.Fprintf(progress, "%s: skipped: needs %s\n", capiGroup, what)
			rep.Skipped = append(rep.Skipped, skipped{capiGroup, what})
		} else if rep.CAPI, err = measureCAPI(*count, *benchtime, progress); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %s: %v\n", capiGroup, err)
		}
	}
	if re.MatchString("KernelMemory") {
		rss, err := measureRSS()
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: process RSS: %v\n", err)
		} else {
			rep.RSS = &rss
		}
	}
	ops.Cleanup()
	rep.Aims = checkAims(&rep)
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fatalf("%v", err)
		}
		return
	}
	rep.print(os.Stdout, *quiet)
}

// report is the outcome of a run; it is also the -json format.
type report struct {
	HostDir    string `json:"host_dir"`
	Note       string `json:"note,omitempty"`
	Count      int    `json:"count"`
	Benchtime  string `json:"benchtime"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`
	// FFSDir is where the FFS operations ran, on a host file system of
	// type FFSDirType; Short says they ran with smaller sizes.
	FFSDir     string     `json:"ffs_dir,omitempty"`
	FFSDirType string     `json:"ffs_dir_type,omitempty"`
	Short      bool       `json:"short,omitempty"`
	Ops        []opStats  `json:"ops"`
	Skipped    []skipped  `json:"skipped,omitempty"`
	RSS        *rssStats  `json:"process_rss,omitempty"`
	CAPI       *capiStats `json:"capi,omitempty"`
	Aims       []aim      `json:"aims,omitempty"`
}

// skipped is an operation this host cannot run.
type skipped struct {
	Name  string `json:"name"`
	Needs string `json:"needs"`
}

// aim is one of gorump's performance aims (docs: the anchor figures),
// checked against this run.
type aim struct {
	Aim   string `json:"aim"`
	Value string `json:"value"`
	Met   bool   `json:"met"`
}

// opStats are one operation's medians.
type opStats struct {
	Name     string     `json:"name"`
	Doc      string     `json:"doc"`
	Metadata bool       `json:"metadata,omitempty"`
	Unit     string     `json:"unit,omitempty"`
	Gorump   sideStats  `json:"gorump"`
	Host     *sideStats `json:"host,omitempty"`
	// Ratio is host ns/op over gorump ns/op: above 1 gorump is faster.
	Ratio float64 `json:"ratio,omitempty"`
}

// sideStats are medians over the runs of one side.
type sideStats struct {
	NsPerOp  float64 `json:"ns_per_op"`
	MBPerSec float64 `json:"mb_per_s,omitempty"`
	// PerSec is the rate in the operation's Unit per second.
	PerSec      float64            `json:"per_s,omitempty"`
	AllocsPerOp float64            `json:"allocs_per_op"`
	BytesPerOp  float64            `json:"bytes_per_op"`
	Metrics     map[string]float64 `json:"metrics,omitempty"`
	Runs        []float64          `json:"runs_ns_per_op"`
}

// measure runs op count times per side, alternating sides so drift in
// the machine touches both alike.
func measure(op ops.Op, count int, progress io.Writer) opStats {
	var g, h []testing.BenchmarkResult
	for i := range count {
		fmt.Fprintf(progress, "%s/gorump %d/%d\n", op.Name, i+1, count)
		g = append(g, run(op.Name+"/gorump", op.Gorump))
		if op.Host != nil {
			fmt.Fprintf(progress, "%s/host %d/%d\n", op.Name, i+1, count)
			h = append(h, run(op.Name+"/host", op.Host))
		}
	}
	st := opStats{Name: op.Name, Doc: op.Doc, Metadata: op.Metadata, Unit: op.Unit, Gorump: summarize(g, op)}
	if op.Host != nil {
		hs := summarize(h, op)
		st.Host = &hs
		st.Ratio = hs.NsPerOp / st.Gorump.NsPerOp
	}
	return st
}

func run(name string, f func(*testing.B)) testing.BenchmarkResult {
	r := testing.Benchmark(f)
	if r.N == 0 {
		fatalf("%s failed (run go test -bench in package rump to see why)", name)
	}
	return r
}

func summarize(rs []testing.BenchmarkResult, op ops.Op) sideStats {
	perOp := func(f func(r testing.BenchmarkResult) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return median(v)
	}
	var s sideStats
	for _, r := range rs {
		s.Runs = append(s.Runs, float64(r.T.Nanoseconds())/float64(r.N))
	}
	s.NsPerOp = median(slices.Clone(s.Runs))
	if op.Bytes > 0 {
		s.MBPerSec = float64(op.Bytes) / s.NsPerOp * 1e3
	}
	if op.Items > 0 {
		s.PerSec = float64(op.Items) / s.NsPerOp * 1e9
	}
	s.AllocsPerOp = perOp(func(r testing.BenchmarkResult) float64 { return float64(r.MemAllocs) / float64(r.N) })
	s.BytesPerOp = perOp(func(r testing.BenchmarkResult) float64 { return float64(r.MemBytes) / float64(r.N) })
	for name := range rs[0].Extra {
		if s.Metrics == nil {
			s.Metrics = map[string]float64{}
		}
		s.Metrics[name] = perOp(func(r testing.BenchmarkResult) float64 { return r.Extra[name] })
	}
	return s
}

func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func (rep *report) print(w io.Writer, quiet bool) {
	if rep.Note != "" {
		fmt.Fprintf(w, "note: %s\n", rep.Note)
	}
	if !quiet {
		fmt.Fprintf(w, "gorump vs the host kernel (%s), %s, GOMAXPROCS %d, benchtime %s, median of %d\n",
			rep.HostDir, rep.GoVersion, rep.GOMAXPROCS, rep.Benchtime, rep.Count)
		fmt.Fprintln(w, "ratio = host ns/op / gorump ns/op; above 1 gorump is faster")
		if rep.FFSDir != "" {
			size := "full sizes"
			if rep.Short {
				size = "-short sizes"
			}
			fmt.Fprintf(w, "FFS operations: images and host files under %s (%s), %s; host page cache not dropped\n",
				rep.FFSDir, rep.FFSDirType, size)
		}
		fmt.Fprintln(w)
	}
	if len(rep.Ops)+len(rep.Skipped) > 0 {
		fmt.Fprintf(w, "%-18s %13s %13s %8s %15s %15s %10s\n",
			"operation", "gorump ns/op", "host ns/op", "ratio", "gorump rate", "host rate", "allocs/op")
	}
	for _, o := range rep.Ops {
		host, ratio, hostRate := "-", "-", ""
		if o.Host != nil {
			host = fmtNs(o.Host.NsPerOp)
			ratio = fmt.Sprintf("%.2f", o.Ratio)
			hostRate = fmtRate(*o.Host, o.Unit)
		}
		fmt.Fprintf(w, "%-18s %13s %13s %8s %15s %15s %10.1f\n",
			o.Name, fmtNs(o.Gorump.NsPerOp), host, ratio, fmtRate(o.Gorump, o.Unit), hostRate, o.Gorump.AllocsPerOp)
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(w, "%-18s skipped: needs %s\n", s.Name, s.Needs)
	}
	var kernel []string
	for _, o := range rep.Ops {
		switch o.Name {
		case "BootHalt":
			kernel = append(kernel, fmt.Sprintf("boot+halt:            %s per kernel (mean), median %s, fastest %s",
				fmtDur(o.Gorump.NsPerOp), fmtDur(o.Gorump.Metrics[ops.MetricMedian]), fmtDur(o.Gorump.Metrics[ops.MetricFastest])))
		case "KernelMemory":
			kernel = append(kernel, fmt.Sprintf("boot alone:           %s per kernel", fmtDur(o.Gorump.NsPerOp)),
				"heap per idle kernel: "+fmtBytes(o.Gorump.Metrics[ops.MetricHeapPerKernel]))
		}
	}
	if r := rep.RSS; r != nil {
		build := r.Build
		if build == "" {
			build = "default settings"
		}
		kernel = append(kernel,
			fmt.Sprintf("process RSS, median of %d runs of programs built for it (%s):", r.Runs, build),
			"  an empty Go program:     "+r.Empty.String(),
			"  rump linked, not booted: "+r.Linked.String(),
			fmt.Sprintf("  after one boot:          %s, +%s", r.Booted, fmtBytes(float64(r.Booted.Total-r.Linked.Total))))
		if len(r.Libs) > 0 {
			kernel = append(kernel, "  shared libraries mapped: "+strings.Join(r.Libs, ", ")+
				" (package net, which rump imports, links cgo unless CGO_ENABLED=0 or -tags netgo)")
		}
		if r.NoCgo != nil {
			kernel = append(kernel, "  after one boot, CGO_ENABLED=0: "+r.NoCgo.String())
		}
	}
	if len(kernel) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(kernel, "\n"))
	}
	if rep.CAPI != nil {
		fmt.Fprintln(w)
		rep.CAPI.print(w, quiet, rep.Count)
	}
	if len(rep.Aims) > 0 {
		fmt.Fprintln(w)
		for _, a := range rep.Aims {
			verdict := "met"
			if !a.Met {
				verdict = "NOT MET"
			}
			fmt.Fprintf(w, "aim: %-44s %-7s %s\n", a.Aim, verdict, a.Value)
		}
	}
	if !quiet {
		fmt.Fprintln(w)
		for _, o := range rep.Ops {
			fmt.Fprintf(w, "%-18s %s\n", o.Name, o.Doc)
		}
	}
}

// checkAims holds the run against the aims the operations it ran can
// speak to.
func checkAims(rep *report) []aim {
	var aims []aim
	var slowest *opStats
	for i, o := range rep.Ops {
		if o.Metadata && o.Host != nil && (slowest == nil || o.Ratio < slowest.Ratio) {
			slowest = &rep.Ops[i]
		}
	}
	if slowest != nil {
		aims = append(aims, aim{"metadata operations at least as fast as host",
			fmt.Sprintf("lowest ratio %.2f (%s)", slowest.Ratio, slowest.Name), slowest.Ratio >= 1})
	}
	var boot *opStats
	for i, o := range rep.Ops {
		switch o.Name {
		case "FFSSeqWrite":
			aims = append(aims, aim{"FFS seq write + fsync at least 0.9x raw file",
				fmt.Sprintf("ratio %.2f (%.0f vs %.0f MB/s)", o.Ratio, o.Gorump.MBPerSec, o.Host.MBPerSec), o.Ratio >= 0.9})
		case "FFSSeqRead":
			aims = append(aims, aim{"FFS seq read after remount at least 0.9x raw",
				fmt.Sprintf("ratio %.2f (%.0f vs %.0f MB/s)", o.Ratio, o.Gorump.MBPerSec, o.Host.MBPerSec), o.Ratio >= 0.9})
		case "Getpid":
			aims = append(aims, aim{"getpid under 50 ns", fmtNs(o.Gorump.NsPerOp) + " ns", o.Gorump.NsPerOp < 50})
		case "BootHalt":
			boot = &rep.Ops[i]
		case "KernelMemory":
			if boot == nil {
				boot = &rep.Ops[i]
			}
		}
	}
	if boot != nil {
		aims = append(aims, aim{"boot under 1 ms", fmtDur(boot.Gorump.NsPerOp) + " (" + boot.Name + ")",
			boot.Gorump.NsPerOp < 1e6})
	}
	if r := rep.RSS; r != nil {
		aims = append(aims, rssAim(r))
	}
	if rep.CAPI != nil {
		aims = append(aims, capiAims(rep.CAPI)...)
	}
	return aims
}

// rssLimit is the resident memory of NetBSD's rump kernel after
// rump_init with vfs and tmpfs (the anchor figures): gorump aims for no
// more.
const rssLimit = 49 << 20 / 10

// rssAim holds a booted program's resident memory against rssLimit and
// says what it is made of: the Go runtime's floor (an empty Go program,
// which gorump cannot go below), and what linking and booting gorump add
// to it.
func rssAim(r *rssStats) aim {
	a := aim{Aim: "resident memory after boot under 4.9 MiB", Met: r.Booted.Total < rssLimit}
	own := r.Booted.Total - r.Empty.Total
	a.Value = fmt.Sprintf("%s = %s an empty Go program + %s gorump linked and booted",
		fmtBytes(float64(r.Booted.Total)), fmtBytes(float64(r.Empty.Total)), fmtBytes(float64(own)))
	if r.Booted.Libs > 0 {
		a.Value += fmt.Sprintf(" (%s of it %s, which cgo maps", fmtBytes(float64(r.Booted.Libs)), strings.Join(r.Libs, " and "))
		if r.NoCgo != nil {
			a.Value += fmt.Sprintf("; %s in all built with CGO_ENABLED=0", fmtBytes(float64(r.NoCgo.Total)))
		}
		a.Value += ")"
	}
	if r.Empty.Total >= rssLimit {
		a.Value += "; out of reach: the Go runtime alone holds " + fmtBytes(float64(r.Empty.Total))
	}
	return a
}

// fmtRate formats a side's rate: MB/s, or the operation's unit per
// second; "" when it has neither.
func fmtRate(s sideStats, unit string) string {
	switch {
	case s.MBPerSec > 0:
		return fmt.Sprintf("%.0f MB/s", s.MBPerSec)
	case s.PerSec >= 1e4:
		return fmt.Sprintf("%.1fk %s/s", s.PerSec/1e3, unit)
	case s.PerSec > 0:
		return fmt.Sprintf("%.0f %s/s", s.PerSec, unit)
	}
	return ""
}

func fmtNs(ns float64) string {
	if ns < 100 {
		return fmt.Sprintf("%.1f", ns)
	}
	return fmt.Sprintf("%.0f", ns)
}

func fmtDur(ns float64) string {
	return time.Duration(ns).Round(100 * time.Nanosecond).String()
}

func fmtBytes(b float64) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.2f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}

func fatalf(format string, args ...any) {
	ops.Cleanup()
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(1)
}
