/*
 * rump.h: booting a rump kernel and the rump_pub_ interfaces of gorump's
 * librump, with NetBSD's names and prototypes (rump/rump.h and
 * rumpkern_if_pub.h). Errors are NetBSD errno values (RUMP_E* of
 * rumpdefs.h): the rump_pub_ calls return them, the rump_sys_ calls of
 * rump_syscalls.h put them in errno.
 *
 * Each host thread has its own current lwp, as in NetBSD: none (the
 * implicit context, an lwp of init, pid 1) until rump_pub_lwproc_rfork,
 * _newlwp or _switch gives it one.
 */
#ifndef _RUMP_RUMP_H_
#define _RUMP_RUMP_H_

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rump/rumpdefs.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An lwp (thread) of a rump kernel process; opaque. */
struct lwp;

enum rump_etfs_type {
	RUMP_ETFS_REG,
	RUMP_ETFS_BLK,
	RUMP_ETFS_CHR,
	RUMP_ETFS_DIR,		/* not supported by gorump yet */
	RUMP_ETFS_DIR_SUBDIRS	/* not supported by gorump yet */
};
#define RUMP_ETFS_SIZE_ENDOFF ((uint64_t)-1)

enum rump_sigmodel {
	RUMP_SIGMODEL_PANIC,
	RUMP_SIGMODEL_IGNORE,
	RUMP_SIGMODEL__HOST_NOTANYMORE,
	RUMP_SIGMODEL_RAISE,
	RUMP_SIGMODEL_RECORD
};

#define RUMP_DAEMONIZE_SUCCESS 0

/* An etfs key for rump_init to register; see rump_boot_etfs_register. */
struct rump_boot_etfs {
	/* set by the caller */
	const char *eb_key;
	const char *eb_hostpath;
	enum rump_etfs_type eb_type;
	uint64_t eb_begin;
	uint64_t eb_size;

	/* set by the library */
	struct rump_boot_etfs *_eb_next;
	int eb_status;	/* -1 until rump_init, then 0 or an errno */
};

/*
 * rump_init boots the process's kernel on the POSIX host, reading
 * RUMP_NCPU, RUMP_MEMLIMIT, RUMP_VERBOSE... from the environment; a
 * kernel-only librump (buildrump -k) boots on the hypercalls of
 * rumpuser.h instead, which ask the hypercall library for them. It
 * returns 0 or an errno; calling it again returns 0.
 */
int rump_init(void);
int rump_getversion(void);	/* __NetBSD_Version__ */
int rump_pub_getversion(void);	/* compat alias */
int rump_nativeabi_p(void);	/* 0: never NetBSD's native ABI */
int rump_boot_gethowto(void);
void rump_boot_sethowto(int);	/* before rump_init: RUMP_AB_VERBOSE */
void rump_boot_setsigmodel(enum rump_sigmodel);	/* accepted, ignored */
/*
 * rump_boot_etfs_register queues eb, which must stay in place, for
 * rump_init to register with rump_pub_etfs_register_withsize.
 */
void rump_boot_etfs_register(struct rump_boot_etfs *eb);

/*
 * rump_daemonize_begin detaches the program from its caller, which
 * waits until rump_daemonize_done(0) to exit with status 0 (1 for an
 * error or when the program dies first). As a process holding gorump's
 * Go runtime cannot fork, the program is run again from the start
 * (Linux's /proc/self/exe, same arguments and environment), and in that
 * run rump_daemonize_begin returns 0: call it first thing, as NetBSD's
 * programs do; RUMP_E2BIG when the arguments (over 64 KiB or 1023 of
 * them) are too many to run it again whole. rump_daemonize_done(0) also
 * points fds 0, 1 and 2 at /dev/null.
 */
int rump_daemonize_begin(void);
int rump_daemonize_done(int error);
void rump_schedule(void);	/* no-ops: gorump has no virtual CPUs to take */
void rump_unschedule(void);

/*
 * rump_syscall makes syscall num (RUMP_SYS_* of rump_syscalls.h) with
 * its struct sys_X_args: one register_t slot per argument. It returns 0
 * or an errno and sets retval[0] and retval[1].
 */
int rump_syscall(int num, void *data, size_t dlen, long *retval);

/* etfs: host files in the kernel's namespace. */
int rump_pub_etfs_register(const char *key, const char *hostpath,
    enum rump_etfs_type ftype);
int rump_pub_etfs_register_withsize(const char *key, const char *hostpath,
    enum rump_etfs_type ftype, uint64_t begin, uint64_t size);
int rump_pub_etfs_remove(const char *key);

/* lwproc: processes and threads (rump_lwproc(3)). */
int rump_pub_lwproc_rfork(int flags);	/* RUMP_RFFDG, RUMP_RFCFDG or 0 */
int rump_pub_lwproc_newlwp(pid_t pid);
void rump_pub_lwproc_switch(struct lwp *l);	/* NULL: the implicit context */
void rump_pub_lwproc_releaselwp(void);
struct lwp *rump_pub_lwproc_curlwp(void);

/*
 * shmif (rumpnet_if_pub.h): rump_pub_shmif_create makes a shmif
 * interface on the bus file path, created if it does not exist (NULL: no
 * bus yet; the interface cannot come up until
 * rump_pub_netconfig_ifsetlinkstr gives it one), and stores its unit
 * number in *ifnum: shmif<*ifnum>. The interface starts down and without
 * an address. It returns 0 or an errno: RUMP_ENOEXEC for a file that is
 * not a bus, RUMP_EINVAL when librump was built without the shmif
 * component.
 */
int rump_pub_shmif_create(const char *path, int *ifnum);

#ifdef __cplusplus
}
#endif

#include <rump/netconfig.h>

#endif /* _RUMP_RUMP_H_ */
