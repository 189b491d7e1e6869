package vfstest

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// parallel runs n copies of work, each told its index, and fails the case
// if they have not all returned within a generous time: a deadlock in the
// kernel shows as this failure rather than a hung test binary.
func (f *fixture) parallel(n int, work func(i int)) {
	f.t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { work(i) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		f.t.Fatal("concurrent operations did not finish in 20s: deadlock?")
	}
}

// concurrentCases run operations from several goroutines at once. They
// check outcomes that any interleaving must give; under the race
// detector they also check the kernel's locking.
var concurrentCases = []testCase{
	{name: "readdir-during-churn", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		stable := append(f.populate("d", "e", 30), ".", "..")
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := f.path(fmt.Sprintf("d/tmp%d", i%17))
				if fd, err := f.p.Open(name, rump.O_WRONLY|rump.O_CREAT, 0o644); err == nil {
					f.p.Close(fd)
				}
				if i%3 == 0 {
					f.p.Unlink(name)
				}
			}
		})
		var ever []string
		for i := range 17 {
			ever = append(ever, fmt.Sprintf("tmp%d", i))
		}
		for range 20 {
			f.checkResumed(f.list("d", 5), stable, append(ever, stable...), true)
		}
		close(stop)
		wg.Wait()
	}},
	{name: "excl-create-race", run: func(f *fixture) {
		for round := range 20 {
			name := fmt.Sprintf("f%d", round)
			var mu sync.Mutex
			won := 0
			f.parallel(4, func(int) {
				fd, err := f.p.Open(f.path(name), rump.O_WRONLY|rump.O_CREAT|rump.O_EXCL, 0o644)
				if err == nil {
					f.p.Close(fd)
					mu.Lock()
					won++
					mu.Unlock()
				} else {
					f.expect(errno.EEXIST, err, "racing open(O_CREAT|O_EXCL)")
				}
			})
			f.check(won == 1, "round %d: %d racing O_EXCL creates succeeded, want 1", round, won)
		}
	}},
	{name: "append-writers", run: func(f *fixture) {
		f.mkfile("log", "", 0o644)
		const writers, records = 4, 50
		f.parallel(writers, func(i int) {
			fd, err := f.p.Open(f.path("log"), rump.O_WRONLY|rump.O_APPEND, 0)
			if err != nil {
				f.t.Error(err)
				return
			}
			defer f.p.Close(fd)
			for r := range records {
				rec := fmt.Sprintf("writer %d record %03d|", i, r)
				if n, err := f.p.Write(fd, []byte(rec)); err != nil || n != len(rec) {
					f.t.Errorf("append: %d, %v", n, err)
				}
			}
		})
		got := strings.Split(strings.TrimSuffix(f.read("log"), "|"), "|")
		f.check(len(got) == writers*records, "%d records after concurrent appends, want %d", len(got), writers*records)
		seen := map[string]bool{}
		for _, r := range got {
			if seen[r] || !strings.HasPrefix(r, "writer ") {
				f.t.Errorf("record %q torn or repeated", r)
				break
			}
			seen[r] = true
		}
	}},
	{name: "cross-renames", run: func(f *fixture) {
		// Directories move back and forth between two parents in
		// opposite directions: the lock order must hold.
		f.mkdir("p", 0o755)
		f.mkdir("q", 0o755)
		for i := range 4 {
			f.mkdir(fmt.Sprintf("p/a%d", i), 0o755)
			f.mkdir(fmt.Sprintf("q/b%d", i), 0o755)
		}
		f.parallel(8, func(i int) {
			from, to := "p", "q"
			name := fmt.Sprintf("a%d", i%4)
			if i >= 4 {
				from, to, name = "q", "p", fmt.Sprintf("b%d", i%4)
			}
			for range 100 {
				f.p.Rename(f.path(from+"/"+name), f.path(to+"/"+name))
				from, to = to, from
			}
		})
		var all []string
		for _, d := range []string{"p", "q"} {
			for _, n := range names(f.list(d, 0)) {
				if n != "." && n != ".." {
					all = append(all, n)
				}
			}
		}
		f.sameNames("p and q after concurrent renames", all, []string{"a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3"})
		f.nlink("p", uint32(2+len(f.list("p", 0))-2))
	}},
	{name: "rename-into-each-other", run: func(f *fixture) {
		// rename(a, b/a) and rename(b, a/b) at once: at most one can
		// succeed, and the tree must stay a tree.
		for round := range 30 {
			a, b := fmt.Sprintf("a%d", round), fmt.Sprintf("b%d", round)
			f.mkdir(a, 0o755)
			f.mkdir(b, 0o755)
			var errs [2]error
			f.parallel(2, func(i int) {
				if i == 0 {
					errs[0] = f.p.Rename(f.path(a), f.path(b+"/"+a))
				} else {
					errs[1] = f.p.Rename(f.path(b), f.path(a+"/"+b))
				}
			})
			f.check(errs[0] != nil || errs[1] != nil, "round %d: both crosswise renames succeeded", round)
		}
		// Every directory is still reachable from the case directory.
		var walk func(dir string, depth int) int
		walk = func(dir string, depth int) int {
			if depth > 10 {
				f.t.Fatalf("directory loop below %s", dir)
			}
			n := 0
			for _, e := range f.list(dir, 0) {
				if e.Name != "." && e.Name != ".." {
					n += 1 + walk(dir+"/"+e.Name, depth+1)
				}
			}
			return n
		}
		f.check(walk(".", 0) == 60, "directories reachable after the renames: %d, want 60", walk(".", 0))
	}},
	{name: "link-unlink-nlink", needs: needHardLinks, run: func(f *fixture) {
		f.mkfile("f", "data", 0o644)
		f.parallel(4, func(i int) {
			for r := range 50 {
				name := f.path(fmt.Sprintf("l%d-%d", i, r))
				if err := f.p.Link(f.path("f"), name); err != nil {
					f.t.Errorf("link: %v", err)
					return
				}
				if r%2 == 0 {
					if err := f.p.Unlink(name); err != nil {
						f.t.Errorf("unlink: %v", err)
					}
				}
			}
		})
		f.nlink("f", 1+4*25)
	}},
	{name: "readers-and-writer", run: func(f *fixture) {
		// Readers never see a block half old and half new.
		block := 4096
		f.mkfile("f", strings.Repeat("a", block), 0o644)
		f.parallel(4, func(i int) {
			if i == 0 {
				fd, _ := f.p.Open(f.path("f"), rump.O_WRONLY, 0)
				defer f.p.Close(fd)
				for r := range 200 {
					c := "ab"[r%2 : r%2+1]
					f.p.Pwrite(fd, []byte(strings.Repeat(c, block)), 0)
				}
				return
			}
			fd, _ := f.p.Open(f.path("f"), rump.O_RDONLY, 0)
			defer f.p.Close(fd)
			buf := make([]byte, block)
			for range 200 {
				n, err := f.p.Pread(fd, buf, 0)
				if err != nil || n != block {
					f.t.Errorf("pread: %d, %v", n, err)
					return
				}
				if c := strings.Count(string(buf), string(buf[:1])); c != block {
					f.t.Errorf("a reader saw a torn block (%d of %d bytes alike)", c, block)
					return
				}
			}
		})
	}},
}
