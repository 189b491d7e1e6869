package kern

import "github.com/gorump/gorump/kern/errno"

// RebootFlags are reboot(2)'s howto bits, NetBSD's RB_*.
type RebootFlags int

// The RB_* bits a rump kernel heeds.
const (
	RBNoSync RebootFlags = 0x4   // RB_NOSYNC: NetBSD skips the sync; gorump syncs anyway
	RBHalt   RebootFlags = 0x8   // RB_HALT: the caller stops but the process stays
	RBDump   RebootFlags = 0x100 // RB_DUMP: the process dumps core
)

// Rebooter is what happens to the process after a reboot(2) has halted
// the kernel: the embedder's choice, since only it owns the process. A C
// program exits, as NetBSD's rump kernel calls rumpuser_exit; a syscall
// server answers its client first. It may not return.
type Rebooter func(howto RebootFlags)

// SetRebooter installs r; with none, Reboot halts the kernel and
// returns.
func (k *Kernel) SetRebooter(r Rebooter) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.rebooter = r
}

// Reboot is reboot(2) as NetBSD's rump kernel does it, on behalf of l:
// only root may (EPERM), and the kernel halts, syncing and unmounting
// its file systems, even with RB_NOSYNC (gorump does not throw written
// data away on request). Then the Rebooter runs, if any. ENXIO when the
// kernel has already halted.
func (k *Kernel) Reboot(l *LWP, howto RebootFlags) error {
	if !l.Cred().IsRoot() {
		return errno.EPERM
	}
	if k.Halted() {
		return errno.ENXIO
	}
	k.Printf("rump kernel halting...\n")
	err := k.Halt()
	if err != nil {
		k.Printf("rump kernel halt: %v\n", err)
	}
	if howto&RBHalt != 0 {
		k.Printf("rump kernel halted (with RB_HALT, not exiting)\n")
	}
	k.mu.Lock()
	r := k.rebooter
	k.mu.Unlock()
	if r != nil {
		r(howto)
	}
	return nil
}
