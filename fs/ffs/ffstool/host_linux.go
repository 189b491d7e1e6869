package ffstool

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// lstatHost describes the host object at path without following a final
// symlink.
func lstatHost(path string) (hostInfo, error) {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return hostInfo{}, &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	return hostInfo{
		mode: st.Mode, uid: st.Uid, gid: st.Gid, size: st.Size,
		atime: time.Unix(st.Atim.Sec, st.Atim.Nsec), mtime: time.Unix(st.Mtim.Sec, st.Mtim.Nsec),
		nlink: uint64(st.Nlink), dev: uint64(st.Dev), ino: st.Ino, rdev: netbsdDev(uint64(st.Rdev)),
	}, nil
}

// netbsdDev converts a Linux device number to NetBSD's encoding: major
// and minor are split out of Linux's layout and packed with makedev(3)
// as NetBSD defines it.
func netbsdDev(dev uint64) uint64 {
	major := (dev>>8)&0xfff | (dev>>32)&^0xfff
	minor := dev&0xff | (dev>>12)&^0xff
	return (major<<8)&0x000fff00 | minor&0xff | (minor<<12)&0xfff00000
}

// openSource opens a host file or directory for reading without
// changing its access time where the host lets us (O_NOATIME needs
// ownership or CAP_FOWNER), so that building an image twice from the
// same tree reads the same times.
func openSource(path string) (*os.File, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOATIME, 0)
	if errors.Is(err, syscall.EPERM) {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// Linux's lseek whence values for finding data in sparse files.
const (
	seekData = 3
	seekHole = 4
)

// nextData returns the offset of the first data at or after off, or size
// when only a hole follows. Hosts or file systems that cannot say give
// off: everything counts as data.
func nextData(f *os.File, off, size int64) int64 {
	pos, err := f.Seek(off, seekData)
	switch {
	case errors.Is(err, syscall.ENXIO):
		return size
	case err != nil:
		return off
	}
	return min(pos, size)
}

// nextHole returns the offset of the first hole at or after off (size at
// the end of the file).
func nextHole(f *os.File, off, size int64) int64 {
	pos, err := f.Seek(off, seekHole)
	if err != nil {
		return size
	}
	return min(pos, size)
}

// restoreLinkTimes undoes the access-time update that reading a
// symlink's target makes (readlink cannot be told not to), so that a
// second build from the same tree reads the same times: if the link's
// access time moved since info was taken, both its times are set back.
// This changes the link's change time on the host, which no image
// records. Failures are ignored: the image keeps info's times anyway.
func restoreLinkTimes(path string, info hostInfo) {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return
	}
	if st.Atim.Sec == info.atime.Unix() && st.Atim.Nsec == int64(info.atime.Nanosecond()) {
		return
	}
	ts := [2]syscall.Timespec{syscall.NsecToTimespec(info.atime.UnixNano()), syscall.NsecToTimespec(info.mtime.UnixNano())}
	utimensatNoFollow(path, &ts) //nolint:errcheck // best effort, see above
}

// utimensatNoFollow is utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW),
// which package syscall does not offer.
func utimensatNoFollow(path string, ts *[2]syscall.Timespec) error {
	const atSymlinkNofollow = 0x100
	atFdcwd := -100
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return err
	}
	_, _, e := syscall.Syscall6(syscall.SYS_UTIMENSAT, uintptr(atFdcwd), uintptr(unsafe.Pointer(p)),
		uintptr(unsafe.Pointer(&ts[0])), atSymlinkNofollow, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}
