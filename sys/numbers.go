// Code generated from NetBSD 7.99.34 sys/kern/syscalls.master (the RUMP entries, as
// listed in the project's netbsd-abi.md); DO NOT EDIT.

package sys

// NetBSD's syscall numbers (SYS_* of sys/sys/syscall.h) for every
// syscall a rump kernel offers, compat entries included.
const (
	SYS_read                 = 3
	SYS_write                = 4
	SYS_open                 = 5
	SYS_close                = 6
	SYS_link                 = 9
	SYS_unlink               = 10
	SYS_chdir                = 12
	SYS_fchdir               = 13
	SYS_compat_50_mknod      = 14
	SYS_chmod                = 15
	SYS_chown                = 16
	SYS_getpid               = 20
	SYS_unmount              = 22
	SYS_setuid               = 23
	SYS_getuid               = 24
	SYS_geteuid              = 25
	SYS_recvmsg              = 27
	SYS_sendmsg              = 28
	SYS_recvfrom             = 29
	SYS_accept               = 30
	SYS_getpeername          = 31
	SYS_getsockname          = 32
	SYS_access               = 33
	SYS_chflags              = 34
	SYS_fchflags             = 35
	SYS_sync                 = 36
	SYS_getppid              = 39
	SYS_dup                  = 41
	SYS_pipe                 = 42
	SYS_getegid              = 43
	SYS_ktrace               = 45
	SYS_getgid               = 47
	SYS___getlogin           = 49
	SYS___setlogin           = 50
	SYS_ioctl                = 54
	SYS_revoke               = 56
	SYS_symlink              = 57
	SYS_readlink             = 58
	SYS_umask                = 60
	SYS_chroot               = 61
	SYS_getgroups            = 79
	SYS_setgroups            = 80
	SYS_getpgrp              = 81
	SYS_setpgid              = 82
	SYS_dup2                 = 90
	SYS_fcntl                = 92
	SYS_compat_50_select     = 93
	SYS_fsync                = 95
	SYS_connect              = 98
	SYS_bind                 = 104
	SYS_setsockopt           = 105
	SYS_listen               = 106
	SYS_getsockopt           = 118
	SYS_readv                = 120
	SYS_writev               = 121
	SYS_fchown               = 123
	SYS_fchmod               = 124
	SYS_setreuid             = 126
	SYS_setregid             = 127
	SYS_rename               = 128
	SYS_flock                = 131
	SYS_mkfifo               = 132
	SYS_sendto               = 133
	SYS_shutdown             = 134
	SYS_socketpair           = 135
	SYS_mkdir                = 136
	SYS_rmdir                = 137
	SYS_compat_50_utimes     = 138
	SYS_setsid               = 147
	SYS_nfssvc               = 155
	SYS_pread                = 173
	SYS_pwrite               = 174
	SYS_setgid               = 181
	SYS_setegid              = 182
	SYS_seteuid              = 183
	SYS_pathconf             = 191
	SYS_fpathconf            = 192
	SYS_getrlimit            = 194
	SYS_setrlimit            = 195
	SYS_lseek                = 199
	SYS_truncate             = 200
	SYS_ftruncate            = 201
	SYS___sysctl             = 202
	SYS_compat_50_futimes    = 206
	SYS_getpgid              = 207
	SYS_reboot               = 208
	SYS_poll                 = 209
	SYS_timer_create         = 235
	SYS_timer_delete         = 236
	SYS_timer_getoverrun     = 239
	SYS_fdatasync            = 241
	SYS_modctl               = 246
	SYS__ksem_init           = 247
	SYS__ksem_open           = 248
	SYS__ksem_unlink         = 249
	SYS__ksem_close          = 250
	SYS__ksem_post           = 251
	SYS__ksem_wait           = 252
	SYS__ksem_trywait        = 253
	SYS__ksem_getvalue       = 254
	SYS__ksem_destroy        = 255
	SYS__ksem_timedwait      = 256
	SYS___posix_rename       = 270
	SYS_lchmod               = 274
	SYS_lchown               = 275
	SYS_compat_50_lutimes    = 276
	SYS___posix_chown        = 283
	SYS___posix_fchown       = 284
	SYS___posix_lchown       = 285
	SYS_getsid               = 286
	SYS_fktrace              = 288
	SYS_preadv               = 289
	SYS_pwritev              = 290
	SYS___getcwd             = 296
	SYS_fchroot              = 297
	SYS_lchflags             = 304
	SYS_issetugid            = 305
	SYS_utrace               = 306
	SYS_kqueue               = 344
	SYS_compat_50_kevent     = 345
	SYS_fsync_range          = 354
	SYS_getvfsstat           = 356
	SYS_statvfs1             = 357
	SYS_fstatvfs1            = 358
	SYS_extattrctl           = 360
	SYS_extattr_set_file     = 361
	SYS_extattr_get_file     = 362
	SYS_extattr_delete_file  = 363
	SYS_extattr_set_fd       = 364
	SYS_extattr_get_fd       = 365
	SYS_extattr_delete_fd    = 366
	SYS_extattr_set_link     = 367
	SYS_extattr_get_link     = 368
	SYS_extattr_delete_link  = 369
	SYS_extattr_list_fd      = 370
	SYS_extattr_list_file    = 371
	SYS_extattr_list_link    = 372
	SYS_compat_50_pselect    = 373
	SYS_compat_50_pollts     = 374
	SYS_setxattr             = 375
	SYS_lsetxattr            = 376
	SYS_fsetxattr            = 377
	SYS_getxattr             = 378
	SYS_lgetxattr            = 379
	SYS_fgetxattr            = 380
	SYS_listxattr            = 381
	SYS_llistxattr           = 382
	SYS_flistxattr           = 383
	SYS_removexattr          = 384
	SYS_lremovexattr         = 385
	SYS_fremovexattr         = 386
	SYS_compat_50___stat30   = 387
	SYS_compat_50___fstat30  = 388
	SYS_compat_50___lstat30  = 389
	SYS___getdents30         = 390
	SYS___socket30           = 394
	SYS___getfh30            = 395
	SYS___fhopen40           = 396
	SYS___fhstatvfs140       = 397
	SYS_compat_50___fhstat40 = 398
	SYS_aio_cancel           = 399
	SYS_aio_error            = 400
	SYS_aio_fsync            = 401
	SYS_aio_read             = 402
	SYS_aio_return           = 403
	SYS_aio_write            = 405
	SYS_lio_listio           = 406
	SYS___mount50            = 410
	SYS___posix_fadvise50    = 416
	SYS___select50           = 417
	SYS___gettimeofday50     = 418
	SYS___settimeofday50     = 419
	SYS___utimes50           = 420
	SYS___adjtime50          = 421
	SYS___futimes50          = 423
	SYS___lutimes50          = 424
	SYS___setitimer50        = 425
	SYS___getitimer50        = 426
	SYS___clock_gettime50    = 427
	SYS___clock_settime50    = 428
	SYS___clock_getres50     = 429
	SYS___nanosleep50        = 430
	SYS___kevent50           = 435
	SYS___pselect50          = 436
	SYS___pollts50           = 437
	SYS___aio_suspend50      = 438
	SYS___stat50             = 439
	SYS___fstat50            = 440
	SYS___lstat50            = 441
	SYS___timer_settime50    = 446
	SYS___timer_gettime50    = 447
	SYS___mknod50            = 450
	SYS___fhstat50           = 451
	SYS_pipe2                = 453
	SYS_dup3                 = 454
	SYS_kqueue1              = 455
	SYS_paccept              = 456
	SYS_linkat               = 457
	SYS_renameat             = 458
	SYS_mkfifoat             = 459
	SYS_mknodat              = 460
	SYS_mkdirat              = 461
	SYS_faccessat            = 462
	SYS_fchmodat             = 463
	SYS_fchownat             = 464
	SYS_fstatat              = 466
	SYS_utimensat            = 467
	SYS_openat               = 468
	SYS_readlinkat           = 469
	SYS_symlinkat            = 470
	SYS_unlinkat             = 471
	SYS_futimens             = 472
	SYS___quotactl           = 473
	SYS_recvmmsg             = 475
	SYS_sendmmsg             = 476
	SYS_clock_nanosleep      = 477
	SYS_posix_fallocate      = 479
	SYS_fdiscard             = 480
)

