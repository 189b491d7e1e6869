// Command empty is the smallest Go program that can be weighed: the
// floor the Go runtime sets under any program's resident memory. See
// package rssprobe.
package main

import "os"

func main() {
	pause()
}

// pause says the program is ready to be weighed and waits to be told to
// go on.
func pause() {
	var b [1]byte
	os.Stdout.Write(b[:])
	os.Stdin.Read(b[:])
}
