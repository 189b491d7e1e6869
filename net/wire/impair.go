package wire

import (
	"sync/atomic"
	"time"
)

// Impairments make one direction of a wire bad. The zero value is a
// perfect cable with a queue of DefaultQueueLen frames.
type Impairments struct {
	// Loss is the probability that a frame is lost.
	Loss float64
	// Duplicate is the probability that a frame arrives twice.
	Duplicate float64
	// Corrupt is the probability that one byte of a frame, after its
	// Ethernet header, is flipped. IP, ICMP, UDP and TCP checksums all
	// catch a changed byte; a UDP datagram sent without a checksum does
	// not.
	Corrupt float64
	// Reorder is the probability that a frame is held back and sent after
	// the next one. A held frame that no later frame overtakes within a
	// few milliseconds goes out alone.
	Reorder float64
	// Delay is how long a frame takes from the end of its sending to its
	// arrival.
	Delay time.Duration
	// Jitter adds a uniformly random extra delay in [0, Jitter) to each
	// frame. It never reorders: a frame waits for those sent before it.
	Jitter time.Duration
	// Bandwidth, in bits per second, makes each frame take its size in
	// bits divided by Bandwidth to send, one after the other; 0 means
	// unlimited.
	Bandwidth int64
	// QueueLen bounds the frames waiting in the direction; a frame that
	// finds it full is dropped with ENOBUFS. With Bandwidth set it counts
	// the frames waiting to be sent (the bottleneck's queue); without, it
	// counts every frame on the wire, those in flight over Delay
	// included, so a long Delay at a high rate needs a long queue. 0
	// means DefaultQueueLen.
	QueueLen int
}

// timed reports whether frames need a clock: only then does a direction
// read the time and arm timers.
func (imp *Impairments) timed() bool {
	return imp.Delay > 0 || imp.Jitter > 0 || imp.Bandwidth > 0 || imp.Reorder > 0
}

// random reports whether frames need the generator.
func (imp *Impairments) random() bool {
	return imp.Loss > 0 || imp.Duplicate > 0 || imp.Corrupt > 0 || imp.Reorder > 0 || imp.Jitter > 0
}

// Stats counts what happened to the frames one end sent. Once the wire is
// quiet, Sent+Duplicated == Delivered+Dropped.
type Stats struct {
	// Sent counts the frames given to Transmit.
	Sent uint64
	// Delivered counts the frames handed to the receiver, duplicates
	// included.
	Delivered uint64
	// DeliveredBytes counts the bytes of the delivered frames.
	DeliveredBytes uint64
	// Dropped counts the frames that never arrived, for any reason: lost
	// on purpose, too large, a full queue, a closed end.
	Dropped uint64
	// Lost counts the frames dropped by the Loss impairment.
	Lost uint64
	// Duplicated counts the extra copies made.
	Duplicated uint64
	// Corrupted counts the frames with a flipped byte.
	Corrupted uint64
	// Reordered counts the frames held back to arrive after a later one.
	Reordered uint64
}

type counters struct {
	sent, delivered, deliveredBytes, dropped, lost, duplicated, corrupted, reordered atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Sent:           c.sent.Load(),
		Delivered:      c.delivered.Load(),
		DeliveredBytes: c.deliveredBytes.Load(),
		Dropped:        c.dropped.Load(),
		Lost:           c.lost.Load(),
		Duplicated:     c.duplicated.Load(),
		Corrupted:      c.corrupted.Load(),
		Reordered:      c.reordered.Load(),
	}
}
