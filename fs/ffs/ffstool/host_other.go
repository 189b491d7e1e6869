//go:build !linux

package ffstool

import (
	"io/fs"
	"os"
)

// lstatHost describes the host object at path without following a final
// symlink. Outside Linux only what os.FileInfo carries is known: owners
// read as root, the access time as the modification time, and hard
// links are not recognised.
func lstatHost(path string) (hostInfo, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return hostInfo{}, err
	}
	return hostInfo{mode: unixMode(fi.Mode()), size: fi.Size(), atime: fi.ModTime(), mtime: fi.ModTime(), nlink: 1}, nil
}

// unixMode converts Go's file mode to the S_IF* type and permission bits.
func unixMode(m fs.FileMode) uint32 {
	mode := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= sIsuid
	}
	if m&fs.ModeSetgid != 0 {
		mode |= sIsgid
	}
	if m&fs.ModeSticky != 0 {
		mode |= sIsvtx
	}
	switch {
	case m.IsDir():
		mode |= sIfdir
	case m&fs.ModeSymlink != 0:
		mode |= sIflnk
	case m&fs.ModeNamedPipe != 0:
		mode |= sIfifo
	case m&fs.ModeSocket != 0:
		mode |= sIfsock
	case m&fs.ModeCharDevice != 0:
		mode |= sIfchr
	case m&fs.ModeDevice != 0:
		mode |= sIfblk
	default:
		mode |= sIfreg
	}
	return mode
}

func openSource(path string) (*os.File, error) { return os.Open(path) }

func nextData(_ *os.File, off, _ int64) int64  { return off }
func nextHole(_ *os.File, _, size int64) int64 { return size }

// restoreLinkTimes does nothing outside Linux: only the modification
// time is recorded there.
func restoreLinkTimes(string, hostInfo) {}
