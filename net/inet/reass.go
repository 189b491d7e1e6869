package inet

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
)

// Reassembly limits.
const (
	// FragTimeout is how long a datagram's fragments wait for the rest
	// (NetBSD's IPFRAGTTL).
	FragTimeout = 30 * time.Second
	// DefaultMaxFragQueues bounds the datagrams being put together
	// (net.inet.ip.maxfragpackets).
	DefaultMaxFragQueues = 200
	// MaxFragBytes bounds the buffer memory held for all of them.
	MaxFragBytes = 4 << 20
	// MaxFragsPerDatagram bounds the fragments of one datagram.
	MaxFragsPerDatagram = 256
)

type fragKey struct {
	src, dst netip.Addr
	id       uint16
	proto    uint8
}

// span is a byte range [start, end) of a datagram's data that has
// arrived.
type span struct{ start, end int }

// fragClasses are the sizes of the buffers datagrams are put together
// in; fragBufs recycles them. Their old contents need no clearing: only
// the spans that have arrived are read.
var (
	fragClasses = [...]int{4 << 10, 16 << 10, 64 << 10}
	fragBufs    [len(fragClasses)]sync.Pool
)

// getFragBuf returns a recycled buffer of at least n bytes (n is at most
// 64 KiB), with length zero.
func getFragBuf(n int) []byte {
	for i, c := range fragClasses {
		if n <= c {
			if v := fragBufs[i].Get(); v != nil {
				return (*v.(*[]byte))[:0]
			}
			return make([]byte, 0, c)
		}
	}
	panic("inet: fragment buffer too large")
}

func putFragBuf(b []byte) {
	for i, c := range fragClasses {
		if cap(b) == c {
			fragBufs[i].Put(&b)
			return
		}
	}
}

type fragQueue struct {
	key     fragKey
	hdr     []byte // the first fragment's header, once it came
	data    []byte // the data so far (len: the highest end seen), in a recycled buffer
	have    []span // sorted, disjoint, not adjacent
	total   int    // data length, from the last fragment; -1 until then
	nfrags  int
	expires time.Duration
	ifIndex int
}

// reassembly puts fragmented datagrams together (RFC 791, RFC 815's
// hole list in the form of the spans that have arrived). Overlapping
// data is taken from the fragment that came first; a datagram whose
// fragments disagree about its end, or that would pass 65535 bytes, is
// dropped whole.
type reassembly struct {
	ip        *IP
	maxQueues atomic.Int32

	mu     sync.Mutex // guards the fields below
	queues map[fragKey]*fragQueue
	bytes  int // cap(data) summed over the queues
	timer  *kern.Callout
}

func (r *reassembly) init(ip *IP) {
	r.ip = ip
	r.maxQueues.Store(DefaultMaxFragQueues)
	r.queues = map[fragKey]*fragQueue{}
	r.timer = ip.k.NewCallout(r.expire)
}

// add files the fragment b (a whole packet, header h) and returns the
// datagram when it is complete, with a fresh header; nil otherwise. It
// takes ownership of b.
func (r *reassembly) add(ifp *ifnet.Interface, h *ipHeader, b *pkt.Buf) *pkt.Buf {
	defer b.Free()
	s := &r.ip.stats
	p := b.Bytes()
	data := p[h.hlen:h.totalLen]
	off := h.fragOffset()
	end := off + len(data)
	if (h.mf() && (len(data) == 0 || len(data)%8 != 0)) || h.hlen+end > MaxPacket {
		s.fragDropped.Add(1)
		if h.hlen+end > MaxPacket {
			r.drop(fragKey{h.src, h.dst, h.id, h.proto})
		}
		return nil
	}
	key := fragKey{h.src, h.dst, h.id, h.proto}
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.queues[key]
	if q == nil {
		if len(r.queues) >= int(r.maxQueues.Load()) {
			r.evictOldestLocked()
			if len(r.queues) >= int(r.maxQueues.Load()) {
				s.fragDropped.Add(1)
				return nil
			}
		}
		q = &fragQueue{key: key, total: -1, expires: r.ip.k.Clock().Monotonic() + FragTimeout, ifIndex: ifp.Index()}
		r.queues[key] = q
		if !r.timer.Pending() {
			r.timer.Schedule(time.Second)
		}
	}
	q.nfrags++
	if q.nfrags > MaxFragsPerDatagram {
		r.dropLocked(q)
		s.fragDropped.Add(1)
		return nil
	}
	if !h.mf() {
		if (q.total >= 0 && q.total != end) || len(q.data) > end {
			r.dropLocked(q)
			s.fragDropped.Add(1)
			return nil
		}
		q.total = end
	} else if q.total >= 0 && end > q.total {
		r.dropLocked(q)
		s.fragDropped.Add(1)
		return nil
	}
	if end > cap(q.data) {
		// A larger buffer; the bytes held are counted by capacity.
		nb := getFragBuf(end)
		grow := cap(nb) - cap(q.data)
		for r.bytes+grow > MaxFragBytes && len(r.queues) > 1 {
			if !r.evictOldestExceptLocked(q) {
				break
			}
		}
		if r.bytes+grow > MaxFragBytes {
			putFragBuf(nb)
			r.dropLocked(q)
			s.fragDropped.Add(1)
			return nil
		}
		nb = append(nb, q.data...)
		if q.data != nil {
			putFragBuf(q.data)
		}
		q.data = nb
		r.bytes += grow
	}
	if end > len(q.data) {
		q.data = q.data[:end]
	}
	if off == 0 && q.hdr == nil {
		q.hdr = append([]byte(nil), p[:h.hlen]...)
	}
	if !q.fill(off, data) {
		s.fragDropped.Add(1) // all of it was there already
	}
	if q.total < 0 || q.hdr == nil || len(q.have) != 1 || q.have[0] != (span{0, q.total}) {
		return nil
	}
	out := pkt.New(pkt.Headroom, len(q.hdr)+q.total)
	o := out.Bytes()
	copy(o, q.hdr)
	copy(o[len(q.hdr):], q.data[:q.total])
	r.removeLocked(q) // after the copy: it recycles q.buf
	n := len(q.hdr) + q.total
	o[2], o[3] = byte(n>>8), byte(n)
	o[6], o[7] = 0, 0
	setChecksum(o, len(q.hdr))
	h.hlen, h.totalLen, h.frag = len(q.hdr), n, 0
	h.tos, h.ttl = q.hdr[1], q.hdr[8]
	return out
}

