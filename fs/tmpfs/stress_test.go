package tmpfs_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorump/gorump/internal/leaktest"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
	"github.com/gorump/gorump/vfs"
)

// Concurrency stress: processes create, link, rename (within and across
// a few shared directories, files and directories alike), unlink, rmdir
// and list at once, with names drawn from a small pool so that they
// collide. The operations may fail as POSIX allows; afterwards the tree
// must be consistent: every file's link count is the number of names it
// has, directories count 2 plus their subdirectories, every listed name
// resolves, no listing repeats a name, and ".." leads to the parent.

const (
	stressRoot    = "/s"
	stressDirs    = 4  // shared directories under stressRoot
	stressNames   = 12 // names per directory level
	stressWorkers = 16
)

// stressOps is the number of operations per worker.
func stressOps() int {
	if testing.Short() {
		return 500
	}
	return 3000
}

// allowedErrors are the outcomes POSIX permits for these operations on
// names that race.
var allowedErrors = []errno.Errno{errno.ENOENT, errno.EEXIST, errno.ENOTDIR, errno.EISDIR,
	errno.ENOTEMPTY, errno.EINVAL, errno.EPERM}

type stressStats struct {
	mu  sync.Mutex
	ops map[string]int // "op ok" or "op ERRNAME"
}

func (s *stressStats) add(op string, err error) {
	key := op + " ok"
	if err != nil {
		var e errno.Errno
		if errors.As(err, &e) {
			key = op + " " + e.Name()
		} else {
			key = op + " " + err.Error()
		}
	}
	s.mu.Lock()
	s.ops[key]++
	s.mu.Unlock()
}

// randomPath returns a path one or two levels below a shared directory.
func randomPath(r *rand.Rand) string {
	p := fmt.Sprintf("%s/d%d/n%d", stressRoot, r.IntN(stressDirs), r.IntN(stressNames))
	if r.IntN(4) == 0 {
		p += fmt.Sprintf("/n%d", r.IntN(stressNames))
	}
	return p
}

