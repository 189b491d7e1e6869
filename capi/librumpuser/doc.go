// Package librumpuser holds librumpuser_gorump (rumpuser.c), gorump's
// own hypercall library in C: the part of NetBSD's rumpuser(3) version
// 17 that gorump's kernel calls, on POSIX hosts, with no Go runtime in
// it. buildrump -k builds it beside a kernel-only librump and links its
// C tests with it.
//
// Built with the tag gorump_kernelonly, this package compiles
// rumpuser.c into the Go program that imports it, which is how Go
// tests give rumpuser/hypercall its hypercalls; without the tag it is
// empty.
package librumpuser
