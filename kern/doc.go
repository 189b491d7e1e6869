// Package kern is the kernel core of gorump: boot and halt, the component
// registry and its init order, processes and LWPs, credentials, file
// descriptor tables and the file abstraction shared by vnodes and sockets,
// callouts, kernel threads, memory accounting, sysctl, and the descriptor
// syscalls (read, write, lseek, dup, fcntl, close...).
//
// Files that block (sockets, pipes) sleep on a Waiters queue; poll and
// select (Poll, Select) ask each file's events through Poller and sleep
// watching every queue at once. Files without Poller are always ready.
//
// Many kernels may live in one process; each is fully independent. The
// only package-level state is the component and slot registries, written
// from init functions.
//
// Every call into a kernel names its calling LWP explicitly: Go has no
// thread-local curlwp.
//
// Lock order, outermost first:
//
//	Kernel.procMu > Proc.mu > FileTable.mu > File.offMu
//	Pipe.mu > Waiters.mu
//
// Kernel.mu, Sysctl.mu, the callout set and memory accounting are leaves.
// vfs takes a FIFO's vnode lock outside its Pipe.mu.
package kern
