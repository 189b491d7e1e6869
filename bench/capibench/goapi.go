package capibench

import (
	"fmt"
	"path"
	"strconv"
	"sync"
	"time"

	"github.com/gorump/gorump/bench/ops"
	"github.com/gorump/gorump/rump"
)

// maxIterations caps the iteration count, as testing caps b.N.
const maxIterations = 1_000_000_000

// MeasureGo boots a gorump kernel (rump.Options{}, files on its root
// tmpfs) and times the operations of bench/ops.Calls through package
// rump, as init, in every mode: Main on the calling goroutine, the others
// on goroutines of their own, each on files of its own. With iterations
// above 0 it makes that many calls on each goroutine, once; otherwise it
// grows the count until a run lasts goal, as the C program does.
func MeasureGo(goal time.Duration, iterations int64) (figs []Figure, err error) {
	k, err := rump.Init(rump.Options{})
	if err != nil {
		return nil, fmt.Errorf("boot: %v", err)
	}
	defer func() {
		if herr := k.Halt(); err == nil && herr != nil {
			err = fmt.Errorf("halt: %v", herr)
		}
	}()
	p := k.InitProc()
	for _, c := range ops.Calls() {
		calls, done, err := prepare(p, c)
		if err != nil {
			return nil, err
		}
		for _, m := range Modes() {
			n, ns, err := measure(calls[:m.threads()], m == Main, goal, iterations)
			if err != nil {
				done()
				return nil, fmt.Errorf("%s %s: %v", c.Name, m, err)
			}
			figs = append(figs, Figure{Side: GoAPI, Op: c.Name, Mode: m, Iterations: n, NsPerOp: ns})
		}
		done()
	}
	return figs, nil
}

// prepare prepares c for each of the threads a mode may run, each in
// its own directory /bench/NAME/tI, and returns their loops of calls and
// what releases them all.
func prepare(p *rump.Proc, c ops.Call) ([]func(int) error, func(), error) {
	var calls []func(int) error
	var dones []func()
	done := func() {
		for _, d := range dones {
			d()
		}
	}
	for i := range Pair.threads() {
		dir := "/bench/" + c.Name + "/t" + strconv.Itoa(i)
		if err := mkdirAll(p, dir); err != nil {
			done()
			return nil, nil, err
		}
		call, d, err := c.OnGorump(p, dir)
		if err != nil {
			done()
			return nil, nil, fmt.Errorf("%s: %v", c.Name, err)
		}
		calls = append(calls, call)
		dones = append(dones, d)
	}
	return calls, done, nil
}

// mkdirAll makes dir and its parents in p's kernel.
func mkdirAll(p *rump.Proc, dir string) error {
	if dir == "/" {
		return nil
	}
	if _, err := p.Stat(dir); err == nil {
		return nil
	}
	if err := mkdirAll(p, path.Dir(dir)); err != nil {
		return err
	}
	return p.Mkdir(dir, 0o755)
}

// measure times loops of calls, each on a goroutine of its own, started
// at once, or calls[0] on the calling goroutine if onCaller. With fixed
// above 0 each makes that many calls, once; otherwise the count grows
// until the slowest goroutine's run lasts goal. It returns the count and
// the mean over the goroutines of each one's ns per call.
func measure(calls []func(int) error, onCaller bool, goal time.Duration, fixed int64) (n int64, nsPerOp float64, err error) {
	n = max(fixed, 1)
	for {
		ns, longest, err := run(calls, onCaller, n)
		if err != nil {
			return 0, 0, err
		}
		if fixed > 0 || longest >= goal || n >= maxIterations {
			return n, ns, nil
		}
		n = nextN(goal, n, longest)
	}
}

// run makes n calls with each of calls and returns the mean ns per call
// and the slowest one's elapsed time.
func run(calls []func(int) error, onCaller bool, n int64) (nsPerOp float64, longest time.Duration, err error) {
	elapsed := make([]time.Duration, len(calls))
	errs := make([]error, len(calls))
	loop := func(i int) {
		start := time.Now()
		errs[i] = calls[i](int(n))
		elapsed[i] = time.Since(start)
	}
	if onCaller {
		loop(0)
	} else {
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range calls {
			wg.Go(func() {
				<-start
				loop(i)
			})
		}
		close(start)
		wg.Wait()
	}
	var sum float64
	for i, e := range elapsed {
		if errs[i] != nil {
			return 0, 0, errs[i]
		}
		sum += float64(e.Nanoseconds()) / float64(n)
		longest = max(longest, e)
	}
	return sum / float64(len(calls)), longest, nil
}

// nextN predicts the iteration count that lasts goal from the last run's,
// as Go's testing package (and the C program's nextn) does: 20% over
// the prediction, at least one more and at most 100 times as many as
// before, and no more than maxIterations.
func nextN(goal time.Duration, last int64, took time.Duration) int64 {
	n := 100 * float64(last)
	if took > 0 {
		n = float64(goal) * float64(last) / float64(took)
	}
	n += n / 5
	n = min(n, 100*float64(last))
	n = max(n, float64(last+1))
	return int64(min(n, maxIterations))
}
