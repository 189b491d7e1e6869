package rump

import (
	"net/netip"

	"github.com/gorump/gorump/kern/errno"
	_ "github.com/gorump/gorump/net/arp" // ARP for Ethernet interfaces
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/route"
)

// Interface and route configuration: what ifconfig and route do.

// InterfaceInfo describes a network interface.
type InterfaceInfo struct {
	Name         string
	Index        int
	MTU          int
	Up           bool
	Loopback     bool
	HardwareAddr [6]byte // of an Ethernet interface
	Addrs        []netip.Prefix
	TSO          bool // TCP hands the interface super-segments to cut
}

// Route is an entry of the routing table.
type Route = route.Route

func (k *Kernel) ifnet() (*ifnet.Net, error) {
	n := ifnet.Of(k.k)
	if n == nil {
		return nil, errno.ENXIO
	}
	return n, nil
}

func (k *Kernel) iface(name string) (*ifnet.Interface, error) {
	n, err := k.ifnet()
	if err != nil {
		return nil, err
	}
	ifp := n.ByName(name)
	if ifp == nil {
		return nil, errno.ENXIO
	}
	return ifp, nil
}

// AttachLink attaches a link driver (a TAP device, one end of an
// in-process wire) as a new interface and returns its name ("virt0").
// The interface starts down and without an address.
func (k *Kernel) AttachLink(l ifnet.Link) (string, error) {
	n, err := k.ifnet()
	if err != nil {
		return "", err
	}
	ifp, err := n.Attach(l)
	if err != nil {
		return "", err
	}
	return ifp.Name(), nil
}

// CreateInterface makes interface name ("virt0") with the cloner of the
// driver that answers for its prefix, as "ifconfig name create": EINVAL
// when no linked-in driver does, EEXIST when it exists. The interface
// starts down and without an address.
func (k *Kernel) CreateInterface(name string) error {
	n, err := k.ifnet()
	if err != nil {
		return err
	}
	_, err = n.Create(name)
	return err
}

// DestroyInterface detaches and closes interface name, as "ifconfig
// name destroy": EINVAL for a name no cloner answers for (lo0), ENXIO
// for an interface that does not exist.
func (k *Kernel) DestroyInterface(name string) error {
	n, err := k.ifnet()
	if err != nil {
		return err
	}
	return n.Destroy(name)
}

// ConfigureInterface adds addr (address and prefix length, such as
// 10.0.0.1/24) to the interface and brings it up, as
// "ifconfig name inet addr up".
func (k *Kernel) ConfigureInterface(name string, addr netip.Prefix) error {
	ifp, err := k.iface(name)
	if err != nil {
		return err
	}
	if err := ifp.AddAddr(addr); err != nil {
		return err
	}
	return ifp.SetUp(true)
}

// RemoveInterfaceAddr removes an address from the interface.
func (k *Kernel) RemoveInterfaceAddr(name string, addr netip.Addr) error {
	ifp, err := k.iface(name)
	if err != nil {
		return err
	}
	return ifp.RemoveAddr(addr)
}

// SetInterfaceUp brings the interface up or down.
func (k *Kernel) SetInterfaceUp(name string, up bool) error {
	ifp, err := k.iface(name)
	if err != nil {
		return err
	}
	return ifp.SetUp(up)
}

// SetInterfaceMTU sets the interface's MTU.
func (k *Kernel) SetInterfaceMTU(name string, mtu int) error {
	ifp, err := k.iface(name)
	if err != nil {
		return err
	}
	return ifp.SetMTU(mtu)
}

// SetInterfaceTSO turns TCP segmentation offload on or off, as
// ifconfig's tso4 and -tso4; EOPNOTSUPP to turn it on where the link
// cannot.
func (k *Kernel) SetInterfaceTSO(name string, on bool) error {
	ifp, err := k.iface(name)
	if err != nil {
		return err
	}
	return ifp.SetTSO(on)
}

// Interfaces describes every interface, in attach order.
func (k *Kernel) Interfaces() []InterfaceInfo {
	n, err := k.ifnet()
	if err != nil {
		return nil
	}
	var out []InterfaceInfo
	for _, ifp := range n.Interfaces() {
		out = append(out, InterfaceInfo{
			Name: ifp.Name(), Index: ifp.Index(), MTU: ifp.MTU(), Up: ifp.Up(),
			Loopback: ifp.Type() == ifnet.LinkLoopback, HardwareAddr: ifp.HardwareAddr(), Addrs: ifp.Addrs(),
			TSO: ifp.TSO(),
		})
	}
	return out
}

// AddRoute adds a route to dst through gateway (zero: directly
// connected) on interface ifname (empty: the one whose network holds the
// gateway). A default route has dst 0.0.0.0/0.
func (k *Kernel) AddRoute(dst netip.Prefix, gateway netip.Addr, ifname string) error {
	t := route.Of(k.k)
	if t == nil {
		return errno.ENXIO
	}
	return t.Add(dst, gateway, ifname)
}

// DeleteRoute removes the route to dst.
func (k *Kernel) DeleteRoute(dst netip.Prefix) error {
	t := route.Of(k.k)
	if t == nil {
		return errno.ENXIO
	}
	return t.Delete(dst)
}

// Routes lists the routing table, most specific first.
func (k *Kernel) Routes() []Route {
	t := route.Of(k.k)
	if t == nil {
		return nil
	}
	return t.List()
}
