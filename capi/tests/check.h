/* check.h: what the capi test programs share. */
#ifndef CHECK_H
#define CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

/* CHECK fails the program when cond is false, saying where and errno. */
#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: %s failed (errno %d)\n", \
		    __FILE__, __LINE__, #cond, errno); \
		exit(1); \
	} \
} while (0)

/* FAILS checks that call returns -1 with errno e (NetBSD's number). */
#define FAILS(call, e) do { \
	errno = 0; \
	long r_ = (long)(call); \
	if (r_ != -1 || errno != (e)) { \
		fprintf(stderr, "%s:%d: %s = %ld errno %d, want -1 errno %d\n", \
		    __FILE__, __LINE__, #call, r_, errno, (e)); \
		exit(1); \
	} \
} while (0)

/* OK checks that call does not return -1 and gives its result. */
#define OK(call) ok_((long)(call), #call, __FILE__, __LINE__)

static inline long
ok_(long r, const char *what, const char *file, int line)
{
	if (r == -1) {
		fprintf(stderr, "%s:%d: %s failed: errno %d\n", file, line, what, errno);
		exit(1);
	}
	return r;
}

#endif
