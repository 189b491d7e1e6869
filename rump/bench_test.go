package rump_test

import (
	"os"
	"testing"

	"github.com/gorump/gorump/bench/ops"
)

// The benchmarks compare a gorump kernel with the host kernel doing the
// same thing: each has sub-benchmarks gorump and host (for booting, only
// gorump). The operations live in bench/ops, which the bench runner
// (go run ./bench) shares.

func BenchmarkGetpid(b *testing.B)            { runOp(b, "Getpid") }
func BenchmarkStat(b *testing.B)              { runOp(b, "Stat") }
func BenchmarkOpenClose(b *testing.B)         { runOp(b, "OpenClose") }
func BenchmarkCreateWriteUnlink(b *testing.B) { runOp(b, "CreateWriteUnlink") }
func BenchmarkRead4K(b *testing.B)            { runOp(b, "Read4K") }
func BenchmarkSeqWrite1M(b *testing.B)        { runOp(b, "SeqWrite1M") }
func BenchmarkSeqRead1M(b *testing.B)         { runOp(b, "SeqRead1M") }
func BenchmarkBootHalt(b *testing.B)          { runOp(b, "BootHalt") }
func BenchmarkKernelMemory(b *testing.B)      { runOp(b, "KernelMemory") }

// The FFS benchmarks work in os.TempDir() ($TMPDIR); -short makes them
// smaller. See bench/ops/ffs.go.
func BenchmarkFFSSeqWrite(b *testing.B)     { runOp(b, "FFSSeqWrite") }
func BenchmarkFFSSeqRead(b *testing.B)      { runOp(b, "FFSSeqRead") }
func BenchmarkFFSCreateFlat(b *testing.B)   { runOp(b, "FFSCreateFlat") }
func BenchmarkFFSCreateTree(b *testing.B)   { runOp(b, "FFSCreateTree") }
func BenchmarkFFSReadTree(b *testing.B)     { runOp(b, "FFSReadTree") }
func BenchmarkFFSReadTreeCold(b *testing.B) { runOp(b, "FFSReadTreeCold") }

// TestMain removes what the benchmarks shared once they have all run.
func TestMain(m *testing.M) {
	code := m.Run()
	ops.Cleanup()
	os.Exit(code)
}

func runOp(b *testing.B, name string) {
	for _, op := range ops.All(ops.Options{Short: testing.Short()}) {
		if op.Name != name {
			continue
		}
		b.Run("gorump", func(b *testing.B) {
			b.ReportAllocs()
			op.Gorump(b)
		})
		if op.Host != nil {
			b.Run("host", func(b *testing.B) {
				b.ReportAllocs()
				op.Host(b)
			})
		}
		return
	}
	b.Fatalf("no operation %s in bench/ops", name)
}

// TestBenchOpsCovered checks that every operation in bench/ops has a
// benchmark here.
func TestBenchOpsCovered(t *testing.T) {
	have := map[string]bool{"Getpid": true, "Stat": true, "OpenClose": true, "CreateWriteUnlink": true,
		"Read4K": true, "SeqWrite1M": true, "SeqRead1M": true, "BootHalt": true, "KernelMemory": true,
		"FFSSeqWrite": true, "FFSSeqRead": true, "FFSCreateFlat": true, "FFSCreateTree": true,
		"FFSReadTree": true, "FFSReadTreeCold": true}
	for _, op := range ops.All(ops.Options{}) {
		if !have[op.Name] {
			t.Errorf("bench/ops has %s but rump has no Benchmark%s", op.Name, op.Name)
		}
	}
}
