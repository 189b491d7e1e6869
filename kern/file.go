package kern

import (
	"sync"
	"sync/atomic"

	"github.com/gorump/gorump/kern/errno"
)

// FileOps are what a kind of open file (a vnode, a socket) does. The
// descriptor layer keeps the offset and flags; ops see the offset they
// are to use.
type FileOps interface {
	// Read reads into p at off (ignored by files that cannot seek).
	Read(l *LWP, f *File, p []byte, off int64) (int, error)
	// Write writes p at off, or at the end of the file when the file has
	// O_APPEND. It returns the bytes written and the offset just past
	// them.
	Write(l *LWP, f *File, p []byte, off int64) (n int, end int64, err error)
	// Stat describes the open object.
	Stat(l *LWP, f *File) (Stat, error)
	// Close releases the object when its last descriptor closes.
	Close(l *LWP, f *File) error
}

// Syncer is a FileOps that can push its data to stable storage (fsync).
type Syncer interface {
	Sync(l *LWP, f *File, dataOnly bool) error
}

// Restarter is a FileOps whose calls can sleep. Restart is called when
// the last descriptor of f closes while calls made through it may still
// be asleep holding f: they must wake and fail with EBADF, as NetBSD's
// fo_restart makes them. The object closes when they let go of f.
type Restarter interface {
	Restart(f *File)
}

// File is an open file: the object behind one or more descriptors, with
// the flags and offset they share.
type File struct {
	ops      FileOps
	seekable bool
	flags    atomic.Int32 // FREAD, FWRITE and the kept O_ bits
	refs     atomic.Int32
	descs    atomic.Int32 // descriptors referring to it, in every table

	offMu  sync.Mutex // guards offset, and serialises offset-relative I/O
	offset int64
}

// NewFile makes an open file with one reference. fflags are in FFlags
// form; seekable files keep an offset.
func NewFile(ops FileOps, fflags int, seekable bool) *File {
	f := &File{ops: ops, seekable: seekable}
	f.flags.Store(int32(fflags))
	f.refs.Store(1)
	return f
}

// Ops returns what the file does; callers type-assert it to find a vnode
// or a socket.
func (f *File) Ops() FileOps { return f.ops }

// Flags returns the file flags (FREAD, FWRITE, O_APPEND, O_NONBLOCK...).
func (f *File) Flags() int { return int(f.flags.Load()) }

// Seekable reports whether the file has an offset.
func (f *File) Seekable() bool { return f.seekable }

// Hold adds a reference.
func (f *File) Hold() { f.refs.Add(1) }

// Release drops a reference, closing the object on the last one.
func (f *File) Release(l *LWP) error {
	if f.refs.Add(-1) == 0 {
		return f.ops.Close(l, f)
	}
	return nil
}

// Descriptors returns how many descriptors, in every table, refer to f.
func (f *File) Descriptors() int { return int(f.descs.Load()) }

// closeDescriptor drops the reference of a descriptor that was just
// taken out of its table, restarting the calls still asleep in the
// object when it was the file's last descriptor.
func (f *File) closeDescriptor(l *LWP) error {
	if f.descs.Add(-1) == 0 {
		if r, ok := f.ops.(Restarter); ok {
			r.Restart(f)
		}
	}
	return f.Release(l)
}

// Offset returns the current offset.
func (f *File) Offset() int64 {
	f.offMu.Lock()
	defer f.offMu.Unlock()
	return f.offset
}

// SetOffset moves the offset, as reading a directory does.
func (f *File) SetOffset(off int64) {
	f.offMu.Lock()
	defer f.offMu.Unlock()
	f.offset = off
}

// LockOffset locks the offset for an operation that reads and advances
// it (getdents), returning it; UnlockOffset stores the new value.
func (f *File) LockOffset() int64 {
	f.offMu.Lock()
	return f.offset
}

// UnlockOffset stores off and unlocks the offset.
func (f *File) UnlockOffset(off int64) {
	f.offset = off
	f.offMu.Unlock()
}

// DefaultMaxFiles is the per-process descriptor limit (RLIMIT_NOFILE).
const DefaultMaxFiles = 1024

type fdEntry struct {
	file    *File
	cloexec bool
}

// FileTable is a process's descriptor table. Processes made with
// ForkShareFD share one.
type FileTable struct {
	mu    sync.Mutex // guards the fields below
	fds   []fdEntry
	free  int // no free slot below this index
	refs  int
	limit int
}

func newFileTable() *FileTable {
	return &FileTable{refs: 1, limit: DefaultMaxFiles}
}

func (t *FileTable) share() *FileTable {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.refs++
	return t
}

func (t *FileTable) copy() *FileTable {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := &FileTable{refs: 1, limit: t.limit, fds: make([]fdEntry, len(t.fds)), free: t.free}
	for i, e := range t.fds {
		if e.file != nil {
			e.file.Hold()
			e.file.descs.Add(1)
			n.fds[i] = e
		}
	}
	return n
}

// release drops a process's hold on the table, closing every file when it
// was the last.
func (t *FileTable) release(l *LWP) {
	t.mu.Lock()
	t.refs--
	if t.refs > 0 {
		t.mu.Unlock()
		return
	}
	fds := t.fds
	t.fds = nil
	t.mu.Unlock()
	for _, e := range fds {
		if e.file != nil {
			e.file.closeDescriptor(l) //nolint:errcheck // nobody to report to on exit
		}
	}
}

