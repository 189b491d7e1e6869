package tcp

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/net/inet"
	"github.com/gorump/gorump/net/pkt"
)

// FuzzParseHeader parses arbitrary bytes as a TCP header; what parses
// must be consistent, and options written by encode must parse back.
func FuzzParseHeader(f *testing.F) {
	o := peerOpts(7)
	o.sack = []sackBlock{{1, 2}, {5, 9}}
	good := buildSegment(remoteAddr, localAddr, seg{srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: flagSYN, win: 5, out: o, payload: []byte("hi")})
	f.Add(good.Bytes())
	f.Add([]byte{0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 2, 0, 0, 0, 0, 0, 0, 2, 4, 5})
	f.Add([]byte{0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x60, 2, 0, 0, 0, 0, 0, 0, 5, 10, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var h header
		if !parseHeader(b, &h) {
			return
		}
		if h.dataOff < headerLen || h.dataOff > len(b) || h.opts.nsack > 4 || h.opts.wscale > maxWScale {
			t.Fatalf("parsed %+v from %d bytes", h, len(b))
		}
		// Re-encode what was understood and parse it again.
		out := outOpts{wscale: -1, mss: h.opts.mss, sackPerm: h.opts.sackPerm, ts: h.opts.hasTS, tsVal: h.opts.tsVal, tsEcr: h.opts.tsEcr}
		if h.opts.hasWScale {
			out.wscale = int(h.opts.wscale)
		}
		if h.opts.nsack > 0 && !h.opts.hasTS {
			out.sack = h.opts.sack[:h.opts.nsack]
		}
		if out.len() > 40 {
			return
		}
		buf := make([]byte, headerLen+out.len())
		putHeader(buf, h.srcPort, h.dstPort, h.seq, h.ack, h.flags, h.window, &out)
		var h2 header
		if !parseHeader(buf, &h2) {
			t.Fatal("re-encoded header does not parse")
		}
		if h2.opts.hasTS != out.ts || (out.ts && (h2.opts.tsVal != out.tsVal || h2.opts.tsEcr != out.tsEcr)) ||
			(out.mss != 0 && h2.opts.mss != out.mss) || h2.opts.sackPerm != out.sackPerm || h2.opts.nsack != len(out.sack) {
			t.Fatalf("options %+v re-parsed as %+v", out, h2.opts)
		}
	})
}

// FuzzInput feeds arbitrary segments to a stack that holds a listener
// and connections in several states, then lets timers run: nothing may
// panic or hang, and the connections' sequence variables stay ordered.
// The input is a list of segments, each a length byte and that many
// bytes of TCP header and payload; ports and checksum are fixed up so
// that the segments reach the connections.
func FuzzInput(f *testing.F) {
	syn := buildSegment(remoteAddr, localAddr, seg{srcPort: remotePort, dstPort: localPort, seq: 1, flags: flagSYN, win: 1000, out: peerOpts(1)})
	rst := buildSegment(remoteAddr, localAddr, seg{srcPort: remotePort, dstPort: localPort, seq: 1, flags: flagRST, out: outOpts{wscale: -1}})
	data := buildSegment(remoteAddr, localAddr, seg{srcPort: remotePort, dstPort: localPort, seq: remoteISS + 1, ack: 0, flags: flagACK | flagFIN, win: 100, out: outOpts{wscale: -1, sack: []sackBlock{{1, 100}}}, payload: []byte("data")})
	for _, s := range [][]*pkt.Buf{{syn}, {rst}, {data}, {syn, data, rst}} {
		var in []byte
		for _, b := range s {
			in = append(in, byte(b.Len()))
			in = append(in, b.Bytes()...)
		}
		for target := range 4 {
			f.Add(byte(target), in)
		}
	}
	f.Fuzz(func(t *testing.T, target byte, in []byte) {
		synctest.Test(t, func(t *testing.T) {
			c := newCtx(t)
			l := c.s.newConn(nil)
			l.Bind(netip.AddrPortFrom(netip.Addr{}, localPort))
			l.Listen(4)
			e := c.connectActive(peerOpts(1))
			e.pcb.Send(payload(5000, 1), netip.AddrPort{}, 0)
			c.sent()
			closing := c.connectActiveFrom(remotePort + 1)
			closing.pcb.Close(false)
			synSent := c.s.newConn(nil)
			synSent.Connect(netip.AddrPortFrom(remoteAddr, remotePort+2))
			c.sent()
			ports := []uint16{localPort, e.lport, closing.lport, synSent.LocalAddr().Port()}
			srcs := []uint16{remotePort, remotePort, remotePort + 1, remotePort + 2}
			i := int(target) % len(ports)
			for len(in) > 0 {
				n := min(int(in[0]), len(in)-1)
				s := append([]byte(nil), in[1:1+n]...)
				in = in[1+n:]
				if len(s) >= 4 {
					binary.BigEndian.PutUint16(s[0:], srcs[i])
					binary.BigEndian.PutUint16(s[2:], ports[i])
				}
				if len(s) >= 18 {
					s[16], s[17] = 0, 0
					sum := inet.Checksum(s, inet.PseudoHeader(remoteAddr, localAddr, inet.ProtoTCP, len(s)))
					binary.BigEndian.PutUint16(s[16:], inet.Fold(sum))
				}
				c.s.Input(inetHeader(), pkt.From(pkt.Headroom, s))
				i = (i + 1) % len(ports)
			}
			sleep(5 * time.Minute)
			for _, p := range []*conn{e.pcb, closing.pcb, synSent} {
				p.mu.Lock()
				if p.sndUna.gt(p.sndNxt) || p.sndNxt.gt(p.sndMax) || p.rcv.n > p.rcvLimit+65535 {
					t.Errorf("state %v: una %d nxt %d max %d rcv %d", p.state, p.sndUna, p.sndNxt, p.sndMax, p.rcv.n)
				}
				p.mu.Unlock()
			}
			c.sent()
		})
	})
}

// connectActiveFrom is connectActive towards another remote port.
func (c *testCtx) connectActiveFrom(port uint16) *established {
	t := c.t
	t.Helper()
	pcb := c.s.newConn(nil)
	pcb.Connect(netip.AddrPortFrom(remoteAddr, port))
	syn := c.expectOne()
	c.inject(seg{srcPort: port, dstPort: syn.srcPort, seq: remoteISS, ack: syn.seq + 1, flags: flagSYN | flagACK, win: 65535, out: outOpts{mss: 1000, wscale: -1}})
	c.expectOne()
	return &established{c: c, pcb: pcb, iss: syn.seq, rcvNxt: syn.seq + 1, sndNxt: remoteISS + 1, peerPort: port, lport: syn.srcPort}
}
