package ffs_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/memhost"
	"github.com/gorump/gorump/vfs"
)

// crashDisk is a MemDisk seen as a host file, so that a kernel mounts it
// through etfs. It writes sector by sector, as a disk may tear a large
// transfer, so that a crash can cut a write anywhere. Before each sync
// it calls beforeSync, which a crash test uses to try the crashes the
// writes since the last sync allow.
type crashDisk struct {
	md                    *disk.MemDisk
	beforeSync, afterSync func()
}

func (d *crashDisk) ReadAt(p []byte, off int64) (int, error) { return d.md.ReadAt(p, off) }
func (d *crashDisk) Size() (int64, error)                    { return d.md.Size(), nil }
func (d *crashDisk) Truncate(int64) error                    { return errno.EINVAL }
func (d *crashDisk) Close() error                            { return nil }

func (d *crashDisk) WriteAt(p []byte, off int64) (int, error) {
	ss := d.md.SectorSize()
	for i := 0; i < len(p); i += ss {
		if _, err := d.md.WriteAt(p[i:min(i+ss, len(p))], off+int64(i)); err != nil {
			return i, err
		}
	}
	return len(p), nil
}

func (d *crashDisk) Sync(rumpuser.SyncFlags) error {
	if d.beforeSync != nil {
		d.beforeSync()
	}
	if err := d.md.Sync(); err != nil {
		return err
	}
	if d.afterSync != nil {
		d.afterSync()
	}
	return nil
}

// byteDisk is a disk over a byte slice, for checking crash images
// without copying them.
type byteDisk []byte

func (d byteDisk) SectorSize() int { return 512 }
func (d byteDisk) Size() int64     { return int64(len(d)) }
func (d byteDisk) ReadOnly() bool  { return false }
func (d byteDisk) Sync() error     { return nil }

func (d byteDisk) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(d)) {
		return 0, errno.EINVAL
	}
	return copy(p, d[off:]), nil
}

func (d byteDisk) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(d)) {
		return 0, errno.EINVAL
	}
	return copy(d[off:], p), nil
}

// crashHost is the in-memory host with crashImage backed by a crashDisk.
type crashHost struct {
	*memhost.Host
	disk *crashDisk
}

const crashImage = "crash.img"

func (h *crashHost) Open(name string, mode rumpuser.OpenMode) (rumpuser.File, error) {
	if name == crashImage {
		return h.disk, nil
	}
	return h.Host.Open(name, mode)
}

func (h *crashHost) FileInfo(name string) (rumpuser.FileInfo, error) {
	if name == crashImage {
		return rumpuser.FileInfo{Size: h.disk.md.Size(), Type: rumpuser.FTReg}, nil
	}
	return h.Host.FileInfo(name)
}

// crashRun is one crash test: a random workload on a mounted MemDisk,
// with a model of what it holds, and, at every disk sync, crashes tried
// at cut points of the writes since the previous one.
type crashRun struct {
	t       *testing.T
	p       *rump.Proc
	k       *kern.Kernel
	md      *disk.MemDisk
	rng     *rand.Rand
	cutRng  *rand.Rand // picks cut points, apart from the workload
	maxCuts int

	files map[string]uint64 // path under /mnt -> inode
	data  map[uint64][]byte // inode -> contents
	dirs  []string          // directories under /mnt, "" the root
	// frozen are the files fsynced and not changed since: their
	// contents at fsync must survive any crash after it.
	frozen map[uint64][]byte
	next   int

	syncs, cuts, repaired, checked, inLostFound int
	// failed is the first failure of a crash, which runs in a kernel
	// thread (the one that syncs), where t.Fatal cannot stop the test.
	failed string
}

