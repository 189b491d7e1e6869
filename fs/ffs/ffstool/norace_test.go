//go:build !race

package ffstool_test

const raceEnabled = false
