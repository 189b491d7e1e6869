package vfs_test

import (
	"fmt"
	"testing"

	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
	"github.com/gorump/gorump/vfs"
)

// TestEtfsVnodesFreed registers and removes keys many times: each
// removal frees its vnode rather than leaving it cached.
func TestEtfsVnodesFreed(t *testing.T) {
	h := memhost.New(memhost.Options{})
	h.AddFile("/f", []byte("x"))
	k, err := rump.Init(rump.Options{Host: h})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Halt()
	p := k.InitProc()
	for i := range 2000 {
		if err := k.EtfsRegister("/churn", "/f", rump.EtfsReg); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			fd, err := p.Open("/churn", rump.O_RDONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			p.Close(fd)
		}
		if err := k.EtfsRemove("/churn"); err != nil {
			t.Fatal(err)
		}
	}
	if n := vfs.EtfsCachedVnodes(k.VFS()); n != 0 {
		t.Errorf("%d etfs vnodes cached after every key was removed", n)
	}
	for i := range 5 {
		if err := k.EtfsRegister(fmt.Sprintf("/k%d", i), "/f", rump.EtfsBlk); err != nil {
			t.Fatal(err)
		}
	}
	if n := vfs.EtfsCachedVnodes(k.VFS()); n != 5 {
		t.Errorf("%d etfs vnodes for 5 keys", n)
	}
	for i := range 5 {
		k.EtfsRemove(fmt.Sprintf("/k%d", i))
	}
	if n := vfs.EtfsCachedVnodes(k.VFS()); n != 0 {
		t.Errorf("%d etfs vnodes cached after removal", n)
	}
}