// fill copies into q.data the parts of data (at offset off) that have
// not arrived yet, and records them. It reports whether anything was
// new.
func (q *fragQueue) fill(off int, data []byte) bool {
	start, end := off, off+len(data)
	if start == end {
		return false
	}
	// Copy the gaps between the spans that overlap [start, end).
	pos, added := start, false
	for _, sp := range q.have {
		if sp.end <= pos {
			continue
		}
		if sp.start >= end {
			break
		}
		if sp.start > pos {
			copy(q.data[pos:sp.start], data[pos-off:sp.start-off])
			added = true
		}
		pos = max(pos, sp.end)
	}
	if pos < end {
		copy(q.data[pos:end], data[pos-off:])
		added = true
	}
	if !added {
		return false
	}
	// Merge [start, end) into the spans.
	merged := span{start, end}
	out := q.have[:0:0]
	for _, sp := range q.have {
		switch {
		case sp.end < merged.start:
			out = append(out, sp)
		case sp.start > merged.end:
			if merged.end >= 0 {
				out = append(out, merged)
				merged = span{-1, -1}
			}
			out = append(out, sp)
		default:
			merged = span{min(merged.start, sp.start), max(merged.end, sp.end)}
		}
	}
	if merged.end >= 0 {
		out = append(out, merged)
	}
	q.have = out
	return true
}

func (r *reassembly) drop(key fragKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if q := r.queues[key]; q != nil {
		r.dropLocked(q)
	}
}

// dropLocked discards a datagram, counting its fragments.
func (r *reassembly) dropLocked(q *fragQueue) {
	r.ip.stats.fragDropped.Add(uint64(q.nfrags))
	r.removeLocked(q)
}

func (r *reassembly) removeLocked(q *fragQueue) {
	delete(r.queues, q.key)
	r.bytes -= cap(q.data)
	if q.data != nil {
		putFragBuf(q.data)
		q.data = nil
	}
	if len(r.queues) == 0 {
		r.timer.Stop()
	}
}

func (r *reassembly) evictOldestLocked() { r.evictOldestExceptLocked(nil) }

// evictOldestExceptLocked drops the datagram closest to expiry other than
// keep; it reports whether there was one.
func (r *reassembly) evictOldestExceptLocked(keep *fragQueue) bool {
	var oldest *fragQueue
	for _, q := range r.queues {
		if q != keep && (oldest == nil || q.expires < oldest.expires) {
			oldest = q
		}
	}
	if oldest == nil {
		return false
	}
	r.dropLocked(oldest)
	return true
}

// expire runs every second while datagrams wait: it drops those whose
// time is up and answers each whose first fragment came with an ICMP
// time exceeded (reassembly).
func (r *reassembly) expire() {
	now := r.ip.k.Clock().Monotonic()
	type notice struct {
		pk      []byte
		ifIndex int
	}
	var notices []notice
	r.mu.Lock()
	for _, q := range r.queues {
		if now < q.expires {
			continue
		}
		r.ip.stats.fragTimeout.Add(uint64(q.nfrags))
		if q.hdr != nil {
			// The first fragment: its header and the first 8 bytes.
			n := min(8, len(q.data))
			if len(q.have) > 0 && q.have[0].start == 0 {
				n = min(n, q.have[0].end)
			}
			notices = append(notices, notice{append(append([]byte(nil), q.hdr...), q.data[:n]...), q.ifIndex})
		}
		r.removeLocked(q)
	}
	if len(r.queues) > 0 {
		r.timer.Schedule(time.Second)
	}
	r.mu.Unlock()
	for _, n := range notices {
		h, herr := parseHeaderLoose(n.pk)
		if herr != hdrOK {
			continue
		}
		r.ip.icmpErrorRaw(n.pk, &h, false, icmpTimeExceeded, codeReassemblyExceeded, 0)
	}
}

// parseHeaderLoose parses the header of a packet of which only a prefix
// is at hand: the total length is not checked against the buffer.
func parseHeaderLoose(p []byte) (ipHeader, headerError) {
	if len(p) < HeaderLen {
		return ipHeader{}, hdrTooShort
	}
	q := append([]byte(nil), p...)
	hlen := int(q[0]&0xf) * 4
	if hlen < HeaderLen || hlen > len(q) {
		return ipHeader{}, hdrBadHeaderLen
	}
	q[2], q[3] = byte(len(q)>>8), byte(len(q))
	setChecksum(q, hlen)
	h, herr := parseHeader(q)
	if herr == hdrOK {
		h.totalLen = int(p[2])<<8 | int(p[3])
	}
	return h, herr
}
