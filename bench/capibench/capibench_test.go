package capibench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/peer"
)

// checkFigures checks that figs are complete for sides and that every
// figure made iterations calls at a cost above zero. It asserts nothing
// about speed.
func checkFigures(t *testing.T, figs []Figure, iterations int64, sides ...Side) {
	t.Helper()
	if err := complete(figs, sides...); err != nil {
		t.Error(err)
	}
	for _, f := range figs {
		if f.Iterations != iterations || !(f.NsPerOp > 0) {
			t.Errorf("%s %s %s: %d iterations at %v ns/op, want %d at above 0", f.Side, f.Op, f.Mode, f.Iterations, f.NsPerOp, iterations)
		}
	}
}

// TestProgram builds librump.a and the C program, once, and runs it
// with a few iterations per thread.
func TestProgram(t *testing.T) {
	if what := Missing(); what != "" {
		peer.Missing(t, what)
	}
	p, how, err := Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(how, "c-archive") {
		t.Errorf("build description %q does not say how librump was built", how)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const iterations = 10
	figs, err := p.Run(ctx, t.TempDir(), time.Second, iterations)
	if err != nil {
		t.Fatal(err)
	}
	checkFigures(t, figs, iterations, Librump, Host)
}

func TestMeasureGo(t *testing.T) {
	const iterations = 10
	figs, err := MeasureGo(time.Second, iterations)
	if err != nil {
		t.Fatal(err)
	}
	checkFigures(t, figs, iterations, GoAPI)
}

// TestMeasureGrows checks that without a fixed count the iteration
// count grows until a run lasts the goal.
func TestMeasureGrows(t *testing.T) {
	calls := 0
	call := func(n int) error {
		calls += n
		time.Sleep(time.Duration(n) * time.Microsecond)
		return nil
	}
	n, ns, err := measure([]func(int) error{call}, true, 2*time.Millisecond, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n < 2 || ns < 1000 || time.Duration(float64(n)*ns) < 2*time.Millisecond {
		t.Errorf("%d iterations at %.0f ns: want a run of at least 2ms", n, ns)
	}
	if calls <= int(n) {
		t.Errorf("%d calls for a final run of %d: the count did not grow from 1", calls, n)
	}
}

func TestNextN(t *testing.T) {
	for _, c := range []struct {
		goal       time.Duration
		last       int64
		took, want int64
	}{
		{time.Second, 1, 1000, 100},           // at most 100 times as many
		{time.Second, 1000, 1e8, 12000},       // the prediction, plus 20%
		{time.Second, 5, 2e9, 6},              // at least one more
		{time.Second, 1e8, 1, maxIterations},  // no more than the cap
		{time.Second, 7, 0, 700},              // no time measured
		{100 * time.Millisecond, 10, 5e7, 24}, // half the goal: twice, plus 20%
	} {
		if got := nextN(c.goal, c.last, time.Duration(c.took)); got != c.want {
			t.Errorf("nextN(%v, %d, %v) = %d, want %d", c.goal, c.last, time.Duration(c.took), got, c.want)
		}
	}
}

func TestParse(t *testing.T) {
	figs, err := parse([]byte("a console line\ncapibench librump Getpid main 100 89.927\n\ncapibench host Read4K pair 7 2550.5\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Figure{{Librump, "Getpid", Main, 100, 89.927}, {Host, "Read4K", Pair, 7, 2550.5}}
	if len(figs) != len(want) || figs[0] != want[0] || figs[1] != want[1] {
		t.Errorf("parse = %+v, want %+v", figs, want)
	}
	for _, bad := range []string{
		"capibench librump Getpid main 100",
		"capibench librump Getpid main 100 89.9 extra",
		"capibench librump Getpid main x 89.9",
		"capibench librump Getpid main 100 fast",
	} {
		if _, err := parse([]byte(bad + "\n")); err == nil {
			t.Errorf("parse(%q): no error", bad)
		}
	}
}

func TestComplete(t *testing.T) {
	figs, err := MeasureGo(time.Second, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := complete(figs, GoAPI, Host); err == nil || !strings.Contains(err.Error(), "no figure for host") {
		t.Errorf("complete without the host's figures: %v, want no figure for host", err)
	}
	if err := complete(append(figs, figs[0]), GoAPI); err == nil {
		t.Error("complete with a figure twice: no error")
	}
	if err := complete(figs[1:], GoAPI); err == nil || !strings.Contains(err.Error(), "no figure for go "+figs[0].Op) {
		t.Errorf("complete without %s %s: %v", figs[0].Op, figs[0].Mode, err)
	}
}
