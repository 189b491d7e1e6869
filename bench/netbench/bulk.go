package netbench

import (
	"fmt"
	"io"
	"net"
	"time"
)

// Sizes of the Bulk transfer: the full run and the -short run, and the
// size of each write.
const (
	BulkBytes      = 1 << 30
	ShortBulkBytes = 64 << 20
	BulkChunk      = 256 << 10
)

// BulkResult is the outcome of Bulk.
type BulkResult struct {
	// Bytes is how many bytes the server read; Chunk the size of the
	// client's writes.
	Bytes int64 `json:"bytes"`
	Chunk int   `json:"chunk"`
	// Seconds is the time from the client's first write to the server
	// holding every byte.
	Seconds float64 `json:"seconds"`
	// MBPerSec is Bytes over Seconds, in units of 10^6 bytes.
	MBPerSec float64 `json:"mb_per_s"`
	// CPUSecondsPerGiB is the process's user and system CPU time over
	// the same interval, per GiB moved; 0 where the host cannot tell.
	CPUSecondsPerGiB float64 `json:"cpu_s_per_gib,omitempty"`
}

// Bulk moves total bytes over one connection, the client writing them
// in writes of chunk bytes and the server reading and counting them,
// and times the transfer.
func Bulk(p Pair, total int64, chunk int) (BulkResult, error) {
	if total <= 0 || chunk <= 0 {
		return BulkResult{}, fmt.Errorf("netbench: Bulk of %d bytes in %d-byte writes", total, chunk)
	}
	var (
		start, done   time.Time
		cpu0, cpu1    time.Duration
		received      int64
		readBufferLen = max(chunk, 64<<10)
	)
	server := func(c net.Conn) error {
		buf := make([]byte, readBufferLen)
		for {
			n, err := c.Read(buf)
			received += int64(n)
			if received >= total && done.IsZero() {
				done, cpu1 = time.Now(), cpuTime()
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
		if received != total {
			return fmt.Errorf("read %d bytes, want %d", received, total)
		}
		return nil
	}
	client := func(c net.Conn) error {
		buf := make([]byte, chunk)
		for i := range buf {
			buf[i] = byte(i)
		}
		start, cpu0 = time.Now(), cpuTime()
		for sent := int64(0); sent < total; {
			n, err := c.Write(buf[:min(int64(chunk), total-sent)])
			sent += int64(n)
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := oneConn(p, server, client); err != nil {
		return BulkResult{}, err
	}
	elapsed := done.Sub(start).Seconds()
	r := BulkResult{Bytes: received, Chunk: chunk, Seconds: elapsed, MBPerSec: float64(received) / elapsed / 1e6}
	if cpu1 > 0 {
		r.CPUSecondsPerGiB = (cpu1 - cpu0).Seconds() / (float64(received) / (1 << 30))
	}
	return r, nil
}
