// Package ifnet is the list of network interfaces of a kernel: it attaches
// link drivers (Link) as named interfaces ("virt0", "lo0"), holds their
// state (up, MTU, IPv4 addresses, counters), takes received frames from
// the link and hands them to the protocol that wants them, and sends
// frames out.
//
// Protocols plug in while the kernel boots: SetInput names the function
// that receives frames of an EtherType (IPv4, ARP), AddHooks the functions
// told when an interface comes or goes, changes address, or goes up or
// down. IfSlot gives a protocol a place for its per-interface state (the
// ARP cache) that is read without a lock.
//
// When the kernel halts, every interface is detached (its addresses and
// routes removed) and its link closed.
//
// Received frames: the link calls the interface's receive function on the
// link's goroutine; Ethernet frames are checked (runts, frames for other
// stations, an interface that is down) and their header removed; frames
// of loopback links are bare IP packets. The protocol's input function
// takes ownership of the buffer.
//
// Link drivers whose device is written from a thread of their own (virtif,
// shmif) build on two pieces: TxQueue, the queue between Transmit and the
// writer thread, and LinkThreads, the threads Start starts and the
// driver's Close waits for.
//
// Lock order, outermost first:
//
//	Net.cfgMu > (protocol locks taken by hooks: route, ARP) > Net.mu
//
// cfgMu serialises configuration (attach, detach, addresses, up/down,
// MTU); hooks run with cfgMu held and no other ifnet lock. The receive
// and send paths take no ifnet lock: they read atomic snapshots.
package ifnet
