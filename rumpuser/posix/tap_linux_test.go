//go:build linux

package posix

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/peer"
	"github.com/gorump/gorump/kern/errno"
)

// requireTap skips t (fails it under GORUMP_REQUIRE_PEERS=1) where TAP
// devices cannot be made.
func requireTap(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		peer.Missing(t, "root, to create TAP devices")
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		peer.Missing(t, "/dev/net/tun")
	}
}

func sysfsCounter(t *testing.T, dev, name string) int {
	t.Helper()
	b, err := os.ReadFile("/sys/class/net/" + dev + "/statistics/" + name)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOpenTap(t *testing.T) {
	requireTap(t)
	h := New()
	if _, err := h.OpenTap(""); !errors.Is(err, errno.EINVAL) {
		t.Errorf("empty name: %v, want EINVAL", err)
	}
	if _, err := h.OpenTap("a-name-much-too-long"); !errors.Is(err, errno.EINVAL) {
		t.Errorf("long name: %v, want EINVAL", err)
	}
	name := fmt.Sprintf("gtap%d", os.Getpid()%100000)
	tap, err := h.OpenTap(name)
	if err != nil {
		t.Fatal(err)
	}
	defer tap.Close()
	if _, err := os.Stat("/sys/class/net/" + name); err != nil {
		t.Fatalf("the device is not there: %v", err)
	}
	if out, err := exec.Command("ip", "link", "set", name, "up").CombinedOutput(); err != nil {
		t.Fatalf("ip link set up: %v\n%s", err, out)
	}
	// A frame written arrives at the host's side of the device.
	before := sysfsCounter(t, name, "rx_packets")
	frame := make([]byte, 60)
	copy(frame, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5})
	if n, err := tap.WriteFrames([][]byte{frame, frame}, nil); n != 2 || err != nil {
		t.Fatalf("WriteFrames: %d, %v", n, err)
	}
	if got := sysfsCounter(t, name, "rx_packets") - before; got != 2 {
		t.Errorf("the host received %d frames, want 2", got)
	}
	// Close wakes a blocked read.
	done := make(chan error)
	go func() {
		bufs := [][]byte{make([]byte, 1600)}
		sizes := []int{0}
		for {
			// The host may send frames of its own (IPv6 router
			// solicitations) once the link is up.
			if _, err := tap.ReadFrames(bufs, sizes, nil); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	if err := tap.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, errno.EBADF) {
			t.Errorf("ReadFrames after Close: %v, want EBADF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake ReadFrames")
	}
	if _, err := os.Stat("/sys/class/net/" + name); err == nil {
		t.Error("the device outlived its descriptor")
	}
}
