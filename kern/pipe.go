package kern

import (
	"sync"

	"github.com/gorump/gorump/kern/errno"
)

// Sizes of a pipe (NetBSD's sys/syslimits.h and sys/pipe.h).
const (
	// PIPE_BUF is the largest write a pipe takes in one piece: a write
	// of at most this many bytes is never interleaved with another.
	PIPE_BUF = 512
	// PIPE_SIZE is a pipe's buffer.
	PIPE_SIZE = 16 << 10
	// BIG_PIPE_SIZE is what the buffer grows to when a write larger than
	// PIPE_SIZE finds it empty.
	BIG_PIPE_SIZE = 64 << 10
)

// pipeFlags are the flags pipe2 takes.
const pipeFlags = O_CLOEXEC | O_NONBLOCK | O_NOSIGPIPE

// Pipe is the buffer between the writers and the readers of a pipe or
// a FIFO, as NetBSD's sys_pipe.c keeps it: bytes come out in the order
// they went in; a write of at most PIPE_BUF bytes goes in whole; a read
// of an empty pipe waits for a writer to write or for the last writer
// to go (then it returns 0, the end of file); a write with no reader
// left fails with EPIPE (there are no signals: NetBSD also raises
// SIGPIPE). Descriptors with O_NONBLOCK get EAGAIN where they would
// wait. A blocked call wakes with EBADF when its descriptor's last
// close comes (kern.Restarter) and with EINTR when the kernel halts.
//
// pipe(2) makes a Pipe with one read end and one write end (LWP.Pipe);
// a FIFO's open ends attach to the one Pipe of its vnode (Attach,
// AwaitPeer, Detach), which keeps NetBSD's FIFO rules where they differ
// from a pipe's (see Read and PollEvents).
type Pipe struct {
	k    *Kernel
	fifo bool
	uid  uint32 // the creator's, for fstat
	gid  uint32
	w    Waiters

	mu       sync.Mutex // guards the fields below
	buf      []byte     // the ring, allocated by the first write
	size     int        // the buffer's size: PIPE_SIZE or BIG_PIPE_SIZE
	start    int        // where the next read starts in buf
	n        int        // bytes buffered
	readers  int        // open read ends
	writers  int        // open write ends
	eof      bool       // the last writer has gone: an empty pipe reads 0
	reserved int64      // bytes held in k.Memory()
	atime    Timespec   // last read
	mtime    Timespec   // last write
	btime    Timespec   // creation
}

// newPipe makes a pipe with no ends, reserving its buffer in k's memory
// account (ENOMEM past the limit).
func newPipe(k *Kernel, cred *Cred, fifo bool) (*Pipe, error) {
	if err := k.mem.Reserve(PIPE_SIZE); err != nil {
		return nil, err
	}
	now := k.Now()
	return &Pipe{k: k, fifo: fifo, uid: cred.UID(), gid: cred.GID(), size: PIPE_SIZE,
		reserved: PIPE_SIZE, atime: now, mtime: now, btime: now}, nil
}

// NewFIFO makes the pipe of a FIFO with no end open yet; the FIFO's
// opens Attach to it. ENOMEM when the kernel's memory limit is reached.
func NewFIFO(k *Kernel, cred *Cred) (*Pipe, error) { return newPipe(k, cred, true) }

