package ifnet_test

import (
	"errors"
	"testing"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/ifnet/ifnettest"
)

// cloned records the links the "test" cloner made, by unit.
var cloned = map[int]*ifnettest.Link{}

func init() {
	ifnet.RegisterCloner("test", func(k *kern.Kernel, unit int) (ifnet.Link, error) {
		if unit == 13 {
			return nil, errno.EBUSY
		}
		l, _ := ifnettest.Pair(ifnettest.Ether(byte(unit)), ifnettest.Ether(99))
		cloned[unit] = l
		return l, nil
	})
	ifnet.RegisterCloner("odd", func(k *kern.Kernel, unit int) (ifnet.Link, error) {
		l, _ := ifnettest.Pair(ifnettest.Ether(1), ifnettest.Ether(99)) // named "test", not "odd"
		return l, nil
	})
}

func TestCreateDestroy(t *testing.T) {
	k := boot(t)
	n := ifnet.Of(k)
	for _, tc := range []struct {
		name string
		want error
	}{
		{"test5", nil},
		{"test0", nil},
		{"test5", errno.EEXIST},
		{"test13", errno.EBUSY}, // the cloner's own error
		{"test", errno.EINVAL},
		{"test05", errno.EINVAL},
		{"test-1", errno.EINVAL},
		{"test99999999999", errno.EINVAL},
		{"nosuch0", errno.EINVAL},
		{"5", errno.EINVAL},
		{"", errno.EINVAL},
		{"odd0", errno.EINVAL}, // the cloner made a link of another name
	} {
		ifp, err := n.Create(tc.name)
		if !errors.Is(err, tc.want) || (err == nil && tc.want != nil) {
			t.Errorf("Create(%q) = %v, want %v", tc.name, err, tc.want)
			continue
		}
		if err == nil && (ifp.Name() != tc.name || n.ByName(tc.name) != ifp || ifp.Up()) {
			t.Errorf("Create(%q) made %s (up %v)", tc.name, ifp.Name(), ifp.Up())
		}
	}
	// Attach takes the lowest free unit beside the cloned ones.
	l, _ := ifnettest.Pair(ifnettest.Ether(9), ifnettest.Ether(99))
	if ifp, err := n.Attach(l); err != nil || ifp.Name() != "test1" {
		t.Fatalf("attach beside cloned interfaces: %v, %v", ifp, err)
	}
	if err := n.Destroy("test5"); err != nil {
		t.Fatal(err)
	}
	if !cloned[5].Closed() || n.ByName("test5") != nil {
		t.Error("destroy left test5 open or listed")
	}
	for name, want := range map[string]error{"test5": errno.ENXIO, "lo0": errno.EINVAL, "test": errno.EINVAL} {
		if err := n.Destroy(name); !errors.Is(err, want) {
			t.Errorf("Destroy(%q) = %v, want %v", name, err, want)
		}
	}
	if _, err := n.Create("test5"); err != nil {
		t.Errorf("create after destroy: %v", err)
	}
}
