package sys_test

import (
	"strings"
	"testing"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/sys"
	"github.com/gorump/gorump/sys/systest"
)

// TestReboot checks reboot(2): only root may, the kernel halts with its
// file systems synced, and the embedder's Rebooter then gets howto.
func TestReboot(t *testing.T) {
	for _, howto := range []kern.RebootFlags{0, kern.RBHalt, kern.RBNoSync, kern.RBDump} {
		k, host, p := boot(t)
		var got []kern.RebootFlags
		k.Kern().SetRebooter(func(h kern.RebootFlags) { got = append(got, h) })

		user, err := k.InitProc().Fork(0)
		if err != nil {
			t.Fatal(err)
		}
		if err := user.SetCred(1000, 1000); err != nil {
			t.Fatal(err)
		}
		fails(t, systest.NewProc(user.LWP(), 4096), errno.EPERM, sys.SYS_reboot, uint64(howto), 0)
		if k.Kern().Halted() || len(got) != 0 {
			t.Fatalf("a user's reboot halted the kernel")
		}

		ok(t, p, sys.SYS_reboot, uint64(howto), 0)
		if !k.Kern().Halted() || len(got) != 1 || got[0] != howto {
			t.Errorf("reboot(%#x): halted %v, rebooter got %v", howto, k.Kern().Halted(), got)
		}
		if out := host.ConsoleOutput(); !strings.Contains(out, "rump kernel halting...") ||
			strings.Contains(out, "RB_HALT") != (howto&kern.RBHalt != 0) {
			t.Errorf("reboot(%#x) console:\n%s", howto, out)
		}
		fails(t, p, errno.ENXIO, sys.SYS_reboot, uint64(howto), 0)
	}
}
