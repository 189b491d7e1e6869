//go:build gorump_kernelonly

package rumpuser_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	_ "github.com/gorump/gorump/capi/librumpuser" // the hypercalls: librumpuser_gorump
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/hypercall"
)

// The host over rumpuser(3)'s C hypercalls, with gorump's own hypercall
// library linked in, keeps the contract but for Truncate.
func init() {
	moreHosts = append(moreHosts, hostCase{
		name: "hypercall",
		new: func(t *testing.T) (rumpuser.Host, func([]byte) string) {
			t.Setenv("RUMP_NCPU", "3")
			t.Setenv("GREETING", "hi")
			h, err := hypercall.Init(nil)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			n := 0
			return h, func(data []byte) string {
				n++
				name := filepath.Join(dir, "file"+strconv.Itoa(n))
				if err := os.WriteFile(name, data, 0o644); err != nil {
					t.Fatal(err)
				}
				return name
			}
		},
		noTruncate: true,
	})
}
