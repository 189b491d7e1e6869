package rump

import "github.com/gorump/gorump/kern"

// Sizes of a pipe.
const (
	// PIPE_BUF is the largest write a pipe or FIFO takes whole, never
	// interleaved with another writer's.
	PIPE_BUF = kern.PIPE_BUF
	// O_NOSIGPIPE is accepted by Pipe2 and changes nothing: a write
	// without reader gives EPIPE, and no signal, either way.
	O_NOSIGPIPE = kern.O_NOSIGPIPE
)

// Pipe makes a pipe (pipe(2)) and returns the descriptors of its read
// end and its write end.
func (p *Proc) Pipe() (r, w int, err error) { return p.l.Pipe(0) }

// Pipe2 is Pipe with flags O_CLOEXEC, O_NONBLOCK and O_NOSIGPIPE, which
// both descriptors get (pipe2(2)); other flags are EINVAL.
func (p *Proc) Pipe2(flags int) (r, w int, err error) { return p.l.Pipe(flags) }

// PipeFiles makes a pipe and returns its ends as Files, as os.Pipe
// does: r reads what w writes, and reads io.EOF once w is closed and
// all it wrote is read; w's writes fail with EPIPE once r is closed.
func (p *Proc) PipeFiles() (r, w *File, err error) {
	rfd, wfd, err := p.l.Pipe(kern.O_CLOEXEC)
	if err != nil {
		return nil, nil, err
	}
	return &File{p: p, fd: rfd, name: "|0"}, &File{p: p, fd: wfd, name: "|1"}, nil
}
