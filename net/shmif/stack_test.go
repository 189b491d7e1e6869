package shmif_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/shmif"
	"github.com/gorump/gorump/net/sockettest"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// greeting is what NetBSD's nettest_simple server writes.
const greeting = "You feel like you've been here before --More--\n"

func boot(t testing.TB, host rumpuser.Host) *rump.Kernel {
	t.Helper()
	k, err := rump.Init(rump.Options{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// onBus makes shmif0 of k on the bus file bus with address addr and
// brings it up.
func onBus(t testing.TB, k *rump.Kernel, bus, addr string) {
	t.Helper()
	name, err := k.CreateShmif(bus)
	if err != nil {
		t.Fatal(err)
	}
	if name != "shmif0" {
		t.Errorf("CreateShmif made %s, want shmif0", name)
	}
	if err := k.ConfigureInterface(name, netip.MustParsePrefix(addr)); err != nil {
		t.Fatal(err)
	}
}

// pair boots two kernels on one host, on one bus, as NetBSD's
// nettest_simple: 1.0.0.1/24 and 1.0.0.2/24. They halt when the test
// ends, which must leave no goroutine behind.
func pair(t testing.TB, host rumpuser.Host, bus string) (a, b *rump.Kernel) {
	t.Helper()
	base := runtime.NumGoroutine()
	a, b = boot(t, host), boot(t, host)
	t.Cleanup(func() {
		for _, k := range []*rump.Kernel{a, b} {
			if err := k.Halt(); err != nil {
				t.Errorf("halt: %v", err)
			}
		}
		leaktest.Check(t, base)
	})
	onBus(t, a, bus, "1.0.0.1/24")
	onBus(t, b, bus, "1.0.0.2/24")
	return a, b
}

// exchange has a serve TCP on 1.0.0.1:135 and UDP on 1.0.0.1:7 and b
// use both, as the C library's two-process test does.
func exchange(t *testing.T, a, b *rump.Kernel) {
	t.Helper()
	ln, err := a.Listen("tcp", "1.0.0.1:135")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Write([]byte(greeting))
		io.Copy(c, c) // echo the rest
	}()
	c, err := b.Dial("tcp", "1.0.0.1:135")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, len(greeting))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != greeting {
		t.Fatalf("read %q, %v", got, err)
	}
	// Enough data both ways to take many frames and a wrap of the ring.
	blob := make([]byte, 256<<10)
	for i := range blob {
		blob[i] = byte(i * 7)
	}
	go c.Write(blob)
	echo := make([]byte, len(blob))
	if _, err := io.ReadFull(c, echo); err != nil || !bytes.Equal(echo, blob) {
		t.Fatalf("echo of %d bytes: %v", len(blob), err)
	}

	us, err := a.ListenPacket("udp", "1.0.0.1:7")
	if err != nil {
		t.Fatal(err)
	}
	defer us.Close()
	uc, err := b.ListenPacket("udp", "1.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	us.SetDeadline(time.Now().Add(10 * time.Second))
	uc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := uc.WriteTo([]byte("ping"), net.UDPAddrFromAddrPort(netip.MustParseAddrPort("1.0.0.1:7"))); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, from, err := us.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "ping" {
		t.Fatalf("server got %q, %v", buf[:n], err)
	}
	if _, err := us.WriteTo([]byte("pong"), from); err != nil {
		t.Fatal(err)
	}
	if n, _, err = uc.ReadFrom(buf); err != nil || string(buf[:n]) != "pong" {
		t.Fatalf("client got %q, %v", buf[:n], err)
	}
}

// TestTwoKernels has two kernels on one in-memory bus exchange TCP and
// UDP.
func TestTwoKernels(t *testing.T) {
	host := memhost.New(memhost.Options{})
	a, b := pair(t, host, "busmem")
	exchange(t, a, b)
	// Nobody may read the bus unlocked while kernels write it.
	a.Halt()
	b.Halt()
	f, ok := host.Lookup("busmem")
	if !ok {
		t.Fatal("no bus file on the host")
	}
	if h, err := shmif.ReadHeader(f.Bytes()); err != nil || h.Magic != shmif.Magic || h.Version != shmif.Version {
		t.Errorf("bus header %+v, %v", h, err)
	}
}

// TestSocketSuite runs the socket suite between two kernels on a bus.
func TestSocketSuite(t *testing.T) {
	var buses atomic.Int64
	sockettest.Run(t, sockettest.Config{New: func(t *testing.T) sockettest.Env {
		host := memhost.New(memhost.Options{Seed: uint64(buses.Add(1))})
		kc, ks := pair(t, host, "bus"+strconv.FormatInt(buses.Load(), 10))
		c, err := kc.NewProc()
		if err != nil {
			t.Fatal(err)
		}
		s, err := ks.NewProc()
		if err != nil {
			t.Fatal(err)
		}
		return sockettest.Env{Client: c, Server: s,
			ClientAddr: netip.MustParseAddr("1.0.0.1"), ServerAddr: netip.MustParseAddr("1.0.0.2")}
	}})
}

// TestManyKernels puts five kernels on one bus and has each talk TCP
// to the next.
func TestManyKernels(t *testing.T) {
	host := memhost.New(memhost.Options{})
	base := runtime.NumGoroutine()
	var ks []*rump.Kernel
	t.Cleanup(func() {
		for _, k := range ks {
			k.Halt()
		}
		leaktest.Check(t, base)
	})
	const n = 5
	for i := range n {
		k := boot(t, host)
		ks = append(ks, k)
		onBus(t, k, "bus", "1.0.0."+strconv.Itoa(i+1)+"/24")
	}
	for i, k := range ks {
		ln, err := k.Listen("tcp", "1.0.0."+strconv.Itoa(i+1)+":80")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err == nil {
				c.Write([]byte("hello from " + strconv.Itoa(i+1)))
				c.Close()
			}
		}()
	}
	for i, k := range ks {
		peer := (i+1)%n + 1
		c, err := k.Dial("tcp", "1.0.0."+strconv.Itoa(peer)+":80")
		if err != nil {
			t.Fatalf("kernel %d to %d: %v", i+1, peer, err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		got, err := io.ReadAll(c)
		c.Close()
		if err != nil || string(got) != "hello from "+strconv.Itoa(peer) {
			t.Errorf("kernel %d from %d: %q, %v", i+1, peer, got, err)
		}
	}
}

// TestLinkStr configures an interface as NetBSD's tests do: create,
// then a link string, with NetBSD's errors on the way.
func TestLinkStr(t *testing.T) {
	host := memhost.New(memhost.Options{})
	k := boot(t, host)
	defer k.Halt()
	if err := k.CreateInterface("shmif0"); err != nil {
		t.Fatal(err)
	}
	check := func(what string, err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", what, err, want)
		}
	}
	_, err := k.InterfaceLinkStr("shmif0")
	check("linkstr of a new interface", err, errno.ENOENT)
	check("up with no bus", k.SetInterfaceUp("shmif0", true), errno.ENXIO)
	host.AddFile("notabus", bytes.Repeat([]byte("junk"), 100))
	check("a file that is no bus", k.SetInterfaceLinkStr("shmif0", "notabus"), errno.ENOEXEC)
	check("a long path", k.SetInterfaceLinkStr("shmif0", string(bytes.Repeat([]byte("x"), 1024))), errno.E2BIG)
	check("set", k.SetInterfaceLinkStr("shmif0", "busmem"), nil)
	if s, err := k.InterfaceLinkStr("shmif0"); s != "busmem" || err != nil {
		t.Errorf("linkstr %q, %v", s, err)
	}
	check("set twice", k.SetInterfaceLinkStr("shmif0", "other"), errno.EBUSY)
	check("up", k.ConfigureInterface("shmif0", netip.MustParsePrefix("1.0.0.1/24")), nil)
	check("unset while up", k.UnsetInterfaceLinkStr("shmif0"), errno.EBUSY)
	check("down", k.SetInterfaceUp("shmif0", false), nil)
	check("unset", k.UnsetInterfaceLinkStr("shmif0"), nil)
	check("up after unset", k.SetInterfaceUp("shmif0", true), errno.ENXIO)
	check("set again", k.SetInterfaceLinkStr("shmif0", "other"), nil)
	check("up again", k.SetInterfaceUp("shmif0", true), nil)
	check("linkstr of lo0", func() error { _, err := k.InterfaceLinkStr("lo0"); return err }(), errno.ENOTTY)
	check("set linkstr of lo0", k.SetInterfaceLinkStr("lo0", "x"), errno.ENOTTY)
	check("a unit past the last", k.CreateInterface("shmif32768"), errno.EINVAL)
	name, err := k.CreateShmif("")
	if err != nil || name != "shmif1" {
		t.Errorf("CreateShmif(\"\") = %s, %v; want shmif1", name, err)
	}
	check("destroy", k.DestroyInterface("shmif0"), nil)
	if name, err := k.CreateShmif("busmem"); err != nil || name != "shmif0" {
		t.Errorf("CreateShmif after destroy = %s, %v; want shmif0", name, err)
	}
	_, err = k.CreateShmif("notabus")
	check("CreateShmif on a file that is no bus", err, errno.ENOEXEC)
	if n := len(k.Interfaces()); n != 3 {
		t.Errorf("%d interfaces, want lo0, shmif0 and shmif1", n)
	}
}

// TestNoHostBuses checks the error on a host without bus files.
func TestNoHostBuses(t *testing.T) {
	k := boot(t, noBusHost{memhost.New(memhost.Options{})})
	defer k.Halt()
	if _, err := k.CreateShmif("bus"); !errors.Is(err, errno.EOPNOTSUPP) {
		t.Errorf("CreateShmif: %v, want EOPNOTSUPP", err)
	}
	if len(k.Interfaces()) != 1 {
		t.Errorf("interfaces left behind: %v", k.Interfaces())
	}
}

// noBusHost hides memhost's OpenBus.
type noBusHost struct{ rumpuser.Host }

// TestDownStopsReceiving checks that an interface that is down reads
// nothing and that one brought up again reads only what is sent from
// then on.
func TestDownStopsReceiving(t *testing.T) {
	host := memhost.New(memhost.Options{})
	a, b := boot(t, host), boot(t, host)
	defer a.Halt()
	defer b.Halt()
	links := map[*rump.Kernel]*shmif.Link{}
	for _, side := range []struct {
		k    *rump.Kernel
		addr string
	}{{a, "1.0.0.1/24"}, {b, "1.0.0.2/24"}} {
		l, err := shmif.Create(side.k.Kern(), shmif.Config{Bus: "bus"})
		if err != nil {
			t.Fatal(err)
		}
		name, err := side.k.AttachLink(l)
		if err != nil {
			t.Fatal(err)
		}
		if err := side.k.ConfigureInterface(name, netip.MustParsePrefix(side.addr)); err != nil {
			t.Fatal(err)
		}
		links[side.k] = l
	}
	link := func(k *rump.Kernel) *shmif.Link { return links[k] }
	us, err := b.ListenPacket("udp", "1.0.0.2:7")
	if err != nil {
		t.Fatal(err)
	}
	defer us.Close()
	uc, err := a.ListenPacket("udp", "1.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	dst := net.UDPAddrFromAddrPort(netip.MustParseAddrPort("1.0.0.2:7"))
	us.SetDeadline(time.Now().Add(10 * time.Second))
	uc.WriteTo([]byte("first"), dst)
	buf := make([]byte, 64)
	if n, _, err := us.ReadFrom(buf); err != nil || string(buf[:n]) != "first" {
		t.Fatalf("got %q, %v", buf[:n], err)
	}
	if err := b.SetInterfaceUp("shmif0", false); err != nil {
		t.Fatal(err)
	}
	rx := link(b).Stats().RxFrames
	uc.WriteTo([]byte("lost"), dst)
	time.Sleep(50 * time.Millisecond)
	if got := link(b).Stats().RxFrames; got != rx {
		t.Errorf("a link that is down received %d frames", got-rx)
	}
	if err := b.SetInterfaceUp("shmif0", true); err != nil {
		t.Fatal(err)
	}
	uc.WriteTo([]byte("second"), dst)
	if n, _, err := us.ReadFrom(buf); err != nil || string(buf[:n]) != "second" {
		t.Fatalf("after up: got %q, %v; a %+v b %+v", buf[:n], err, link(a).Stats(), link(b).Stats())
	}
	if s := link(a).Stats(); s.Damaged != 0 || s.Lapped != 0 || s.TxFrames == 0 {
		t.Errorf("sender's stats %+v", s)
	}
}

// TestVirtualTime runs two kernels on an in-memory bus inside a
// synctest bubble: the bus's waits are on virtual time, so a TCP
// exchange takes no virtual time at all and a peer that has gone quiet
// costs nothing to wait for.
func TestVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		host := memhost.New(memhost.Options{Seed: 1})
		a, b := boot(t, host), boot(t, host)
		defer a.Halt()
		defer b.Halt()
		onBus(t, a, "bus", "1.0.0.1/24")
		onBus(t, b, "bus", "1.0.0.2/24")
		ln, err := a.Listen("tcp", "1.0.0.1:135")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err == nil {
				c.Write([]byte(greeting))
				c.Close()
			}
		}()
		start := time.Now()
		c, err := b.Dial("tcp", "1.0.0.1:135")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(c)
		c.Close()
		if err != nil || string(got) != greeting {
			t.Fatalf("read %q, %v", got, err)
		}
		// Nothing waits for a timer: no wake-up was missed (the receivers
		// would find the frames at their once-a-second look). A bus lock
		// found held costs its taker a pause of a millisecond or a few.
		if d := time.Since(start); d >= 10*time.Millisecond {
			t.Errorf("the exchange took %v of virtual time", d)
		}
		// A read with nobody sending waits an hour of virtual time.
		uc, err := b.ListenPacket("udp", "1.0.0.2:7")
		if err != nil {
			t.Fatal(err)
		}
		defer uc.Close()
		uc.SetReadDeadline(time.Now().Add(time.Hour))
		if _, _, err := uc.ReadFrom(make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("read: %v", err)
		}
	})
}
