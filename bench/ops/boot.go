package ops

import (
	"runtime"
	"testing"
	"time"

	"github.com/gorump/gorump/rump"
)

// bootHalt times boot and halt. Besides the mean (ns/op), it reports the
// median and the fastest iteration: on a busy machine the mean is
// mostly the slow tail, iterations the host's scheduler held up.
func bootHalt(b *testing.B) {
	var laps lapHistogram
	for b.Loop() {
		start := time.Now()
		k, err := rump.Init(rump.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := k.Halt(); err != nil {
			b.Fatal(err)
		}
		laps.add(time.Since(start))
	}
	b.ReportMetric(float64(laps.median()), MetricMedian)
	b.ReportMetric(float64(laps.min), MetricFastest)
}

// lapHistogram counts iteration times in steps of lapStep up to
// lapSteps*lapStep; longer ones count in the last step. It allocates
// nothing as it counts, so the timed loop's allocations stay the
// operation's own.
type lapHistogram struct {
	steps [lapSteps]int
	n     int
	min   time.Duration
}

const (
	lapStep  = 100 * time.Nanosecond
	lapSteps = 10000
)

func (h *lapHistogram) add(d time.Duration) {
	if h.n == 0 || d < h.min {
		h.min = d
	}
	h.n++
	h.steps[min(int(d/lapStep), lapSteps-1)]++
}

// median returns the middle of the step that holds the median lap.
func (h *lapHistogram) median() time.Duration {
	seen := 0
	for i, c := range h.steps {
		if seen += c; 2*seen > h.n {
			return time.Duration(i)*lapStep + lapStep/2
		}
	}
	return 0
}

// memoryBatch is how many kernels kernelMemory keeps booted at once
// before weighing them.
const memoryBatch = 64

// kernelMemory times boot alone and reports the live heap each idle
// kernel holds: kernels are kept in batches and the heap is weighed,
// after a collection, before and after each batch; weighing and halting
// are not timed.
func kernelMemory(b *testing.B) {
	live := make([]*rump.Kernel, 0, memoryBatch)
	var before, after runtime.MemStats
	weigh := func(m *runtime.MemStats) {
		runtime.GC()
		runtime.ReadMemStats(m)
	}
	var heap float64
	var kernels int
	settle := func() {
		weigh(&after)
		heap += float64(after.HeapAlloc) - float64(before.HeapAlloc)
		kernels += len(live)
		for _, k := range live {
			if err := k.Halt(); err != nil {
				b.Fatal(err)
			}
		}
		clear(live)
		live = live[:0]
		weigh(&before)
	}
	weigh(&before)
	for b.Loop() {
		k, err := rump.Init(rump.Options{})
		if err != nil {
			b.Fatal(err)
		}
		live = append(live, k)
		if len(live) == memoryBatch {
			b.StopTimer()
			settle()
			b.StartTimer()
		}
	}
	b.StopTimer()
	if len(live) > 0 {
		settle()
	}
	b.ReportMetric(heap/float64(kernels), MetricHeapPerKernel)
}
