package tcp

import (
	"net/netip"
	"sync"
	"time"

	"github.com/gorump/gorump/kern"
)

// twEntry is what remains of a connection in TIME_WAIT: enough to
// acknowledge a retransmitted FIN and to tell an old duplicate from a
// new connection's SYN. It costs about a hundred bytes, not a whole
// connection.
type twEntry struct {
	key           connKey
	local, remote netip.AddrPort
	sndNxt        seqnum
	rcvNxt        seqnum
	win           uint16 // window field for the ACKs
	tsOK          bool
	tsRecent      uint32
	tsOffset      uint32
	expire        time.Duration
	copies        int // times e is in the FIFO; guarded by the table's mu
}

// timewaitTable holds the TIME_WAIT entries of a stack in a map and in a
// FIFO ordered by expiry, since every entry lives 2*MSL; one callout
// reaps the FIFO's head.
type timewaitTable struct {
	s       *Stack
	callout *kern.Callout

	mu   sync.Mutex // guards m and fifo
	m    map[connKey]*twEntry
	fifo []*twEntry // by push time; an entry pushed again leaves a stale copy
}

func (t *timewaitTable) init(s *Stack) {
	t.s = s
	t.m = map[connKey]*twEntry{}
	t.callout = s.k.NewCallout(t.reap)
}

// add puts e in TIME_WAIT for 2*MSL.
func (t *timewaitTable) add(e *twEntry) {
	e.expire = t.s.now() + 2*time.Duration(t.s.p.msl.Load())
	t.mu.Lock()
	t.m[e.key] = e
	t.fifo = append(t.fifo, e)
	e.copies++
	first := len(t.fifo) == 1
	t.mu.Unlock()
	t.s.stats.TimeWaits.Add(1)
	if first {
		t.callout.Schedule(max(0, e.expire-t.s.now()))
	}
}

// restart gives e another 2*MSL.
func (t *timewaitTable) restart(e *twEntry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m[e.key] != e {
		return
	}
	e.expire = t.s.now() + 2*time.Duration(t.s.p.msl.Load())
	t.fifo = append(t.fifo, e)
	e.copies++
}

func (t *timewaitTable) lookup(k connKey) *twEntry {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[k]
}

func (t *timewaitTable) has(k connKey) bool { return t.lookup(k) != nil }

// remove ends e's TIME_WAIT early (a new connection reuses its ports).
func (t *timewaitTable) remove(e *twEntry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m[e.key] == e {
		delete(t.m, e.key)
	}
}

// Len returns the number of connections in TIME_WAIT.
func (t *timewaitTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

func (t *timewaitTable) reap() {
	now := t.s.now()
	t.mu.Lock()
	i := 0
	for ; i < len(t.fifo); i++ {
		e := t.fifo[i]
		if e.copies > 1 {
			e.copies-- // a later copy stands for it
			continue
		}
		if t.m[e.key] == e {
			if e.expire > now {
				break
			}
			delete(t.m, e.key)
		}
		e.copies = 0
	}
	clear(t.fifo[:i])
	t.fifo = t.fifo[i:]
	if len(t.fifo) == 0 {
		t.fifo = nil
	}
	next := time.Duration(-1)
	if len(t.fifo) > 0 {
		next = max(0, t.fifo[0].expire-now)
	}
	t.mu.Unlock()
	if next >= 0 {
		t.callout.Schedule(next)
	}
}
