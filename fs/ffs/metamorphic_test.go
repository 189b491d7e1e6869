package ffs_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// TestMetamorphicAgainstTmpfs runs the same random history of file
// operations on FFS and on tmpfs in one kernel: every call must give the
// same result on both, the trees must match at the end, and the FFS
// image must then check clean. tmpfs is the reference: simple, and
// checked by the conformance suite.
func TestMetamorphicAgainstTmpfs(t *testing.T) {
	for _, c := range []struct {
		name string
		opts ffs.NewfsOptions
		seed uint64
	}{
		{"ufs2-4k", ffs.NewfsOptions{BlockSize: 4096, FragmentSize: 512}, 1},
		{"ufs1-8k-be", ffs.NewfsOptions{Version: 1, BlockSize: 8192, FragmentSize: 1024, BigEndian: true}, 2},
		{"ufs2-16k", ffs.NewfsOptions{BlockSize: 16384, FragmentSize: 2048}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := disk.NewMem(48<<20, 512)
			if err := ffs.Newfs(d, c.opts); err != nil {
				t.Fatal(err)
			}
			host := memhost.New(memhost.Options{})
			hf := host.AddFile("img", d.Bytes())
			k, err := rump.Init(rump.Options{Host: host})
			if err != nil {
				t.Fatal(err)
			}
			k.EtfsRegister("/dev/d", "img", rump.EtfsBlk)
			p := k.InitProc()
			p.Mkdir("/ffs", 0o755)
			p.Mkdir("/ref", 0o755)
			if err := p.Mount("ffs", "/dev/d", "/ffs", 0, nil); err != nil {
				t.Fatal(err)
			}
			runHistory(t, p, rand.New(rand.NewPCG(c.seed, 99)), 1500)
			compareTrees(t, p, "/ffs", "/ref")
			if err := k.Halt(); err != nil {
				t.Fatal(err)
			}
			assertClean(t, hf.Bytes())
		})
	}
}

func errName(err error) string {
	if err == nil {
		return "ok"
	}
	var e errno.Errno
	if errors.As(err, &e) {
		return e.Name()
	}
	return err.Error()
}

// runHistory applies n random operations to /ffs and /ref alike.
func runHistory(t *testing.T, p *rump.Proc, rng *rand.Rand, n int) {
	for i := range n {
		runHistoryStep(t, p, rng, i)
	}
}

// runHistoryStep applies operation i of a random history.
func runHistoryStep(t *testing.T, p *rump.Proc, rng *rand.Rand, i int) {
	t.Helper()
	names := []string{"a", "b", "c", "d/x", "d/y", "d/e/z", "e", "d", "d/e", "f/g"}
	pick := func() string { return names[rng.IntN(len(names))] }
	data := func() []byte {
		sizes := []int{0, 1, 100, 511, 512, 513, 4095, 4096, 4097, 9000, 20000, 70000, 300000}
		b := make([]byte, sizes[rng.IntN(len(sizes))])
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	{
		op := rng.IntN(11)
		a, b := pick(), pick()
		buf := data()
		off := int64(rng.IntN(400000))
		size := int64(rng.IntN(350000))
		do := func(root string) string {
			pa, pb := root+"/"+a, root+"/"+b
			switch op {
			case 0:
				return errName(p.WriteFile(pa, buf, 0o644))
			case 1:
				fd, err := p.Open(pa, rump.O_WRONLY|rump.O_CREAT, 0o644)
				if err != nil {
					return errName(err)
				}
				defer p.Close(fd)
				_, err = p.Pwrite(fd, buf, off)
				return errName(err)
			case 2:
				return errName(p.Truncate(pa, size))
			case 3:
				return errName(p.Unlink(pa))
			case 4:
				return errName(p.Mkdir(pa, 0o755))
			case 5:
				return errName(p.Rmdir(pa))
			case 6:
				return errName(p.Rename(pa, pb))
			case 7:
				return errName(p.Link(pa, pb))
			case 8:
				return errName(p.Symlink(string(buf[:min(len(buf), 200)]), pa))
			case 9:
				fd, err := p.Open(pa, rump.O_WRONLY|rump.O_APPEND, 0)
				if err != nil {
					return errName(err)
				}
				defer p.Close(fd)
				_, err = p.Write(fd, buf)
				return errName(err)
			default:
				got, err := p.ReadFile(pa)
				return fmt.Sprintf("%s %x", errName(err), bytesHash(got))
			}
		}
		rf, rr := do("/ffs"), do("/ref")
		if rf != rr {
			t.Fatalf("op %d (kind %d on %s, %s): ffs says %s, tmpfs says %s", i, op, a, b, rf, rr)
		}
	}
}

func bytesHash(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

// compareTrees checks that two trees hold the same names, types, sizes,
// link counts, modes, contents and symlink targets.
func compareTrees(t *testing.T, p *rump.Proc, x, y string) {
	t.Helper()
	var walk func(rel string)
	walk = func(rel string) {
		ax, errx := listNames(p, x+rel)
		ay, erry := listNames(p, y+rel)
		if errName(errx) != errName(erry) || fmt.Sprint(ax) != fmt.Sprint(ay) {
			t.Fatalf("%s: lists %v (%v) and %v (%v)", rel, ax, errx, ay, erry)
		}
		for _, name := range ax {
			r := rel + "/" + name
			sx, _ := p.Lstat(x + r)
			sy, _ := p.Lstat(y + r)
			if sx.Mode != sy.Mode || sx.Nlink != sy.Nlink || (sx.Mode&rump.S_IFMT != rump.S_IFDIR && sx.Size != sy.Size) {
				t.Errorf("%s: mode %o/%o nlink %d/%d size %d/%d", r, sx.Mode, sy.Mode, sx.Nlink, sy.Nlink, sx.Size, sy.Size)
			}
			switch sx.Mode & rump.S_IFMT {
			case rump.S_IFDIR:
				walk(r)
			case rump.S_IFREG:
				bx, _ := p.ReadFile(x + r)
				by, _ := p.ReadFile(y + r)
				if !bytes.Equal(bx, by) {
					t.Errorf("%s: contents differ", r)
				}
			case rump.S_IFLNK:
				lx, _ := p.Readlink(x + r)
				ly, _ := p.Readlink(y + r)
				if lx != ly {
					t.Errorf("%s: link targets differ", r)
				}
			}
		}
	}
	walk("")
}

func listNames(p *rump.Proc, dir string) ([]string, error) {
	fd, err := p.Open(dir, rump.O_RDONLY|rump.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	defer p.Close(fd)
	ents, err := p.ReadDir(fd, 0)
	var names []string
	for _, e := range ents {
		if e.Name != "." && e.Name != ".." {
			names = append(names, e.Name)
		}
	}
	sort.Strings(names)
	return names, err
}
