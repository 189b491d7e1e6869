package netnstest

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/peer"
)

// TestRefused checks the error paths both ways: a TCP connection to a
// closed port is reset, and a UDP datagram to one draws an ICMP port
// unreachable, which the sender reports as a refused connection.
func TestRefused(t *testing.T) {
	Require(t)
	peer.Require(t, "curl", "curl")
	peer.Require(t, "socat", "socat")
	r := setup(t, 1500)

	// Linux -> gorump, TCP: curl sees the reset.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := r.ns.Command(ctx, "curl", "-sS", "--max-time", "10", "http://"+gorumpAddr.Addr().String()+":1/").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 7 { // curl's "failed to connect"
		t.Errorf("curl to a closed gorump port: %v: %s", err, out)
	}

	// Linux -> gorump, UDP: socat's second read fails once the port
	// unreachable has come back.
	cmd := r.ns.Command(ctx, "socat", "-T", "3", "-", "UDP:"+gorumpAddr.Addr().String()+":9")
	cmd.Stdin = strings.NewReader("anyone?\n")
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Run(); err == nil || !strings.Contains(errOut.String(), "Connection refused") {
		t.Errorf("UDP to a closed gorump port: %v: %s", err, errOut.Bytes())
	}

	// gorump -> Linux, TCP.
	if _, err := r.k.Dial("tcp", linuxAddr.Addr().String()+":1"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("gorump dial to a closed Linux port: %v, want ECONNREFUSED", err)
	}

	// gorump -> Linux, UDP: the ICMP error comes back to the connected
	// socket.
	c, err := r.k.Dial("udp", linuxAddr.Addr().String()+":9")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	refused := false
	for i := 0; i < 20 && !refused; i++ {
		if _, err := c.Write([]byte("anyone?")); errors.Is(err, syscall.ECONNREFUSED) {
			refused = true
			break
		}
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := c.Read(make([]byte, 16)); errors.Is(err, syscall.ECONNREFUSED) {
			refused = true
		}
	}
	if !refused {
		t.Error("gorump never saw the port unreachable for its UDP datagrams")
	}
}
