package vfstest

import (
	"strings"
	"testing"
	"time"

	"github.com/gorump/gorump/rump"
)

// Env is what a case runs against: a root (uid 0) process and the
// absolute path of an empty writable directory on the file system under
// test. Dir and its ancestors must be searchable by every user, so cases
// can switch to other uids below it.
type Env struct {
	Proc *rump.Proc
	Dir  string
}

// Caps declare what a file system cannot do; the zero value is a full
// POSIX file system with nanosecond timestamps and 255-byte names.
type Caps struct {
	NoSymlinks      bool // no symbolic links
	NoHardLinks     bool // no link(2); every file has one name
	NoPermissions   bool // mode bits are not enforced
	NoOwnership     bool // uid and gid are not stored
	NoSparse        bool // holes take storage (st_blocks covers the size)
	NoBirthtime     bool // no st_birthtime
	NoSpecialFiles  bool // no FIFOs or device nodes
	CaseInsensitive bool // "a" and "A" name the same entry

	// TimeGranularity is how finely times are stored; 0 means 1ns.
	TimeGranularity time.Duration
	// MaxNameLen is the longest name in bytes; 0 means 255.
	MaxNameLen int
}

// Config says how to get an Env for each case.
type Config struct {
	// New boots a fresh kernel for one case and registers t.Cleanup to
	// halt it.
	New func(t *testing.T) Env
	// NewLimited, if set, is New for a file system that holds at most
	// bytes bytes of file data and inodes files (0: no limit on that
	// one); the ENOSPC cases need it.
	NewLimited func(t *testing.T, bytes, inodes int64) Env
	Caps       Caps
}

// need is a set of capabilities a case requires.
type need uint

const (
	needSymlinks need = 1 << iota
	needHardLinks
	needPermissions
	needOwnership
	needSparse
	needBirthtime
	needSpecialFiles
	needCaseSensitive
	needCaseInsensitive
	needLimited
)

// missing returns the name of the first capability in n that a file
// system with caps lacks (limited: whether a limited one can be had), or
// "" when the case can run.
func (n need) missing(c Caps, limited bool) string {
	for _, m := range []struct {
		bit     need
		lacking bool
		name    string
	}{
		{needSymlinks, c.NoSymlinks, "symlinks (Caps.NoSymlinks)"},
		{needHardLinks, c.NoHardLinks, "hard links (Caps.NoHardLinks)"},
		{needPermissions, c.NoPermissions, "permission checks (Caps.NoPermissions)"},
		{needOwnership, c.NoOwnership, "file ownership (Caps.NoOwnership)"},
		{needSparse, c.NoSparse, "sparse files (Caps.NoSparse)"},
		{needBirthtime, c.NoBirthtime, "birthtime (Caps.NoBirthtime)"},
		{needSpecialFiles, c.NoSpecialFiles, "special files (Caps.NoSpecialFiles)"},
		{needCaseSensitive, c.CaseInsensitive, "case-sensitive names (Caps.CaseInsensitive)"},
		{needCaseInsensitive, !c.CaseInsensitive, "case-insensitive names (Caps.CaseInsensitive unset)"},
		{needLimited, !limited, "a size-limited file system (Config.NewLimited)"},
	} {
		if n&m.bit != 0 && m.lacking {
			return m.name
		}
	}
	return ""
}

// testCase is one conformance case. Cases that need a limited file
// system get their fixture from limit instead of Config.New.
type testCase struct {
	name  string
	needs need
	limit *limits
	run   func(f *fixture)
}

// limits are what a needLimited case asks NewLimited for.
type limits struct{ bytes, inodes int64 }

// group is a named set of cases.
type group struct {
	name  string
	cases []testCase
}

func groups() []group {
	return []group{
		{"open", openCases},
		{"io", ioCases},
		{"truncate", truncateCases},
		{"perm", permCases},
		{"owner", ownerCases},
		{"rename", renameCases},
		{"link", linkCases},
		{"symlink", symlinkCases},
		{"readdir", readdirCases},
		{"dir", dirCases},
		{"name", nameCases},
		{"space", spaceCases},
		{"time", timeCases},
		{"fd", fdCases},
		{"misc", miscCases},
		{"at", atCases},
		{"fifo", fifoCases},
		{"pathconf", pathconfCases},
		{"cache", cacheCases},
		{"concurrent", concurrentCases},
	}
}

// Run runs every case against the file system cfg describes, each in a
// subtest named group/case with a kernel of its own.
func Run(t *testing.T, cfg Config) {
	if cfg.New == nil {
		t.Fatal("vfstest: Config.New is nil")
	}
	for _, g := range groups() {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) { runCase(t, &cfg, c) })
			}
		})
	}
}

func runCase(t *testing.T, cfg *Config, c testCase) {
	needs := c.needs
	if c.limit != nil {
		needs |= needLimited
	}
	if m := needs.missing(cfg.Caps, cfg.NewLimited != nil); m != "" {
		t.Skip("needs " + m)
	}
	var env Env
	if c.limit != nil {
		env = cfg.NewLimited(t, c.limit.bytes, c.limit.inodes)
	} else {
		env = cfg.New(t)
	}
	if env.Proc == nil || !strings.HasPrefix(env.Dir, "/") {
		t.Fatalf("vfstest: Config.New gave Env{Proc: %v, Dir: %q}; want a process and an absolute path", env.Proc, env.Dir)
	}
	f := &fixture{t: t, p: env.Proc, dir: strings.TrimRight(env.Dir, "/"), caps: cfg.Caps}
	if f.dir == "" {
		f.dir = "/." // Dir is "/": keep path's dir+"/"+name well formed
	}
	// Modes in the cases are what they ask for; the umask case sets its
	// own.
	f.p.Umask(0)
	c.run(f)
}

// count returns the number of cases Run runs or skips.
func count() int {
	n := 0
	for _, g := range groups() {
		n += len(g.cases)
	}
	return n
}
