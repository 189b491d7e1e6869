/*
 * capibench times three calls through librump, gorump's C library, and
 * the same three on the host kernel: getpid, an open and close of an
 * existing file, and a 4 KiB pread at offset 0 of a 1 MiB file. Each is
 * timed from the main thread, from one other thread, and from two other
 * threads at once, each thread on files of its own. Package
 * bench/capibench builds it against librump.a and reads what it prints:
 *
 *	capibench [-n ITERATIONS | -t NANOSECONDS] HOSTDIR
 *
 * -t (one second unless given) grows the iteration count until a timed
 * run lasts that long, as Go's testing package does; -n runs that many
 * iterations once. The librump side works under /bench on the kernel's
 * root tmpfs, the host side in HOSTDIR, which it makes. It prints
 * one line per figure; NS_PER_OP is each thread's elapsed time over its
 * iterations, averaged over the threads:
 *
 *	capibench SIDE OP MODE ITERATIONS NS_PER_OP
 *
 * with SIDE librump or host, OP Getpid, OpenClose or Read4K (the names
 * of the operations in bench/ops), MODE main, other or pair.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define NTHREADS 2		/* the most threads a mode runs at once */
#define READSIZE 4096
#define FILESIZE (1 << 20)
#define MAXITER 1000000000L	/* testing's cap on b.N */

/* A side is a kernel the calls go to, with its own working directory. */
struct side {
	const char *name;
	char dir[PATH_MAX];
	pid_t (*getpid)(void);
	int (*open_ro)(const char *);	/* O_RDONLY|O_CLOEXEC */
	int (*create)(const char *);	/* O_RDWR|O_CREAT|O_TRUNC|O_CLOEXEC, 0644 */
	int (*close)(int);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*pread)(int, void *, size_t, off_t);
	int (*mkdir)(const char *, mode_t);

	/* Set up by prepare: */
	pid_t pid;
	char empty[NTHREADS][PATH_MAX];	/* each thread's file to open */
	int readfd[NTHREADS];		/* each thread's 1 MiB file */
};

static pid_t
host_getpid(void)
{
	/* Not getpid(3): a C library may answer from a cache. */
	return (pid_t)syscall(SYS_getpid);
}

static int
host_open_ro(const char *path)
{
	return open(path, O_RDONLY | O_CLOEXEC);
}

