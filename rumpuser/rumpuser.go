// Package rumpuser is the hypercall interface: everything a gorump kernel
// needs from the host it runs on.
//
// Kernel packages (kern, vfs, fs/*, net/*) reach the host only through a
// Host. They never import os, syscall, net or read the wall clock, which is
// what lets one kernel run on the POSIX host (rumpuser/posix), in memory
// under testing/synctest (rumpuser/memhost), or on hosts still to come.
//
// It follows NetBSD's rumpuser(3), version 17, in spirit: parameters,
// console, clock and timers, randomness, and host files and block devices
// addressed by name. Threads and locks are Go's own. Every error a Host
// returns is an errno.Errno in NetBSD numbering.
//
// Hooks that only one component needs (a TAP device, a shmif bus file) are
// small optional interfaces declared here, such as TapHost, and
// implemented by the hosts that can offer them; the component finds them
// by type assertion on its kernel's host. They live here rather than
// beside the component because a host may not import a kernel package.
package rumpuser

import "time"

// Version is the revision of this interface. A host built for another
// version must not be used.
const Version = 1

// Mandatory parameter names, as in rumpuser.h: every host answers them.
const (
	ParamNCPU     = "_RUMPUSER_NCPU"
	ParamHostname = "_RUMPUSER_HOSTNAME"
)

// Host is the hypercall interface. Its methods are safe for concurrent use.
type Host interface {
	// Version returns the interface revision the host implements.
	Version() int

	// Param returns the configuration value called name. The names in
	// this package's Param constants are always answered; any other name
	// is host-defined (the POSIX host reads the environment). It returns
	// ENOENT when the host has no such value.
	Param(name string) (string, error)

	// Console writes kernel console output (the kernel's printf).
	Console(p []byte)

	// Clock returns the host's clocks and timers.
	Clock() Clock

	// Random fills p with random bytes. With RandomHard it uses true
	// entropy rather than a generator. It returns EAGAIN only when
	// RandomNoWait is given and it would block.
	Random(p []byte, flags RandomFlags) error

	// Open opens a host file or device by name. The namespace is the
	// host's: for the POSIX host, paths in the host file system.
	Open(name string, mode OpenMode) (File, error)

	// FileInfo returns the size and type of the named host object.
	FileInfo(name string) (FileInfo, error)
}

// Clock gives the time. Kernels read time only through it, so a host can
// run them on virtual time.
type Clock interface {
	// Now returns the wall-clock time.
	Now() time.Time
	// Monotonic returns the time since an arbitrary fixed epoch; it never
	// goes backwards.
	Monotonic() time.Duration
	// AfterFunc calls f in its own goroutine once d has elapsed, unless
	// the timer is stopped first.
	AfterFunc(d time.Duration, f func()) Timer
	// Sleep blocks for at least d.
	Sleep(d time.Duration)
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop prevents the call if it has not started; it reports whether
	// it did so.
	Stop() bool
	// Reset reschedules the call to happen after d; it reports whether
	// the timer was active.
	Reset(d time.Duration) bool
}

// RandomFlags modify Random.
type RandomFlags int

const (
	// RandomHard asks for true entropy rather than a pseudo-random
	// generator (RUMPUSER_RANDOM_HARD).
	RandomHard RandomFlags = 0x01
	// RandomNoWait forbids blocking (RUMPUSER_RANDOM_NOWAIT).
	RandomNoWait RandomFlags = 0x02
)

// OpenMode says how Open opens a host file; the values are NetBSD's
// RUMPUSER_OPEN_*.
type OpenMode int

const (
	OpenRDONLY  OpenMode = 0x0
	OpenWRONLY  OpenMode = 0x1
	OpenRDWR    OpenMode = 0x2
	OpenACCMODE OpenMode = 0x3
	// OpenCreate creates a missing file (mode chosen by the host).
	OpenCreate OpenMode = 0x4
	// OpenExcl with OpenCreate fails with EEXIST if the file exists.
	OpenExcl OpenMode = 0x8
	// OpenBIO hints that the file will carry block I/O.
	OpenBIO OpenMode = 0x10
)

// FileType is the kind of a host object; values are RUMPUSER_FT_*.
type FileType int

const (
	FTOther FileType = 0
	FTDir   FileType = 1
	FTReg   FileType = 2
	FTBlk   FileType = 3
	FTChr   FileType = 4
)

func (t FileType) String() string {
	switch t {
	case FTDir:
		return "directory"
	case FTReg:
		return "regular file"
	case FTBlk:
		return "block device"
	case FTChr:
		return "character device"
	}
	return "other"
}

// FileInfo describes a host object.
type FileInfo struct {
	Size int64
	Type FileType
}

// SyncFlags select what File.Sync does; values are RUMPUSER_SYNCFD_*.
type SyncFlags int

const (
	SyncRead    SyncFlags = 0x01
	SyncWrite   SyncFlags = 0x02
	SyncBoth    SyncFlags = 0x03
	SyncBarrier SyncFlags = 0x04
	// SyncDurable waits until the data is on stable storage.
	SyncDurable SyncFlags = 0x08
)

// File is an open host file or device. ReadAt and WriteAt may be called
// concurrently.
type File interface {
	// ReadAt reads len(p) bytes at off. Short reads happen only at the end
	// of the file, with io.EOF.
	ReadAt(p []byte, off int64) (int, error)
	// WriteAt writes p at off, extending the file as needed.
	WriteAt(p []byte, off int64) (int, error)
	// Size returns the current size in bytes.
	Size() (int64, error)
	// Truncate sets the size.
	Truncate(size int64) error
	// Sync pushes written data towards stable storage as flags ask.
	Sync(flags SyncFlags) error
	// Close releases the file. It syncs first, as rumpuser_close does.
	Close() error
}
