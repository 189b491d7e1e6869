//go:build linux

package shmif_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/shmif"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/posix"
)

// bootPosix boots a kernel on the POSIX host, halted when the test
// ends.
func bootPosix(t testing.TB) *rump.Kernel {
	t.Helper()
	k, err := rump.Init(rump.Options{Host: posix.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Halt() })
	return k
}

// TestBusFileLayout has a kernel put frames on a bus file and reads the
// file back field by field at the offsets of NetBSD's shmifvar.h
// (version 3, amd64 and arm64 layout).
func TestBusFileLayout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busmem")
	k := bootPosix(t)
	onBus(t, k, path, "1.0.0.1/24")
	mac := k.Interfaces()[1].HardwareAddr
	// A datagram to a station nobody has heard of puts an ARP request,
	// a broadcast, on the bus.
	uc, err := k.Dial("udp", "1.0.0.9:9")
	if err != nil {
		t.Fatal(err)
	}
	uc.Write([]byte("anyone there?"))
	uc.Close()
	// Wait for it (sender 1.0.0.1, target unknown, 1.0.0.9): Halt drops
	// the frames not yet written.
	arp := []byte{1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 9}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		mem, err := os.ReadFile(path)
		if err == nil && bytes.Contains(mem, arp) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no ARP request on the bus")
		}
	}
	k.Halt()
	mem, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ne := binary.NativeEndian
	if len(mem) != 1048576 {
		t.Fatalf("bus file of %d bytes, want 1 MiB", len(mem))
	}
	if ne.Uint32(mem[0:]) != 0xca11d054 {
		t.Errorf("shm_magic %#x", ne.Uint32(mem[0:]))
	}
	if ne.Uint32(mem[4:]) != 3 {
		t.Errorf("shm_version %d: the wake-up write puts 3 there", ne.Uint32(mem[4:]))
	}
	if ne.Uint64(mem[8:]) != 0 {
		t.Errorf("shm_gen %d", ne.Uint64(mem[8:]))
	}
	if ne.Uint32(mem[16:]) != 1048544 {
		t.Errorf("shm_first %d, want BUSMEM_DATASIZE on a ring never wrapped", ne.Uint32(mem[16:]))
	}
	if ne.Uint32(mem[24:]) != 0 || ne.Uint32(mem[28:]) != 0 {
		t.Errorf("shm_lock %d, shm_spare %d", ne.Uint32(mem[24:]), ne.Uint32(mem[28:]))
	}
	last := ne.Uint32(mem[20:])
	// Frames chain from offset 0 of the ring (32 in the file): first the
	// empty pseudo-frame of a new bus, then the kernel's.
	ring := mem[32:]
	if ne.Uint32(ring[0:]) != 0 {
		t.Errorf("pseudo-frame of %d bytes at ring offset 0", ne.Uint32(ring[0:]))
	}
	var sender uint64
	found := false
	frames := 0
	for off := uint32(24); ; {
		h := ring[off:]
		n := ne.Uint32(h[0:])
		if n < 14 || n > 1514 {
			t.Fatalf("frame at %d: sp_len %d", off, n)
		}
		if usec := ne.Uint32(h[8:]); usec >= 1e6 {
			t.Errorf("frame at %d: sp_usec %d", off, usec)
		}
		if ne.Uint32(h[12:]) != 0 {
			t.Errorf("frame at %d: padding %#x", off, ne.Uint32(h[12:]))
		}
		if s := ne.Uint64(h[16:]); s == 0 || sender != 0 && s != sender {
			t.Errorf("frame at %d: sp_sender %#x, others %#x", off, s, sender)
		} else {
			sender = s
		}
		f := h[24 : 24+n]
		if [6]byte(f[6:12]) != mac || mac[0] != 0xb2 || mac[1] != 0xa0 {
			t.Errorf("frame at %d from %x, want the interface's b2:a0:... address %x", off, f[6:12], mac)
		}
		if bytes.Equal(f[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}) && binary.BigEndian.Uint16(f[12:]) == 0x0806 &&
			n >= 42 && bytes.Equal(f[38:42], []byte{1, 0, 0, 9}) {
			found = true
		}
		frames++
		if off == last {
			break
		}
		off += 24 + n
		if off >= last+1 || frames > 100 {
			t.Fatalf("frames do not chain to shm_last %d (at %d)", last, off)
		}
	}
	if !found {
		t.Errorf("the ARP request for 1.0.0.9 is not among the %d frames on the bus", frames)
	}
	h, err := shmif.ReadHeader(mem)
	if err != nil || h.Magic != shmif.Magic || h.Version != 3 || h.Last != last || h.First != shmif.DataSize {
		t.Errorf("ReadHeader: %+v, %v", h, err)
	}
}

