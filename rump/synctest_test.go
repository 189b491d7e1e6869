package rump_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// TestTimestampsFollowVirtualTime boots a kernel on a memhost inside a
// synctest bubble: every timestamp the kernel gives is the bubble's
// virtual time, exactly.
func TestTimestampsFollowVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := memhost.New(memhost.Options{Seed: 1})
		k, err := rump.Init(rump.Options{Host: h})
		if err != nil {
			t.Fatal(err)
		}
		defer k.Halt()
		p := k.InitProc()
		ts := func(tm time.Time) rump.Timespec {
			return rump.Timespec{Sec: tm.Unix(), Nsec: int64(tm.Nanosecond())}
		}
		// synctest's clock starts at midnight, 1 January 2000 UTC.
		t0 := time.Now()
		if t0.Unix() != 946684800 {
			t.Fatalf("bubble time %v", t0)
		}

		if err := p.WriteFile("/tmp/f", []byte("one"), 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := p.Stat("/tmp/f")
		if err != nil {
			t.Fatal(err)
		}
		for what, got := range map[string]rump.Timespec{"atime": st.Atime, "mtime": st.Mtime, "ctime": st.Ctime, "birthtime": st.Birthtime} {
			if got != ts(t0) {
				t.Errorf("new file's %s = %+v, want %+v", what, got, ts(t0))
			}
		}

		time.Sleep(90 * time.Minute)
		t1 := time.Now()
		fd, err := p.Open("/tmp/f", rump.O_WRONLY|rump.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Write(fd, []byte(" two")); err != nil {
			t.Fatal(err)
		}
		st, _ = p.Fstat(fd)
		p.Close(fd)
		if st.Mtime != ts(t1) || st.Ctime != ts(t1) {
			t.Errorf("after a write 90 min later: mtime %+v ctime %+v, want %+v", st.Mtime, st.Ctime, ts(t1))
		}
		if st.Birthtime != ts(t0) {
			t.Errorf("birthtime moved to %+v", st.Birthtime)
		}
		// The directory changed when the file was made, not since.
		if dst, _ := p.Stat("/tmp"); dst.Mtime != ts(t0) {
			t.Errorf("/tmp mtime %+v, want %+v", dst.Mtime, ts(t0))
		}

		time.Sleep(time.Second + 250*time.Millisecond)
		t2 := time.Now()
		if err := p.Chmod("/tmp/f", 0o600); err != nil {
			t.Fatal(err)
		}
		st, _ = p.Stat("/tmp/f")
		if st.Ctime != ts(t2) || st.Mtime != ts(t1) {
			t.Errorf("after chmod: ctime %+v (want %+v), mtime %+v (want %+v)", st.Ctime, ts(t2), st.Mtime, ts(t1))
		}
		if ts(t2).Nsec != 250_000_000 {
			t.Errorf("virtual time lost its nanoseconds: %+v", ts(t2))
		}

		// utimens with nil sets both to now.
		time.Sleep(24 * time.Hour)
		t3 := time.Now()
		if err := p.Utimens("/tmp/f", nil, false); err != nil {
			t.Fatal(err)
		}
		st, _ = p.Stat("/tmp/f")
		if st.Atime != ts(t3) || st.Mtime != ts(t3) {
			t.Errorf("utimens(nil): atime %+v mtime %+v, want %+v", st.Atime, st.Mtime, ts(t3))
		}

		// A new entry changes its directory at the time it is made.
		time.Sleep(time.Minute)
		t4 := time.Now()
		if err := p.Mkdir("/tmp/d", 0o755); err != nil {
			t.Fatal(err)
		}
		if dst, _ := p.Stat("/tmp"); dst.Mtime != ts(t4) || dst.Ctime != ts(t4) {
			t.Errorf("/tmp after mkdir: mtime %+v ctime %+v, want %+v", dst.Mtime, dst.Ctime, ts(t4))
		}

		// An etfs registration is born when registered.
		h.AddFile("/host/img", []byte("image"))
		time.Sleep(time.Hour)
		t5 := time.Now()
		if err := k.EtfsRegister("/dev/img", "/host/img", rump.EtfsReg); err != nil {
			t.Fatal(err)
		}
		if est, _ := p.Stat("/dev/img"); est.Birthtime != ts(t5) || est.Mtime != ts(t5) {
			t.Errorf("etfs birthtime %+v mtime %+v, want %+v", est.Birthtime, est.Mtime, ts(t5))
		}

		// The kernel's own clock agrees.
		if now := k.Kern().Now(); now != ts(t5) {
			t.Errorf("kernel Now %+v, want %+v", now, ts(t5))
		}
		if k.Kern().Clock().Monotonic() != t5.Sub(t0) {
			t.Errorf("monotonic clock %v, want %v", k.Kern().Clock().Monotonic(), t5.Sub(t0))
		}
	})
}
