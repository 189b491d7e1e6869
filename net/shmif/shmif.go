package shmif

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/pkt"
	"github.com/gorump/gorump/rumpuser"
)

// Prefix is the name of shmif interfaces without their unit number.
const Prefix = "shmif"

// MaxUnit is the highest unit number: NetBSD hands them out from a vmem
// arena of 1 to 32768, offset by one.
const MaxUnit = 1<<15 - 1

// maxPathLen is MAXPATHLEN, the longest link string with its NUL.
const maxPathLen = 1024

// shmifN is created on request with no bus, as NetBSD's "ifconfig
// shmifN create"; a link string gives it one.
func init() {
	ifnet.RegisterCloner(Prefix, func(k *kern.Kernel, unit int) (ifnet.Link, error) {
		if unit > MaxUnit {
			return nil, fmt.Errorf("shmif: unit %d: %w", unit, errno.EINVAL)
		}
		return Create(k, Config{})
	})
}

// Config describes a shmif link.
type Config struct {
	// Bus names the bus file on the host, created if it does not exist.
	// Empty means none yet: SetLinkStr gives one later, and the
	// interface cannot come up before (ENXIO).
	Bus string
	// Addr is the link's Ethernet address. The zero value picks one as
	// NetBSD does: b2:a0 and four random bytes.
	Addr [6]byte
}

// Link is a shmif link. It implements ifnet.Link, ifnet.LinkStrLink
// and ifnet.RunningLink.
type Link struct {
	k      *kern.Kernel
	info   ifnet.LinkInfo
	sender uint64 // sp_sender of our frames

	// busMu is held shared by the receiver and the writer while they
	// use the bus, and exclusively to change it. It comes before mu.
	busMu sync.RWMutex

	mu    sync.Mutex // guards the fields below
	runs  uint64     // counts Init calls, so the receiver sees each one
	start cursor     // where the receiver starts after the last Init
	path  string     // the link string; "" with no bus
	bus   rumpuser.Bus
	mem   busMem

	closeOnce sync.Once
	closeErr  error
	closed    atomic.Bool
	running   atomic.Bool       // the interface is up: the bus is read and written; set under mu
	threads   ifnet.LinkThreads // the receiver and the writer
	rxKick    chan struct{}     // wakes a receiver parked while down
	txq       *ifnet.TxQueue    // Transmit's frames, for the writer

	stats stats
}

var (
	_ ifnet.Link        = (*Link)(nil)
	_ ifnet.LinkStrLink = (*Link)(nil)
	_ ifnet.RunningLink = (*Link)(nil)
)

// Create makes a shmif link for kernel k, on the bus file cfg.Bus if it
// is not empty, and returns it to attach to k's interfaces. Errors:
// ENXIO after halt, and those of SetLinkStr. The link is closed when k
// halts.
func Create(k *kern.Kernel, cfg Config) (*Link, error) {
	var r [12]byte
	if err := k.Host().Random(r[:], 0); err != nil {
		return nil, fmt.Errorf("shmif: random address: %w", err)
	}
	addr := cfg.Addr
	if addr == ([6]byte{}) {
		addr = [6]byte{0xb2, 0xa0, r[0], r[1], r[2], r[3]}
	}
	l := &Link{
		k:      k,
		info:   ifnet.LinkInfo{Type: ifnet.LinkEthernet, Prefix: Prefix, MTU: MTU, Addr: addr},
		sender: binary.NativeEndian.Uint64(r[4:]),
		rxKick: make(chan struct{}, 1),
		txq:    ifnet.NewTxQueue(txQueueLen),
	}
	if k.Halted() {
		return nil, fmt.Errorf("shmif: create: kernel halted: %w", errno.ENXIO)
	}
	k.OnHalt(l.Close)
	if k.Halted() {
		// Halt may have run its hooks before this one was added.
		l.Close()
		return nil, fmt.Errorf("shmif: create: kernel halted: %w", errno.ENXIO)
	}
	if cfg.Bus != "" {
		if err := l.SetLinkStr(cfg.Bus); err != nil {
			l.Close()
			return nil, err
		}
	}
	return l, nil
}

