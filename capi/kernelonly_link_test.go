//go:build gorump_kernelonly

package main

// Tested with the tag, capi is the kernel-only librump: its test binary
// needs a hypercall library, gorump's own.
import _ "github.com/gorump/gorump/capi/librumpuser"
