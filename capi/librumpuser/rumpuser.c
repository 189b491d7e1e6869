//go:build gorump_kernelonly

/*
 * rumpuser.c: librumpuser_gorump, a small hypercall library for POSIX
 * hosts: the subset of NetBSD's rumpuser(3) version 17 that gorump's
 * kernel calls (rump/rumpuser.h lists it), so that librump built
 * kernel-only (buildrump -k) can be tested and used without NetBSD's
 * librumpuser. It needs no Go runtime.
 *
 *	cc -c -Icapi/include capi/librumpuser/rumpuser.c
 *
 * Hypercalls return NetBSD errno values (RUMP_E* of rumpdefs.h), the
 * host's translated. Blocking hypercalls give up the caller's rump
 * kernel context around the host call with the backend scheduling
 * upcalls, as version 17 asks.
 *
 * The environment: RUMP_NCPU ("host" for the host's CPU count; default
 * 2) and every other parameter the kernel asks for by name;
 * RUMP_THREADS=0 makes rumpuser_bio synchronous (by default one I/O
 * thread serves it); RUMPUSER_GORUMP_TRACE, when set and not "0",
 * prints each hypercall but the console's, the clock's and the random
 * source's, with its result, on standard error; RUMPUSER_GORUMP_VERSION
 * makes rumpuser_init claim another interface version, to test a
 * kernel's refusal.
 */
#define _GNU_SOURCE

#include <rump/rumpuser.h>
#include <rump/rumpdefs.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static struct rumpuser_hyperup hyp;
static int tracing;