// Pipe makes a pipe and returns descriptors for its read end and its
// write end, as pipe2(2): flags may hold O_CLOEXEC, O_NONBLOCK and
// O_NOSIGPIPE, which both descriptors get; others are EINVAL. EMFILE
// when the descriptor table is full, ENOMEM past the memory limit.
func (l *LWP) Pipe(flags int) (rfd, wfd int, err error) {
	if flags&^pipeFlags != 0 {
		return -1, -1, errno.EINVAL
	}
	p, err := newPipe(l.Kernel(), l.Cred(), false)
	if err != nil {
		return -1, -1, err
	}
	p.readers, p.writers = 1, 1
	kept := flags & (O_NONBLOCK | O_NOSIGPIPE)
	cloexec := flags&O_CLOEXEC != 0
	rf := NewFile(&pipeEnd{p: p}, FREAD|kept, false)
	wf := NewFile(&pipeEnd{p: p, write: true}, FWRITE|kept, false)
	files := l.proc.files
	if rfd, err = files.Alloc(rf, 0, cloexec); err != nil {
		rf.Release(l) //nolint:errcheck // the alloc error is the one to report
		wf.Release(l) //nolint:errcheck // likewise
		return -1, -1, err
	}
	if wfd, err = files.Alloc(wf, 0, cloexec); err != nil {
		files.Close(l, rfd) //nolint:errcheck // likewise
		wf.Release(l)       //nolint:errcheck // likewise
		return -1, -1, err
	}
	return rfd, wfd, nil
}

// Attach counts a new open end of a FIFO: a reader with FREAD, a writer
// with FWRITE (both for O_RDWR). A first writer clears the end of file
// that the last one left. Callers serialise Attach and Detach (the
// vnode lock), so that no end attaches to a pipe Detach has emptied.
func (p *Pipe) Attach(fflags int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if fflags&FREAD != 0 {
		p.readers++
	}
	if fflags&FWRITE != 0 {
		if p.writers == 0 {
			p.eof = false
		}
		p.writers++
	}
	p.w.Wake()
}

// AwaitPeer waits as the open of a FIFO does once attached: a reader
// without O_NONBLOCK until a writer is there (or there is data, or an
// end of file not yet read), a writer until a reader is. A writer with
// O_NONBLOCK fails at once with ENXIO when there is no reader. EINTR
// when the kernel halts; the caller then Detaches.
func (p *Pipe) AwaitPeer(fflags int) error {
	nonblock := fflags&O_NONBLOCK != 0
	for {
		p.mu.Lock()
		var wait bool
		switch {
		case fflags&FREAD != 0 && !nonblock && p.n == 0 && !p.eof && p.writers == 0:
			wait = true
		case fflags&FWRITE != 0 && p.readers == 0:
			if nonblock {
				p.mu.Unlock()
				return errno.ENXIO
			}
			wait = true
		}
		if !wait {
			p.mu.Unlock()
			return nil
		}
		ch := p.w.Chan()
		p.mu.Unlock()
		if err := p.sleep(nil, ch); err != nil {
			return err
		}
	}
}

// Detach uncounts an end that closes (fflags as given to Attach). The
// last writer's going is the end of file; the last end's going frees
// the buffer, and Detach then reports true: a FIFO's next open makes a
// new Pipe.
func (p *Pipe) Detach(fflags int) (empty bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if fflags&FREAD != 0 {
		p.readers--
	}
	if fflags&FWRITE != 0 {
		p.writers--
		if p.writers == 0 {
			p.eof = true
		}
	}
	p.w.Wake()
	if p.readers > 0 || p.writers > 0 {
		return false
	}
	p.buf, p.n, p.start = nil, 0, 0
	p.k.mem.Release(p.reserved)
	p.reserved = 0
	return true
}

// sleep waits for ch, taken under p.mu before the caller let it go. It
// fails with EBADF when f (nil for none) has lost its last descriptor
// and EINTR when the kernel halts.
func (p *Pipe) sleep(f *File, ch <-chan struct{}) error {
	if f != nil && f.Descriptors() == 0 {
		return errno.EBADF
	}
	select {
	case <-ch:
		return nil
	case <-p.k.Context().Done():
		return errno.EINTR
	}
}