func TestConcurrentNamespaceStress(t *testing.T) {
	base := runtime.NumGoroutine()
	k, err := rump.Init(rump.Options{Host: memhost.New(memhost.Options{Seed: 7})})
	if err != nil {
		t.Fatal(err)
	}
	halted := false
	defer func() {
		if !halted {
			k.Halt()
		}
	}()
	root := k.InitProc()
	if err := root.Mkdir(stressRoot, 0o755); err != nil {
		t.Fatal(err)
	}
	for d := range stressDirs {
		if err := root.Mkdir(fmt.Sprintf("%s/d%d", stressRoot, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	memBefore := k.Kern().Memory().Used()

	stats := &stressStats{ops: map[string]int{}}
	start := time.Now()
	var wg sync.WaitGroup
	for w := range stressWorkers {
		p, err := k.NewProc()
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			defer p.Exit()
			if err := stressWorker(p, uint64(w), stressOps(), stats); err != nil {
				t.Errorf("worker %d: %v", w, err)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if t.Failed() {
		return
	}

	files, dirs := checkTree(t, root)
	total := 0
	var keys []string
	for key, n := range stats.ops {
		total += n
		keys = append(keys, fmt.Sprintf("%s=%d", key, n))
	}
	sort.Strings(keys)
	t.Logf("%d operations by %d processes in %v; tree after: %d files, %d directories", total, stressWorkers, elapsed, files, dirs)
	t.Logf("outcomes: %s", strings.Join(keys, " "))
	for _, op := range []string{"create", "link", "rename", "unlink", "mkdir", "rmdir", "list"} {
		if stats.ops[op+" ok"] == 0 {
			t.Errorf("no %s succeeded: the stress did not stress it", op)
		}
	}

	// Removing everything gives back every page, and leaves the shared
	// directories as they started.
	for d := range stressDirs {
		removeAll(t, root, fmt.Sprintf("%s/d%d", stressRoot, d), false)
	}
	if used := k.Kern().Memory().Used(); used != memBefore {
		t.Errorf("memory in use %d after removing everything, %d before", used, memBefore)
	}
	if st, _ := root.Stat(stressRoot); st.Nlink != 2+stressDirs {
		t.Errorf("%s has nlink %d, want %d", stressRoot, st.Nlink, 2+stressDirs)
	}
	if err := k.Halt(); err != nil {
		t.Errorf("halt: %v", err)
	}
	halted = true
	leaktest.Check(t, base)
}

// stressWorker runs n random operations as process p. It returns an error
// for outcomes POSIX does not allow.
func stressWorker(p *rump.Proc, seed uint64, n int, stats *stressStats) error {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	var held []int // descriptors kept open across unlinks
	defer func() {
		for _, fd := range held {
			p.Close(fd)
		}
	}()
	check := func(op string, err error) error {
		stats.add(op, err)
		if err == nil {
			return nil
		}
		for _, e := range allowedErrors {
			if errors.Is(err, e) {
				return nil
			}
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	data := []byte(strings.Repeat("stress ", 700)) // over one page
	for range n {
		var err error
		var op string
		switch x := r.IntN(100); {
		case x < 22:
			op = "create"
			var fd int
			fd, err = p.Open(randomPath(r), rump.O_CREAT|rump.O_EXCL|rump.O_WRONLY, 0o644)
			if err == nil {
				if r.IntN(3) == 0 {
					if _, werr := p.Write(fd, data[:r.IntN(len(data))]); werr != nil {
						return fmt.Errorf("write: %w", werr)
					}
				}
				if r.IntN(8) == 0 && len(held) < 4 {
					held = append(held, fd)
				} else if cerr := p.Close(fd); cerr != nil {
					return fmt.Errorf("close: %w", cerr)
				}
			}
		case x < 38:
			op = "link"
			err = p.Link(randomPath(r), randomPath(r))
		case x < 56:
			op = "rename"
			from := randomPath(r)
			to := randomPath(r)
			if r.IntN(2) == 0 {
				// Within one directory.
				to = path.Join(path.Dir(from), path.Base(to))
			}
			err = p.Rename(from, to)
		case x < 70:
			op = "unlink"
			err = p.Unlink(randomPath(r))
		case x < 76:
			op = "mkdir"
			err = p.Mkdir(randomPath(r), 0o755)
		case x < 82:
			op = "rmdir"
			err = p.Rmdir(randomPath(r))
		case x < 92:
			op = "list"
			err = listWhileRacing(p, fmt.Sprintf("%s/d%d", stressRoot, r.IntN(stressDirs)))
		default:
			op = "stat"
			_, err = p.Lstat(randomPath(r))
		}
		if err := check(op, err); err != nil {
			return err
		}
		if len(held) > 0 && r.IntN(10) == 0 {
			if err := p.Close(held[0]); err != nil {
				return fmt.Errorf("close held: %w", err)
			}
			held = held[1:]
		}
	}
	return nil
}

// listWhileRacing reads a directory that others are changing: it must
// list "." and "..", and its names must be well-formed.
func listWhileRacing(p *rump.Proc, dir string) error {
	fd, err := p.Open(dir, rump.O_RDONLY|rump.O_DIRECTORY, 0)
	if err != nil {
		return err
	}
	defer p.Close(fd)
	var ents []rump.Dirent
	for {
		batch, err := p.ReadDir(fd, 5)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		ents = append(ents, batch...)
	}
	dots := 0
	for _, e := range ents {
		switch {
		case e.Name == "." || e.Name == "..":
			dots++
		case e.Name == "" || strings.Contains(e.Name, "/") || e.Ino == 0:
			return fmt.Errorf("bad entry %+v in %s", e, dir)
		}
	}
	if dots != 2 {
		return fmt.Errorf("%s listed %d dot entries", dir, dots)
	}
	return nil
}

// checkTree walks stressRoot at rest and checks the invariants. It returns
// how many files and directories it found.
func checkTree(t *testing.T, p *rump.Proc) (files, dirs int) {
	names := map[uint64][]string{} // inode -> the names found for it
	nlink := map[uint64]uint32{}
	var walk func(dir string, parentIno uint64)
	walk = func(dir string, parentIno uint64) {
		dirs++
		st, err := p.Lstat(dir)
		if err != nil {
			t.Errorf("lstat %s: %v", dir, err)
			return
		}
		if dot, err := p.Stat(dir + "/.."); err != nil || dot.Ino != parentIno {
			t.Errorf("%s/.. is inode %d (%v), want the parent %d", dir, dot.Ino, err, parentIno)
		}
		fd, err := p.Open(dir, rump.O_RDONLY|rump.O_DIRECTORY, 0)
		if err != nil {
			t.Errorf("open %s: %v", dir, err)
			return
		}
		ents, err := p.ReadDir(fd, 0)
		p.Close(fd)
		if err != nil {
			t.Errorf("readdir %s: %v", dir, err)
			return
		}
		seen := map[string]bool{}
		subdirs := 0
		for _, e := range ents {
			if seen[e.Name] {
				t.Errorf("%s lists %q twice", dir, e.Name)
			}
			seen[e.Name] = true
			if e.Name == "." || e.Name == ".." {
				continue
			}
			child := dir + "/" + e.Name
			cst, err := p.Lstat(child)
			if err != nil {
				t.Errorf("listed %s does not resolve: %v", child, err)
				continue
			}
			if cst.Ino != uint64(e.Ino) {
				t.Errorf("%s: listed as inode %d, stat says %d", child, e.Ino, cst.Ino)
			}
			if vfs.VTypeOf(cst.Mode) != e.Type {
				t.Errorf("%s: listed as type %d, stat says mode %#o", child, e.Type, cst.Mode)
			}
			names[cst.Ino] = append(names[cst.Ino], child)
			nlink[cst.Ino] = cst.Nlink
			if cst.Mode&rump.S_IFMT == rump.S_IFDIR {
				subdirs++
				walk(child, st.Ino)
			} else {
				files++
			}
		}
		if !seen["."] || !seen[".."] {
			t.Errorf("%s lacks . or ..", dir)
		}
		if want := uint32(2 + subdirs); st.Nlink != want {
			t.Errorf("directory %s has nlink %d, want 2 + %d subdirectories", dir, st.Nlink, subdirs)
		}
	}
	parent, err := p.Stat(stressRoot + "/..")
	if err != nil {
		t.Fatal(err)
	}
	walk(stressRoot, parent.Ino)
	for ino, ns := range names {
		st, err := p.Lstat(ns[0])
		if err != nil {
			continue
		}
		if st.Mode&rump.S_IFMT == rump.S_IFDIR {
			if len(ns) != 1 {
				t.Errorf("directory inode %d has %d names: %v", ino, len(ns), ns)
			}
			continue
		}
		if int(nlink[ino]) != len(ns) {
			t.Errorf("inode %d has nlink %d but %d names: %v", ino, nlink[ino], len(ns), ns)
		}
	}
	return files, dirs
}

// removeAll removes everything below dir, and dir itself when self is
// set.
func removeAll(t *testing.T, p *rump.Proc, dir string, self bool) {
	fd, err := p.Open(dir, rump.O_RDONLY|rump.O_DIRECTORY, 0)
	if err != nil {
		t.Errorf("open %s: %v", dir, err)
		return
	}
	ents, _ := p.ReadDir(fd, 0)
	p.Close(fd)
	for _, e := range ents {
		if e.Name == "." || e.Name == ".." {
			continue
		}
		child := dir + "/" + e.Name
		if e.Type == vfs.VDIR {
			removeAll(t, p, child, true)
		} else if err := p.Unlink(child); err != nil {
			t.Errorf("unlink %s: %v", child, err)
		}
	}
	if self {
		if err := p.Rmdir(dir); err != nil {
			t.Errorf("rmdir %s: %v", dir, err)
		}
	}
}
