package sys

// handlers returns the dispatch table's handlers by syscall number; every
// other number of NetBSD's table is ENOSYS.
func handlers() map[int]handler {
	m := map[int]handler{
		// kern: descriptors and I/O
		SYS_read:      sysRead,
		SYS_write:     sysWrite,
		SYS_close:     sysClose,
		SYS_pread:     sysPread,
		SYS_pwrite:    sysPwrite,
		SYS_readv:     sysReadv,
		SYS_writev:    sysWritev,
		SYS_preadv:    sysPreadv,
		SYS_pwritev:   sysPwritev,
		SYS_lseek:     sysLseek,
		SYS_dup:       sysDup,
		SYS_dup2:      sysDup2,
		SYS_dup3:      sysDup3,
		SYS_fcntl:     sysFcntl,
		SYS_ioctl:     sysIoctl,
		SYS___fstat50: sysFstat,
		SYS_fsync:     sysFsync,
		SYS_fdatasync: sysFdatasync,
		SYS___sysctl:  sysSysctl,

		// kern: pipes, select and ranged sync
		SYS_pipe:        sysPipe,
		SYS_pipe2:       sysPipe2,
		SYS___select50:  sysSelect,
		SYS___pselect50: sysPselect,
		SYS_fsync_range: sysFsyncRange,

		// kern: process and credentials
		SYS_getpid:    sysGetpid,
		SYS_getppid:   sysGetppid,
		SYS_getuid:    sysGetuid,
		SYS_geteuid:   sysGeteuid,
		SYS_getgid:    sysGetgid,
		SYS_getegid:   sysGetegid,
		SYS_setuid:    sysSetuid,
		SYS_setgid:    sysSetgid,
		SYS_getgroups: sysGetgroups,
		SYS_setgroups: sysSetgroups,
		SYS_umask:     sysUmask,
		SYS_issetugid: sysIssetugid,
		SYS_getrlimit: sysGetrlimit,
		SYS_setrlimit: sysSetrlimit,
		SYS_reboot:    sysReboot,

		// kern: effective, real and saved ids
		SYS_seteuid:  sysSeteuid,
		SYS_setegid:  sysSetegid,
		SYS_setreuid: sysSetreuid,
		SYS_setregid: sysSetregid,

		// kern: clocks
		SYS___clock_gettime50: sysClockGettime,
		SYS___clock_getres50:  sysClockGetres,
		SYS___gettimeofday50:  sysGettimeofday,
		SYS___nanosleep50:     sysNanosleep,
		SYS_clock_nanosleep:   sysClockNanosleep,

		// vfs: mounts
		SYS___mount50:  sysMount,
		SYS_unmount:    sysUnmount,
		SYS_statvfs1:   sysStatvfs1,
		SYS_fstatvfs1:  sysFstatvfs1,
		SYS_getvfsstat: sysGetvfsstat,

		// vfs: file storage and limits
		SYS_posix_fallocate: sysPosixFallocate,
		SYS_fdiscard:        sysFdiscard,
		SYS_pathconf:        sysPathconf,
		SYS_fpathconf:       sysFpathconf,

		// net/socket
		SYS___socket30:  sysSocket,
		SYS_bind:        sysBind,
		SYS_listen:      sysListen,
		SYS_accept:      sysAccept,
		SYS_paccept:     sysPaccept,
		SYS_connect:     sysConnect,
		SYS_sendto:      sysSendto,
		SYS_recvfrom:    sysRecvfrom,
		SYS_sendmsg:     sysSendmsg,
		SYS_recvmsg:     sysRecvmsg,
		SYS_shutdown:    sysShutdown,
		SYS_getsockopt:  sysGetsockopt,
		SYS_setsockopt:  sysSetsockopt,
		SYS_getsockname: sysGetsockname,
		SYS_getpeername: sysGetpeername,
		SYS_poll:        sysPoll,
		SYS___pollts50:  sysPollts,

		// net/socket: many messages a call
		SYS_sendmmsg: sysSendmmsg,
		SYS_recvmmsg: sysRecvmmsg,
	}
	for num, fn := range vfsHandlers() {
		m[num] = fn
	}
	return m
}