// netbsdCalls describes each of them: its name as syscalls.master
// spells it, its number of register_t argument slots, and its class.
var netbsdCalls = [...]callInfo{
	{SYS_read, "read", 3, classStd},
	{SYS_write, "write", 3, classStd},
	{SYS_open, "open", 3, classStd},
	{SYS_close, "close", 1, classStd},
	{SYS_link, "link", 2, classStd},
	{SYS_unlink, "unlink", 1, classStd},
	{SYS_chdir, "chdir", 1, classStd},
	{SYS_fchdir, "fchdir", 1, classStd},
	{SYS_compat_50_mknod, "compat_50_mknod", 3, classCompat},
	{SYS_chmod, "chmod", 2, classStd},
	{SYS_chown, "chown", 3, classStd},
	{SYS_getpid, "getpid", 0, classNoErr},
	{SYS_unmount, "unmount", 2, classStd},
	{SYS_setuid, "setuid", 1, classStd},
	{SYS_getuid, "getuid", 0, classNoErr},
	{SYS_geteuid, "geteuid", 0, classNoErr},
	{SYS_recvmsg, "recvmsg", 3, classStd},
	{SYS_sendmsg, "sendmsg", 3, classStd},
	{SYS_recvfrom, "recvfrom", 6, classStd},
	{SYS_accept, "accept", 3, classStd},
	{SYS_getpeername, "getpeername", 3, classStd},
	{SYS_getsockname, "getsockname", 3, classStd},
	{SYS_access, "access", 2, classStd},
	{SYS_chflags, "chflags", 2, classStd},
	{SYS_fchflags, "fchflags", 2, classStd},
	{SYS_sync, "sync", 0, classNoErr},
	{SYS_getppid, "getppid", 0, classNoErr},
	{SYS_dup, "dup", 1, classStd},
	{SYS_pipe, "pipe", 0, classStd},
	{SYS_getegid, "getegid", 0, classNoErr},
	{SYS_ktrace, "ktrace", 4, classStd},
	{SYS_getgid, "getgid", 0, classNoErr},
	{SYS___getlogin, "__getlogin", 2, classStd},
	{SYS___setlogin, "__setlogin", 1, classStd},
	{SYS_ioctl, "ioctl", 3, classStd},
	{SYS_revoke, "revoke", 1, classStd},
	{SYS_symlink, "symlink", 2, classStd},
	{SYS_readlink, "readlink", 3, classStd},
	{SYS_umask, "umask", 1, classStd},
	{SYS_chroot, "chroot", 1, classStd},
	{SYS_getgroups, "getgroups", 2, classStd},
	{SYS_setgroups, "setgroups", 2, classStd},
	{SYS_getpgrp, "getpgrp", 0, classStd},
	{SYS_setpgid, "setpgid", 2, classStd},
	{SYS_dup2, "dup2", 2, classStd},
	{SYS_fcntl, "fcntl", 3, classStd},
	{SYS_compat_50_select, "compat_50_select", 5, classCompat},
	{SYS_fsync, "fsync", 1, classStd},
	{SYS_connect, "connect", 3, classStd},
	{SYS_bind, "bind", 3, classStd},
	{SYS_setsockopt, "setsockopt", 5, classStd},
	{SYS_listen, "listen", 2, classStd},
	{SYS_getsockopt, "getsockopt", 5, classStd},
	{SYS_readv, "readv", 3, classStd},
	{SYS_writev, "writev", 3, classStd},
	{SYS_fchown, "fchown", 3, classStd},
	{SYS_fchmod, "fchmod", 2, classStd},
	{SYS_setreuid, "setreuid", 2, classStd},
	{SYS_setregid, "setregid", 2, classStd},
	{SYS_rename, "rename", 2, classStd},
	{SYS_flock, "flock", 2, classStd},
	{SYS_mkfifo, "mkfifo", 2, classStd},
	{SYS_sendto, "sendto", 6, classStd},
	{SYS_shutdown, "shutdown", 2, classStd},
	{SYS_socketpair, "socketpair", 4, classStd},
	{SYS_mkdir, "mkdir", 2, classStd},
	{SYS_rmdir, "rmdir", 1, classStd},
	{SYS_compat_50_utimes, "compat_50_utimes", 2, classCompat},
	{SYS_setsid, "setsid", 0, classStd},
	{SYS_nfssvc, "nfssvc", 2, classStd},
	{SYS_pread, "pread", 5, classStd},
	{SYS_pwrite, "pwrite", 5, classStd},
	{SYS_setgid, "setgid", 1, classStd},
	{SYS_setegid, "setegid", 1, classStd},
	{SYS_seteuid, "seteuid", 1, classStd},
	{SYS_pathconf, "pathconf", 2, classStd},
	{SYS_fpathconf, "fpathconf", 2, classStd},
	{SYS_getrlimit, "getrlimit", 2, classStd},
	{SYS_setrlimit, "setrlimit", 2, classStd},
	{SYS_lseek, "lseek", 4, classStd},
	{SYS_truncate, "truncate", 3, classStd},
	{SYS_ftruncate, "ftruncate", 3, classStd},
	{SYS___sysctl, "__sysctl", 6, classStd},
	{SYS_compat_50_futimes, "compat_50_futimes", 2, classCompat},
	{SYS_getpgid, "getpgid", 1, classStd},
	{SYS_reboot, "reboot", 2, classStd},
	{SYS_poll, "poll", 3, classStd},
	{SYS_timer_create, "timer_create", 3, classStd},
	{SYS_timer_delete, "timer_delete", 1, classStd},
	{SYS_timer_getoverrun, "timer_getoverrun", 1, classStd},
	{SYS_fdatasync, "fdatasync", 1, classStd},
	{SYS_modctl, "modctl", 2, classStd},
	{SYS__ksem_init, "_ksem_init", 2, classStd},
	{SYS__ksem_open, "_ksem_open", 5, classStd},
	{SYS__ksem_unlink, "_ksem_unlink", 1, classStd},
	{SYS__ksem_close, "_ksem_close", 1, classStd},
	{SYS__ksem_post, "_ksem_post", 1, classStd},
	{SYS__ksem_wait, "_ksem_wait", 1, classStd},
	{SYS__ksem_trywait, "_ksem_trywait", 1, classStd},
	{SYS__ksem_getvalue, "_ksem_getvalue", 2, classStd},
	{SYS__ksem_destroy, "_ksem_destroy", 1, classStd},
	{SYS__ksem_timedwait, "_ksem_timedwait", 2, classStd},
	{SYS___posix_rename, "__posix_rename", 2, classStd},
	{SYS_lchmod, "lchmod", 2, classStd},
	{SYS_lchown, "lchown", 3, classStd},
	{SYS_compat_50_lutimes, "compat_50_lutimes", 2, classCompat},
	{SYS___posix_chown, "__posix_chown", 3, classStd},
	{SYS___posix_fchown, "__posix_fchown", 3, classStd},
	{SYS___posix_lchown, "__posix_lchown", 3, classStd},
	{SYS_getsid, "getsid", 1, classStd},
	{SYS_fktrace, "fktrace", 4, classStd},
	{SYS_preadv, "preadv", 5, classStd},
	{SYS_pwritev, "pwritev", 5, classStd},
	{SYS___getcwd, "__getcwd", 2, classStd},
	{SYS_fchroot, "fchroot", 1, classStd},
	{SYS_lchflags, "lchflags", 2, classStd},
	{SYS_issetugid, "issetugid", 0, classNoErr},
	{SYS_utrace, "utrace", 3, classStd},
	{SYS_kqueue, "kqueue", 0, classStd},
	{SYS_compat_50_kevent, "compat_50_kevent", 6, classCompat},
	{SYS_fsync_range, "fsync_range", 4, classStd},
	{SYS_getvfsstat, "getvfsstat", 3, classStd},
	{SYS_statvfs1, "statvfs1", 3, classStd},
	{SYS_fstatvfs1, "fstatvfs1", 3, classStd},
	{SYS_extattrctl, "extattrctl", 5, classStd},
	{SYS_extattr_set_file, "extattr_set_file", 5, classStd},
	{SYS_extattr_get_file, "extattr_get_file", 5, classStd},
	{SYS_extattr_delete_file, "extattr_delete_file", 3, classStd},
	{SYS_extattr_set_fd, "extattr_set_fd", 5, classStd},
	{SYS_extattr_get_fd, "extattr_get_fd", 5, classStd},
	{SYS_extattr_delete_fd, "extattr_delete_fd", 3, classStd},
	{SYS_extattr_set_link, "extattr_set_link", 5, classStd},
	{SYS_extattr_get_link, "extattr_get_link", 5, classStd},
	{SYS_extattr_delete_link, "extattr_delete_link", 3, classStd},
	{SYS_extattr_list_fd, "extattr_list_fd", 4, classStd},
	{SYS_extattr_list_file, "extattr_list_file", 4, classStd},
	{SYS_extattr_list_link, "extattr_list_link", 4, classStd},
	{SYS_compat_50_pselect, "compat_50_pselect", 6, classCompat},
	{SYS_compat_50_pollts, "compat_50_pollts", 4, classCompat},
	{SYS_setxattr, "setxattr", 5, classStd},
	{SYS_lsetxattr, "lsetxattr", 5, classStd},
	{SYS_fsetxattr, "fsetxattr", 5, classStd},
	{SYS_getxattr, "getxattr", 4, classStd},
	{SYS_lgetxattr, "lgetxattr", 4, classStd},
	{SYS_fgetxattr, "fgetxattr", 4, classStd},
	{SYS_listxattr, "listxattr", 3, classStd},
	{SYS_llistxattr, "llistxattr", 3, classStd},
	{SYS_flistxattr, "flistxattr", 3, classStd},
	{SYS_removexattr, "removexattr", 2, classStd},
	{SYS_lremovexattr, "lremovexattr", 2, classStd},
	{SYS_fremovexattr, "fremovexattr", 2, classStd},
	{SYS_compat_50___stat30, "compat_50___stat30", 2, classCompat},
	{SYS_compat_50___fstat30, "compat_50___fstat30", 2, classCompat},
	{SYS_compat_50___lstat30, "compat_50___lstat30", 2, classCompat},
	{SYS___getdents30, "__getdents30", 3, classStd},
	{SYS___socket30, "__socket30", 3, classStd},
	{SYS___getfh30, "__getfh30", 3, classStd},
	{SYS___fhopen40, "__fhopen40", 3, classStd},
	{SYS___fhstatvfs140, "__fhstatvfs140", 4, classStd},
	{SYS_compat_50___fhstat40, "compat_50___fhstat40", 3, classCompat},
	{SYS_aio_cancel, "aio_cancel", 2, classStd},
	{SYS_aio_error, "aio_error", 1, classStd},
	{SYS_aio_fsync, "aio_fsync", 2, classStd},
	{SYS_aio_read, "aio_read", 1, classStd},
	{SYS_aio_return, "aio_return", 1, classStd},
	{SYS_aio_write, "aio_write", 1, classStd},
	{SYS_lio_listio, "lio_listio", 4, classStd},
	{SYS___mount50, "__mount50", 5, classStd},
	{SYS___posix_fadvise50, "__posix_fadvise50", 5, classNoErr},
	{SYS___select50, "__select50", 5, classStd},
	{SYS___gettimeofday50, "__gettimeofday50", 2, classStd},
	{SYS___settimeofday50, "__settimeofday50", 2, classStd},
	{SYS___utimes50, "__utimes50", 2, classStd},
	{SYS___adjtime50, "__adjtime50", 2, classStd},
	{SYS___futimes50, "__futimes50", 2, classStd},
	{SYS___lutimes50, "__lutimes50", 2, classStd},
	{SYS___setitimer50, "__setitimer50", 3, classStd},
	{SYS___getitimer50, "__getitimer50", 2, classStd},
	{SYS___clock_gettime50, "__clock_gettime50", 2, classStd},
	{SYS___clock_settime50, "__clock_settime50", 2, classStd},
	{SYS___clock_getres50, "__clock_getres50", 2, classStd},
	{SYS___nanosleep50, "__nanosleep50", 2, classStd},
	{SYS___kevent50, "__kevent50", 6, classStd},
	{SYS___pselect50, "__pselect50", 6, classStd},
	{SYS___pollts50, "__pollts50", 4, classStd},
	{SYS___aio_suspend50, "__aio_suspend50", 3, classStd},
	{SYS___stat50, "__stat50", 2, classStd},
	{SYS___fstat50, "__fstat50", 2, classStd},
	{SYS___lstat50, "__lstat50", 2, classStd},
	{SYS___timer_settime50, "__timer_settime50", 4, classStd},
	{SYS___timer_gettime50, "__timer_gettime50", 2, classStd},
	{SYS___mknod50, "__mknod50", 3, classStd},
	{SYS___fhstat50, "__fhstat50", 3, classStd},
	{SYS_pipe2, "pipe2", 2, classStd},
	{SYS_dup3, "dup3", 3, classStd},
	{SYS_kqueue1, "kqueue1", 1, classStd},
	{SYS_paccept, "paccept", 5, classStd},
	{SYS_linkat, "linkat", 5, classStd},
	{SYS_renameat, "renameat", 4, classStd},
	{SYS_mkfifoat, "mkfifoat", 3, classStd},
	{SYS_mknodat, "mknodat", 5, classStd},
	{SYS_mkdirat, "mkdirat", 3, classStd},
	{SYS_faccessat, "faccessat", 4, classStd},
	{SYS_fchmodat, "fchmodat", 4, classStd},
	{SYS_fchownat, "fchownat", 5, classStd},
	{SYS_fstatat, "fstatat", 4, classStd},
	{SYS_utimensat, "utimensat", 4, classStd},
	{SYS_openat, "openat", 4, classStd},
	{SYS_readlinkat, "readlinkat", 4, classStd},
	{SYS_symlinkat, "symlinkat", 3, classStd},
	{SYS_unlinkat, "unlinkat", 3, classStd},
	{SYS_futimens, "futimens", 2, classStd},
	{SYS___quotactl, "__quotactl", 2, classStd},
	{SYS_recvmmsg, "recvmmsg", 5, classStd},
	{SYS_sendmmsg, "sendmmsg", 4, classStd},
	{SYS_clock_nanosleep, "clock_nanosleep", 4, classNoErr},
	{SYS_posix_fallocate, "posix_fallocate", 4, classNoErr},
	{SYS_fdiscard, "fdiscard", 4, classStd},
}
