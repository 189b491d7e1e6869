// Package capibench compares librump, gorump's C library (package capi),
// with the Go API and with the host kernel, call for call: getpid, an
// open and close of an existing file, and a 4 KiB pread, the operations
// of bench/ops.Calls. Each is timed from the program's main thread (where
// Python and Lua call from), from one other thread, and from two threads
// at once, and reported as ns per call on each thread.
//
// The C side is a program (c/capibench.c) that Build compiles against
// librump.a, built with go build -buildmode=c-archive from package capi;
// it also makes the host kernel's calls, as raw syscalls. MeasureGo times
// the same calls through package rump, on the calling goroutine and on
// others, with the same timing loop: the iteration count grows, as Go's
// testing package grows b.N, until a run lasts the goal.
//
// The bench runner (go run ./bench -run CAPI) runs both and prints their
// ratios; the test builds the program and runs it with a few iterations.
package capibench
