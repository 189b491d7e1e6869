// Package wire is an in-process Ethernet cable between kernels: two ends,
// each an ifnet.Link, that pass frames to each other without copying. It
// sits outside every kernel (two kernels in one process attach one end
// each) and can make the cable bad in either direction, at run time: lose,
// duplicate, corrupt and reorder frames, delay them with jitter, and
// shape them to a bandwidth behind a queue of bounded length. Impairments
// draw from a PCG generator seeded by Config.Seed, so a run with the same
// seed and the same frames makes the same decisions.
//
// Each direction has one goroutine that takes the frames queued by the
// sending end in batches and hands them to the receiving end's rx
// function. A cable without impairments reads no clock and arms no timer:
// a send is a lock, an append and, when the goroutine sleeps, a wake-up.
// Delays and bandwidth use the clock of Config.Clock (Go's time package by
// default), so inside a testing/synctest bubble they run on virtual time.
//
// Frames keep their order in each direction unless Reorder says
// otherwise: jitter and bandwidth never let a frame overtake another.
//
// A Hub joins more than two kernels: a learning switch whose ports are
// links too, with impairments on the frames each port receives.
//
// Locks: each direction has one mutex, and a hub one more; no code holds
// two.
package wire
