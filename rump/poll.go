package rump

import (
	"time"

	"github.com/gorump/gorump/kern"
)

// PollFd is struct pollfd.
type PollFd = kern.PollFd

// FdSet is a set of descriptors for Select, NetBSD's fd_set: descriptor
// fd is bit fd%32 of word fd/32. Make one of FdSetWords(nd) words.
type FdSet = kern.FdSet

// FdSetWords returns how many words of an FdSet hold descriptors below
// nd.
func FdSetWords(nd int) int { return kern.FdSetWords(nd) }

// Poll waits for events on descriptors (a negative timeout waits for
// ever).
func (p *Proc) Poll(fds []PollFd, timeout time.Duration) (int, error) {
	return kern.Poll(p.l, fds, timeout)
}

// Select waits, as select(2), until a descriptor below nd in rd is
// readable, one in wr writable, or one in ex has out-of-band data, or
// timeout passes (negative: no limit; zero: no wait). It leaves the
// ready descriptors in the sets (nil sets are empty) and returns how
// many bits it left set. EBADF when a set names a closed descriptor.
func (p *Proc) Select(nd int, rd, wr, ex FdSet, timeout time.Duration) (int, error) {
	return kern.Select(p.l, nd, rd, wr, ex, timeout)
}