static void
trace(const char *fmt, ...)
{
	va_list ap;

	if (!tracing)
		return;
	va_start(ap, fmt);
	flockfile(stderr);
	fputs("rumpuser: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
}

/* errtrans translates a host errno to NetBSD's number. */
static int
errtrans(int e)
{
	switch (e) {
	case 0: return 0;
	case EPERM: return RUMP_EPERM;
	case ENOENT: return RUMP_ENOENT;
	case ESRCH: return RUMP_ESRCH;
	case EINTR: return RUMP_EINTR;
	case EIO: return RUMP_EIO;
	case ENXIO: return RUMP_ENXIO;
	case E2BIG: return RUMP_E2BIG;
	case ENOEXEC: return RUMP_ENOEXEC;
	case EBADF: return RUMP_EBADF;
	case ECHILD: return RUMP_ECHILD;
	case EDEADLK: return RUMP_EDEADLK;
	case ENOMEM: return RUMP_ENOMEM;
	case EACCES: return RUMP_EACCES;
	case EFAULT: return RUMP_EFAULT;
	case ENOTBLK: return RUMP_ENOTBLK;
	case EBUSY: return RUMP_EBUSY;
	case EEXIST: return RUMP_EEXIST;
	case EXDEV: return RUMP_EXDEV;
	case ENODEV: return RUMP_ENODEV;
	case ENOTDIR: return RUMP_ENOTDIR;
	case EISDIR: return RUMP_EISDIR;
	case EINVAL: return RUMP_EINVAL;
	case ENFILE: return RUMP_ENFILE;
	case EMFILE: return RUMP_EMFILE;
	case ENOTTY: return RUMP_ENOTTY;
	case ETXTBSY: return RUMP_ETXTBSY;
	case EFBIG: return RUMP_EFBIG;
	case ENOSPC: return RUMP_ENOSPC;
	case ESPIPE: return RUMP_ESPIPE;
	case EROFS: return RUMP_EROFS;
	case EMLINK: return RUMP_EMLINK;
	case EPIPE: return RUMP_EPIPE;
	case EDOM: return RUMP_EDOM;
	case ERANGE: return RUMP_ERANGE;
	case EAGAIN: return RUMP_EAGAIN;
	case EINPROGRESS: return RUMP_EINPROGRESS;
	case EALREADY: return RUMP_EALREADY;
	case ENOTSOCK: return RUMP_ENOTSOCK;
	case EDESTADDRREQ: return RUMP_EDESTADDRREQ;
	case EMSGSIZE: return RUMP_EMSGSIZE;
	case EPROTOTYPE: return RUMP_EPROTOTYPE;
	case ENOPROTOOPT: return RUMP_ENOPROTOOPT;
	case EPROTONOSUPPORT: return RUMP_EPROTONOSUPPORT;
	case ESOCKTNOSUPPORT: return RUMP_ESOCKTNOSUPPORT;
	case EOPNOTSUPP: return RUMP_EOPNOTSUPP;
	case EPFNOSUPPORT: return RUMP_EPFNOSUPPORT;
	case EAFNOSUPPORT: return RUMP_EAFNOSUPPORT;
	case EADDRINUSE: return RUMP_EADDRINUSE;
	case EADDRNOTAVAIL: return RUMP_EADDRNOTAVAIL;
	case ENETDOWN: return RUMP_ENETDOWN;
	case ENETUNREACH: return RUMP_ENETUNREACH;
	case ENETRESET: return RUMP_ENETRESET;
	case ECONNABORTED: return RUMP_ECONNABORTED;
	case ECONNRESET: return RUMP_ECONNRESET;
	case ENOBUFS: return RUMP_ENOBUFS;
	case EISCONN: return RUMP_EISCONN;
	case ENOTCONN: return RUMP_ENOTCONN;
	case ESHUTDOWN: return RUMP_ESHUTDOWN;
	case ETOOMANYREFS: return RUMP_ETOOMANYREFS;
	case ETIMEDOUT: return RUMP_ETIMEDOUT;
	case ECONNREFUSED: return RUMP_ECONNREFUSED;
	case ELOOP: return RUMP_ELOOP;
	case ENAMETOOLONG: return RUMP_ENAMETOOLONG;
	case EHOSTDOWN: return RUMP_EHOSTDOWN;
	case EHOSTUNREACH: return RUMP_EHOSTUNREACH;
	case ENOTEMPTY: return RUMP_ENOTEMPTY;
	case EUSERS: return RUMP_EUSERS;
	case EDQUOT: return RUMP_EDQUOT;
	case ESTALE: return RUMP_ESTALE;
	case EREMOTE: return RUMP_EREMOTE;
	case ENOLCK: return RUMP_ENOLCK;
	case ENOSYS: return RUMP_ENOSYS;
	case EIDRM: return RUMP_EIDRM;
	case ENOMSG: return RUMP_ENOMSG;
	case EOVERFLOW: return RUMP_EOVERFLOW;
	case EILSEQ: return RUMP_EILSEQ;
	case ECANCELED: return RUMP_ECANCELED;
	case EBADMSG: return RUMP_EBADMSG;
	case ENOLINK: return RUMP_ENOLINK;
	case EPROTO: return RUMP_EPROTO;
#ifdef ENODATA
	case ENODATA: return RUMP_ENODATA;
#endif
#ifdef ENOSR
	case ENOSR: return RUMP_ENOSR;
#endif
#ifdef ENOSTR
	case ENOSTR: return RUMP_ENOSTR;
#endif
#ifdef ETIME
	case ETIME: return RUMP_ETIME;
#endif
#ifdef EMULTIHOP
	case EMULTIHOP: return RUMP_EMULTIHOP;
#endif
#ifdef EOWNERDEAD
	case EOWNERDEAD: return RUMP_EOWNERDEAD;
#endif
#ifdef ENOTRECOVERABLE
	case ENOTRECOVERABLE: return RUMP_ENOTRECOVERABLE;
#endif
	}
	/* A host error NetBSD has no number for. */
	return RUMP_EIO;
}

/*
 * unsched gives up the calling thread's rump kernel context before it
 * blocks in the host; sched takes it back.
 */
static int
unsched(void)
{
	int nlocks = 0;

	hyp.hyp_backend_unschedule(0, &nlocks, NULL);
	return nlocks;
}

static void
sched(int nlocks)
{
	hyp.hyp_backend_schedule(nlocks, NULL);
}

int
rumpuser_init(int version, const struct rumpuser_hyperup *hyperup)
{
	const char *t = getenv("RUMPUSER_GORUMP_TRACE");
	const char *v = getenv("RUMPUSER_GORUMP_VERSION");
	int mine = v != NULL && *v != '\0' ? atoi(v) : RUMPUSER_VERSION;

	tracing = t != NULL && *t != '\0' && strcmp(t, "0") != 0;
	if (version != mine) {
		fprintf(stderr, "rumpuser mismatch, kern: %d, hypervisor %d\n",
		    version, mine);
		trace("rumpuser_init(%d) = %d", version, RUMP_EINVAL);
		return RUMP_EINVAL;
	}
	if (hyperup == NULL || hyperup->hyp_backend_unschedule == NULL ||
	    hyperup->hyp_backend_schedule == NULL ||
	    hyperup->hyp_schedule == NULL || hyperup->hyp_unschedule == NULL ||
	    hyperup->hyp_lwproc_newlwp == NULL) {
		trace("rumpuser_init(%d) = %d: upcalls missing", version, RUMP_EINVAL);
		return RUMP_EINVAL;
	}
	hyp = *hyperup;
	trace("rumpuser_init(%d) = 0", version);
	return 0;
}

/*
 * rumpuser_gorump_hyperup returns the upcalls rumpuser_init was given,
 * so that a test can make the calls a hypervisor would; not part of
 * rumpuser(3).
 */
const struct rumpuser_hyperup *
rumpuser_gorump_hyperup(void)
{
	return &hyp;
}

/* Parameters. */

static int
putparam(const char *value, void *buf, size_t buflen)
{
	size_t n = strlen(value) + 1;

	if (n > buflen)
		return RUMP_ERANGE;
	memcpy(buf, value, n);
	return 0;
}

int
rumpuser_getparam(const char *name, void *buf, size_t buflen)
{
	char value[512], host[256];
	const char *v;
	int rv;

	if (strcmp(name, RUMPUSER_PARAM_NCPU) == 0) {
		v = getenv("RUMP_NCPU");
		if (v == NULL || *v == '\0')
			v = "2";
		else if (strcmp(v, "host") == 0) {
			snprintf(value, sizeof value, "%ld",
			    sysconf(_SC_NPROCESSORS_ONLN));
			v = value;
		}
		rv = putparam(v, buf, buflen);
	} else if (strcmp(name, RUMPUSER_PARAM_HOSTNAME) == 0) {
		if (gethostname(host, sizeof host) == 0) {
			host[sizeof host - 1] = '\0';
			snprintf(value, sizeof value, "rump-%05d.%s",
			    (int)getpid(), host);
		} else
			snprintf(value, sizeof value, "rump-%05d", (int)getpid());
		rv = putparam(value, buf, buflen);
	} else if (name[0] == '_') {
		rv = RUMP_EINVAL;
	} else if ((v = getenv(name)) == NULL) {
		rv = RUMP_ENOENT;
	} else
		rv = putparam(v, buf, buflen);
	trace("rumpuser_getparam(\"%s\", %zu) = %d%s%.64s%s", name, buflen, rv,
	    rv == 0 ? " \"" : "", rv == 0 ? (char *)buf : "", rv == 0 ? "\"" : "");
	return rv;
}

/* Files. */

int
rumpuser_open(const char *name, int mode, int *fdp)
{
	int flags, fd, nlocks, rv = 0;

	switch (mode & RUMPUSER_OPEN_ACCMODE) {
	case RUMPUSER_OPEN_RDONLY:
		flags = O_RDONLY;
		break;
	case RUMPUSER_OPEN_WRONLY:
		flags = O_WRONLY;
		break;
	case RUMPUSER_OPEN_RDWR:
		flags = O_RDWR;
		break;
	default:
		trace("rumpuser_open(\"%s\", 0x%x) = %d", name, mode, RUMP_EINVAL);
		return RUMP_EINVAL;
	}
	if (mode & RUMPUSER_OPEN_CREATE) {
		flags |= O_CREAT;
		if (mode & RUMPUSER_OPEN_EXCL)
			flags |= O_EXCL;
	}
	/* RUMPUSER_OPEN_BIO is a hint; the page cache serves block I/O. */
	nlocks = unsched();
	fd = open(name, flags | O_CLOEXEC, 0644);
	if (fd == -1)
		rv = errtrans(errno);
	sched(nlocks);
	if (rv == 0)
		*fdp = fd;
	trace("rumpuser_open(\"%s\", 0x%x) = %d fd %d", name, mode, rv,
	    rv == 0 ? fd : -1);
	return rv;
}

int
rumpuser_close(int fd)
{
	int nlocks, rv = 0;

	nlocks = unsched();
	/* Close syncs first; what cannot be synced (a pipe) need not be. */
	if (fsync(fd) == -1 && errno != EINVAL && errno != EROFS)
		rv = errtrans(errno);
	if (close(fd) == -1 && rv == 0)
		rv = errtrans(errno);
	sched(nlocks);
	trace("rumpuser_close(%d) = %d", fd, rv);
	return rv;
}

/* devsize finds a device's size by seeking to its end. */
static int
devsize(const char *name, uint64_t *size)
{
	off_t end;
	int fd, rv = 0;

	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return errtrans(errno);
	end = lseek(fd, 0, SEEK_END);
	if (end == -1)
		rv = RUMP_EOPNOTSUPP;
	else
		*size = (uint64_t)end;
	close(fd);
	return rv;
}

int
rumpuser_getfileinfo(const char *name, uint64_t *sizep, int *typep)
{
	struct stat st;
	uint64_t size = 0;
	int type, nlocks, rv = 0;

	nlocks = unsched();
	if (stat(name, &st) == -1) {
		rv = errtrans(errno);
		goto out;
	}
	size = (uint64_t)st.st_size;
	if (S_ISDIR(st.st_mode))
		type = RUMPUSER_FT_DIR;
	else if (S_ISREG(st.st_mode))
		type = RUMPUSER_FT_REG;
	else if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) {
		type = S_ISBLK(st.st_mode) ? RUMPUSER_FT_BLK : RUMPUSER_FT_CHR;
		if (sizep != NULL)
			rv = devsize(name, &size);
	} else
		type = RUMPUSER_FT_OTHER;
	if (rv == 0) {
		if (sizep != NULL)
			*sizep = size;
		if (typep != NULL)
			*typep = type;
	}
 out:
	sched(nlocks);
	trace("rumpuser_getfileinfo(\"%s\") = %d size %llu", name, rv,
	    (unsigned long long)size);
	return rv;
}

