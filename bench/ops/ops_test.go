package ops

import (
	"testing"
	"time"
)

func TestLapHistogram(t *testing.T) {
	var h lapHistogram
	for _, d := range []time.Duration{30 * time.Microsecond, 16 * time.Microsecond, 29 * time.Microsecond, 5 * time.Millisecond, 28*time.Microsecond + 10} {
		h.add(d)
	}
	if h.min != 16*time.Microsecond {
		t.Errorf("fastest %v, want 16µs", h.min)
	}
	if got, want := h.median(), 29*time.Microsecond+lapStep/2; got != want {
		t.Errorf("median %v, want %v", got, want)
	}
	if a := testing.AllocsPerRun(100, func() { h.add(time.Microsecond) }); a != 0 {
		t.Errorf("add allocated %v times, want 0", a)
	}
}
