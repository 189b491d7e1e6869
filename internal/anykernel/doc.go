// Package anykernel holds the test that enforces gorump's one rule: kernel
// packages (kern, vfs, fs/*, net/*, dev/*) reach the host only through the
// hypercall interface. They import neither os, syscall, golang.org/x/sys,
// net, os/exec nor a host package, and read no clock but the host's.
// Packages named *test (conformance suites, fakes) and *tool (a driver's
// host-side image tools, such as fs/ffs/ffstool) are not kernel code.
//
// It has no code of its own; run it with go test.
package anykernel
