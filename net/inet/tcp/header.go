package tcp

import (
	"encoding/binary"
)

// seqnum is a TCP sequence number; comparisons are modulo 2^32.
type seqnum uint32

func (a seqnum) lt(b seqnum) bool  { return int32(a-b) < 0 }
func (a seqnum) leq(b seqnum) bool { return int32(a-b) <= 0 }
func (a seqnum) gt(b seqnum) bool  { return int32(a-b) > 0 }
func (a seqnum) geq(b seqnum) bool { return int32(a-b) >= 0 }

// inRange reports whether a is in [lo, hi).
func (a seqnum) inRange(lo, hi seqnum) bool { return lo.leq(a) && a.lt(hi) }

func seqMax(a, b seqnum) seqnum {
	if a.gt(b) {
		return a
	}
	return b
}

func seqMin(a, b seqnum) seqnum {
	if a.lt(b) {
		return a
	}
	return b
}

// TCP header flags.
const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagRST = 0x04
	flagPSH = 0x08
	flagACK = 0x10
	flagURG = 0x20
	flagECE = 0x40
	flagCWR = 0x80
)

// headerLen is the length of a TCP header without options.
const headerLen = 20

// Option kinds (RFC 9293, 7323, 2018).
const (
	optEOL       = 0
	optNOP       = 1
	optMSS       = 2
	optWScale    = 3
	optSACKPerm  = 4
	optSACK      = 5
	optTimestamp = 8
)

// maxWScale is the largest window shift RFC 7323 allows.
const maxWScale = 14

// sackBlock is a SACK block: the bytes [start, end) arrived.
type sackBlock struct{ start, end seqnum }

// options are the TCP options of a segment that the stack understands.
type options struct {
	mss       uint16
	hasMSS    bool
	wscale    uint8
	hasWScale bool
	sackPerm  bool
	hasTS     bool
	tsVal     uint32
	tsEcr     uint32
	nsack     int
	sack      [4]sackBlock
}

// header is a parsed TCP header.
type header struct {
	srcPort, dstPort uint16
	seq, ack         seqnum
	flags            uint8
	window           uint16
	dataOff          int // header length in bytes, options included
	opts             options
}

// parseHeader parses the TCP header at the start of b into h. It reports
// false when b is too short or the data offset is impossible. Malformed
// options end option parsing without failing the segment, as other
// stacks do.
func parseHeader(b []byte, h *header) bool {
	if len(b) < headerLen {
		return false
	}
	h.srcPort = binary.BigEndian.Uint16(b[0:])
	h.dstPort = binary.BigEndian.Uint16(b[2:])
	h.seq = seqnum(binary.BigEndian.Uint32(b[4:]))
	h.ack = seqnum(binary.BigEndian.Uint32(b[8:]))
	h.dataOff = int(b[12]>>4) * 4
	h.flags = b[13]
	h.window = binary.BigEndian.Uint16(b[14:])
	if h.dataOff < headerLen || h.dataOff > len(b) {
		return false
	}
	h.opts = options{}
	if h.dataOff > headerLen {
		parseOptions(b[headerLen:h.dataOff], &h.opts)
	}
	return true
}

// parseOptions parses TCP options from b into o. It stops at the end of
// the list or at the first malformed option.
func parseOptions(b []byte, o *options) {
	for len(b) > 0 {
		kind := b[0]
		if kind == optEOL {
			return
		}
		if kind == optNOP {
			b = b[1:]
			continue
		}
		if len(b) < 2 {
			return
		}
		n := int(b[1])
		if n < 2 || n > len(b) {
			return
		}
		body := b[2:n]
		switch kind {
		case optMSS:
			if n == 4 {
				o.mss = binary.BigEndian.Uint16(body)
				o.hasMSS = true
			}
		case optWScale:
			if n == 3 {
				o.wscale = min(body[0], maxWScale)
				o.hasWScale = true
			}
		case optSACKPerm:
			if n == 2 {
				o.sackPerm = true
			}
		case optTimestamp:
			if n == 10 {
				o.tsVal = binary.BigEndian.Uint32(body)
				o.tsEcr = binary.BigEndian.Uint32(body[4:])
				o.hasTS = true
			}
		case optSACK:
			if (n-2)%8 == 0 {
				o.nsack = 0
				for i := 0; i+8 <= len(body) && o.nsack < len(o.sack); i += 8 {
					o.sack[o.nsack] = sackBlock{
						start: seqnum(binary.BigEndian.Uint32(body[i:])),
						end:   seqnum(binary.BigEndian.Uint32(body[i+4:])),
					}
					o.nsack++
				}
			}
		}
		b = b[n:]
	}
}