// TestCrashRecovery runs random workloads (create, write, truncate,
// rename, link, unlink, mkdir, rmdir, fsync) on FFS mounted from a disk
// that can crash, and at every sync of the disk crashes it at cut points
// through the writes since the sync before: each crash image must repair
// to a file system that checks clean and mounts read-write, in which
// every file fsynced before the cut, and not changed since, has the
// contents it had when fsynced, at its name or in lost+found.
func TestCrashRecovery(t *testing.T) {
	ops, maxCuts := 160, 40
	if testing.Short() {
		ops, maxCuts = 80, 12
	}
	for _, c := range []struct {
		name  string
		opts  ffs.NewfsOptions
		cache int64 // the mount's buffer cache; 0 for the default
		seed  uint64
	}{
		{"ufs2-4k", ffs.NewfsOptions{BlockSize: 4096, FragmentSize: 512}, 0, 1},
		{"ufs1-8k-be", ffs.NewfsOptions{Version: 1, BigEndian: true, BlockSize: 8192, FragmentSize: 1024}, 0, 2},
		{"ufs2-4k-small-cache", ffs.NewfsOptions{BlockSize: 4096, FragmentSize: 1024}, 48 << 10, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.cache > 0 {
				defer ffs.SetCacheBytes(c.cache)()
			}
			r := newCrashRun(t, c.opts, c.seed, maxCuts)
			for range ops {
				r.step()
				if r.failed != "" {
					t.Fatal(r.failed)
				}
			}
			r.crashes() // what is not synced at the end
			if r.failed != "" {
				t.Fatal(r.failed)
			}
			if err := r.p.Unmount("/mnt", 0); err != nil {
				t.Fatal(err)
			}
			r.md.FailWhen(nil)
			if rep, err := ffs.Check(r.md, ffs.CheckOptions{}); err != nil || !rep.Clean() || !rep.MarkedClean {
				t.Fatalf("after unmount: %v\n%s", err, rep)
			}
			t.Logf("%d syncs, %d crash images repaired (%d with something to fix), %d fsynced files checked (%d found in lost+found)",
				r.syncs, r.cuts, r.repaired, r.checked, r.inLostFound)
		})
	}
}

