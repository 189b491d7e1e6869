package vfs

import (
	"github.com/gorump/gorump/kern"
)

// An open FIFO is a vnode file whose reads, writes and polls go to the
// kern.Pipe the FIFO's vnode holds while any end is open, as NetBSD's
// fifofs keeps a socket pair in v_fifoinfo: the data lives in memory
// only, never in the file system, and is gone when the last end closes.
// fstat, fchmod and fchown reach the vnode; lseek, pread and pwrite
// fail with ESPIPE, as on a pipe.

// fifoFile is an open FIFO.
type fifoFile struct {
	*vnodeFile
	p *kern.Pipe
}

// vnodeFiler is implemented by the FileOps of every open vnode, FIFOs
// included: the calls that work on the vnode behind a descriptor
// (fchmod, fstatvfs...) find it through it.
type vnodeFiler interface{ vfile() *vnodeFile }

func (vf *vnodeFile) vfile() *vnodeFile { return vf }

// newFile makes the open file of vp for open(2) flags, taking over the
// caller's reference to vp (released on failure). A FIFO is opened as
// NetBSD's fifo_open does; see kern.Pipe.AwaitPeer.
func (v *VFS) newFile(l *kern.LWP, vp *Vnode, flags int) (*kern.File, error) {
	vf := &vnodeFile{v: v, vp: vp, cred: l.Cred()}
	fflags := kern.FFlags(flags)
	if vp.typ != VFIFO {
		return kern.NewFile(vf, fflags, true), nil
	}
	vp.lock.Lock()
	p := vp.fifo
	if p == nil {
		var err error
		if p, err = kern.NewFIFO(v.k, l.Cred()); err != nil {
			vp.lock.Unlock()
			vp.Rele()
			return nil, err
		}
		vp.fifo = p
	}
	p.Attach(fflags)
	vp.lock.Unlock()
	ff := &fifoFile{vnodeFile: vf, p: p}
	if err := p.AwaitPeer(fflags); err != nil {
		ff.detach(fflags)
		vp.Rele()
		return nil, err
	}
	return kern.NewFile(ff, fflags, false), nil
}

// detach takes an end off the FIFO's pipe, which the vnode drops when
// no end is left.
func (ff *fifoFile) detach(fflags int) {
	vp := ff.vp
	vp.lock.Lock()
	if ff.p.Detach(fflags) && vp.fifo == ff.p {
		vp.fifo = nil
	}
	vp.lock.Unlock()
}

func (ff *fifoFile) Read(l *kern.LWP, f *kern.File, p []byte, off int64) (int, error) {
	return ff.p.Read(f, p)
}

func (ff *fifoFile) Write(l *kern.LWP, f *kern.File, p []byte, off int64) (int, int64, error) {
	n, err := ff.p.Write(f, p)
	return n, off, err
}

func (ff *fifoFile) Close(l *kern.LWP, f *kern.File) error {
	ff.detach(f.Flags())
	return ff.vnodeFile.Close(l, f)
}

// Restart implements kern.Restarter.
func (ff *fifoFile) Restart(f *kern.File) { ff.p.Restart() }

// PollEvents implements kern.Poller.
func (ff *fifoFile) PollEvents(f *kern.File) int { return ff.p.PollEvents() }

// PollWaiters implements kern.Poller.
func (ff *fifoFile) PollWaiters(f *kern.File) *kern.Waiters { return ff.p.Waiters() }

// Queued implements kern.Queuer: the bytes buffered, for a descriptor
// open for reading.
func (ff *fifoFile) Queued(f *kern.File) int {
	if f.Flags()&kern.FREAD == 0 {
		return 0
	}
	return ff.p.Queued()
}
