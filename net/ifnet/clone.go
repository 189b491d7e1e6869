package ifnet

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
)

// A Cloner makes the link of interface prefix+unit on request, as
// NetBSD's interface cloners do for "ifconfig virt0 create" and
// rump_pub_netconfig_ifcreate. Link drivers register theirs from init.
type Cloner func(k *kern.Kernel, unit int) (Link, error)

var cloners = struct {
	sync.RWMutex
	m map[string]Cloner
}{m: map[string]Cloner{}}

// RegisterCloner makes Create answer for interfaces named prefix
// followed by a unit number. Registering a prefix twice panics: two
// drivers claim one name.
func RegisterCloner(prefix string, c Cloner) {
	cloners.Lock()
	defer cloners.Unlock()
	if _, dup := cloners.m[prefix]; dup {
		panic("ifnet: cloner " + prefix + " registered twice")
	}
	cloners.m[prefix] = c
}

// parseCloneName splits "virt12" into its cloner and unit. The unit is
// decimal digits with no leading zero (but "0" itself), below 2^31.
func parseCloneName(name string) (prefix string, c Cloner, unit int, ok bool) {
	i := strings.IndexFunc(name, func(r rune) bool { return r >= '0' && r <= '9' })
	if i <= 0 {
		return "", nil, 0, false
	}
	digits := name[i:]
	u, err := strconv.ParseInt(digits, 10, 32)
	if err != nil || strconv.FormatInt(u, 10) != digits {
		return "", nil, 0, false
	}
	prefix = name[:i]
	cloners.RLock()
	c = cloners.m[prefix]
	cloners.RUnlock()
	return prefix, c, int(u), c != nil
}

// Create makes interface name with the cloner registered for its
// prefix, as NetBSD's if_clone_create: EINVAL when no cloner answers
// for the name, EEXIST when the interface exists, and what the cloner
// returns. The interface starts down and without an address.
func (n *Net) Create(name string) (*Interface, error) {
	prefix, c, unit, ok := parseCloneName(name)
	if !ok {
		return nil, fmt.Errorf("ifnet: create %q: no such interface type: %w", name, errno.EINVAL)
	}
	if n.ByName(name) != nil {
		return nil, fmt.Errorf("ifnet: create %s: %w", name, errno.EEXIST)
	}
	l, err := c(n.k, unit)
	if err != nil {
		return nil, err
	}
	if l.Info().Prefix != prefix {
		l.Close() //nolint:errcheck // the link never carried a frame
		return nil, fmt.Errorf("ifnet: create %s: cloner made a %q link: %w", name, l.Info().Prefix, errno.EINVAL)
	}
	ifp, err := n.attach(l, unit)
	if err != nil {
		l.Close() //nolint:errcheck // the link never carried a frame
		return nil, err
	}
	return ifp, nil
}

// Destroy detaches and closes interface name, one a cloner made or could
// have made, as NetBSD's if_clone_destroy: EINVAL when no cloner answers
// for the name (lo0 among them), ENXIO when there is no such interface.
func (n *Net) Destroy(name string) error {
	if _, _, _, ok := parseCloneName(name); !ok {
		return fmt.Errorf("ifnet: destroy %q: no such interface type: %w", name, errno.EINVAL)
	}
	ifp := n.ByName(name)
	if ifp == nil {
		return fmt.Errorf("ifnet: destroy %s: %w", name, errno.ENXIO)
	}
	return ifp.Detach()
}
