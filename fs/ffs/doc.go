// Package ffs is the Berkeley Fast File System, NetBSD's own: UFS1 and
// UFS2, in either byte order, as NetBSD's newfs and makefs (and Debian's
// makefs) write them.
//
// It mounts read-only, or read-write when the file system is marked
// clean and uses no feature the driver lacks (a WAPBL journal, soft
// dependencies, unknown fs_flags bits). It finds the superblock where
// NetBSD's search looks (65536, 8192, 0 and 262144 bytes in), checks it
// and every inode and directory block it reads, and answers a damaged
// image with EIO or EFTYPE rather than a panic. Writes keep NetBSD's
// rules where they show: the minfree reserve is the superuser's alone
// (others get ENOSPC at it, and statvfs leaves it out of f_bavail), and
// a UFS1 superblock with FS_FLAGS_UPDATED keeps its summary totals in
// the 64-bit fs_cstotal only, as NetBSD's kernel and fsck_ffs do.
//
// Files are split as NetBSD splits sys/ufs/ffs: superblock.go (the
// superblock and geometry), inode.go (on-disk inodes), bmap.go (logical
// to physical block mapping), alloc.go and balloc.go (allocation of
// blocks and inodes), dir.go (directory blocks), vfsops.go (mount,
// statvfs, vget), vnops.go and vnops_write.go (the vnode operations) and
// newfs.go (making a file system).
// check.go and check_*.go are the consistency checker and its repair, as
// fsck_ffs checks and repairs; order.go says which metadata writes are
// ordered so that the checker can always repair what a crash leaves.
package ffs
