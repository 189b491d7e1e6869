// Package ffstool holds the host-side FFS image tools: Makefs, which
// builds an image from a host directory tree as NetBSD's makefs -t ffs
// does, and Newfs, Probe and Check over image files. cmd/ffs is their
// command line.
//
// Unlike the driver in fs/ffs, this package is not kernel code: it reads
// host files with package os, and it runs a gorump kernel of its own, on
// an in-memory host (rumpuser/memhost), to fill an image. Makefs copies
// the tree through that kernel's system calls, so the image is written
// by the same allocation code as any mounted file system, and it is
// reproducible: the kernel's wall clock stands still at the epoch
// (MakefsOptions.Epoch or SOURCE_DATE_EPOCH), its random source (inode
// generation numbers) and the file-system id are seeded from the epoch,
// and the tree is walked in sorted order, so the same tree and epoch
// give the same bytes.
//
// The build kernel's host serves the image straight from its file, so
// memory use does not grow with the image: the kernel's buffer cache
// and the tree's names are what Makefs holds. Pages of zeroes never
// written stay holes in a regular file; on a device they are zeroed.
// The file is emptied when the build starts, as NetBSD's makefs does;
// a build that fails removes a file it created.
//
// Files: makefs.go (the API and the build's course), tree.go (reading
// the source tree), blocks.go (what a file takes, and finding its blocks
// of zeroes), size.go (computing an image size), build.go (copying
// through the kernel), output.go (the image file as the build kernel
// sees it), image.go (Newfs, Probe and Check on image files), disk.go
// (disks over host files and in sparse memory), host_*.go
// (host-specific stat and reads).
package ffstool
