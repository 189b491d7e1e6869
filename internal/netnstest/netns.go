// Package netnstest joins a gorump kernel to Linux for tests: it makes a
// network namespace, moves a host TAP device that a kernel holds open
// (through the virtif interface) into it, and runs Linux's own tools
// there (ping, curl, socat, tcpdump) against the kernel. The
// host's own network is never touched.
//
// It needs root, /dev/net/tun and iproute2; where one is missing the test
// is skipped through internal/peer, which fails it instead under
// GORUMP_REQUIRE_PEERS=1.
package netnstest

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/peer"
)

// namespaces counts the namespaces made by this process, for their names.
var namespaces atomic.Int32

// NS is a Linux network namespace that lives as long as the test.
type NS struct {
	t    testing.TB
	name string
}

// Require skips t (fails it under GORUMP_REQUIRE_PEERS=1) unless the
// process can make TAP devices and namespaces.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		peer.Missing(t, "root, to create network namespaces and TAP devices")
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		peer.Missing(t, "/dev/net/tun, for TAP devices")
	}
	peer.Require(t, "ip", "iproute2")
}

// New makes a namespace named gorump-PID-N with its loopback up and IPv6
// off (so that captures hold only what the test sends). It is deleted,
// with every device in it, when the test ends.
func New(t testing.TB) *NS {
	t.Helper()
	Require(t)
	name := fmt.Sprintf("gorump-%d-%d", os.Getpid(), namespaces.Add(1))
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		peer.Missing(t, fmt.Sprintf("network namespaces (ip netns add: %v: %s)", err, bytes.TrimSpace(out)))
	}
	ns := &NS{t: t, name: name}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v\n%s", name, err, out)
		}
	})
	ns.Run("ip", "link", "set", "lo", "up")
	ns.Run("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	return ns
}

// Name returns the namespace's name.
func (ns *NS) Name() string { return ns.name }

// Command returns a command that runs args in the namespace.
func (ns *NS) Command(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns.name}, args...)...)
}

// Run runs args in the namespace and returns their output, failing the
// test with the output if they fail.
func (ns *NS) Run(args ...string) []byte {
	ns.t.Helper()
	out, err := ns.Command(context.Background(), args...).CombinedOutput()
	if err != nil {
		ns.t.Fatalf("in %s: %s: %v\n%s", ns.name, strings.Join(args, " "), err, out)
	}
	return out
}

// Proc is a command running in the background in a namespace.
type Proc struct {
	cmd  *exec.Cmd
	out  syncBuffer
	done chan struct{}
	err  error
}

// Start starts args in the namespace in the background. The command is
// killed when the test ends if it has not exited.
func (ns *NS) Start(args ...string) *Proc {
	ns.t.Helper()
	p := &Proc{done: make(chan struct{})}
	p.cmd = ns.Command(context.Background(), args...)
	p.cmd.Stdout = &p.out
	p.cmd.Stderr = &p.out
	if err := p.cmd.Start(); err != nil {
		ns.t.Fatalf("in %s: start %s: %v", ns.name, strings.Join(args, " "), err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	ns.t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// Wait waits up to d for the command to exit and returns its error and
// output; after d it kills it.
func (p *Proc) Wait(d time.Duration) ([]byte, error) {
	select {
	case <-p.done:
	case <-time.After(d):
		p.cmd.Process.Kill()
		<-p.done
		return p.out.Bytes(), fmt.Errorf("killed after %v (%v)", d, p.err)
	}
	return p.out.Bytes(), p.err
}

// Output returns what the command has written so far.
func (p *Proc) Output() []byte { return p.out.Bytes() }

// Stop ends the command with SIGINT, so that it flushes what it holds
// (tcpdump its capture), and waits for it.
func (p *Proc) Stop() {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.b.Bytes())
}

// TakeLink moves the host network device dev (a TAP device the kernel
// holds open) into the namespace, gives it addr and mtu, and brings it
// up.
func (ns *NS) TakeLink(dev string, addr netip.Prefix, mtu int) {
	ns.t.Helper()
	if out, err := exec.Command("ip", "link", "set", dev, "netns", ns.name).CombinedOutput(); err != nil {
		ns.t.Fatalf("ip link set %s netns %s: %v\n%s", dev, ns.name, err, out)
	}
	ns.Run("ip", "link", "set", dev, "mtu", fmt.Sprint(mtu))
	ns.Run("ip", "addr", "add", addr.String(), "dev", dev)
	ns.Run("ip", "link", "set", dev, "up")
}

// Capture starts tcpdump on dev in the namespace, writing a pcap file
// named for the test: in GORUMP_PCAP_DIR if that is set, where it stays,
// else in a temporary folder that is removed unless the test fails. The
// path of a failed test's capture is logged. Without tcpdump it captures
// nothing and says so.
func (ns *NS) Capture(dev string) {
	ns.t.Helper()
	if _, err := exec.LookPath("tcpdump"); err != nil {
		ns.t.Logf("no tcpdump (Debian package tcpdump): no capture")
		return
	}
	dir := os.Getenv("GORUMP_PCAP_DIR")
	if dir == "" {
		tmp, err := os.MkdirTemp("", "gorump-pcap-")
		if err != nil {
			ns.t.Fatal(err)
		}
		// tcpdump drops its privileges to the tcpdump user.
		os.Chmod(tmp, 0o777)
		dir = tmp
		ns.t.Cleanup(func() {
			if !ns.t.Failed() {
				os.RemoveAll(tmp)
			}
		})
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(ns.t.Name())
	file := filepath.Join(dir, name+".pcap")
	p := ns.Start("tcpdump", "-i", dev, "-s", "256", "--immediate-mode", "-U", "-w", file)
	// tcpdump reports "listening on" once it captures.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if bytes.Contains(p.Output(), []byte("listening on")) {
			break
		}
	}
	ns.t.Cleanup(func() {
		p.Stop()
		if ns.t.Failed() {
			ns.t.Logf("capture of %s: %s (tcpdump -nr %s)", dev, file, file)
		}
	})
}