static int
host_create(const char *path)
{
	return open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static int
rump_open_ro(const char *path)
{
	return rump_sys_open(path, RUMP_O_RDONLY | RUMP_O_CLOEXEC, 0);
}

static int
rump_create(const char *path)
{
	return rump_sys_open(path,
	    RUMP_O_RDWR | RUMP_O_CREAT | RUMP_O_TRUNC | RUMP_O_CLOEXEC, 0644);
}

static struct side rumpside = {
	.name = "librump",
	.dir = "/bench",
	.getpid = rump_sys_getpid,
	.open_ro = rump_open_ro,
	.create = rump_create,
	.close = rump_sys_close,
	.write = rump_sys_write,
	.pread = rump_sys_pread,
	.mkdir = rump_sys_mkdir,
};

static struct side hostside = {
	.name = "host",
	.getpid = host_getpid,
	.open_ro = host_open_ro,
	.create = host_create,
	.close = close,
	.write = write,
	.pread = pread,
	.mkdir = mkdir,
};

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("capibench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* path formats a path under s's directory. */
static void
path(char *out, const struct side *s, const char *fmt, int i)
{
	char rel[64];

	snprintf(rel, sizeof rel, fmt, i);
	if (snprintf(out, PATH_MAX, "%s/%s", s->dir, rel) >= PATH_MAX)
		die("%s: path too long", s->dir);
}

/*
 * prepare makes each thread's directory: an empty file to open and a
 * 1 MiB file of a pattern, kept open to read.
 */
static void
prepare(struct side *s)
{
	static char pattern[FILESIZE];
	char p[PATH_MAX];
	int fd;

	for (int i = 0; i < FILESIZE; i++)
		pattern[i] = (char)(i * 7 + 1);
	if (s->mkdir(s->dir, 0755) != 0)
		die("%s: mkdir %s: errno %d", s->name, s->dir, errno);
	for (int i = 0; i < NTHREADS; i++) {
		path(p, s, "t%d", i);
		if (s->mkdir(p, 0755) != 0)
			die("%s: mkdir %s: errno %d", s->name, p, errno);
		path(s->empty[i], s, "t%d/f", i);
		if ((fd = s->create(s->empty[i])) < 0 || s->close(fd) != 0)
			die("%s: create %s: errno %d", s->name, s->empty[i], errno);
		path(p, s, "t%d/r", i);
		if ((fd = s->create(p)) < 0)
			die("%s: create %s: errno %d", s->name, p, errno);
		if (s->write(fd, pattern, FILESIZE) != FILESIZE || s->close(fd) != 0)
			die("%s: write %s: errno %d", s->name, p, errno);
		if ((s->readfd[i] = s->open_ro(p)) < 0)
			die("%s: open %s: errno %d", s->name, p, errno);
	}
	s->pid = s->getpid();
}

/*
 * A worker is one thread's share of a timed run: n calls on the files
 * of slot, after the others are ready at start (NULL on the main
 * thread). It leaves the elapsed time, or what failed and errno.
 */
struct worker {
	const struct side *s;
	const struct op *op;
	int slot;
	long n;
	pthread_barrier_t *start;
	double ns;
	const char *failed;
	int err;
};

/* Each op makes w->n calls, and returns NULL or which call failed. */
struct op {
	const char *name;
	const char *(*calls)(struct worker *);
};

static const char *
calls_getpid(struct worker *w)
{
	const struct side *s = w->s;

	for (long i = 0; i < w->n; i++)
		if (s->getpid() != s->pid)
			return "getpid changed";
	return NULL;
}

static const char *
calls_openclose(struct worker *w)
{
	const struct side *s = w->s;
	const char *name = s->empty[w->slot];
	int fd;

	for (long i = 0; i < w->n; i++) {
		if ((fd = s->open_ro(name)) < 0)
			return "open";
		if (s->close(fd) != 0)
			return "close";
	}
	return NULL;
}

static const char *
calls_read4k(struct worker *w)
{
	const struct side *s = w->s;
	int fd = s->readfd[w->slot];
	char buf[READSIZE];

	for (long i = 0; i < w->n; i++)
		if (s->pread(fd, buf, READSIZE, 0) != READSIZE)
			return "pread";
	return NULL;
}

static const struct op ops[] = {
	{"Getpid", calls_getpid},
	{"OpenClose", calls_openclose},
	{"Read4K", calls_read4k},
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	double t0;
	int r;

	if (w->start != NULL) {
		r = pthread_barrier_wait(w->start);
		if (r != 0 && r != PTHREAD_BARRIER_SERIAL_THREAD)
			die("pthread_barrier_wait: %s", strerror(r));
	}
	t0 = now();
	errno = 0;
	w->failed = w->op->calls(w);
	w->err = errno;
	w->ns = now() - t0;
	return NULL;
}

/* The modes: which threads make the calls. */
enum mode { MAIN, OTHER, PAIR };
static const char *const modenames[] = {"main", "other", "pair"};

/*
 * run makes n calls of op on each thread of mode and returns the mean
 * ns/op of the threads; *longest is the slowest thread's elapsed time.
 */
static double
run(const struct side *s, const struct op *op, enum mode mode, long n,
    double *longest)
{
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	pthread_barrier_t start;
	int nt = mode == PAIR ? 2 : 1;
	double sum = 0;
	int r;

	memset(w, 0, sizeof w);
	for (int i = 0; i < nt; i++) {
		w[i].s = s;
		w[i].op = op;
		w[i].slot = i;
		w[i].n = n;
	}
	if (mode == MAIN) {
		work(&w[0]);
	} else {
		if ((r = pthread_barrier_init(&start, NULL, (unsigned)nt)) != 0)
			die("pthread_barrier_init: %s", strerror(r));
		for (int i = 0; i < nt; i++) {
			w[i].start = &start;
			if ((r = pthread_create(&t[i], NULL, work, &w[i])) != 0)
				die("pthread_create: %s", strerror(r));
		}
		for (int i = 0; i < nt; i++)
			if ((r = pthread_join(t[i], NULL)) != 0)
				die("pthread_join: %s", strerror(r));
		pthread_barrier_destroy(&start);
	}
	*longest = 0;
	for (int i = 0; i < nt; i++) {
		if (w[i].failed != NULL)
			die("%s %s %s: %s failed: errno %d", s->name, op->name,
			    modenames[mode], w[i].failed, w[i].err);
		sum += w[i].ns;
		if (w[i].ns > *longest)
			*longest = w[i].ns;
	}
	return sum / nt / (double)n;
}

/*
 * nextn predicts the iteration count that lasts goal ns from the last
 * run's, as Go's testing package does: 20% over the prediction, at
 * least one more and at most 100 times as many as before.
 */
static long
nextn(double goal, long last, double ns)
{
	double n = ns > 0 ? goal * (double)last / ns : 100.0 * (double)last;

	n += n / 5;
	if (n > 100.0 * (double)last)
		n = 100.0 * (double)last;
	if (n < (double)last + 1)
		n = (double)last + 1;
	if (n > MAXITER)
		n = MAXITER;
	return (long)n;
}

static void
measure(const struct side *s, const struct op *op, enum mode mode,
    long fixed, double goal)
{
	long n = fixed > 0 ? fixed : 1;
	double nsop, longest;

	for (;;) {
		nsop = run(s, op, mode, n, &longest);
		if (fixed > 0 || longest >= goal || n >= MAXITER)
			break;
		n = nextn(goal, n, longest);
	}
	printf("capibench %s %s %s %ld %.3f\n", s->name, op->name,
	    modenames[mode], n, nsop);
	fflush(stdout);
}

static void
usage(void)
{
	fprintf(stderr, "usage: capibench [-n iterations | -t nanoseconds] hostdir\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	long fixed = 0;
	double goal = 1e9;
	int c;

	while ((c = getopt(argc, argv, "n:t:")) != -1) {
		switch (c) {
		case 'n':
			fixed = atol(optarg);
			if (fixed <= 0)
				usage();
			break;
		case 't':
			goal = atof(optarg);
			if (goal <= 0)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	if (snprintf(hostside.dir, sizeof hostside.dir, "%s", argv[optind]) >=
	    (int)sizeof hostside.dir)
		die("%s: path too long", argv[optind]);

	if ((c = rump_init()) != 0)
		die("rump_init: errno %d", c);
	prepare(&rumpside);
	prepare(&hostside);
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		for (enum mode m = MAIN; m <= PAIR; m++) {
			measure(&rumpside, &ops[i], m, fixed, goal);
			measure(&hostside, &ops[i], m, fixed, goal);
		}
	}
	return 0;
}