// Read reads what the pipe holds, up to len(b), waiting while it is
// empty and a writer may still write. It returns 0 at the end of file:
// the pipe is empty and its last writer has gone. As NetBSD's FIFOs, a
// FIFO reports that end of file to one read only (the next waits for a
// new writer), and a read with O_NONBLOCK of an empty FIFO that has no
// writer returns 0 rather than EAGAIN. f is the descriptor's file.
func (p *Pipe) Read(f *File, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	nonblock := f.Flags()&O_NONBLOCK != 0
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		switch {
		case p.n > 0:
			n := p.take(b)
			p.atime = p.k.Now()
			p.w.Wake()
			return n, nil
		case p.eof:
			if p.fifo {
				p.eof = false
			}
			return 0, nil
		case nonblock:
			if p.fifo && p.writers == 0 {
				return 0, nil
			}
			return 0, errno.EAGAIN
		}
		ch := p.w.Chan()
		p.mu.Unlock()
		err := p.sleep(f, ch)
		p.mu.Lock()
		if err != nil {
			return 0, err
		}
	}
}

// Write writes b, waiting for room, and returns how much it wrote. A
// write of at most PIPE_BUF bytes (and the last PIPE_BUF bytes of a
// longer one) goes in whole; a longer one may be interleaved with other
// writers' at other points. With O_NONBLOCK it writes what fits and
// fails with EAGAIN when nothing does. EPIPE when no reader is left,
// with what was written before.
func (p *Pipe) Write(f *File, b []byte) (int, error) {
	nonblock := f.Flags()&O_NONBLOCK != 0
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(b) > PIPE_SIZE && p.size == PIPE_SIZE && p.n == 0 && p.readers > 0 {
		p.grow()
	}
	done := 0
	for {
		if p.readers == 0 {
			return done, errno.EPIPE
		}
		left := len(b) - done
		if left == 0 {
			return done, nil
		}
		room := p.size - p.n
		if room < left && left <= PIPE_BUF {
			room = 0 // no room for it whole: wait for the whole
		}
		if room > 0 {
			done += p.put(b[done : done+min(room, left)])
			p.mtime = p.k.Now()
			p.w.Wake()
			continue
		}
		if nonblock {
			if done > 0 {
				return done, nil
			}
			return 0, errno.EAGAIN
		}
		ch := p.w.Chan()
		p.mu.Unlock()
		err := p.sleep(f, ch)
		p.mu.Lock()
		if err != nil {
			return done, err
		}
	}
}

// grow makes an empty pipe's buffer BIG_PIPE_SIZE, as NetBSD's
// pipe_write does for a write larger than PIPE_SIZE; past the memory
// limit the buffer stays as it is.
func (p *Pipe) grow() {
	extra := int64(BIG_PIPE_SIZE - p.size)
	if p.k.mem.Reserve(extra) != nil {
		return
	}
	p.reserved += extra
	p.size = BIG_PIPE_SIZE
	p.buf, p.start = nil, 0
}

// put appends as much of b as fits to the ring and returns how much.
func (p *Pipe) put(b []byte) int {
	if p.buf == nil {
		p.buf = make([]byte, p.size)
	}
	total := 0
	for len(b) > 0 && p.n < p.size {
		end := (p.start + p.n) % p.size
		c := copy(p.buf[end:min(p.size, end+p.size-p.n)], b)
		p.n += c
		total += c
		b = b[c:]
	}
	return total
}

// take moves up to len(b) bytes out of the ring into b.
func (p *Pipe) take(b []byte) int {
	total := 0
	for len(b) > 0 && p.n > 0 {
		c := copy(b, p.buf[p.start:min(p.size, p.start+p.n)])
		p.start = (p.start + c) % p.size
		p.n -= c
		total += c
		b = b[c:]
	}
	if p.n == 0 {
		p.start = 0
	}
	return total
}

// Queued returns how many bytes wait to be read (FIONREAD).
func (p *Pipe) Queued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// Waiters returns the queue woken by every change of the pipe.
func (p *Pipe) Waiters() *Waiters { return &p.w }

// Restart wakes every call asleep in the pipe, so that those whose
// descriptor has lost its last close fail with EBADF.
func (p *Pipe) Restart() { p.w.Wake() }