/* Block I/O. */

/* A request of rumpuser_bio. */
struct bio {
	int fd, op;
	void *data;
	size_t dlen;
	int64_t off;
	rump_biodone_fn done;
	void *donearg;
};

/* bioio does the I/O of b and returns the bytes moved and the error. */
static size_t
bioio(const struct bio *b, int *error)
{
	char *p = b->data;
	size_t moved = 0;
	ssize_t n;

	*error = 0;
	if ((b->op & (RUMPUSER_BIO_READ | RUMPUSER_BIO_WRITE)) == 0 ||
	    (b->op & RUMPUSER_BIO_READ && b->op & RUMPUSER_BIO_WRITE)) {
		*error = RUMP_EINVAL;
		return 0;
	}
	while (moved < b->dlen) {
		if (b->op & RUMPUSER_BIO_READ)
			n = pread(b->fd, p + moved, b->dlen - moved,
			    (off_t)(b->off + (int64_t)moved));
		else
			n = pwrite(b->fd, p + moved, b->dlen - moved,
			    (off_t)(b->off + (int64_t)moved));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*error = errtrans(errno);
			break;
		}
		if (n == 0) {
			/* end of file: a short read; a write that cannot go on */
			if (!(b->op & RUMPUSER_BIO_READ))
				*error = RUMP_EIO;
			break;
		}
		moved += (size_t)n;
	}
	if (*error == 0 && (b->op & RUMPUSER_BIO_WRITE) &&
	    (b->op & RUMPUSER_BIO_SYNC) && fdatasync(b->fd) == -1)
		*error = errtrans(errno);
	return moved;
}