// Info describes the link: Ethernet, named "shmif", MTU 1500.
func (l *Link) Info() ifnet.LinkInfo { return l.info }

// LinkStr returns the name of the bus file; ENOENT when there is none,
// as NetBSD's SIOCGLINKSTR.
func (l *Link) LinkStr() (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bus == nil {
		return "", errno.ENOENT
	}
	return l.path, nil
}

// SetLinkStr puts the link on the bus file called path, creating the
// file if need be, as NetBSD's SIOCSLINKSTR. Errors: EBUSY while the
// interface is up or when the link already has a bus, E2BIG for a path
// of MAXPATHLEN bytes or more, EOPNOTSUPP when the kernel's host has no
// buses (rumpuser.ShmifHost), ENOEXEC when the file holds something
// other than a bus, ENXIO after Close, and what the host returns.
func (l *Link) SetLinkStr(path string) error {
	if len(path)+1 > maxPathLen {
		return fmt.Errorf("shmif: bus %.32q...: %w", path, errno.E2BIG)
	}
	l.busMu.Lock()
	defer l.busMu.Unlock()
	l.mu.Lock()
	switch {
	case l.closed.Load():
		l.mu.Unlock()
		return errno.ENXIO
	case l.running.Load() || l.bus != nil:
		l.mu.Unlock()
		return fmt.Errorf("shmif: bus %s: %w", path, errno.EBUSY)
	}
	l.mu.Unlock()
	host, ok := l.k.Host().(rumpuser.ShmifHost)
	if !ok {
		return fmt.Errorf("shmif: host has no bus files: %w", errno.EOPNOTSUPP)
	}
	bus, err := host.OpenBus(path, BusSize)
	if err != nil {
		return fmt.Errorf("shmif: open bus %s: %w", path, err)
	}
	mem, err := l.attachBus(bus)
	if err != nil {
		bus.Close()
		return fmt.Errorf("shmif: bus %s: %w", path, err)
	}
	l.mu.Lock()
	l.path, l.bus, l.mem = path, bus, mem
	l.mu.Unlock()
	return nil
}

// attachBus checks the mapped file and, under the bus lock, makes a
// fresh one a bus, as NetBSD's initbackend.
func (l *Link) attachBus(bus rumpuser.Bus) (busMem, error) {
	mem := busMem(bus.Mem())
	if !mem.aligned() {
		return nil, fmt.Errorf("host mapped %d bytes, not %d on an 8-byte boundary: %w", len(mem), BusSize, errno.EINVAL)
	}
	// A file that is not a bus gets ENOEXEC before anything waits on
	// what would be its lock word.
	if m := mem.magic(); m != 0 && m != Magic {
		return nil, fmt.Errorf("bus is not magical (%#x): %w", m, errno.ENOEXEC)
	}
	if !l.lockBus(mem) {
		return nil, errno.ENXIO
	}
	defer mem.unlock()
	switch mem.magic() {
	case 0:
		mem.initialize()
	case Magic:
	default:
		return nil, fmt.Errorf("bus is not magical: %w", errno.ENOEXEC)
	}
	// Fault every page in, for reading and writing, so that no fault
	// happens while the lock is held later. The first page holds the
	// header, whose magic others read without the lock; the lock word
	// has faulted it in already.
	for i := 4096; i < len(mem); i += 4096 {
		v := mem[i]
		mem[i] = v
	}
	return mem, nil
}

// UnsetLinkStr takes the link off its bus, as NetBSD's SIOCSLINKSTR
// with IFLINKSTR_UNSET. EBUSY while the interface is up; no bus is no
// error.
func (l *Link) UnsetLinkStr() error {
	l.busMu.Lock()
	defer l.busMu.Unlock()
	l.mu.Lock()
	if l.running.Load() {
		l.mu.Unlock()
		return errno.EBUSY
	}
	bus := l.bus
	l.path, l.bus, l.mem = "", nil, nil
	l.mu.Unlock()
	if bus == nil {
		return nil
	}
	return bus.Close()
}

// Init is told that the interface goes up, as NetBSD's shmif_init:
// ENXIO without a bus. The receiver reads the frames sent from then on.
func (l *Link) Init() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bus == nil || l.closed.Load() {
		return errno.ENXIO
	}
	if !l.lockBus(l.mem) {
		return errno.ENXIO
	}
	l.start, _ = l.mem.tail()
	l.mem.unlock()
	l.running.Store(true)
	l.runs++
	l.kickReceiver()
	return nil
}

