package socket

import (
	"fmt"
	"testing"
	"time"

	"github.com/gorump/gorump/kern"
)

// BenchmarkPollWake measures a poll over n connected sockets that sleeps
// until another goroutine writes to one of them, then reads the byte:
// the cost of poll's waiting on many sockets at once.
func BenchmarkPollWake(b *testing.B) {
	for _, n := range []int{1, 64} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			_, l := boot(b)
			var fds []kern.PollFd
			var peers []int
			for range n {
				_, cfd, sfd := pair(b, l)
				fds = append(fds, kern.PollFd{Fd: sfd, Events: POLLIN})
				peers = append(peers, cfd)
			}
			ready := make(chan int)
			go func() {
				for i := range ready {
					l.Write(peers[i%n], []byte{1}) //nolint:errcheck // the poll below notices
				}
			}()
			defer close(ready)
			buf := make([]byte, 1)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				ready <- i
				if k, err := kern.Poll(l, fds, time.Minute); k != 1 || err != nil {
					b.Fatalf("poll: %d, %v", k, err)
				}
				if _, err := l.Read(fds[i%n].Fd, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