/* biodone reports b done, with the context the callback expects. */
static void
biodone(const struct bio *b, size_t moved, int error)
{
	trace("rumpuser_bio(%d, %s%s, %zu, %lld) done: %zu bytes, error %d",
	    b->fd, b->op & RUMPUSER_BIO_READ ? "READ" : "WRITE",
	    b->op & RUMPUSER_BIO_SYNC ? "|SYNC" : "", b->dlen,
	    (long long)b->off, moved, error);
	hyp.hyp_schedule();
	b->done(b->donearg, moved, error);
	hyp.hyp_unschedule();
}

/*
 * The I/O thread's queue: a ring of NBIO requests. Submitters wait while
 * it is full; the thread waits while it is empty.
 */
#define NBIO 128
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* a request queued or a slot freed */
	struct bio ring[NBIO];
	unsigned head, count;
	int started;
} bioq = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

static void *
biothread(void *arg)
{
	struct bio b;
	size_t moved;
	int error;

	(void)arg;
	/* An lwp of the kernel's own process, as NetBSD's I/O thread. */
	hyp.hyp_schedule();
	error = hyp.hyp_lwproc_newlwp(0);
	hyp.hyp_unschedule();
	trace("upcall hyp_lwproc_newlwp(0) = %d (the I/O thread)", error);
	for (;;) {
		pthread_mutex_lock(&bioq.mu);
		while (bioq.count == 0)
			pthread_cond_wait(&bioq.cv, &bioq.mu);
		b = bioq.ring[bioq.head];
		bioq.head = (bioq.head + 1) % NBIO;
		bioq.count--;
		pthread_cond_broadcast(&bioq.cv);
		pthread_mutex_unlock(&bioq.mu);

		moved = bioio(&b, &error);
		biodone(&b, moved, error);
	}
	return NULL;
}

