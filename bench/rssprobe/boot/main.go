// Command boot is a program that boots one gorump kernel, as a user's
// program would: it is weighed once with package rump linked but no
// kernel booted, then again with one kernel booted by
// rump.Init(rump.Options{}). See package rssprobe.
package main

import (
	"os"

	"github.com/gorump/gorump/rump"
)

func main() {
	pause()
	k, err := rump.Init(rump.Options{})
	if err != nil {
		os.Stderr.WriteString("boot: " + err.Error() + "\n")
		os.Exit(1)
	}
	pause()
	if err := k.Halt(); err != nil {
		os.Stderr.WriteString("halt: " + err.Error() + "\n")
		os.Exit(1)
	}
}

// pause says the program is ready to be weighed and waits to be told to
// go on.
func pause() {
	var b [1]byte
	os.Stdout.Write(b[:])
	os.Stdin.Read(b[:])
}
