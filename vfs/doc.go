// Package vfs is gorump's virtual file system: vnodes and the vnode cache,
// the name cache, path lookup (symlinks, "..", mount points, trailing
// slashes; from the current directory or, for the *at calls, from a
// directory descriptor), mounts, permission checks, etfs (host files registered under a
// kernel path), and the file-system syscalls.
//
// A file-system driver implements FileSystem and Node (driver.go) and
// registers itself with RegisterFS from init. The VFS calls a driver's
// node methods with the vnode locks that the method's comment names held,
// so drivers need no locks of their own for node state. Optional
// upgrades are found by type assertion: CredWriter on a node, Pathconfer
// (pathconf.go) on a file system.
//
// A FIFO's data never reaches its driver: while an end is open, the
// vnode holds a kern.Pipe that its open files read and write
// (fifo.go), as NetBSD's fifofs keeps a socket pair.
//
// Lock order, outermost first:
//
//	Mount.renameMu (one rename at a time per mount)
//	vnode locks: directories before non-directories; of two
//	  directories, an ancestor before its descendant, unrelated ones in
//	  order of their vnode serial number
//	nameCache.mu, Mount.vcMu, VFS.mu (leaves)
//
// Lookups hold at most one vnode lock at a time, so they never wait on
// each other across directories.
package vfs
