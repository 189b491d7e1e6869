package ops

import (
	"testing"

	"github.com/gorump/gorump/rump"
)

// A Call is an operation that is one call, or one pair of calls,
// repeated. Its prepare function sets up what the call needs on a kernel
// and returns a loop of it, so that a harness other than testing.B can
// time the same code: package bench/capibench times it from several
// goroutines beside the C library making the same calls, in a loop of
// the same shape.
type Call struct {
	Name string
	Doc  string
	// Bytes is what one call moves, for MB/s; 0 if none.
	Bytes int64
	// prepare sets up the call on k in dir, which exists, and returns
	// calls, which makes it n times, and what releases what prepare
	// took (never nil).
	prepare func(k kernel, dir string) (calls func(n int) error, done func(), err error)
}

// The calls. Their Ops are in All; Calls lists them for other harnesses.
var (
	getpidCall = Call{Name: "Getpid", Doc: "getpid(): gorump p.PID(), host syscall.Getpid",
		prepare: prepareGetpid}
	openCloseCall = Call{Name: "OpenClose", Doc: "open(2) O_RDONLY then close(2) of an existing file",
		prepare: prepareOpenClose}
	read4KCall = Call{Name: "Read4K", Doc: "pread(2) of 4 KiB at offset 0 of a 1 MiB file",
		Bytes: read4KSize, prepare: prepareRead4K}
)

// Calls returns the operations that are one call repeated: Getpid,
// OpenClose and Read4K, the calls the C library is compared on.
func Calls() []Call { return []Call{getpidCall, openCloseCall, read4KCall} }

// OnGorump prepares c in process p of a gorump kernel, working in dir,
// which must exist. It returns calls, which makes c's call n times and
// stops with an error at the first that fails, and done, which releases
// what c holds (an open descriptor) once the last calls has returned.
// calls is for one goroutine at a time: goroutines running at once each
// prepare c, in directories of their own.
func (c Call) OnGorump(p *rump.Proc, dir string) (calls func(n int) error, done func(), err error) {
	return c.prepare(gorumpKernel{p}, dir)
}

// op is c as an Op the runner and go test -bench time: calls(b.N).
func (c Call) op() Op {
	return sided(c.Name, c.Doc, c.Bytes, func(b *testing.B, k kernel, dir string) {
		calls, done, err := c.prepare(k, dir)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(done)
		if c.Bytes > 0 {
			b.SetBytes(c.Bytes)
		}
		b.ResetTimer()
		if err := calls(b.N); err != nil {
			b.Fatal(err)
		}
	})
}
