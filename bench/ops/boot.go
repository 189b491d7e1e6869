package ops

import (
	"runtime"
	"testing"

	"github.com/gorump/gorump/rump"
)

func bootHalt(b *testing.B) {
	for b.Loop() {
		k, err := rump.Init(rump.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := k.Halt(); err != nil {
			b.Fatal(err)
		}
	}
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
