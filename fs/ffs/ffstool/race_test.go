//go:build race

package ffstool_test

// raceEnabled says the race detector is on: tests then build smaller
// trees, as they do with -short.
const raceEnabled = true
