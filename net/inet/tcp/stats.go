package tcp

import "sync/atomic"

// Stats are a stack's counters, as NetBSD's tcpstat: read them with Load.
type Stats struct {
	ConnAttempts atomic.Uint64 // connections initiated (SYN sent)
	Accepts      atomic.Uint64 // connections accepted (SYN received and answered)
	Connects     atomic.Uint64 // connections established
	Drops        atomic.Uint64 // established connections dropped (reset, timeout)
	ConnDrops    atomic.Uint64 // embryonic connections dropped
	Closed       atomic.Uint64 // connections closed

	SndTotal       atomic.Uint64 // segments sent
	SndPack        atomic.Uint64 // data segments sent
	SndBytes       atomic.Uint64 // data bytes sent
	SndRexmitPack  atomic.Uint64 // data segments retransmitted
	SndRexmitBytes atomic.Uint64 // data bytes retransmitted
	SndSuper       atomic.Uint64 // super-segments sent for the link to cut (TSO)
	SndAcks        atomic.Uint64 // pure ACKs sent
	SndDelAcks     atomic.Uint64 // ACKs sent by the delayed-ACK timer
	SndProbe       atomic.Uint64 // window probes sent
	SndWinUpd      atomic.Uint64 // window updates sent
	SndCtrl        atomic.Uint64 // control segments (SYN, FIN, RST) sent
	SndRST         atomic.Uint64 // resets sent
	SndSACKBlocks  atomic.Uint64 // SACK blocks sent

	RcvTotal       atomic.Uint64 // segments received
	RcvPack        atomic.Uint64 // data segments received in order
	RcvBytes       atomic.Uint64 // data bytes received in order
	RcvBadSum      atomic.Uint64 // segments with a bad checksum
	RcvShort       atomic.Uint64 // segments too short or with a bad offset
	RcvDupPack     atomic.Uint64 // segments with only old data
	RcvDupBytes    atomic.Uint64 // bytes of old data received
	RcvOOPack      atomic.Uint64 // segments received out of order
	RcvOOBytes     atomic.Uint64 // bytes received out of order
	RcvAfterWin    atomic.Uint64 // segments with data beyond the window
	RcvAckPack     atomic.Uint64 // segments acknowledging data
	RcvAckBytes    atomic.Uint64 // bytes acknowledged
	RcvDupAck      atomic.Uint64 // duplicate ACKs
	RcvAckTooMuch  atomic.Uint64 // ACKs for data not yet sent
	RcvWinProbe    atomic.Uint64 // window probes received
	RcvWinUpd      atomic.Uint64 // window updates received
	RcvPAWSDrop    atomic.Uint64 // segments dropped by PAWS
	RcvMemDrop     atomic.Uint64 // segments dropped for want of buffer
	RcvSACKBlocks  atomic.Uint64 // SACK blocks received
	NoPort         atomic.Uint64 // segments for no connection (answered with RST)
	ListenDrops    atomic.Uint64 // SYNs dropped: listen queue full
	ChallengeAcks  atomic.Uint64 // challenge ACKs sent (RFC 5961)
	RexmtTimeouts  atomic.Uint64 // retransmission timeouts
	PersistTimeout atomic.Uint64 // persist timer expiries
	KeepTimeouts   atomic.Uint64 // keepalive timer expiries
	KeepProbes     atomic.Uint64 // keepalive probes sent
	KeepDrops      atomic.Uint64 // connections dropped by keepalive
	FastRexmits    atomic.Uint64 // fast retransmissions (recoveries entered)
	TLPProbes      atomic.Uint64 // tail loss probes sent
	TLPRecoveries  atomic.Uint64 // losses a retransmitted probe repaired
	HyStartCSS     atomic.Uint64 // HyStart++ conservative slow starts begun
	HyStartExits   atomic.Uint64 // slow starts HyStart++ ended before a loss
	SACKRecovery   atomic.Uint64 // recoveries driven by SACK
	TimeWaits      atomic.Uint64 // connections that entered TIME_WAIT
	TimeWaitReuse  atomic.Uint64 // TIME_WAIT entries replaced by a new SYN
	PMTUUpdates    atomic.Uint64 // MSS lowered by ICMP fragmentation needed
	OutputErrors   atomic.Uint64 // segments the network refused (no route, no neighbour, queue full)
}
