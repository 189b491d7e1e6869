package kern

import (
	"time"

	"github.com/gorump/gorump/kern/errno"
)

// NFDBITS is the number of descriptors in one word of an FdSet.
const NFDBITS = 32

// FdSet is a set of descriptors in select's layout, NetBSD's fd_set:
// descriptor fd is bit fd%32 of word fd/32.
type FdSet []uint32

// FdSetWords returns how many words hold nd descriptors
// (howmany(nd, NFDBITS)).
func FdSetWords(nd int) int { return (nd + NFDBITS - 1) / NFDBITS }

// IsSet reports whether fd is in s.
func (s FdSet) IsSet(fd int) bool {
	return fd >= 0 && fd/NFDBITS < len(s) && s[fd/NFDBITS]&(1<<(fd%NFDBITS)) != 0
}

// Set adds fd to s, which must be long enough.
func (s FdSet) Set(fd int) { s[fd/NFDBITS] |= 1 << (fd % NFDBITS) }

// What each set of select waits for, as NetBSD's selscan asks fo_poll.
var selectEvents = [3]int{
	POLLRDNORM | POLLHUP | POLLERR, // readable
	POLLWRNORM | POLLHUP | POLLERR, // writable
	POLLRDBAND,                     // exceptional: out-of-band data
}

// Select waits, as select(2), until a descriptor below nd is ready in
// one of the sets it is in: rd for reading (data, end of file, hang-up
// or error), wr for writing (room, hang-up or error), ex for
// out-of-band data. It returns when timeout passes (a negative timeout
// waits for ever, zero does not wait) or the kernel halts (EINTR).
//
// It then leaves in each set only its ready descriptors and returns how
// many bits it left set: a descriptor ready in two sets counts twice.
// nil sets are empty; the others must hold FdSetWords(nd) words, which
// are all rewritten (bits at nd and above cleared). On error the sets
// are unchanged. Errors: EINVAL for a negative nd, EBADF when a set
// names a descriptor that is not open. An nd above the descriptor limit
// is cut to it, as NetBSD cuts it to its table's size.
func Select(l *LWP, nd int, rd, wr, ex FdSet, timeout time.Duration) (int, error) {
	if nd < 0 {
		return 0, errno.EINVAL
	}
	nd = min(nd, l.proc.files.Limit())
	sets := [3]FdSet{rd, wr, ex}
	var fds []int
	for fd := range nd {
		if rd.IsSet(fd) || wr.IsSet(fd) || ex.IsSet(fd) {
			fds = append(fds, fd)
		}
	}
	words := FdSetWords(nd)
	var out [3]FdSet
	for i := range out {
		if sets[i] != nil {
			out[i] = make(FdSet, words)
		}
	}
	n, err := pollWait(l, timeout, len(fds), func(w *pollWatch) (int, error) {
		return selectScan(l, fds, sets, out, w)
	})
	if err != nil {
		return 0, err
	}
	for i, s := range sets {
		copy(s, out[i])
	}
	return n, nil
}

// selectScan fills out with the descriptors of fds ready in each of
// sets and returns how many bits it set; with w, it has w watch each
// descriptor's wait queue.
func selectScan(l *LWP, fds []int, sets, out [3]FdSet, w *pollWatch) (int, error) {
	for _, s := range out {
		clear(s)
	}
	files := l.proc.files
	n := 0
	for i, fd := range fds {
		f, err := files.Get(fd)
		if err != nil {
			return 0, errno.EBADF
		}
		ev := watchEvents(f, w, i)
		f.Release(l) //nolint:errcheck // only a reference
		for j, s := range sets {
			if s.IsSet(fd) && ev&selectEvents[j] != 0 {
				out[j].Set(fd)
				n++
			}
		}
	}
	return n, nil
}
