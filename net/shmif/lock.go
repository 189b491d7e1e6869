package shmif

import (
	"sync/atomic"
	"time"
)

// The bus lock: the word at offset 24, 0 when free and 1 when held,
// taken with compare-and-swap and freed with an atomic swap as NetBSD's
// shmif_lockbus and shmif_unlockbus do, so that gorump and NetBSD
// kernels can share a bus. Go's atomic operations are sequentially
// consistent, so they are also the memory barriers NetBSD adds around
// them.
//
// The lock is not robust: a holder that dies with it leaves the bus
// locked. lock gives up only when abort says so, so that a link can
// still be closed then.

const (
	lockFree = 0
	lockHeld = 1
	// lockSpins is how many failed attempts come before a pause
	// (LOCK_COOLDOWN).
	lockSpins = 1001
	// lockPause is how long the pause is.
	lockPause = time.Millisecond
)

// lock takes the bus lock of m, spinning, then pausing for lockPause
// with sleep every lockSpins failed attempts. It returns false, without
// the lock, if abort reports true at a pause.
func (m busMem) lock(sleep func(time.Duration), abort func() bool) bool {
	w := m.word(offLock)
	for spins := 0; !atomic.CompareAndSwapUint32(w, lockFree, lockHeld); {
		if spins++; spins > lockSpins {
			if abort() {
				return false
			}
			sleep(lockPause)
			spins = 0
		}
	}
	return true
}

// unlock frees the bus lock of m.
func (m busMem) unlock() {
	atomic.SwapUint32(m.word(offLock), lockFree)
}
