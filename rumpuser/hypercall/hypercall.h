//go:build gorump_kernelonly

/* hypercall.h: the C helpers of package hypercall (hypercall.c). */
#ifndef GORUMP_HYPERCALL_H
#define GORUMP_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>

#include <rump/rumpuser.h>

/*
 * gorump_hypercall_bio starts rumpuser_bio with a completion that hands
 * (done, bytes, error) to the Go side (hypercallBioDone) under the
 * handle done.
 */
void gorump_hypercall_bio(int fd, int op, void *data, size_t dlen,
    int64_t off, uintptr_t done);

/* gorump_hypercall_dputs prints s with rumpuser_dprintf. */
void gorump_hypercall_dputs(const char *s);

/*
 * gorump_hypercall_noupcalls is an upcall table for a kernel that offers
 * the hypervisor nothing to call back: scheduling does nothing, process
 * and syscall upcalls fail with ENXIO.
 */
extern const struct rumpuser_hyperup gorump_hypercall_noupcalls;

#endif
