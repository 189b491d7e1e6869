// Package ops holds the operations gorump's benchmarks time. Each is
// written once against a small kernel interface and run on two sides: a
// gorump kernel (booted with rump.Options{}, the POSIX host, files on the
// root tmpfs) and the host kernel (raw syscalls, files on /dev/shm). The
// ratio between the two compares kernels, not harnesses. The go test
// benchmarks in package rump and the bench runner both run them, so the
// two report the same thing.
//
// The FFS operations (ffs.go) run on an FFS image, a host file in a
// scratch directory mounted in a gorump kernel, against the host kernel
// working in the same scratch directory.
package ops

import (
	"os"
	"path"
	"strings"
	"testing"
)

// Op is one benchmarked operation.
type Op struct {
	// Name identifies the operation; the go test benchmark is
	// Benchmark<Name>.
	Name string
	// Doc says what one iteration does.
	Doc string
	// Bytes is what one iteration moves, for MB/s; 0 for metadata
	// operations.
	Bytes int64
	// Items is how many things (Unit) one iteration handles, for a rate
	// in Unit per second; 0 when Bytes gives the rate or there is none.
	Items int64
	Unit  string
	// Metadata marks the file-system metadata operations, which gorump
	// aims to do at least as fast as the host kernel.
	Metadata bool
	// Gorump times the operation in a gorump kernel.
	Gorump func(b *testing.B)
	// Host times it on the host kernel; nil when the host has no
	// counterpart (booting a kernel).
	Host func(b *testing.B)
	// Missing says what this host lacks to run the operation (a peer
	// tool), or "" when nothing is missing. Gorump and Host skip the
	// benchmark, or fail it under GORUMP_REQUIRE_PEERS=1, without it.
	Missing func() string
}

// Options say where and how big the operations run.
type Options struct {
	// Dir is the scratch directory of the FFS operations: images and
	// host files go in fresh directories under it. Empty means
	// os.TempDir().
	Dir string
	// Short makes the FFS operations smaller (see ffsSizes).
	Short bool
}

// ScratchDir returns the directory the FFS operations work under.
func (o Options) ScratchDir() string {
	if o.Dir != "" {
		return o.Dir
	}
	return os.TempDir()
}

// MetricHeapPerKernel is the unit of the metric KernelMemory reports: the
// live heap a booted, idle kernel holds, in bytes.
const MetricHeapPerKernel = "heap-B/kernel"

// MetricMedian and MetricFastest are the units of the metrics BootHalt
// reports besides the mean: the median iteration and the fastest one, in
// nanoseconds.
const (
	MetricMedian  = "p50-ns/op"
	MetricFastest = "min-ns/op"
)

// All returns every operation, in the order the runner prints them.
func All(o Options) []Op {
	return append([]Op{
		getpidCall.op(),
		metadata(sided("Stat", "stat(2) of an existing file 4 directories deep", 0, stat)),
		metadata(openCloseCall.op()),
		metadata(sided("CreateWriteUnlink", "open O_CREAT|O_TRUNC, write 4 KiB, close, unlink", 0, createWriteUnlink)),
		read4KCall.op(),
		sided("SeqWrite1M", "write(2) of 1 MiB, sequentially through a 64 MiB file", seqSize, seqWrite),
		sided("SeqRead1M", "read(2) of 1 MiB, sequentially through a 64 MiB file", seqSize, seqRead),
		{Name: "BootHalt", Doc: "rump.Init(rump.Options{}) then Halt", Gorump: bootHalt},
		{Name: "KernelMemory", Doc: "rump.Init(rump.Options{}) alone; kernels kept in batches to weigh their heap", Gorump: kernelMemory},
	}, ffsOps(o)...)
}

// sided makes an Op that runs body on both sides.
func sided(name, doc string, bytes int64, body func(b *testing.B, k kernel, dir string)) Op {
	return Op{
		Name:  name,
		Doc:   doc,
		Bytes: bytes,
		Gorump: func(b *testing.B) {
			k, dir := gorumpSide(b)
			body(b, k, dir)
		},
		Host: func(b *testing.B) {
			k, dir := hostSide(b)
			body(b, k, dir)
		},
	}
}

func metadata(op Op) Op {
	op.Metadata = true
	return op
}

// HostBase returns the host directory the host side works under:
// /dev/shm, the host's tmpfs, or os.TempDir when there is none, in which
// case note says so.
func HostBase() (dir, note string) {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		return "/dev/shm", ""
	}
	tmp := os.TempDir()
	return tmp, "no /dev/shm on this host: the host side runs in " + tmp + ", which may not be a tmpfs"
}

// benchDirName is the gorump side's working directory under the host
// base path; the host side's is a fresh directory of the same depth.
const benchDirName = "gorump-bench"

// gorumpSide boots a kernel for one benchmark, halted when it ends, and
// makes its working directory at the same path depth the host side uses.
func gorumpSide(b *testing.B) (kernel, string) {
	b.Helper()
	g := bootGorump(b)
	base, _ := HostBase()
	dir := path.Join(base, benchDirName)
	cur := ""
	for _, c := range strings.Split(strings.Trim(dir, "/"), "/") {
		cur += "/" + c
		if err := g.p.Mkdir(cur, 0o755); err != nil {
			if _, serr := g.p.Stat(cur); serr != nil {
				b.Fatalf("gorump: mkdir %s: %v", cur, err)
			}
		}
	}
	return g, dir
}

// hostSide makes a fresh directory under HostBase for one benchmark,
// removed when it ends.
func hostSide(b *testing.B) (kernel, string) {
	b.Helper()
	base, note := HostBase()
	if note != "" {
		b.Log(note)
	}
	dir, err := os.MkdirTemp(base, benchDirName+"-")
	if err != nil {
		b.Fatalf("host: %v", err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return hostKernel{}, dir
}
