package inet

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gorump/gorump/net/pkt"
)

// TestPingOverLink has kernel A ping kernel B across the link: ARP
// resolves B, B answers the echo request, and the reply reaches A's raw
// ICMP transport.
func TestPingOverLink(t *testing.T) {
	n := newTestNet(t)
	rec := newRecorder()
	n.ipa.Register(ProtoICMP, rec)
	payload := bytes.Repeat([]byte("gorump"), 10)
	for seq := uint16(1); seq <= 3; seq++ {
		b := pkt.From(pkt.Headroom, echoRequest(0x1234, seq, payload))
		if err := n.ipa.Output(b, Out{Dst: n.addrB, Proto: ProtoICMP}); err != nil {
			t.Fatalf("output: %v", err)
		}
		rec.wait(t, "echo reply", func(r *recorder) bool { return len(r.in) >= int(seq) })
	}
	for i, r := range rec.in {
		if r.h.Src != n.addrB || r.h.Dst != n.addrA || r.h.Proto != ProtoICMP {
			t.Errorf("reply %d: header %+v", i, r.h)
		}
		m := r.data
		if m[0] != icmpEchoReply || binary.BigEndian.Uint16(m[4:6]) != 0x1234 ||
			binary.BigEndian.Uint16(m[6:8]) != uint16(i+1) || !bytes.Equal(m[8:], payload) {
			t.Errorf("reply %d: % x", i, m)
		}
		if Fold(Checksum(m, 0)) != 0 {
			t.Errorf("reply %d: bad checksum", i)
		}
	}
	// B counts a reply after sending it: A may have it first.
	eventually(func() bool { return n.ipb.Stats().ICMPEchoReplies == 3 })
	if st := n.ipb.Stats(); st.ICMPEchoIn != 3 || st.ICMPEchoReplies != 3 {
		t.Errorf("B's stats: %+v", st)
	}
}

// TestPingLocal pings this host's own addresses, through lo0.
func TestPingLocal(t *testing.T) {
	n := newTestNet(t)
	rec := newRecorder()
	n.ipa.Register(ProtoICMP, rec)
	for _, dst := range []string{"127.0.0.1", "10.0.0.1"} {
		want := len(rec.in) + 2 // the request and the reply both come back
		b := pkt.From(pkt.Headroom, echoRequest(7, 1, []byte("hi")))
		if err := n.ipa.Output(b, Out{Dst: mustAddr(dst), Proto: ProtoICMP}); err != nil {
			t.Fatalf("output to %s: %v", dst, err)
		}
		rec.wait(t, "local echo reply", func(r *recorder) bool { return len(r.in) >= want })
	}
}
