// Package rssprobe holds the programs whose resident memory the bench
// runner (go run ./bench) weighs, built afresh in each run with go build:
// empty, a Go program that links nothing but the runtime and package os,
// and boot, one that links package rump and boots a kernel. Each writes a
// byte to standard output when it is ready to be weighed, and goes on
// when it reads a byte from standard input; the runner reads its
// /proc/PID/smaps meanwhile, so nothing of the weighing is linked into
// the programs weighed.
package rssprobe
