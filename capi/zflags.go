package main

// #cgo CFLAGS: -I${SRCDIR}/include -Wall
// #cgo LDFLAGS: -lpthread
import "C"
