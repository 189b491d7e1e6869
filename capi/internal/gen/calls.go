package gen

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/gorump/gorump/sys"
)

// calls.txt is NetBSD's rump syscall table with the C prototypes of
// rump_syscalls.h, one syscall a line:
//
//	num|name|class|user API|exported symbol|return type|arguments|slots
//
// as netbsd-abi.md section 1.2 lists them ("PAD" is a zero slot the C
// API hides, "..." marks where a variadic prototype's optional argument
// starts, user API "-" an old-ABI entry with no rump_sys_ name).
//
//go:embed calls.txt
var callsTxt string

// call is one syscall of the table.
type call struct {
	num    int
	name   string // syscalls.master name, as sys.List gives it
	class  string // STD, NOERR or COMPAT
	user   string // rump_sys_ name; "" for old-ABI entries
	symbol string // rump___sysimpl_ name
	ret    string
	args   []arg
	slots  int
}

// arg is one argument slot.
type arg struct {
	typ      string // C type, NetBSD's spelling
	name     string
	pad      bool // a PAD slot
	variadic bool // the optional argument of a variadic prototype
}

// width says how a C type fills its 8-byte slot.
type width int

const (
	w32  width = iota // a 32-bit value, zero-extended as NetBSD's memset wrappers leave it
	w64               // a 64-bit integer
	wPtr              // a pointer
)

func (a arg) width() width {
	switch {
	case strings.Contains(a.typ, "*"):
		return wPtr
	case a.pad:
		return w32
	}
	switch a.typ {
	case "int", "u_int", "unsigned int", "mode_t", "uid_t", "gid_t", "pid_t",
		"socklen_t", "clockid_t", "timer_t", "uint32_t":
		return w32
	case "size_t", "off_t", "dev_t", "long", "u_long", "intptr_t":
		return w64
	}
	panic("gen: no slot width for C type " + a.typ)
}

// parseCalls reads calls.txt and checks it against sys.List: the same
// numbers, names and slot counts, so the wrappers cannot drift from the
// table they call.
func parseCalls() ([]call, error) {
	var calls []call
	for i, line := range strings.Split(strings.TrimSpace(callsTxt), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 8 {
			return nil, fmt.Errorf("calls.txt:%d: %d fields, want 8", i+1, len(f))
		}
		num, err1 := strconv.Atoi(f[0])
		slots, err2 := strconv.Atoi(f[7])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("calls.txt:%d: bad number", i+1)
		}
		c := call{num: num, name: f[1], class: f[2], user: f[3], symbol: f[4], ret: f[5], slots: slots}
		if c.user == "-" {
			c.user = ""
		}
		if f[6] != "" {
			for _, s := range strings.Split(f[6], ",") {
				a, err := parseArg(strings.TrimSpace(s))
				if err != nil {
					return nil, fmt.Errorf("calls.txt:%d: %v", i+1, err)
				}
				c.args = append(c.args, a)
			}
		}
		if len(c.args) != c.slots {
			return nil, fmt.Errorf("calls.txt:%d: %s has %d arguments in %d slots", i+1, c.name, len(c.args), c.slots)
		}
		calls = append(calls, c)
	}
	list := sys.List()
	if len(list) != len(calls) {
		return nil, fmt.Errorf("calls.txt has %d syscalls, sys.List %d", len(calls), len(list))
	}
	for i, in := range list {
		c := calls[i]
		if in.Num != c.num || in.Name != c.name || in.Slots != c.slots || in.Compat != (c.class == "COMPAT") {
			return nil, fmt.Errorf("calls.txt: %d %s (%d slots) differs from sys.List's %d %s (%d slots)",
				c.num, c.name, c.slots, in.Num, in.Name, in.Slots)
		}
	}
	return calls, nil
}

// parseArg parses "const char *path", "int PAD" or "... mode_t mode".
func parseArg(s string) (arg, error) {
	var a arg
	if rest, ok := strings.CutPrefix(s, "..."); ok {
		a.variadic = true
		s = strings.TrimSpace(rest)
	}
	i := strings.LastIndexAny(s, " *")
	if i < 0 {
		return a, fmt.Errorf("argument %q has no name", s)
	}
	a.typ = strings.TrimSpace(s[:i+1])
	a.name = s[i+1:]
	if a.name == "PAD" {
		a.pad = true
		a.name = "pad"
	}
	return a, nil
}