func newCrashRun(t *testing.T, opts ffs.NewfsOptions, seed uint64, maxCuts int) *crashRun {
	md := disk.NewMem(4<<20, 512)
	if err := ffs.Newfs(md, opts); err != nil {
		t.Fatal(err)
	}
	if err := md.Sync(); err != nil {
		t.Fatal(err)
	}
	cd := &crashDisk{md: md}
	host := &crashHost{Host: memhost.New(memhost.Options{}), disk: cd}
	k, err := rump.Init(rump.Options{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Halt() })
	if err := k.EtfsRegister("/dev/crash", crashImage, rump.EtfsBlk); err != nil {
		t.Fatal(err)
	}
	p := k.InitProc()
	if err := p.Mkdir("/mnt", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := p.Mount("ffs", "/dev/crash", "/mnt", 0, nil); err != nil {
		t.Fatal(err)
	}
	r := &crashRun{t: t, p: p, k: k.Kern(), md: md, rng: rand.New(rand.NewPCG(seed, 7)), cutRng: rand.New(rand.NewPCG(seed, 8)), maxCuts: maxCuts,
		files: map[string]uint64{}, data: map[uint64][]byte{}, dirs: []string{""}, frozen: map[uint64][]byte{}}
	cd.beforeSync = r.crashes
	cd.afterSync = r.poison
	return r
}

// crashes tries crashes at cut points through the writes not yet
// synced: every one when there are few, else both ends and a random
// sample.
func (r *crashRun) crashes() {
	r.syncs++
	n := r.md.Pending()
	keeps := []int{0, n}
	if n+1 <= r.maxCuts {
		keeps = keeps[:0]
		for k := 0; k <= n; k++ {
			keeps = append(keeps, k)
		}
	} else {
		for range r.maxCuts - 2 {
			keeps = append(keeps, 1+r.cutRng.IntN(n-1))
		}
	}
	slices.Sort(keeps)
	for _, keep := range slices.Compact(keeps) {
		if r.failed == "" {
			r.crashAt(keep, n)
		}
	}
}

// poison fills the free space with stale indirect blocks pointing at the
// fsynced files.
func (r *crashRun) poison() {
	inos := make([]uint64, 0, len(r.frozen))
	for ino := range r.frozen {
		inos = append(inos, ino)
	}
	slices.Sort(inos)
	if err := ffs.PoisonFree(r.md, inos); err != nil {
		r.fail("poison: %v", err)
	}
}

// crashAt repairs the image a crash after keep of the n writes since the
// last sync leaves, and checks it.
func (r *crashRun) crashAt(keep, n int) {
	r.cuts++
	at := fmt.Sprintf("crash after %d of %d writes (sync %d)", keep, n, r.syncs)
	md := byteDisk(r.md.Crash(keep))
	rep, err := ffs.Check(md, ffs.CheckOptions{Repair: true})
	switch {
	case err != nil:
		r.fail("%s: repair: %v", at, err)
		return
	case !rep.Repaired:
		r.fail("%s: not repaired:\n%s", at, rep)
		return
	case len(rep.Problems) > 0:
		r.repaired++
	}
	for _, p := range rep.Problems {
		if p.Fix == "" {
			r.fail("%s: a problem without a fix: %s\nthe repair:\n%s", at, p, rep)
			return
		}
	}
	if again, err := ffs.Check(md, ffs.CheckOptions{}); err != nil || !again.Clean() || !again.MarkedClean {
		r.fail("%s: after the repair: %v\n%s\nthe repair:\n%s", at, err, again, rep)
		return
	}
	fsys, err := ffs.New(r.k, md, false)
	if err != nil {
		r.fail("%s: read-write mount after the repair: %v", at, err)
		return
	}
	defer func() {
		if err := fsys.Unmount(); err != nil {
			r.fail("%s: unmount: %v", at, err)
		}
	}()
	found, err := reachable(fsys)
	if err != nil {
		r.fail("%s: walking the repaired tree: %v", at, err)
		return
	}
	for ino, want := range r.frozen {
		where, ok := found[ino]
		if !ok {
			r.fail("%s: fsynced inode %d is gone; the repair:\n%s", at, ino, rep)
			return
		}
		nd, err := fsys.Vget(vfs.Ino(ino))
		if err != nil {
			r.fail("%s: fsynced inode %d (%s): %v", at, ino, where, err)
			return
		}
		got := make([]byte, len(want)+1)
		m, err := nd.Read(got, 0)
		if err != nil || !bytes.Equal(got[:m], want) {
			r.fail("%s: fsynced inode %d (%s): %d bytes, %v; want %d bytes; the repair:\n%s", at, ino, where, m, err, len(want), rep)
			return
		}
		r.checked++
		if strings.HasPrefix(where, "/lost+found/") {
			r.inLostFound++
		}
	}
}

// reachable walks the tree and returns a path for every inode it names.
func reachable(fsys vfs.FileSystem) (map[uint64]string, error) {
	found := map[uint64]string{}
	var walk func(ino vfs.Ino, dir string) error
	walk = func(ino vfs.Ino, dir string) error {
		n, err := fsys.Vget(ino)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		var kids []vfs.Dirent
		if err := n.ReadDir(0, func(e vfs.Dirent) bool {
			if e.Name != "." && e.Name != ".." {
				kids = append(kids, e)
			}
			return true
		}); err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		for _, e := range kids {
			p := dir + "/" + e.Name
			if _, seen := found[uint64(e.Ino)]; !seen {
				found[uint64(e.Ino)] = p
			}
			if e.Type == vfs.VDIR {
				if err := walk(e.Ino, p); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return found, walk(fsys.Root(), "")
}

// fail records the first failure of a crash.
func (r *crashRun) fail(format string, args ...any) {
	if r.failed == "" {
		r.failed = fmt.Sprintf(format, args...)
	}
}

// The workload.

func (r *crashRun) must(err error, what string) {
	r.t.Helper()
	if err != nil {
		r.t.Fatalf("%s: %v", what, err)
	}
}

func (r *crashRun) abs(p string) string { return "/mnt/" + p }

func (r *crashRun) newName(prefix string) string {
	r.next++
	dir := r.dirs[r.rng.IntN(len(r.dirs))]
	return path.Join(dir, fmt.Sprintf("%s%d", prefix, r.next))
}

// crashBudget bounds what the files hold, so the workload does not run
// out of space.
const crashBudget = 1500 << 10

func (r *crashRun) randomData() []byte {
	sizes := []int{0, 1, 300, 512, 1500, 4096, 5000, 9000, 40000, 70000, 200000, 600000}
	n := sizes[r.rng.IntN(len(sizes))]
	used := 0
	for _, d := range r.data {
		used += len(d)
	}
	if used+n > crashBudget {
		n %= 5000
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.rng.Uint32())
	}
	return b
}

// pickFile returns a random file path; unfrozen asks for one not
// fsynced. It returns "" when there is none.
func (r *crashRun) pickFile(unfrozen bool) string {
	var paths []string
	for p, ino := range r.files {
		if _, fz := r.frozen[ino]; !unfrozen || !fz {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return ""
	}
	sort.Strings(paths)
	return paths[r.rng.IntN(len(paths))]
}

func (r *crashRun) ino(p string) uint64 {
	st, err := r.p.Stat(r.abs(p))
	r.must(err, "stat "+p)
	return st.Ino
}

// step applies one random operation to the file system and the model.
func (r *crashRun) step() {
	switch op := r.rng.IntN(100); {
	case op < 20: // create, sometimes a few small files more
		for i := range 1 + r.rng.IntN(2)*4 {
			p := r.newName("f")
			data := r.randomData()
			if i > 0 {
				data = data[:len(data)%600]
			}
			r.must(r.p.WriteFile(r.abs(p), data, 0o644), "create "+p)
			ino := r.ino(p)
			r.files[p], r.data[ino] = ino, data
		}
	case op < 34: // write inside or past the end
		p := r.pickFile(true)
		if p == "" {
			return
		}
		ino := r.files[p]
		old := r.data[ino]
		off := r.rng.IntN(len(old) + 5000)
		buf := r.randomData()
		fd, err := r.p.Open(r.abs(p), rump.O_WRONLY, 0)
		r.must(err, "open "+p)
		_, err = r.p.Pwrite(fd, buf, int64(off))
		r.must(err, "pwrite "+p)
		r.must(r.p.Close(fd), "close")
		if len(buf) > 0 { // an empty write does not extend the file
			if end := off + len(buf); end > len(old) {
				old = append(old, make([]byte, end-len(old))...)
			}
			copy(old[off:], buf)
			r.data[ino] = old
		}
	case op < 42: // truncate
		p := r.pickFile(true)
		if p == "" {
			return
		}
		ino := r.files[p]
		old := r.data[ino]
		size := r.rng.IntN(len(old) + 10000)
		if r.rng.IntN(2) == 0 {
			size = len(old) / 3
		}
		r.must(r.p.Truncate(r.abs(p), int64(size)), "truncate "+p)
		if size <= len(old) {
			r.data[ino] = old[:size]
		} else {
			r.data[ino] = append(old, make([]byte, size-len(old))...)
		}
	case op < 52: // unlink a name of a file not fsynced
		p := r.pickFile(true)
		if p == "" {
			return
		}
		r.must(r.p.Unlink(r.abs(p)), "unlink "+p)
		r.dropName(p)
	case op < 62: // rename any file, sometimes over one not fsynced
		p := r.pickFile(false)
		if p == "" {
			return
		}
		to := r.newName("r")
		if victim := r.pickFile(true); victim != "" && victim != p && r.files[victim] != r.files[p] && r.rng.IntN(3) == 0 {
			to = victim
		}
		r.must(r.p.Rename(r.abs(p), r.abs(to)), "rename "+p+" "+to)
		ino := r.files[p]
		if _, ok := r.files[to]; ok {
			r.dropName(to)
		}
		delete(r.files, p)
		r.files[to] = ino
	case op < 67: // link
		p := r.pickFile(false)
		if p == "" {
			return
		}
		to := r.newName("l")
		r.must(r.p.Link(r.abs(p), r.abs(to)), "link "+p+" "+to)
		r.files[to] = r.files[p]
	case op < 74: // mkdir
		d := r.newName("d")
		r.must(r.p.Mkdir(r.abs(d), 0o755), "mkdir "+d)
		r.dirs = append(r.dirs, d)
	case op < 78: // rmdir an empty directory
		for _, d := range r.dirs[1:] {
			if r.empty(d) {
				r.must(r.p.Rmdir(r.abs(d)), "rmdir "+d)
				r.dirs = slices.DeleteFunc(r.dirs, func(x string) bool { return x == d })
				return
			}
		}
	case op < 81: // move a directory
		if len(r.dirs) < 2 {
			return
		}
		d := r.dirs[1+r.rng.IntN(len(r.dirs)-1)]
		to := r.newName("m")
		if to == d || strings.HasPrefix(to, d+"/") {
			return
		}
		r.must(r.p.Rename(r.abs(d), r.abs(to)), "rename dir "+d+" "+to)
		r.moveDir(d, to)
	case op < 97: // fsync a file: from now on its contents must survive
		p := r.pickFile(true)
		if p == "" {
			return
		}
		fd, err := r.p.Open(r.abs(p), rump.O_RDONLY, 0)
		r.must(err, "open "+p)
		r.must(r.p.Fsync(fd), "fsync "+p)
		r.must(r.p.Close(fd), "close")
		ino := r.files[p]
		if got, err := r.p.ReadFile(r.abs(p)); err != nil || !bytes.Equal(got, r.data[ino]) {
			r.t.Fatalf("%s (inode %d) reads %d bytes, %v; the model has %d", p, ino, len(got), err, len(r.data[ino]))
		}
		r.frozen[ino] = bytes.Clone(r.data[ino])
	default:
		r.must(r.p.Sync(), "sync")
	}
}

// dropName forgets path p, and the file when it was its last name.
func (r *crashRun) dropName(p string) {
	ino := r.files[p]
	delete(r.files, p)
	for _, other := range r.files {
		if other == ino {
			return
		}
	}
	delete(r.data, ino)
	delete(r.frozen, ino) // cannot be: frozen files are not unlinked
}

func (r *crashRun) empty(d string) bool {
	for p := range r.files {
		if strings.HasPrefix(p, d+"/") {
			return false
		}
	}
	for _, x := range r.dirs {
		if strings.HasPrefix(x, d+"/") {
			return false
		}
	}
	return true
}

func (r *crashRun) moveDir(from, to string) {
	re := func(p string) string {
		if p == from || strings.HasPrefix(p, from+"/") {
			return to + p[len(from):]
		}
		return p
	}
	files := map[string]uint64{}
	for p, ino := range r.files {
		files[re(p)] = ino
	}
	r.files = files
	for i, d := range r.dirs {
		r.dirs[i] = re(d)
	}
}
