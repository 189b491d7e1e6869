package ifnet_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/net/ifnet"
	"github.com/gorump/gorump/net/ifnet/ifnettest"
)

// strLink is a link with a link string that must be set before it can
// run, as a shmif link's bus file.
type strLink struct {
	*ifnettest.Link
	s     string
	calls []string
}

func (l *strLink) LinkStr() (string, error) {
	if l.s == "" {
		return "", errno.ENOENT
	}
	return l.s, nil
}

func (l *strLink) SetLinkStr(s string) error {
	if l.s != "" {
		return errno.EBUSY
	}
	l.s = s
	return nil
}

func (l *strLink) UnsetLinkStr() error { l.s = ""; return nil }

func (l *strLink) Init() error {
	l.calls = append(l.calls, "init")
	if l.s == "" {
		return errno.ENXIO
	}
	return nil
}

func (l *strLink) Stop() { l.calls = append(l.calls, "stop") }

func TestLinkStrAndRunning(t *testing.T) {
	k := boot(t)
	n := ifnet.Of(k)
	a, _ := ifnettest.Pair(ifnettest.Ether(1), ifnettest.Ether(2))
	l := &strLink{Link: a}
	ifp, err := n.Attach(l)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, err, want error) {
		t.Helper()
		if !errors.Is(err, want) || (want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", what, err, want)
		}
	}
	_, err = ifp.LinkStr()
	check("LinkStr unset", err, errno.ENOENT)
	check("up without a link string", ifp.SetUp(true), errno.ENXIO)
	if ifp.Up() {
		t.Error("the interface came up though Init failed")
	}
	check("SetLinkStr", ifp.SetLinkStr("bus"), nil)
	check("up", ifp.SetUp(true), nil)
	check("SetLinkStr while up", ifp.SetLinkStr("other"), errno.EBUSY)
	check("UnsetLinkStr while up", ifp.UnsetLinkStr(), errno.EBUSY)
	check("up again", ifp.SetUp(true), nil)
	check("down", ifp.SetUp(false), nil)
	check("SetLinkStr over one", ifp.SetLinkStr("other"), errno.EBUSY)
	check("UnsetLinkStr", ifp.UnsetLinkStr(), nil)
	check("SetLinkStr after unset", ifp.SetLinkStr("other"), nil)
	check("up", ifp.SetUp(true), nil)
	if s, err := ifp.LinkStr(); s != "other" || err != nil {
		t.Errorf("LinkStr = %q, %v", s, err)
	}
	check("detach", ifp.Detach(), nil)
	check("SetLinkStr detached", ifp.SetLinkStr("x"), errno.ENXIO)
	want := "init init stop init stop"
	if got := strings.Join(l.calls, " "); got != want {
		t.Errorf("calls %q, want %q", got, want)
	}

	plain, _ := ifnettest.Pair(ifnettest.Ether(3), ifnettest.Ether(4))
	ifp, err = n.Attach(plain)
	if err != nil {
		t.Fatal(err)
	}
	check("SetLinkStr of a link without", ifp.SetLinkStr("x"), errno.ENOTTY)
	_, err = ifp.LinkStr()
	check("LinkStr of a link without", err, errno.ENOTTY)
}