// Stop is told that the interface goes down, as NetBSD's shmif_stop:
// the receiver stops reading the bus, woken through it if it waits
// there (which wakes every listener on the bus, as in NetBSD).
func (l *Link) Stop() {
	l.mu.Lock()
	l.running.Store(false)
	bus := l.bus
	l.mu.Unlock()
	if bus != nil {
		wakeBus(bus) //nolint:errcheck // the receiver's wait has a time limit
	}
}

// wakeBus writes the bus version at IFMEM_WAKEUP through the file, as
// NetBSD's dowakeup, which wakes everyone waiting on the bus.
func wakeBus(bus rumpuser.Bus) error {
	var v [4]byte
	binary.NativeEndian.PutUint32(v[:], Version)
	return bus.Wake(v[:], offVersion)
}

func (l *Link) kickReceiver() {
	select {
	case l.rxKick <- struct{}{}:
	default:
	}
}

// Start starts the receiver, which passes the frames on the bus that
// are for this link to rx while the interface is up, and the writer,
// which puts Transmit's frames on the bus. EBUSY when called twice,
// ENXIO after Close or halt.
func (l *Link) Start(rx func(*pkt.Buf)) error {
	return l.threads.Start(l.k, func(ctx context.Context) { l.receive(ctx, rx) }, func(context.Context) { l.write() })
}

// Close stops the receiver and the writer, waiting for them, and takes
// the link off its bus: no rx call starts after Close returns, and
// frames still queued are dropped. Closing twice is a no-op. Close
// waits for a running rx call, so rx must not call it.
func (l *Link) Close() error {
	l.closeOnce.Do(func() {
		l.threads.Close()
		l.mu.Lock()
		l.closed.Store(true)
		l.running.Store(false)
		bus := l.bus
		l.mu.Unlock()
		if bus != nil {
			wakeBus(bus) //nolint:errcheck // the receiver's wait has a time limit
		}
		l.kickReceiver()
		l.txq.Close()
		l.threads.Wait()
		l.busMu.Lock()
		l.mu.Lock()
		bus, l.bus, l.mem, l.path = l.bus, nil, nil, ""
		l.mu.Unlock()
		if bus != nil {
			l.closeErr = bus.Close()
		}
		l.busMu.Unlock()
	})
	return l.closeErr
}

// lockBus takes the bus lock, pausing on the kernel's clock; it gives
// up when the link is closed.
func (l *Link) lockBus(mem busMem) bool {
	return mem.lock(l.k.Clock().Sleep, l.closed.Load)
}

// lockRunning is lockBus that also gives up when the interface goes
// down, so that a bus whose lock is never freed does not keep the link
// from going down and leaving the bus.
func (l *Link) lockRunning(mem busMem) bool {
	return mem.lock(l.k.Clock().Sleep, func() bool { return l.closed.Load() || !l.running.Load() })
}

// Stats are a link's counters.
type Stats struct {
	RxFrames uint64 // passed up
	TxFrames uint64 // put on the bus
	// Lapped counts the times writers overtook the receiver, which lost
	// the frames in between and started again at the oldest.
	Lapped uint64
	// Damaged counts the times the bus held something impossible (a
	// header or frame length out of bounds, a frame chain that does not
	// lead to the newest frame, a magic number gone): the receiver
	// skipped to the newest frame, the writer emptied the ring.
	Damaged uint64
	// TxDrops counts frames dropped before the bus: the queue was full,
	// the interface had no bus or went down, or the bus was no longer a
	// bus.
	TxDrops uint64
}

type stats struct {
	rxFrames, txFrames, lapped, damaged, txDrops atomic.Uint64
}

// Stats returns the link's counters.
func (l *Link) Stats() Stats {
	s := &l.stats
	return Stats{RxFrames: s.rxFrames.Load(), TxFrames: s.txFrames.Load(), Lapped: s.lapped.Load(),
		Damaged: s.damaged.Load(), TxDrops: s.txDrops.Load()}
}
