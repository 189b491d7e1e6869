/* capi.h: what the library's C files share; not installed. */
#ifndef RUMPCAPI_H
#define RUMPCAPI_H

#include <stddef.h>
#include <stdint.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

/*
 * rumpcapi_curlwp is the calling thread's current lwp: a handle of the
 * Go side's table, 0 for the implicit context.
 */
extern __thread uint64_t rumpcapi_curlwp __attribute__((visibility("hidden")));

/* Go exports (capi.go). */
extern int rumpcapi_syscall(uint64_t lwp, int num, void *data, size_t dlen, int64_t *rv);

/* rumpcapi_call makes a syscall for the calling thread's lwp. */
static inline int
rumpcapi_call(int num, void *data, size_t dlen, int64_t *rv)
{
	return rumpcapi_syscall(rumpcapi_curlwp, num, data, dlen, rv);
}

#endif /* RUMPCAPI_H */