// outOpts are the options to put on an outgoing segment.
type outOpts struct {
	mss      uint16 // 0: none
	wscale   int    // -1: none
	sackPerm bool
	ts       bool
	tsVal    uint32
	tsEcr    uint32
	sack     []sackBlock
}

// len returns the length of the encoded options, padded to 4 bytes.
func (o *outOpts) len() int {
	n := 0
	if o.mss != 0 {
		n += 4
	}
	if o.wscale >= 0 {
		n += 4 // NOP + 3
	}
	if o.sackPerm && !o.ts {
		n += 4 // NOP NOP + 2
	}
	if o.ts {
		n += 12 // (SACKPERM or NOP NOP) + 10
	}
	if len(o.sack) > 0 {
		n += 4 + 8*len(o.sack) // NOP NOP + 2 + 8n
	}
	return n
}

// encode writes the options into b, which is o.len() bytes long.
func (o *outOpts) encode(b []byte) {
	i := 0
	if o.mss != 0 {
		b[0], b[1] = optMSS, 4
		binary.BigEndian.PutUint16(b[2:], o.mss)
		i = 4
	}
	if o.wscale >= 0 {
		b[i], b[i+1], b[i+2], b[i+3] = optNOP, optWScale, 3, byte(o.wscale)
		i += 4
	}
	if o.ts {
		if o.sackPerm {
			b[i], b[i+1] = optSACKPerm, 2
		} else {
			b[i], b[i+1] = optNOP, optNOP
		}
		b[i+2], b[i+3] = optTimestamp, 10
		binary.BigEndian.PutUint32(b[i+4:], o.tsVal)
		binary.BigEndian.PutUint32(b[i+8:], o.tsEcr)
		i += 12
	} else if o.sackPerm {
		b[i], b[i+1], b[i+2], b[i+3] = optNOP, optNOP, optSACKPerm, 2
		i += 4
	}
	if len(o.sack) > 0 {
		b[i], b[i+1], b[i+2], b[i+3] = optNOP, optNOP, optSACK, byte(2+8*len(o.sack))
		i += 4
		for _, s := range o.sack {
			binary.BigEndian.PutUint32(b[i:], uint32(s.start))
			binary.BigEndian.PutUint32(b[i+4:], uint32(s.end))
			i += 8
		}
	}
}

// putHeader writes a TCP header with options into b (20 + opts.len()
// bytes), checksum zero.
func putHeader(b []byte, src, dst uint16, seq, ack seqnum, flags uint8, win uint16, o *outOpts) {
	binary.BigEndian.PutUint16(b[0:], src)
	binary.BigEndian.PutUint16(b[2:], dst)
	binary.BigEndian.PutUint32(b[4:], uint32(seq))
	binary.BigEndian.PutUint32(b[8:], uint32(ack))
	b[12] = byte(len(b)/4) << 4
	b[13] = flags
	binary.BigEndian.PutUint16(b[14:], win)
	b[16], b[17], b[18], b[19] = 0, 0, 0, 0
	if o != nil && len(b) > headerLen {
		o.encode(b[headerLen:])
	}
}

// diff returns a - b as a signed distance.
func diff(a, b seqnum) int { return int(int32(a - b)) }