/* biothreads reports whether rumpuser_bio hands requests to a thread. */
static int
biothreads(void)
{
	const char *v = getenv("RUMP_THREADS");

	return v == NULL || strcmp(v, "0") != 0;
}

void
rumpuser_bio(int fd, int op, void *data, size_t dlen, int64_t off,
    rump_biodone_fn done, void *donearg)
{
	struct bio b = { fd, op, data, dlen, off, done, donearg };
	pthread_t t;
	size_t moved;
	int error, nlocks;

	trace("rumpuser_bio(%d, %s%s, %zu, %lld)", fd,
	    op & RUMPUSER_BIO_READ ? "READ" : "WRITE",
	    op & RUMPUSER_BIO_SYNC ? "|SYNC" : "", dlen, (long long)off);
	nlocks = unsched();
	pthread_mutex_lock(&bioq.mu);
	if (!bioq.started && biothreads()) {
		if (pthread_create(&t, NULL, biothread, NULL) == 0) {
			pthread_detach(t);
			bioq.started = 1;
		}
	}
	if (!bioq.started) {
		/* synchronous, in the caller */
		pthread_mutex_unlock(&bioq.mu);
		moved = bioio(&b, &error);
		sched(nlocks);
		biodone(&b, moved, error);
		return;
	}
	while (bioq.count == NBIO)
		pthread_cond_wait(&bioq.cv, &bioq.mu);
	bioq.ring[(bioq.head + bioq.count) % NBIO] = b;
	bioq.count++;
	pthread_cond_broadcast(&bioq.cv);
	pthread_mutex_unlock(&bioq.mu);
	sched(nlocks);
}

/* Scatter/gather I/O; struct rumpuser_iovec is laid out as struct iovec. */

