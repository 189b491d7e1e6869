// Package virtif is the virtif network interface: an Ethernet interface
// whose frames go to and come from a TAP device of the host, as NetBSD's
// rumpnet_virtif does. The host opens the device through the
// rumpuser.TapHost hook, which the POSIX host implements on Linux.
//
// Frames from the host may be larger than the MTU: a host that takes
// TCP segmentation offload from its own stack (the POSIX host on Linux
// does) hands over TCP super-segments of up to 64 KiB, which the stack
// receives as one segment each; far fewer frames cross the device. The
// other way, where the host takes them too (TSO in the link's info), TCP
// sends super-segments of up to 64 KiB for the host to cut; other frames
// sent to the host are never larger than the MTU.
//
// A link has two kernel threads, started when the link is attached: a
// reader, which reads frames from the device in batches and passes them
// up, and a writer, which takes the frames Transmit queues and writes them
// in batches, so that neither the stack's receive path nor a sender waits
// for a write system call. Halt (or Close) closes the device, which ends
// both.
package virtif

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/rumpuser"
)

// Prefix is the name of virtif interfaces without their unit number, as
// in NetBSD ("virt0").
const Prefix = "virt"

// DefaultMTU is the MTU of a link whose Config leaves it zero: that of an
// Ethernet device, and the default of a Linux TAP device.
const DefaultMTU = 1500

// batch is how many frames the reader takes from the device per call.
const batch = 32

// txQueueLen is how many frames wait for the writer before Transmit
// drops them with ENOBUFS: a Linux device's default txqueuelen.
const txQueueLen = 1000

// maxLinkHeader is the Ethernet header with a VLAN tag.
const maxLinkHeader = 18

// virtN is created on request over the host's TAP device tapN, as
// NetBSD's "ifconfig virtN create" opens the host's tapN.
func init() {
	ifnet.RegisterCloner(Prefix, func(k *kern.Kernel, unit int) (ifnet.Link, error) {
		return Create(k, Config{HostName: "tap" + strconv.Itoa(unit)})
	})
}

// Config describes a virtif link.
type Config struct {
	// HostName is the host's TAP device, such as "tap0"; the host creates
	// it if it does not exist.
	HostName string
	// MTU is the link's MTU; 0 means DefaultMTU. It should match the MTU
	// the host gives the device.
	MTU int
	// Addr is the link's Ethernet address. The zero value picks one as
	// NetBSD's virtif does: b2:0a:xx:0b:0e:nn, with xx random and nn
	// counting the links made in this process.
	Addr [6]byte
}

// links counts the links made, for their addresses.
var links atomic.Uint32

// Link is a virtif link on an open host TAP device. It implements
// ifnet.Link.
type Link struct {
	k        *kern.Kernel
	tap      rumpuser.Tap
	info     ifnet.LinkInfo
	hostName string

	closeOnce sync.Once
	closeErr  error
	closed    atomic.Bool
	threads   ifnet.LinkThreads // the reader and the writer
	txq       *ifnet.TxQueue    // Transmit's frames, for the writer

	rxErrors, txErrors, txDrops atomic.Uint64
}

var _ ifnet.Link = (*Link)(nil)

// Create opens the host TAP device cfg.HostName for kernel k and returns
// a link to attach to k's interfaces. Errors: EOPNOTSUPP when k's host
// has no TAP devices, EINVAL for a bad name or MTU, ENXIO after halt, and
// what the host returns (EPERM without privilege, EBUSY when the device
// is held). The link is closed when k halts.
func Create(k *kern.Kernel, cfg Config) (*Link, error) {
	th, ok := k.Host().(rumpuser.TapHost)
	if !ok {
		return nil, fmt.Errorf("virtif: host has no TAP devices: %w", errno.EOPNOTSUPP)
	}
	mtu := cfg.MTU
	if mtu == 0 {
		mtu = DefaultMTU
	}
	if mtu < 68 || mtu > 65535 || cfg.HostName == "" {
		return nil, fmt.Errorf("virtif: create %q with MTU %d: %w", cfg.HostName, mtu, errno.EINVAL)
	}
	addr := cfg.Addr
	if addr == ([6]byte{}) {
		var r [1]byte
		if err := k.Host().Random(r[:], 0); err != nil {
			return nil, fmt.Errorf("virtif: random address: %w", err)
		}
		addr = [6]byte{0xb2, 0x0a, r[0], 0x0b, 0x0e, byte(links.Add(1))}
	}
	if k.Halted() {
		return nil, fmt.Errorf("virtif: create %q: kernel halted: %w", cfg.HostName, errno.ENXIO)
	}
	tap, err := th.OpenTap(cfg.HostName)
	if err != nil {
		return nil, fmt.Errorf("virtif: open host TAP %q: %w", cfg.HostName, err)
	}
	l := &Link{
		k:        k,
		tap:      tap,
		hostName: cfg.HostName,
		info:     ifnet.LinkInfo{Type: ifnet.LinkEthernet, Prefix: Prefix, MTU: mtu, Addr: addr, TSO: tap.TSO()},
		txq:      ifnet.NewTxQueue(txQueueLen),
	}
	k.OnHalt(l.Close)
	if k.Halted() {
		// Halt may have run its hooks before this one was added.
		l.Close()
		return nil, fmt.Errorf("virtif: create %q: kernel halted: %w", cfg.HostName, errno.ENXIO)
	}
	return l, nil
}

// Info describes the link: Ethernet, named "virt".
func (l *Link) Info() ifnet.LinkInfo { return l.info }

// HostName returns the name of the host's TAP device.
func (l *Link) HostName() string { return l.hostName }

// Start starts the reader, which passes each frame the host sends to rx,
// and the writer. It fails with EBUSY when called twice and ENXIO after
// Close or halt.
func (l *Link) Start(rx func(*pkt.Buf)) error {
	return l.threads.Start(l.k, func(ctx context.Context) { l.read(ctx, rx) }, func(context.Context) { l.write() })
}

// Close closes the device and waits for the reader and the writer to
// stop: no rx call starts after Close returns, and frames still queued
// are dropped. Closing twice is a no-op. Close waits for a running rx
// call, so rx must not call it.
func (l *Link) Close() error {
	l.closeOnce.Do(func() {
		l.closed.Store(true)
		l.threads.Close()
		l.txq.Close()
		l.closeErr = l.tap.Close()
		l.threads.Wait()
	})
	return l.closeErr
}

// Errors returns the count of frames that could not be received (longer
// than the MTU allows) or sent (too long, or the host refused them), and
// of those dropped because the transmit queue was full.
func (l *Link) Errors() (rx, tx, drops uint64) {
	return l.rxErrors.Load(), l.txErrors.Load(), l.txDrops.Load()
}
