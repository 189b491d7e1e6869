package tcp

import "github.com/gorump/gorump/net/pkt"

// scoreboard is the sender's record of the SACK blocks the peer reported
// (RFC 6675): sorted, disjoint ranges above snd.una.
type scoreboard struct {
	blocks []sackBlock
	sacked int // bytes in blocks
}

// add merges block b, ignoring blocks outside (una, max].
func (sb *scoreboard) add(b sackBlock, una, max seqnum) {
	if !b.start.lt(b.end) || b.end.leq(una) || b.end.gt(max) {
		return
	}
	if b.start.lt(una) {
		b.start = una
	}
	// Find the insertion point and merge overlapping or adjacent blocks.
	i := 0
	for i < len(sb.blocks) && sb.blocks[i].end.lt(b.start) {
		i++
	}
	j := i
	for j < len(sb.blocks) && sb.blocks[j].start.leq(b.end) {
		b.start = seqMin(b.start, sb.blocks[j].start)
		b.end = seqMax(b.end, sb.blocks[j].end)
		sb.sacked -= int(sb.blocks[j].end - sb.blocks[j].start)
		j++
	}
	sb.sacked += int(b.end - b.start)
	if i == j {
		sb.blocks = append(sb.blocks, sackBlock{})
		copy(sb.blocks[i+1:], sb.blocks[i:])
		sb.blocks[i] = b
		return
	}
	sb.blocks[i] = b
	sb.blocks = append(sb.blocks[:i+1], sb.blocks[j:]...)
}

// prune forgets what lies below una.
func (sb *scoreboard) prune(una seqnum) {
	i := 0
	for i < len(sb.blocks) && sb.blocks[i].end.leq(una) {
		sb.sacked -= int(sb.blocks[i].end - sb.blocks[i].start)
		i++
	}
	if i > 0 {
		sb.blocks = append(sb.blocks[:0], sb.blocks[i:]...)
	}
	if len(sb.blocks) > 0 && sb.blocks[0].start.lt(una) {
		sb.sacked -= int(una - sb.blocks[0].start)
		sb.blocks[0].start = una
	}
	if len(sb.blocks) == 0 {
		sb.sacked = 0
	}
}

// sackedAt reports whether seq is SACKed and where its block ends.
func (sb *scoreboard) sackedAt(seq seqnum) (seqnum, bool) {
	for _, b := range sb.blocks {
		if seq.lt(b.start) {
			return 0, false
		}
		if seq.lt(b.end) {
			return b.end, true
		}
	}
	return 0, false
}

// nextSacked returns the start of the first block above seq.
func (sb *scoreboard) nextSacked(seq seqnum) (seqnum, bool) {
	for _, b := range sb.blocks {
		if b.start.gt(seq) {
			return b.start, true
		}
	}
	return 0, false
}

// highest is the end of the highest block, or una.
func (sb *scoreboard) highest(una seqnum) seqnum {
	if len(sb.blocks) == 0 {
		return una
	}
	return sb.blocks[len(sb.blocks)-1].end
}

// sackedBetween counts SACKed bytes in [a, b).
func (sb *scoreboard) sackedBetween(a, b seqnum) int {
	n := 0
	for _, blk := range sb.blocks {
		s, e := seqMax(blk.start, a), seqMin(blk.end, b)
		if s.lt(e) {
			n += int(e - s)
		}
	}
	return n
}

// pipe estimates the bytes in flight during SACK recovery (RFC 6675):
// outstanding bytes, less those SACKed, less the holes taken for lost
// that are not yet retransmitted.
func (c *conn) pipe() int {
	outstanding := int(c.sndMax - c.sndUna)
	hi := c.sb.highest(c.sndUna)
	lost := 0
	if from := seqMax(c.rexmitNext, c.sndUna); from.lt(hi) {
		lost = int(hi-from) - c.sb.sackedBetween(from, hi)
	}
	return max(0, outstanding-c.sb.sacked-lost)
}

// nextHole returns the next range to retransmit in SACK recovery: the
// first unSACKed bytes at or above rexmitNext below the highest SACKed
// byte, at most mss of them.
func (c *conn) nextHole(mss int) (seqnum, int, bool) {
	seq := seqMax(c.rexmitNext, c.sndUna)
	hi := c.sb.highest(c.sndUna)
	for seq.lt(hi) {
		if end, ok := c.sb.sackedAt(seq); ok {
			seq = end
			continue
		}
		n := min(mss, int(hi-seq))
		if next, ok := c.sb.nextSacked(seq); ok {
			n = min(n, int(next-seq))
		}
		n = min(n, c.snd.n-int(seq-c.sndUna))
		if n <= 0 {
			return 0, 0, false
		}
		return seq, n, true
	}
	return 0, 0, false
}

