package netnstest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/peer"
)

// TestUDPEcho has socat in Linux send datagrams, one small and one large
// enough to be fragmented, to an echo server in gorump, and read the
// echoes.
func TestUDPEcho(t *testing.T) {
	Require(t)
	peer.Require(t, "socat", "socat")
	r := setup(t, 1500)
	pc, err := r.k.ListenPacket("udp", ":9002")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65536)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if _, err := pc.WriteTo(buf[:n], from); err != nil {
				t.Errorf("echo to %v: %v", from, err)
			}
		}
	}()
	t.Cleanup(func() {
		pc.Close()
		<-done
	})
	for _, size := range []int{16, 8000} {
		msg := testData(size)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := r.ns.Command(ctx, "socat", "-b", "65536", "-t", "1", "-T", "5", "-", "UDP:"+gorumpAddr.Addr().String()+":9002")
		cmd.Stdin = bytes.NewReader(msg)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Fatalf("socat: %v\n%s", err, errOut.Bytes())
		}
		if !bytes.Equal(out.Bytes(), msg) {
			t.Errorf("%d-byte datagram: echo of %d bytes differs", size, out.Len())
		}
	}
}

// TestUDPGorumpToLinux sends numbered datagrams from gorump to socat in
// Linux.
func TestUDPGorumpToLinux(t *testing.T) {
	Require(t)
	peer.Require(t, "socat", "socat")
	r := setup(t, 1500)
	p := r.ns.Start("socat", "-u", "UDP-RECV:9003", "STDOUT")
	c, err := r.k.Dial("udp", linuxAddr.Addr().String()+":9003")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Until socat listens, datagrams draw port unreachables.
	deadline := time.Now().Add(10 * time.Second)
	for !bytes.Contains(p.Output(), []byte("probe\n")) {
		if time.Now().After(deadline) {
			t.Fatalf("socat received no probe: %q", p.Output())
		}
		c.Write([]byte("probe\n")) // ECONNREFUSED from an earlier probe is expected
		time.Sleep(20 * time.Millisecond)
	}
	var want strings.Builder
	for i := range 100 {
		line := fmt.Sprintf("datagram %d from gorump\n", i)
		want.WriteString(line)
		if _, err := c.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
		if i%10 == 9 {
			time.Sleep(time.Millisecond) // socat reads one at a time; UDP may drop a burst
		}
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 500) // 8000 bytes: fragmented
	if _, err := c.Write(append(big, '\n')); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !bytes.HasSuffix(p.Output(), append(big, '\n')); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			break
		}
	}
	got := string(p.Output())
	got = got[strings.LastIndex(got, "probe\n")+len("probe\n"):]
	if want := want.String() + string(big) + "\n"; got != want {
		t.Errorf("socat received %d bytes after the probes, want %d:\n%.300s", len(got), len(want), got)
	}
}
