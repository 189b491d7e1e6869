// Package sys is NetBSD's system-call ABI over gorump's kernel: the
// syscall numbers of NetBSD's rump table, the argument layout of
// rump_syscall(num, data, dlen, retval), the binary structs the calls
// read and write (stat, dirent, statvfs, timespec, timeval, iovec,
// msghdr, mmsghdr, pollfd, fd_set, sockaddr, ufs_args, tmpfs_args) and
// one dispatch table from number to the syscalls of kern, vfs and
// net/socket. Everything above the kernel that speaks NetBSD's ABI goes
// through it: the C library (capi) with the caller's own memory, the
// syscall server (sysproxy) with the client's memory reached over the
// connection. Nothing above sys re-marshals syscalls.
//
// A caller packs the syscall's struct sys_xxx_args, one 8-byte
// register_t slot per argument in syscalls.master order (PAD slots
// included), and calls Syscall with the LWP to run as and the address
// space its pointers point into:
//
//	args := make([]byte, 3*sys.SlotSize)
//	binary.LittleEndian.PutUint64(args[0:], pathAddr) // const char *path
//	binary.LittleEndian.PutUint32(args[8:], kern.O_RDWR) // int flags
//	binary.LittleEndian.PutUint32(args[16:], 0o644)   // mode_t mode
//	rv, e := sys.Syscall(l, as, sys.SYS_open, args)
//	// e == 0: rv[0] is the descriptor; otherwise e is NetBSD's errno
//
// The AddrSpace says how to reach the caller's memory: CopyIn, CopyOut
// and CopyInStr by address. Bad addresses are EFAULT, paths longer than
// PATH_MAX ENAMETOOLONG; no argument value makes a handler panic.
// Package systest has an address space over a Go byte slice.
//
// Syscalls the kernel does not implement give ENOSYS; List reports each
// number of NetBSD's table and whether it is implemented. Errors are
// NetBSD errno values throughout. The NOERR calls that report an error
// number as their result (clock_nanosleep, posix_fallocate) put it in
// retval[0] and return 0, as NetBSD's kernel does.
//
// The layouts are NetBSD's LP64 ones (amd64, which arm64 shares).
// LittleEndian is the ABI of amd64 and arm64; BigEndian serves the
// big-endian LP64 ports with the same layouts.
package sys
