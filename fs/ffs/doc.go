// Package ffs is the Berkeley Fast File System, NetBSD's own: UFS1 and
// UFS2, in either byte order, as NetBSD's newfs and makefs (and Debian's
// makefs) write them.
//
// This version mounts read-only. It finds the superblock where NetBSD's
// search looks (65536, 8192, 0 and 262144 bytes in), checks it and every
// inode and directory block it reads, and answers a damaged image with
// EIO or EFTYPE rather than a panic.
//
// Files are split as NetBSD splits sys/ufs/ffs: superblock.go (the
// superblock and geometry), inode.go (on-disk inodes), bmap.go (logical
// to physical block mapping), dir.go (directory blocks), vfsops.go
// (mount, statvfs, vget) and vnops.go (the vnode operations).
// check.go and check_*.go are the consistency checker and its repair, as
// fsck_ffs checks and repairs; order.go says which metadata writes are
// ordered so that the checker can always repair what a crash leaves.
package ffs
