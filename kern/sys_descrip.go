package kern

import (
	"math"

	"github.com/gorump/gorump/kern/errno"
)

// The descriptor syscalls. Each is a method of the calling LWP and returns
// errno.Errno errors.

// Read reads from descriptor fd at its offset, advancing it.
func (l *LWP) Read(fd int, p []byte) (int, error) {
	f, err := l.proc.files.Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.Release(l)
	if f.Flags()&FREAD == 0 {
		return 0, errno.EBADF
	}
	if !f.seekable {
		return f.ops.Read(l, f, p, 0)
	}
	f.offMu.Lock()
	defer f.offMu.Unlock()
	n, err := f.ops.Read(l, f, p, f.offset)
	f.offset += int64(n)
	return n, err
}

// Write writes to descriptor fd at its offset (at the end with
// O_APPEND), advancing it.
func (l *LWP) Write(fd int, p []byte) (int, error) {
	f, err := l.proc.files.Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.Release(l)
	if f.Flags()&FWRITE == 0 {
		return 0, errno.EBADF
	}
	if !f.seekable {
		n, _, err := f.ops.Write(l, f, p, 0)
		return n, err
	}
	f.offMu.Lock()
	defer f.offMu.Unlock()
	n, end, err := f.ops.Write(l, f, p, f.offset)
	if n > 0 || f.Flags()&O_APPEND == 0 {
		f.offset = end
	}
	return n, err
}

// Pread reads from fd at off without moving its offset.
func (l *LWP) Pread(fd int, p []byte, off int64) (int, error) {
	f, err := l.seekableFile(fd, FREAD)
	if err != nil {
		return 0, err
	}
	defer f.Release(l)
	if off < 0 {
		return 0, errno.EINVAL
	}
	return f.ops.Read(l, f, p, off)
}

// Pwrite writes to fd at off without moving its offset. As on NetBSD,
// O_APPEND still appends.
func (l *LWP) Pwrite(fd int, p []byte, off int64) (int, error) {
	f, err := l.seekableFile(fd, FWRITE)
	if err != nil {
		return 0, err
	}
	defer f.Release(l)
	if off < 0 {
		return 0, errno.EINVAL
	}
	n, _, err := f.ops.Write(l, f, p, off)
	return n, err
}

func (l *LWP) seekableFile(fd int, access int) (*File, error) {
	f, err := l.proc.files.Get(fd)
	if err != nil {
		return nil, err
	}
	if f.Flags()&access == 0 {
		f.Release(l)
		return nil, errno.EBADF
	}
	if !f.seekable {
		f.Release(l)
		return nil, errno.ESPIPE
	}
	return f, nil
}

// Lseek moves fd's offset and returns the new one.
func (l *LWP) Lseek(fd int, off int64, whence int) (int64, error) {
	f, err := l.proc.files.Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.Release(l)
	if !f.seekable {
		return 0, errno.ESPIPE
	}
	f.offMu.Lock()
	defer f.offMu.Unlock()
	var base int64
	switch whence {
	case SEEK_SET:
	case SEEK_CUR:
		base = f.offset
	case SEEK_END:
		st, err := f.ops.Stat(l, f)
		if err != nil {
			return 0, err
		}
		base = st.Size
	default:
		return 0, errno.EINVAL
	}
	if off > 0 && base > math.MaxInt64-off {
		return 0, errno.EOVERFLOW
	}
	if base+off < 0 {
		return 0, errno.EINVAL
	}
	f.offset = base + off
	return f.offset, nil
}

// Close closes descriptor fd.
func (l *LWP) Close(fd int) error { return l.proc.files.Close(l, fd) }

// Dup returns a new descriptor for the file at fd.
func (l *LWP) Dup(fd int) (int, error) { return l.dupFrom(fd, 0, false) }

func (l *LWP) dupFrom(fd, min int, cloexec bool) (int, error) {
	f, err := l.proc.files.Get(fd)
	if err != nil {
		return -1, err
	}
	nfd, err := l.proc.files.Alloc(f, min, cloexec)
	if err != nil {
		f.Release(l)
	}
	return nfd, err
}

// Dup2 makes newfd a copy of oldfd, closing newfd first if open.
func (l *LWP) Dup2(oldfd, newfd int) error { return l.proc.files.Dup2(l, oldfd, newfd, false) }

// Dup3 is Dup2 with flags (O_CLOEXEC); unlike Dup2, equal descriptors are
// an error.
func (l *LWP) Dup3(oldfd, newfd, flags int) error {
	if flags&^O_CLOEXEC != 0 {
		return errno.EINVAL
	}
	if oldfd == newfd {
		return errno.EINVAL
	}
	return l.proc.files.Dup2(l, oldfd, newfd, flags&O_CLOEXEC != 0)
}

