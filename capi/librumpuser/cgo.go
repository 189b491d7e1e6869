//go:build gorump_kernelonly

package librumpuser

// #cgo CFLAGS: -I${SRCDIR}/../include -Wall -Wextra
// #cgo LDFLAGS: -lpthread
import "C"