int
rumpuser_iovread(int fd, struct rumpuser_iovec *ruiov, size_t iovlen,
    int64_t off, size_t *retp)
{
	struct iovec *iov = (struct iovec *)ruiov;
	ssize_t n;
	int nlocks, rv = 0;

	nlocks = unsched();
	do {
		if (off == RUMPUSER_IOV_NOSEEK)
			n = readv(fd, iov, (int)iovlen);
		else
			n = preadv(fd, iov, (int)iovlen, (off_t)off);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		rv = errtrans(errno);
	else
		*retp = (size_t)n;
	sched(nlocks);
	trace("rumpuser_iovread(%d, %zu iov, %lld) = %d, %zd bytes", fd,
	    iovlen, (long long)off, rv, n);
	return rv;
}

int
rumpuser_iovwrite(int fd, const struct rumpuser_iovec *ruiov, size_t iovlen,
    int64_t off, size_t *retp)
{
	const struct iovec *iov = (const struct iovec *)ruiov;
	ssize_t n;
	int nlocks, rv = 0;

	nlocks = unsched();
	do {
		if (off == RUMPUSER_IOV_NOSEEK)
			n = writev(fd, iov, (int)iovlen);
		else
			n = pwritev(fd, iov, (int)iovlen, (off_t)off);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		rv = errtrans(errno);
	else
		*retp = (size_t)n;
	sched(nlocks);
	trace("rumpuser_iovwrite(%d, %zu iov, %lld) = %d, %zd bytes", fd,
	    iovlen, (long long)off, rv, n);
	return rv;
}

int
rumpuser_syncfd(int fd, int flags, uint64_t start, uint64_t len)
{
	int nlocks, rv = 0;

	(void)start;
	(void)len;
	if ((flags & RUMPUSER_SYNCFD_BOTH) == 0) {
		rv = RUMP_EINVAL;
		goto out;
	}
	/* Reads need nothing: the host's cache is coherent. */
	if (flags & RUMPUSER_SYNCFD_WRITE) {
		nlocks = unsched();
		if ((flags & RUMPUSER_SYNCFD_SYNC ? fsync(fd) : fdatasync(fd)) == -1 &&
		    errno != EINVAL && errno != EROFS)
			rv = errtrans(errno);
		sched(nlocks);
	}
 out:
	trace("rumpuser_syncfd(%d, 0x%x) = %d", fd, flags, rv);
	return rv;
}

/* Clocks. */

int
rumpuser_clock_gettime(int clk, int64_t *sec, long *nsec)
{
	struct timespec ts;
	clockid_t id;

	switch (clk) {
	case RUMPUSER_CLOCK_RELWALL:
		id = CLOCK_REALTIME;
		break;
	case RUMPUSER_CLOCK_ABSMONO:
		id = CLOCK_MONOTONIC;
		break;
	default:
		return RUMP_EINVAL;
	}
	if (clock_gettime(id, &ts) == -1)
		return errtrans(errno);
	*sec = ts.tv_sec;
	*nsec = ts.tv_nsec;
	return 0;
}

int
rumpuser_clock_sleep(int clk, int64_t sec, long nsec)
{
	struct timespec ts = { .tv_sec = (time_t)sec, .tv_nsec = nsec };
	int nlocks, rv = 0;

	if (sec < 0 || nsec < 0 || nsec >= 1000000000L)
		return RUMP_EINVAL;
	nlocks = unsched();
	switch (clk) {
	case RUMPUSER_CLOCK_RELWALL:
		/*
		 * At least this long, on the monotonic clock so that a step
		 * of the wall clock does not cut it short; on EINTR sleep
		 * what is left.
		 */
		while ((rv = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts)) == EINTR)
			;
		break;
	case RUMPUSER_CLOCK_ABSMONO:
		while ((rv = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR)
			;
		break;
	default:
		rv = EINVAL;
	}
	sched(nlocks);
	rv = errtrans(rv);
	trace("rumpuser_clock_sleep(%s, %lld, %ld) = %d",
	    clk == RUMPUSER_CLOCK_ABSMONO ? "ABSMONO" : "RELWALL",
	    (long long)sec, nsec, rv);
	return rv;
}

/* Randomness. */

/*
 * rumpuser_getrandom gives at most 32 bytes a call, as NetBSD's POSIX
 * hypervisor does: callers must loop.
 */
#define RANDOM_MAX 32

int
rumpuser_getrandom(void *buf, size_t buflen, int flags, size_t *retp)
{
	ssize_t n;
	int gflags = 0;

	if (buflen > RANDOM_MAX)
		buflen = RANDOM_MAX;
	if (flags & RUMPUSER_RANDOM_NOWAIT)
		gflags |= GRND_NONBLOCK;
	do {
		n = getrandom(buf, buflen, gflags);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return errtrans(errno);
	*retp = (size_t)n;
	return 0;
}

/* Console. */

/*
 * The console is line-buffered so that a line reaches standard error in
 * one write, not one per character.
 */
static struct {
	pthread_mutex_t mu;
	char line[256];
	size_t len;
} cons = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void
consflush(void)
{
	size_t off = 0;
	ssize_t n;

	while (off < cons.len) {
		n = write(STDERR_FILENO, cons.line + off, cons.len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	cons.len = 0;
}

void
rumpuser_putchar(int c)
{
	pthread_mutex_lock(&cons.mu);
	cons.line[cons.len++] = (char)c;
	if (c == '\n' || cons.len == sizeof cons.line)
		consflush();
	pthread_mutex_unlock(&cons.mu);
}

void
rumpuser_dprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* Exit. */

void
rumpuser_exit(int value)
{
	pthread_mutex_lock(&cons.mu);
	consflush();
	pthread_mutex_unlock(&cons.mu);
	trace("rumpuser_exit(%d)", value);
	fprintf(stderr, "halted\n");
	if (value == RUMPUSER_PANIC)
		abort();
	exit(value);
}