// Fcntl performs descriptor control command cmd.
func (l *LWP) Fcntl(fd, cmd, arg int) (int, error) {
	t := l.proc.files
	switch cmd {
	case F_DUPFD, F_DUPFD_CLOEXEC:
		// dupFrom checks fd before arg (EBADF before EINVAL), as NetBSD.
		return l.dupFrom(fd, arg, cmd == F_DUPFD_CLOEXEC)
	case F_GETFD:
		on, err := t.CloseOnExec(fd)
		if err != nil || !on {
			return 0, err
		}
		return FD_CLOEXEC, nil
	case F_SETFD:
		return 0, t.SetCloseOnExec(fd, arg&FD_CLOEXEC != 0)
	case F_CLOSEM:
		// fd itself need not be open: closefrom(3) is F_CLOSEM on
		// NetBSD and must close 4 and up when 3 is already closed.
		if fd < 0 {
			return -1, errno.EBADF
		}
		t.CloseFrom(l, fd)
		return 0, nil
	case F_MAXFD:
		return t.MaxFD(), nil
	}
	f, err := t.Get(fd)
	if err != nil {
		return -1, err
	}
	defer f.Release(l)
	switch cmd {
	case F_GETFL:
		return OFlags(f.Flags()), nil
	case F_SETFL:
		for {
			old := f.flags.Load()
			nf := old&^fcntlFlags | int32(arg&fcntlFlags)
			if f.flags.CompareAndSwap(old, nf) {
				return 0, nil
			}
		}
	}
	return -1, errno.EINVAL
}

// Fstat describes the file at fd.
func (l *LWP) Fstat(fd int) (Stat, error) {
	f, err := l.proc.files.Get(fd)
	if err != nil {
		return Stat{}, err
	}
	defer f.Release(l)
	return f.ops.Stat(l, f)
}

// Fsync pushes fd's data and metadata to stable storage; with dataOnly,
// as fdatasync, only what is needed to read the data back. As on NetBSD,
// fsync takes a descriptor in any access mode, fdatasync only one open
// for writing (EBADF otherwise); a descriptor that cannot sync (a
// socket) gives EINVAL.
func (l *LWP) Fsync(fd int, dataOnly bool) error {
	f, err := l.proc.files.Get(fd)
	if err != nil {
		return err
	}
	defer f.Release(l)
	s, ok := f.ops.(Syncer)
	if !ok {
		return errno.EINVAL
	}
	if dataOnly && f.Flags()&FWRITE == 0 {
		return errno.EBADF
	}
	return s.Sync(l, f, dataOnly)
}

// Flags of fsync_range (NetBSD's sys/unistd.h).
const (
	FDATASYNC = 0x0010 // the data, and the metadata needed to read it back
	FFILESYNC = 0x0020 // the data and all metadata
	FDISKSYNC = 0x0040 // and flush the disk's cache
)

// FsyncRange pushes length bytes of fd's data from start (the whole
// file when length is 0) to stable storage, as fsync_range(2): flags
// hold one of FDATASYNC and FFILESYNC, and FDISKSYNC if wanted. The
// range may sync more than asked: gorump syncs the whole file. Errors,
// in NetBSD's order: EBADF for a bad descriptor, EINVAL for one that
// cannot sync (a socket, a pipe), EBADF when it is not open for
// writing, EINVAL for bad flags or a range whose end overflows.
func (l *LWP) FsyncRange(fd, flags int, start, length int64) error {
	f, err := l.proc.files.Get(fd)
	if err != nil {
		return err
	}
	defer f.Release(l)
	s, ok := f.ops.(Syncer)
	switch {
	case !ok:
		return errno.EINVAL
	case f.Flags()&FWRITE == 0:
		return errno.EBADF
	case flags&(FDATASYNC|FFILESYNC) == 0, flags&(FDATASYNC|FFILESYNC) == FDATASYNC|FFILESYNC:
		return errno.EINVAL
	case length != 0 && start+length < start:
		return errno.EINVAL
	}
	return s.Sync(l, f, flags&FDATASYNC != 0)
}

// Getpid returns the calling process's id.
func (l *LWP) Getpid() int { return l.proc.pid }

// Getppid returns the parent's process id.
func (l *LWP) Getppid() int { return l.proc.ppid }

// Umask sets the file-creation mask and returns the previous one.
func (l *LWP) Umask(mask uint32) uint32 { return l.proc.SetUmask(mask) }