// TestWrapUnderLoad moves data through a bus file between two kernels,
// several times what the ring holds, and checks it arrives whole and
// that the ring wrapped.
func TestWrapUnderLoad(t *testing.T) {
	size := 8 << 20
	if testing.Short() {
		size = 3 << 20
	}
	path := filepath.Join(t.TempDir(), "busmem")
	a, b := bootPosix(t), bootPosix(t)
	onBus(t, a, path, "1.0.0.1/24")
	onBus(t, b, path, "1.0.0.2/24")
	ln, err := a.Listen("tcp", "1.0.0.1:135")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sum := make(chan [32]byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			sum <- [32]byte{}
			return
		}
		defer c.Close()
		h := sha256.New()
		io.Copy(h, c)
		sum <- [32]byte(h.Sum(nil))
	}()
	c, err := b.Dial("tcp", "1.0.0.1:135")
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*31 + i>>13)
	}
	c.SetDeadline(time.Now().Add(time.Minute))
	if _, err := c.Write(data); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if got := <-sum; got != sha256.Sum256(data) {
		t.Fatal("data damaged on the bus")
	}
	a.Halt()
	b.Halt()
	mem, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := shmif.ReadHeader(mem)
	if err != nil {
		t.Fatal(err)
	}
	if h.Gen < uint64(size/shmif.DataSize) {
		t.Errorf("generation %d after %d bytes through a ring of %d", h.Gen, size, shmif.DataSize)
	}
}

// TestOpenBusErrors checks NetBSD's errors for files that are not
// buses.
func TestOpenBusErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk")
	if err := os.WriteFile(junk, bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	k := bootPosix(t)
	if _, err := k.CreateShmif(junk); !errors.Is(err, errno.ENOEXEC) {
		t.Errorf("a file of junk: %v, want ENOEXEC", err)
	}
	if _, err := k.CreateShmif(filepath.Join(dir, "no", "such", "dir")); !errors.Is(err, errno.ENOENT) {
		t.Errorf("a file in no directory: %v, want ENOENT", err)
	}
}

// childEnv names the bus file of the server a test binary started by
// TestTwoProcesses is to be.
const childEnv = "GORUMP_SHMIF_TEST_SERVER"

// TestTwoProcesses runs the server in a second process, this test
// binary started again, and has the two exchange TCP and UDP over a bus
// file, as NetBSD's nettest_simple does.
func TestTwoProcesses(t *testing.T) {
	if bus := os.Getenv(childEnv); bus != "" {
		serveChild(t, bus)
		return
	}
	bus := filepath.Join(t.TempDir(), "busmem")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestTwoProcesses$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+bus)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var log []string
	for lines.Scan() {
		log = append(log, lines.Text())
		if strings.Contains(lines.Text(), "server listening") {
			break
		}
	}
	go io.Copy(io.Discard, out)
	if !strings.Contains(strings.Join(log, "\n"), "server listening") {
		cmd.Wait()
		t.Fatalf("the server process did not start:\n%s\n%s", strings.Join(log, "\n"), stderr.String())
	}

	k := bootPosix(t)
	onBus(t, k, bus, "1.0.0.2/24")
	c, err := k.Dial("tcp", "1.0.0.1:135")
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	got := make([]byte, len(greeting))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != greeting {
		t.Fatalf("read %q, %v", got, err)
	}
	uc, err := k.ListenPacket("udp", "1.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	uc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := uc.WriteTo([]byte("ping"), net.UDPAddrFromAddrPort(netip.MustParseAddrPort("1.0.0.1:7"))); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if n, _, err := uc.ReadFrom(buf); err != nil || string(buf[:n]) != "pong" {
		t.Fatalf("UDP reply %q, %v", buf[:n], err)
	}
	// A port nobody listens on refuses the connection.
	if _, err := k.Dial("tcp", "1.0.0.1:136"); !errors.Is(err, errno.ECONNREFUSED) {
		t.Errorf("dial a closed port: %v, want ECONNREFUSED", err)
	}
	c.Close() // the server exits when the connection ends
	if err := cmd.Wait(); err != nil {
		t.Fatalf("server process: %v\n%s", err, stderr.String())
	}
}

// serveChild is the server process: 1.0.0.1/24 on bus, the greeting on
// TCP port 135 to one client, and an answer to one UDP datagram on
// port 7.
func serveChild(t *testing.T, bus string) {
	k := bootPosix(t)
	onBus(t, k, bus, "1.0.0.1/24")
	ln, err := k.Listen("tcp", "1.0.0.1:135")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	us, err := k.ListenPacket("udp", "1.0.0.1:7")
	if err != nil {
		t.Fatal(err)
	}
	defer us.Close()
	os.Stdout.WriteString("server listening\n")
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write([]byte(greeting)); err != nil {
		t.Fatal(err)
	}
	us.SetDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 64)
	n, from, err := us.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "ping" {
		t.Fatalf("UDP %q, %v", buf[:n], err)
	}
	if _, err := us.WriteTo([]byte("pong"), from); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, c); err != nil {
		t.Fatal(err)
	}
}