// sackBlocks fills dst with the SACK blocks to send (RFC 2018 4): the
// block holding the latest out-of-order segment first, then the others
// from the highest down. With timestamps three fit in the options.
func (c *conn) sackBlocks(dst []sackBlock) []sackBlock {
	most := c.maxSACKBlocks()
	dst = dst[:0]
	ranges := c.ooo.ranges
	first := -1
	for i, r := range ranges {
		if c.lastOOO.start.inRange(r.start, r.end+1) {
			first = i
			dst = append(dst, r)
			break
		}
	}
	for i := len(ranges) - 1; i >= 0 && len(dst) < most; i-- {
		if i != first {
			dst = append(dst, ranges[i])
		}
	}
	return dst
}

// oooSeg is a segment held in the reassembly queue; buf.Bytes() is its
// payload.
type oooSeg struct {
	seq seqnum
	buf *pkt.Buf
}

func (s oooSeg) end() seqnum { return s.seq + seqnum(s.buf.Len()) }

// reassembly is the receiver's out-of-order queue: segments sorted by
// sequence number, without overlaps, and the contiguous ranges they
// cover (for SACK). A FIN out of order is remembered by its number.
type reassembly struct {
	segs   []oooSeg
	ranges []sackBlock
	bytes  int
	fin    bool
	finSeq seqnum
}

func (r *reassembly) len() int { return len(r.segs) }

// insert queues buf, whose Bytes are the payload at seq (with fin after
// it). It takes buf.
func (r *reassembly) insert(seq seqnum, buf *pkt.Buf, fin bool) {
	end := seq + seqnum(buf.Len())
	if fin {
		r.fin, r.finSeq = true, end
	}
	if buf.Len() == 0 {
		buf.Free()
		return
	}
	// Trim against neighbours; drop queued segments the new one covers.
	i := 0
	for i < len(r.segs) && r.segs[i].end().leq(seq) {
		i++
	}
	if i < len(r.segs) && r.segs[i].seq.leq(seq) {
		// Overlaps the start of the new data.
		pend := r.segs[i].end()
		if pend.geq(end) {
			buf.Free() // wholly a duplicate
			return
		}
		buf.TrimFront(int(pend - seq))
		seq = pend
		i++
	}
	j := i
	for j < len(r.segs) && r.segs[j].end().leq(end) {
		r.bytes -= r.segs[j].buf.Len()
		r.segs[j].buf.Free()
		j++
	}
	if j < len(r.segs) && r.segs[j].seq.lt(end) {
		buf.Truncate(int(r.segs[j].seq - seq))
	}
	n := oooSeg{seq, buf}
	if i == j {
		r.segs = append(r.segs, oooSeg{})
		copy(r.segs[i+1:], r.segs[i:])
		r.segs[i] = n
	} else {
		r.segs[i] = n
		r.segs = append(r.segs[:i+1], r.segs[j:]...)
	}
	r.bytes += buf.Len()
	r.rebuildRanges()
}

func (r *reassembly) rebuildRanges() {
	r.ranges = r.ranges[:0]
	for _, s := range r.segs {
		if k := len(r.ranges); k > 0 && r.ranges[k-1].end == s.seq {
			r.ranges[k-1].end = s.end()
			continue
		}
		r.ranges = append(r.ranges, sackBlock{s.seq, s.end()})
	}
}

// pull moves the segments that now continue the stream at rcvNxt into
// q, and returns the new rcvNxt and whether the FIN was reached.
func (r *reassembly) pull(rcvNxt seqnum, q *rcvQueue) (seqnum, bool) {
	i := 0
	for ; i < len(r.segs); i++ {
		s := r.segs[i]
		if s.seq.gt(rcvNxt) {
			break
		}
		r.bytes -= s.buf.Len()
		if end := s.end(); end.gt(rcvNxt) {
			s.buf.TrimFront(int(rcvNxt - s.seq))
			rcvNxt = end
			q.push(s.buf)
		} else {
			s.buf.Free()
		}
		r.segs[i] = oooSeg{}
	}
	if i > 0 {
		r.segs = append(r.segs[:0], r.segs[i:]...)
		r.rebuildRanges()
	}
	fin := r.fin && r.finSeq == rcvNxt
	return rcvNxt, fin
}

// clear frees every queued segment.
func (r *reassembly) clear() {
	for _, s := range r.segs {
		s.buf.Free()
	}
	r.segs, r.ranges, r.bytes, r.fin = nil, nil, 0, false
}