// Get returns the file at fd with a reference the caller must Release.
func (t *FileTable) Get(fd int) (*File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || fd >= len(t.fds) || t.fds[fd].file == nil {
		return nil, errno.EBADF
	}
	f := t.fds[fd].file
	f.Hold()
	return f, nil
}

// Alloc installs f at the lowest free descriptor at or above min. It takes
// over the caller's reference to f only on success.
func (t *FileTable) Alloc(f *File, min int, cloexec bool) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.allocLocked(f, min, cloexec)
}

func (t *FileTable) allocLocked(f *File, min int, cloexec bool) (int, error) {
	if min < 0 || min >= t.limit {
		return -1, errno.EINVAL
	}
	for fd := max(min, t.free); fd < t.limit; fd++ {
		if fd >= len(t.fds) {
			t.fds = append(t.fds, make([]fdEntry, fd+1-len(t.fds))...)
		}
		if t.fds[fd].file == nil {
			t.fds[fd] = fdEntry{file: f, cloexec: cloexec}
			f.descs.Add(1)
			if min <= t.free {
				t.free = fd + 1
			}
			return fd, nil
		}
	}
	return -1, errno.EMFILE
}

// remove takes the file out of slot fd, returning it with the table's
// reference.
func (t *FileTable) removeLocked(fd int) *File {
	f := t.fds[fd].file
	t.fds[fd] = fdEntry{}
	if fd < t.free {
		t.free = fd
	}
	for len(t.fds) > 0 && t.fds[len(t.fds)-1].file == nil {
		t.fds = t.fds[:len(t.fds)-1]
	}
	return f
}

// Close closes descriptor fd.
func (t *FileTable) Close(l *LWP, fd int) error {
	t.mu.Lock()
	if fd < 0 || fd >= len(t.fds) || t.fds[fd].file == nil {
		t.mu.Unlock()
		return errno.EBADF
	}
	f := t.removeLocked(fd)
	t.mu.Unlock()
	return f.closeDescriptor(l)
}

// Dup2 makes newfd refer to the file at oldfd, closing what newfd held.
func (t *FileTable) Dup2(l *LWP, oldfd, newfd int, cloexec bool) error {
	t.mu.Lock()
	if oldfd < 0 || oldfd >= len(t.fds) || t.fds[oldfd].file == nil || newfd < 0 || newfd >= t.limit {
		t.mu.Unlock()
		return errno.EBADF
	}
	if oldfd == newfd {
		t.mu.Unlock()
		return nil
	}
	f := t.fds[oldfd].file
	f.Hold()
	var old *File
	if newfd < len(t.fds) && t.fds[newfd].file != nil {
		old = t.removeLocked(newfd)
	}
	if _, err := t.allocLocked(f, newfd, cloexec); err != nil {
		t.mu.Unlock()
		panic("kern: dup2 slot not free after remove")
	}
	t.mu.Unlock()
	if old != nil {
		old.closeDescriptor(l) //nolint:errcheck // dup2 reports no close errors
	}
	return nil
}

// CloseOnExec reports the close-on-exec flag of fd.
func (t *FileTable) CloseOnExec(fd int) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || fd >= len(t.fds) || t.fds[fd].file == nil {
		return false, errno.EBADF
	}
	return t.fds[fd].cloexec, nil
}

// SetCloseOnExec sets the close-on-exec flag of fd.
func (t *FileTable) SetCloseOnExec(fd int, on bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || fd >= len(t.fds) || t.fds[fd].file == nil {
		return errno.EBADF
	}
	t.fds[fd].cloexec = on
	return nil
}

// CloseExec closes every descriptor marked close-on-exec, as exec does.
func (t *FileTable) CloseExec(l *LWP) {
	t.mu.Lock()
	var closing []*File
	for fd, e := range t.fds {
		if e.file != nil && e.cloexec {
			closing = append(closing, t.removeLocked(fd))
		}
	}
	t.mu.Unlock()
	for _, f := range closing {
		f.closeDescriptor(l) //nolint:errcheck // exec reports no close errors
	}
}

// CloseFrom closes every descriptor at or above fd (F_CLOSEM).
func (t *FileTable) CloseFrom(l *LWP, fd int) {
	t.mu.Lock()
	var closing []*File
	for i := len(t.fds) - 1; i >= max(fd, 0); i-- {
		// removeLocked trims trailing free slots, holes below i included,
		// so the table may have shrunk below i.
		if i < len(t.fds) && t.fds[i].file != nil {
			closing = append(closing, t.removeLocked(i))
		}
	}
	t.mu.Unlock()
	for _, f := range closing {
		f.closeDescriptor(l) //nolint:errcheck // as close(2) in a loop would
	}
}

// MaxFD returns the highest open descriptor, or -1.
func (t *FileTable) MaxFD() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.fds) - 1
}

// Count returns how many descriptors are open.
func (t *FileTable) Count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, e := range t.fds {
		if e.file != nil {
			n++
		}
	}
	return n
}

// Limit returns the descriptor limit.
func (t *FileTable) Limit() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.limit
}

// SetLimit changes the descriptor limit (setrlimit RLIMIT_NOFILE).
func (t *FileTable) SetLimit(n int) error {
	if n < 1 {
		return errno.EINVAL
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.limit = n
	return nil
}
