package main

import (
	"os"
	"strings"
	"testing"
)

// TestSmapsSelf weighs the test's own process: its executable and the
// memory it made are both resident, and the parts add up to the total.
func TestSmapsSelf(t *testing.T) {
	pt, _, err := smaps(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if pt.Program <= 0 || pt.Other <= 0 {
		t.Errorf("program %d, other %d bytes resident: want both above 0", pt.Program, pt.Other)
	}
	if pt.Program+pt.Libs+pt.Other != pt.Total {
		t.Errorf("%+v: the parts do not add up to the total", pt)
	}
}

// TestRSSAim checks the aim line says the total, the Go runtime's floor
// and gorump's share, and why the aim is out of reach when the floor
// alone is above it.
func TestRSSAim(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		name  string
		r     rssStats
		met   bool
		words []string
	}{{
		name:  "met",
		r:     rssStats{Empty: rssPoint{Total: 2 * mib}, Booted: rssPoint{Total: 3 * mib}},
		met:   true,
		words: []string{"3.00 MiB = 2.00 MiB an empty Go program + 1.00 MiB gorump"},
	}, {
		name: "cgo",
		r: rssStats{Empty: rssPoint{Total: 2 * mib}, Booted: rssPoint{Total: 5 * mib, Libs: mib + mib/2},
			Libs: []string{"libc.so.6", "ld.so"}, NoCgo: &rssPoint{Total: 3 * mib}},
		words: []string{"5.00 MiB = 2.00 MiB an empty Go program + 3.00 MiB gorump",
			"1.50 MiB of it libc.so.6 and ld.so", "3.00 MiB in all built with CGO_ENABLED=0"},
	}, {
		name:  "runtime alone",
		r:     rssStats{Empty: rssPoint{Total: 5 * mib}, Booted: rssPoint{Total: 5*mib + mib/4}},
		words: []string{"5.25 MiB = 5.00 MiB an empty Go program + 256.0 KiB gorump", "out of reach: the Go runtime alone holds 5.00 MiB"},
	}} {
		a := rssAim(&c.r)
		if a.Met != c.met {
			t.Errorf("%s: met %v, want %v (%s)", c.name, a.Met, c.met, a.Value)
		}
		for _, w := range c.words {
			if !strings.Contains(a.Value, w) {
				t.Errorf("%s: %q does not say %q", c.name, a.Value, w)
			}
		}
	}
}

// TestMeasureRSS builds and weighs the probe programs for real.
func TestMeasureRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the probe programs with go build")
	}
	st, err := measureRSS()
	if err != nil {
		t.Fatal(err)
	}
	if st.Empty.Total <= 0 || st.Linked.Total <= st.Empty.Total || st.Booted.Total < st.Linked.Total/2 {
		t.Errorf("empty %d, rump linked %d, booted %d bytes: want 0 < empty < linked, booted near linked",
			st.Empty.Total, st.Linked.Total, st.Booted.Total)
	}
	if (st.Booted.Libs > 0) != (st.NoCgo != nil) {
		t.Errorf("shared libraries %d bytes, but a build without cgo weighed: %v", st.Booted.Libs, st.NoCgo != nil)
	}
	if st.NoCgo != nil && st.NoCgo.Libs != 0 {
		t.Errorf("built with CGO_ENABLED=0, the program still maps %d bytes of shared libraries", st.NoCgo.Libs)
	}
}
