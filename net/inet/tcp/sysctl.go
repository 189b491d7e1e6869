package tcp

import (
	"sync/atomic"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// params are a stack's tunables, the net.inet.tcp sysctl nodes. Each is
// read without a lock when a connection is made or a timer is armed.
type params struct {
	sendspace         atomic.Int64 // default send buffer, bytes
	recvspace         atomic.Int64 // default receive buffer, bytes
	sendbufMax        atomic.Int64 // auto-tuning ceiling of the send buffer
	recvbufMax        atomic.Int64 // auto-tuning ceiling of the receive buffer
	autoRcvBuf        atomic.Bool
	autoSndBuf        atomic.Bool
	mssdflt           atomic.Int64 // MSS when the peer sends none
	rfc1323           atomic.Bool  // window scaling and timestamps
	sack              atomic.Bool
	hystart           atomic.Bool  // HyStart++ in the first slow start
	tlp               atomic.Bool  // tail loss probes
	congctl           atomic.Value // string: "cubic" or "newreno"
	delack            atomic.Int64 // delayed-ACK time, ns
	keepidle          atomic.Int64 // ns
	keepintvl         atomic.Int64 // ns
	keepcnt           atomic.Int64
	keepinit          atomic.Int64 // connection-establishment timeout, ns
	msl               atomic.Int64 // maximum segment lifetime, ns
	initWin           atomic.Int64 // initial congestion window, segments
	rtoMin            atomic.Int64 // ns
	rtoMax            atomic.Int64 // ns
	rtoInit           atomic.Int64 // ns
	rexmitMax         atomic.Int64 // retransmissions before the connection fails
	synRetries        atomic.Int64
	finWait2          atomic.Int64 // FIN_WAIT_2 timeout of closed sockets, ns
	ackOnPush         atomic.Bool
	challengeAckLimit atomic.Int64 // challenge ACKs per second (RFC 5961)
}

func (p *params) setDefaults() {
	p.sendspace.Store(256 << 10)
	p.recvspace.Store(256 << 10)
	p.sendbufMax.Store(4 << 20)
	p.recvbufMax.Store(4 << 20)
	p.autoRcvBuf.Store(true)
	p.autoSndBuf.Store(true)
	p.mssdflt.Store(536)
	p.rfc1323.Store(true)
	p.sack.Store(true)
	p.hystart.Store(true)
	p.tlp.Store(true)
	p.congctl.Store("cubic")
	p.delack.Store(int64(40 * time.Millisecond))
	p.keepidle.Store(int64(2 * time.Hour))
	p.keepintvl.Store(int64(75 * time.Second))
	p.keepcnt.Store(8)
	p.keepinit.Store(int64(75 * time.Second))
	p.msl.Store(int64(30 * time.Second))
	p.initWin.Store(10)
	p.rtoMin.Store(int64(200 * time.Millisecond))
	p.rtoMax.Store(int64(64 * time.Second))
	p.rtoInit.Store(int64(time.Second))
	p.rexmitMax.Store(12)
	p.synRetries.Store(6)
	p.finWait2.Store(int64(60 * time.Second))
	p.ackOnPush.Store(false)
	p.challengeAckLimit.Store(1000)
}

// NetBSD's numbers for the net.inet.tcp nodes (netinet/tcp_var.h); the
// ones NetBSD lacks take numbers from 100 up.
const (
	ctlNet             = 4
	ctlInet            = 2
	ctlTCP             = 6
	tcpctlRFC1323      = 1
	tcpctlSendspace    = 2
	tcpctlRecvspace    = 3
	tcpctlMssdflt      = 4
	tcpctlInitWin      = 8
	tcpctlSACK         = 10
	tcpctlAckOnPush    = 16
	tcpctlKeepidle     = 17
	tcpctlKeepintvl    = 18
	tcpctlKeepcnt      = 19
	tcpctlMSL          = 34
	tcpctlCongctl      = 100 // a node, as NetBSD's dynamic one
	tcpctlDelackMS     = 101
	tcpctlRTOMinMS     = 102
	tcpctlRTOMaxMS     = 103
	tcpctlRexmitMax    = 104
	tcpctlKeepinit     = 105
	tcpctlRecvbufAuto  = 106
	tcpctlRecvbufMax   = 107
	tcpctlSendbufAuto  = 108
	tcpctlSendbufMax   = 109
	tcpctlFinWait2     = 110
	tcpctlSynRetries   = 111
	tcpctlChallengeAck = 112
	tcpctlHyStart      = 113
	tcpctlTLP          = 114
)

// addSysctl adds the net.inet.tcp tree. The net and net.inet nodes are
// made when missing (the IPv4 component may have made them).
func (s *Stack) addSysctl() {
	t := s.k.Sysctl()
	t.Add("net", ctlNet, sysctlNode())
	t.Add("net.inet", ctlInet, sysctlNode())
	if err := t.Add("net.inet.tcp", ctlTCP, sysctlNode()); err != nil {
		return
	}
	p := s.p
	intNode := func(name string, num int32, v *atomic.Int64, lo, hi int64) {
		t.AddInt("net.inet.tcp."+name, num, v.Load, func(x int64) error {
			if x < lo || x > hi {
				return errno.EINVAL
			}
			v.Store(x)
			return nil
		})
	}
	// durNode exposes a duration in unit.
	durNode := func(name string, num int32, v *atomic.Int64, unit time.Duration, lo, hi int64) {
		t.AddInt("net.inet.tcp."+name, num, func() int64 { return v.Load() / int64(unit) }, func(x int64) error {
			if x < lo || x > hi {
				return errno.EINVAL
			}
			v.Store(x * int64(unit))
			return nil
		})
	}
	boolNode := func(name string, num int32, v *atomic.Bool) {
		t.AddInt("net.inet.tcp."+name, num, func() int64 {
			if v.Load() {
				return 1
			}
			return 0
		}, func(x int64) error {
			if x != 0 && x != 1 {
				return errno.EINVAL
			}
			v.Store(x == 1)
			return nil
		})
	}
	boolNode("rfc1323", tcpctlRFC1323, &p.rfc1323)
	intNode("sendspace", tcpctlSendspace, &p.sendspace, 1024, 64<<20)
	intNode("recvspace", tcpctlRecvspace, &p.recvspace, 1024, 64<<20)
	intNode("mssdflt", tcpctlMssdflt, &p.mssdflt, 64, 65535)
	intNode("init_win", tcpctlInitWin, &p.initWin, 1, 1000)
	boolNode("ack_on_push", tcpctlAckOnPush, &p.ackOnPush)
	durNode("keepidle", tcpctlKeepidle, &p.keepidle, time.Second, 1, 1<<30)
	durNode("keepintvl", tcpctlKeepintvl, &p.keepintvl, time.Second, 1, 1<<30)
	intNode("keepcnt", tcpctlKeepcnt, &p.keepcnt, 1, 1<<20)
	durNode("keepinit", tcpctlKeepinit, &p.keepinit, time.Second, 1, 1<<30)
	durNode("msl", tcpctlMSL, &p.msl, time.Second, 0, 3600)
	durNode("delack_ms", tcpctlDelackMS, &p.delack, time.Millisecond, 1, 500)
	durNode("rto_min_ms", tcpctlRTOMinMS, &p.rtoMin, time.Millisecond, 1, 60000)
	durNode("rto_max_ms", tcpctlRTOMaxMS, &p.rtoMax, time.Millisecond, 100, 600000)
	intNode("rexmit_max", tcpctlRexmitMax, &p.rexmitMax, 1, 64)
	intNode("syn_retries", tcpctlSynRetries, &p.synRetries, 1, 64)
	boolNode("recvbuf_auto", tcpctlRecvbufAuto, &p.autoRcvBuf)
	intNode("recvbuf_max", tcpctlRecvbufMax, &p.recvbufMax, 1024, 256<<20)
	boolNode("sendbuf_auto", tcpctlSendbufAuto, &p.autoSndBuf)
	intNode("sendbuf_max", tcpctlSendbufMax, &p.sendbufMax, 1024, 256<<20)
	durNode("finwait2_timeout", tcpctlFinWait2, &p.finWait2, time.Second, 1, 1<<20)
	intNode("challenge_ack_limit", tcpctlChallengeAck, &p.challengeAckLimit, 0, 1<<30)
	boolNode("hystart", tcpctlHyStart, &p.hystart)
	boolNode("tlp", tcpctlTLP, &p.tlp)

	t.Add("net.inet.tcp.sack", tcpctlSACK, sysctlNode())
	boolNode("sack.enable", 1, &p.sack)
	t.Add("net.inet.tcp.congctl", tcpctlCongctl, sysctlNode())
	t.AddString("net.inet.tcp.congctl.available", 1, func() string { return "newreno cubic" }, nil)
	t.AddString("net.inet.tcp.congctl.selected", 2, func() string { return p.congctl.Load().(string) }, func(v string) error {
		if newCongestion(v) == nil {
			return errno.EINVAL
		}
		p.congctl.Store(v)
		return nil
	})
}

func sysctlNode() kern.SysctlEntry { return kern.SysctlEntry{Kind: kern.SysctlNode} }
