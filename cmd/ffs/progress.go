package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gorump/gorump/fs/ffs/ffstool"
)

// progressBar draws one line of progress on a terminal, redrawn at most
// every tick and only once the work has lasted a moment, so small jobs
// print nothing.
type progressBar struct {
	w     io.Writer
	label string
	start time.Time
	last  time.Time
	drawn bool
}

const (
	progressDelay = 300 * time.Millisecond
	progressTick  = 100 * time.Millisecond
	barWidth      = 30
	entryWeight   = 4096 // an entry counts as this many bytes of work
)

func newProgressBar(w io.Writer, label string) *progressBar {
	return &progressBar{w: w, label: label, start: time.Now()}
}

// update redraws the bar for p; it is Makefs's progress callback.
func (b *progressBar) update(p ffstool.Progress) {
	now := time.Now()
	if now.Sub(b.start) < progressDelay || now.Sub(b.last) < progressTick {
		return
	}
	b.last = now
	b.drawn = true
	if p.Phase == "scan" {
		fmt.Fprintf(b.w, "\r%s: reading the tree: %s\x1b[K", b.label, sizeString(p.Bytes))
		return
	}
	total := p.TotalBytes + p.TotalEntries*entryWeight
	done := p.Bytes + p.Entries*entryWeight
	frac := 1.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	n := int(frac * barWidth)
	fmt.Fprintf(b.w, "\r%s [%s%s] %3.0f%% %d/%d entries, %s/%s\x1b[K", b.label, strings.Repeat("=", n),
		strings.Repeat(" ", barWidth-n), frac*100, p.Entries, p.TotalEntries, sizeString(p.Bytes), sizeString(p.TotalBytes))
}

// done clears the bar's line if it was drawn. A nil bar does nothing.
func (b *progressBar) done() {
	if b != nil && b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
	}
}
