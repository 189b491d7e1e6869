// Package shmif is NetBSD's shmif network interface: an Ethernet whose
// wire is a file. Every interface whose link string names the same
// host file is on the same bus, whichever kernel, process or rump
// kernel implementation it belongs to: no daemon, no privileges. It is
// how NetBSD's tests join rump kernels in separate processes, and the
// bus file is NetBSD's, version 3, byte for byte, so gorump and NetBSD
// kernels can share one.
//
// # The bus
//
// The file is BusSize (1 MiB) bytes, mapped shared by every user
// through the host (rumpuser.ShmifHost; the POSIX host offers it on
// Linux, memhost in memory). A 32-byte header (Header) holds the magic
// number, the version, the generation, the offsets of the oldest and
// newest frames and a spin lock; the rest is a ring of frames, each
// behind a 24-byte header (PktHeader) with its length, a timestamp and
// the random identity of its sender. All of it is in the host's byte
// order.
//
// A sender takes the lock, writes its frame after the newest one,
// wrapping at the end of the ring (which increments the generation) and
// moving the oldest-frame offset past whatever it overwrites, frees the
// lock, and then writes the version number at offset 4 through the file
// rather than the mapping: that write is what wakes the others, who
// wait on the file for modification (inotify on Linux). Each receiver
// keeps its own position and generation; writers that lap it make it
// start again at the oldest frame, losing those between (counted in
// Stats.Lapped). Receivers skip their own frames and those addressed
// to other stations.
//
// The format trusts every writer; this package does not. Every offset
// and length read from the bus is checked before use: a receiver that
// finds garbage skips to the newest frame, a sender empties the ring
// (a new generation, so every receiver starts again), and both count
// it in Stats.Damaged. Nothing on the bus makes the kernel panic or
// read out of bounds.
//
// # Interfaces
//
// Interfaces are called shmif0, shmif1, ... (at most MaxUnit), with MTU
// 1500 and an Ethernet address of b2:a0 and four random bytes. They are
// made as in NetBSD: Create with a bus file (what rump_pub_shmif_create
// does, rump.Kernel.CreateShmif), or the "shmif" cloner (ifconfig
// shmif0 create) followed by a link string naming the bus file
// (ifconfig shmif0 linkstr busfile, Interface.SetLinkStr). An interface
// with no bus cannot come up (ENXIO); the link string can be set only
// while the interface is down and has none.
//
// # Threads and locks
//
// A link has two kernel threads while it is attached: a receiver, which
// reads the bus while the interface is up and waits on the file when it
// has caught up, and a writer, which puts the frames Transmit queues on
// the bus, a batch per hold of the bus lock and one wake-up per batch.
// Lock order: ifnet's configuration lock, then Link.busMu (held shared
// by the threads while they use the bus, exclusively to change it),
// then Link.mu, then the bus lock.
//
// The bus lock is NetBSD's: a word in the file, not robust. A process
// that dies holding it stops the bus for everyone; a link waiting for
// it can still go down or be closed.
package shmif
