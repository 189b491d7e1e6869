package socket

import (
	"net/netip"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// file is a Socket as the kern.FileOps behind socket descriptors: read
// and write are recv and send without flags, stat says S_IFSOCK, and the
// last close closes the socket.
type file Socket

func (f *file) Read(l *kern.LWP, kf *kern.File, p []byte, off int64) (int, error) {
	n, _, _, err := (*Socket)(f).Recv(p, 0, kf.Flags()&kern.O_NONBLOCK != 0)
	return n, err
}

func (f *file) Write(l *kern.LWP, kf *kern.File, p []byte, off int64) (int, int64, error) {
	n, err := (*Socket)(f).Send(p, netip.AddrPort{}, 0, kf.Flags()&kern.O_NONBLOCK != 0)
	return n, off, err
}

func (f *file) Stat(l *kern.LWP, kf *kern.File) (kern.Stat, error) {
	s := (*Socket)(f)
	st := kern.Stat{Mode: kern.S_IFSOCK, Nlink: 1, UID: s.uid, GID: s.gid, Blksize: 4096}
	if !s.rdShut.Load() {
		st.Mode |= 0o444
	}
	if !s.wrShut.Load() {
		st.Mode |= 0o222
	}
	return st, nil
}

func (f *file) Close(l *kern.LWP, kf *kern.File) error {
	return (*Socket)(f).Close()
}

// Restart wakes the calls asleep in the socket when its last descriptor
// has closed under them; they find it so and fail with EBADF.
func (f *file) Restart(kf *kern.File) { f.w.Wake() }

// PollEvents implements kern.Poller: the socket's events, with
// POLLRDNORM beside POLLIN.
func (f *file) PollEvents(kf *kern.File) int {
	ev := (*Socket)(f).Events()
	if ev&POLLIN != 0 {
		ev |= POLLRDNORM
	}
	return ev
}

// PollWaiters implements kern.Poller.
func (f *file) PollWaiters(kf *kern.File) *kern.Waiters { return f.w }

// Of returns the socket behind an open file, or nil when the file is not
// a socket.
func Of(f *kern.File) *Socket {
	if sf, ok := f.Ops().(*file); ok {
		return (*Socket)(sf)
	}
	return nil
}

// NewFile wraps s in an open file (readable and writable, with
// O_NONBLOCK when nonblock) holding one reference.
func NewFile(s *Socket, nonblock bool) *kern.File {
	fl := kern.FREAD | kern.FWRITE
	if nonblock {
		fl |= kern.O_NONBLOCK
	}
	kf := kern.NewFile((*file)(s), fl, false)
	s.file.Store(kf)
	return kf
}

// Install puts s in l's descriptor table as a new descriptor. On failure
// (EMFILE) the socket is closed.
func Install(l *kern.LWP, s *Socket, nonblock, cloexec bool) (int, error) {
	f := NewFile(s, nonblock)
	fd, err := l.Proc().Files().Alloc(f, 0, cloexec)
	if err != nil {
		f.Release(l) //nolint:errcheck // the alloc error is the one to report
		return -1, err
	}
	return fd, nil
}

// getSock returns the socket at fd with a file reference the caller
// releases: EBADF for a bad descriptor, ENOTSOCK for one that is not a
// socket.
func getSock(l *kern.LWP, fd int) (*Socket, *kern.File, error) {
	f, err := l.Proc().Files().Get(fd)
	if err != nil {
		return nil, nil, err
	}
	s := Of(f)
	if s == nil {
		f.Release(l) //nolint:errcheck // only a reference
		return nil, nil, errno.ENOTSOCK
	}
	return s, f, nil
}
