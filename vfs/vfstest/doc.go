// Package vfstest is the conformance suite of POSIX file-system semantics
// that every gorump file system runs: open flags, I/O and offsets, sparse
// files, permissions and ownership, rename, links, symlinks, directory
// listing, name limits, trailing slashes, "." and "..", running out of
// space, timestamps, descriptor semantics, the *at calls from a directory
// descriptor, lookups that must see every change, and operations racing
// from several goroutines.
//
// A driver's test calls Run with a Config that boots a fresh kernel per
// case and names an empty directory on the file system under test:
//
//	func TestConformance(t *testing.T) {
//		vfstest.Run(t, vfstest.Config{New: newEnv, Caps: vfstest.Caps{NoSparse: true}})
//	}
//
// Each case is a subtest named group/case, so one case runs with
// -run 'TestConformance/rename/dir-into-own-subdir'. Cases that need what
// the file system declares it lacks in Caps are skipped with a message
// naming the capability. Failures report the operation, the path, the
// errno received and the errno wanted.
//
// Expected errors are NetBSD's, since gorump is NetBSD-compatible where
// the two differ from POSIX or Linux: O_NOFOLLOW on a symlink gives
// EFTYPE, unlink of a directory EPERM, a non-root chmod that sets S_ISVTX
// on a non-directory EFTYPE, and open(O_CREAT) of a missing "name/"
// ENOENT. A trailing slash follows a symlink for every call, rmdir and
// unlink included, and link(2) follows a symlink named as its source.
// Where gorump deliberately answers otherwise than NetBSD, the case says
// so and docs/netbsd-differences.md lists it.
package vfstest
