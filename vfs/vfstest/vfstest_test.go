package vfstest

import (
	"regexp"
	"testing"
)

// TestCases checks the case table itself: enough cases, unique names
// that -run patterns can select.
func TestCases(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	total := 0
	for _, g := range groups() {
		seen := map[string]bool{}
		for _, c := range g.cases {
			if !valid.MatchString(c.name) {
				t.Errorf("%s/%s: name is not lowercase words joined by dashes", g.name, c.name)
			}
			if seen[c.name] {
				t.Errorf("%s/%s: duplicate case name", g.name, c.name)
			}
			seen[c.name] = true
			if c.run == nil {
				t.Errorf("%s/%s: no run function", g.name, c.name)
			}
		}
		total += len(g.cases)
	}
	if total != count() || total < 150 {
		t.Errorf("%d cases (count %d), want at least 150", total, count())
	}
	t.Logf("%d cases", total)
}
