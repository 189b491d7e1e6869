package rumpuser

import "time"

// ShmifHost is implemented by hosts that can share a file as memory
// between kernels, in this process and in others: the bus file of
// NetBSD's shmif interfaces, which the shmif driver (net/shmif) finds
// by type assertion. The layout of the file is the driver's business;
// the host maps it and tells waiters when someone has written to it.
type ShmifHost interface {
	// OpenBus opens the host file called name for reading and writing,
	// creating it if it does not exist, sets its size to size bytes, as
	// NetBSD's hypervisor does with ftruncate, and maps it shared. Every
	// Bus open on one file, in any process of the host, sees the same
	// bytes. Errors: EINVAL for a size below 1, EOPNOTSUPP where the
	// host cannot map files, and Open's errors.
	OpenBus(name string, size int) (Bus, error)
}

// Bus is a mapped bus file. Its methods may be called concurrently,
// except that one goroutine at a time may Wait.
type Bus interface {
	// Mem returns the mapped bytes, size of them. Writes by the other
	// users of the file show in it, and its writes in theirs, with no
	// call; ordering between them is the caller's affair (the shmif
	// driver's lock word, with sync/atomic). The memory is valid until
	// Close; touching it afterwards may crash the process.
	Mem() []byte
	// Wake writes p at offset off through the file, not the mapping, so
	// that every Wait on the file returns, in this process and in
	// others, the Wait of this Bus included: NetBSD's shmif writes its
	// bus version at offset 4 this way (rumpuser_iovwrite) after it has
	// put frames on the bus.
	Wake(p []byte, off int64) error
	// Wait blocks until the file has been written through Wake (by
	// anyone, or by another program with write(2)) since the previous
	// Wait returned or since the bus was opened, until d has elapsed
	// (d <= 0: no limit), or until Close. It may return early for no
	// reason; callers look at the memory again. After Close it returns
	// EBADF.
	Wait(d time.Duration) error
	// Close unmaps the memory and closes the file; a Wait in progress
	// returns EBADF. The caller must have stopped using Mem.
	Close() error
}
