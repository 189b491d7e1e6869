// Package hypercall is a host that forwards to NetBSD's rumpuser(3)
// hypercalls, version 17, as C functions: a kernel on it runs on any
// hypercall library that implements them (a "librumpuser"), NetBSD's
// own included. It is how librump built kernel-only (buildrump -k) gets
// its host.
//
// The package is empty unless built with the tag gorump_kernelonly: its
// cgo files call rumpuser_* functions that only the final link resolves,
// against whatever hypercall library the program links, so a build
// without such a library must not see them.
//
// What each Host method calls:
//
//	Init         rumpuser_init(RUMPUSER_VERSION, upcalls)
//	Param        rumpuser_getparam, growing its buffer on ERANGE
//	Console      rumpuser_putchar, byte by byte
//	Clock        rumpuser_clock_gettime (RELWALL for Now, ABSMONO for
//	             Monotonic), rumpuser_clock_sleep (RELWALL) for Sleep;
//	             AfterFunc uses the Go runtime's timers
//	Random       rumpuser_getrandom, until the buffer is full
//	Open         rumpuser_open
//	FileInfo     rumpuser_getfileinfo
//	File.ReadAt  rumpuser_bio (READ) on a file opened with OpenBIO,
//	File.WriteAt rumpuser_bio (WRITE); rumpuser_iovread and
//	             rumpuser_iovwrite at the offset on any other file
//	File.Size    rumpuser_getfileinfo of the name the file was opened by
//	File.Sync    rumpuser_syncfd
//	File.Close   rumpuser_close
//	Exit         rumpuser_exit
//
// Hypercalls return NetBSD errno values, which the methods return as
// errno.Errno. Version 17 has no hypercall to change a file's size, so
// File.Truncate fails with EOPNOTSUPP. A clock hypercall that fails
// leaves the kernel without time: Now and Monotonic panic.
//
// Threads, locks, memory and Go's timers are the Go runtime's, which
// still takes them from the operating system: the hypercalls for those
// (rumpuser_thread_*, _mutex_*, _malloc and the rest) are not called.
package hypercall
