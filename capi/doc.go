// Command capi is librump, gorump's C library: a rump kernel for C
// programs with NetBSD's names, prototypes, numbers and layouts. Build
// it as a shared library or an archive:
//
//	go build -buildmode=c-shared -o librump.so ./capi
//	go build -buildmode=c-archive -o librump.a ./capi
//
// and compile against capi/include: rump/rump.h (rump_init, etfs,
// lwproc, rump_pub_shmif_create), rump/netconfig.h, rump/rump_syscalls.h
// (every rump_sys_ call of NetBSD's table, also exported as
// rump___sysimpl_), rump/rumpdefs.h (RUMP_ constants and rump_ structs
// with NetBSD's layouts) and rump/rumpuser.h (the hypercall interface's
// constants):
//
//	cc -Icapi/include prog.c librump.a -lpthread    (or -L. -lrump)
//
// The test programs in capi/tests (one main each; ffs takes an FFS
// image, made with go run ./cmd/ffs newfs -s 16m img; shmif runs itself
// again as a second process) are built that way by capi's Go tests,
// which run each against both libraries:
//
//	gcc -Wall -Wextra -Werror -Icapi/include capi/tests/fs.c librump.a -lpthread -ldl -lm
//
// A rump_sys_ call returns -1 and sets the calling thread's errno to a
// NetBSD error number (RUMP_ENOENT is 2 whatever the host's ENOENT is).
// Before rump_init every call fails with RUMP_ENXIO.
// The library is thread-safe; each host thread has its own current lwp,
// kept in C thread-local storage and handed to the Go side on every
// call. Pointers are the process's own memory: NULL and addresses in the
// first page give EFAULT, other bad pointers crash the process, as they
// do in NetBSD's in-process rump kernels.
//
// Built with the tag gorump_kernelonly (what buildrump -k builds), the
// library is kernel-only: it has no POSIX host inside, and rump_init
// boots on NetBSD's rumpuser(3) version 17 hypercalls, C functions the
// program links from a hypercall library (rump/rumpuser.h lists the ones
// gorump calls); capi/librumpuser holds gorump's own, for POSIX hosts
// (kernelonly.go, kernelonly.c):
//
//	go build -tags gorump_kernelonly -buildmode=c-archive -o librump.a ./capi
//	cc -Icapi/include -c capi/librumpuser/rumpuser.c
//	cc -Icapi/include prog.c librump.a rumpuser.o -lpthread -ldl -lm
//
// The rump_sys_ wrappers (zsyscalls.c) and the headers rump_syscalls.h
// and rumpdefs.h are generated from package sys's table and the
// kernel's constants by internal/gen:
//
//	go generate ./capi
package main

//go:generate go run ./internal/gen/mkcapi