// PollEvents returns a FIFO's poll events, as NetBSD's fifo_poll asks
// its socket pair: readable (POLLIN, POLLRDNORM) when data or an unread
// end of file waits, writable (POLLOUT, POLLWRNORM) when PIPE_BUF bytes
// fit or no reader is left; never POLLHUP. The ends of a pipe(2) have
// their own rules (pipeEnd.PollEvents).
func (p *Pipe) PollEvents() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	ev := 0
	if p.n > 0 || p.eof {
		ev |= POLLIN | POLLRDNORM
	}
	if p.readers == 0 || p.size-p.n >= PIPE_BUF {
		ev |= POLLOUT | POLLWRNORM
	}
	return ev
}

// pipeEnd is one end of a pipe(2): the FileOps of its descriptors.
type pipeEnd struct {
	p     *Pipe
	write bool
}

func (e *pipeEnd) Read(l *LWP, f *File, b []byte, off int64) (int, error) {
	return e.p.Read(f, b)
}

func (e *pipeEnd) Write(l *LWP, f *File, b []byte, off int64) (int, int64, error) {
	n, err := e.p.Write(f, b)
	return n, off, err
}

// Stat describes the end as NetBSD's pipe_stat does: S_IFIFO with read
// and write permission for its owner, the creator; the read end's size
// is the bytes buffered, its block size the buffer's. The write end has
// no buffer of its own: size 0, its reader's block size (0 once the
// reader has gone) and its creation time for every time.
func (e *pipeEnd) Stat(l *LWP, f *File) (Stat, error) {
	p := e.p
	p.mu.Lock()
	defer p.mu.Unlock()
	st := Stat{Mode: S_IFIFO | 0o600, UID: p.uid, GID: p.gid,
		Atime: p.btime, Mtime: p.btime, Ctime: p.btime, Birthtime: p.btime}
	if e.write {
		if p.readers > 0 {
			st.Blksize = uint32(p.size)
		}
		return st, nil
	}
	st.Size = int64(p.n)
	if p.n > 0 {
		st.Blocks = 1
	}
	st.Blksize = uint32(p.size)
	st.Atime, st.Mtime = p.atime, p.mtime
	return st, nil
}

func (e *pipeEnd) Close(l *LWP, f *File) error {
	if e.write {
		e.p.Detach(FWRITE)
	} else {
		e.p.Detach(FREAD)
	}
	return nil
}

// Restart implements Restarter.
func (e *pipeEnd) Restart(f *File) { e.p.Restart() }

// PollEvents implements Poller as NetBSD's pipe_poll: the read end is
// readable with data or at the end of file; an end whose other end has
// closed reports POLLHUP and is both readable and writable (a read end
// then reads 0, a write end gets EPIPE); the write end is writable when
// PIPE_BUF bytes fit.
func (e *pipeEnd) PollEvents(f *File) int {
	p := e.p
	p.mu.Lock()
	defer p.mu.Unlock()
	gone := p.writers == 0
	if e.write {
		gone = p.readers == 0
	}
	if gone {
		return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLHUP
	}
	if e.write {
		if p.size-p.n >= PIPE_BUF {
			return POLLOUT | POLLWRNORM
		}
		return 0
	}
	if p.n > 0 {
		return POLLIN | POLLRDNORM
	}
	return 0
}

// PollWaiters implements Poller.
func (e *pipeEnd) PollWaiters(f *File) *Waiters { return &e.p.w }

// Queued implements Queuer: the read end's buffered bytes; the write
// end has none of its own, as NetBSD's FIONREAD counts them.
func (e *pipeEnd) Queued(f *File) int {
	if e.write {
		return 0
	}
	return e.p.Queued()
}

// Queuer is a FileOps that buffers data on its way to a reader (a pipe,
// a FIFO): ioctl FIONREAD asks it how many bytes wait.
type Queuer interface {
	Queued(f *File) int
}
