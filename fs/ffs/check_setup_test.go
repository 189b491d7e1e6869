package ffs

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/vfs"
)

// Tests of what the setup phase decides: which superblock the check
// runs with, the fs_flags features that keep the driver read-only, and
// the clean flag a repair leaves behind.

// twoGroupImage builds a file system of two cylinder groups through the
// driver, with a few files and a directory, so that it has a backup
// superblock in group 1.
func twoGroupImage(t testing.TB, k *kern.Kernel, opts NewfsOptions) []byte {
	t.Helper()
	opts.BlockSize, opts.FragmentSize, opts.Density = 4096, 512, 16384
	md := buildImage(t, k, 14<<20, opts, func(root vfs.Node) {
		d, err := root.Mkdir("dir", &vfs.NewNode{Mode: 0o755})
		if err != nil {
			t.Fatal(err)
		}
		for i, size := range []int{5, 3000, 70000} {
			for _, p := range []vfs.Node{root, d} {
				f, err := p.Create(fmt.Sprintf("f%d", i), &vfs.NewNode{Type: vfs.VREG, Mode: 0o644})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.Write(bytes.Repeat([]byte{byte('a' + i)}, size), 0); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
	return md.Bytes()
}

var twoGroupPaths = []string{"dir", "f0", "f1", "f2", "dir/f0", "dir/f1", "dir/f2"}

// assertSameTree checks that every path of twoGroupPaths on md reads as
// on the pristine image.
func assertSameTree(t *testing.T, pristine []byte, md *disk.MemDisk) {
	t.Helper()
	p, err := New(nil, disk.NewMemFrom(pristine, 512), true)
	if err != nil {
		t.Fatal(err)
	}
	got, err := New(nil, md, true)
	if err != nil {
		t.Fatalf("mount after the repair: %v", err)
	}
	for _, path := range twoGroupPaths {
		want, _ := describe(p, path)
		if s, err := describe(got, path); err != nil || s != want {
			t.Errorf("%s: %.20q, %v after the repair; want %.20q", path, s, err, want)
		}
	}
}

// TestCheckBackupSuperblock damages the primary superblock in ways that
// make it unusable: the check must run with the copy in group 1, report
// it, and a repair must write the copy over the primary and keep every
// file. AltSuperblock names a copy the way fsck_ffs -b does.
func TestCheckBackupSuperblock(t *testing.T) {
	k := testKernel(t)
	for _, opts := range []NewfsOptions{{}, {Version: 1, BigEndian: true}} {
		img := twoGroupImage(t, k, opts)
		sb, err := readSuperblock(disk.NewMemFrom(img, 512))
		if err != nil {
			t.Fatal(err)
		}
		copy1 := (sb.cgStart(1) + sb.sblkno) << sb.fshift
		cases := []struct {
			name   string
			damage func(b []byte)
			alt    int64
		}{
			{"zeroed", func(b []byte) { clear(b[sb.loc : sb.loc+sb.sbsize]) }, 0},
			{"magic", func(b []byte) { b[sb.loc+superblockMagic] ^= 0xff }, 0},
			{"bsize", func(b []byte) { sb.bo.PutUint32(b[sb.loc+48:], 12345) }, 0},
			{"geometry", func(b []byte) { sb.bo.PutUint32(b[sb.loc+20:], uint32(sb.iblkno)) }, 0}, // fs_dblkno
			{"ncg", func(b []byte) { sb.bo.PutUint32(b[sb.loc+44:], 0x7fffffff) }, 0},
			{"alt", func(b []byte) { sb.bo.PutUint32(b[sb.loc+1008:], 77) }, copy1},
		}
		for _, tc := range cases {
			if testing.Short() && (opts.Version == 1 || tc.name == "magic" || tc.name == "bsize" || tc.name == "ncg") {
				continue // each scan reads the whole 14 MiB image
			}
			t.Run(fmt.Sprintf("ufs%d/%s", 2-opts.Version%2, tc.name), func(t *testing.T) {
				bad := bytes.Clone(img)
				tc.damage(bad)
				r, err := Check(disk.NewMemFrom(bad, 512), CheckOptions{AltSuperblock: tc.alt})
				if err != nil {
					t.Fatal(err)
				}
				if ps := r.InPhase(PhaseSetup); len(ps) == 0 || ps[0].Kind != PrimarySuperblock {
					t.Fatalf("no PrimarySuperblock problem:\n%s", r)
				}
				if r.Clean() || r.Files != 6 || r.Dirs != 2 {
					t.Errorf("check with the copy:\n%s", r)
				}
				md := disk.NewMemFrom(bad, 512)
				r, err = Check(md, CheckOptions{Repair: true, AltSuperblock: tc.alt})
				if err != nil {
					t.Fatal(err)
				}
				assertRepaired(t, k, md, r)
				if got, err := readSuperblock(md); err != nil || got.loc != sb.loc {
					t.Fatalf("primary after the repair: %v", err)
				}
				assertSameTree(t, img, md)
			})
		}
	}
}

// TestCheckFeatures sets the fs_flags features that keep the driver
// read-only: the checker must report each, agreeing with the read-write
// mount, and a repair must do what fsck_ffs -y does: clear unknown
// flags and a journal whose fields are invalid; refuse a valid journal
// (which it cannot replay) and soft dependencies (which fsck_ffs
// leaves), leaving the file system marked not clean.
func TestCheckFeatures(t *testing.T) {
	k := testKernel(t)
	img := treeImage(t, k, NewfsOptions{BlockSize: 4096, FragmentSize: 512})
	sb, err := readSuperblock(disk.NewMemFrom(img, 512))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		flags    uint32
		journal  []byte // fs_journal_version and fs_journal_location
		repaired bool
	}{
		{"unknown", 0x10000, nil, true},
		{"unknown-high", 0x80000000, nil, true},
		{"wapbl-invalid", fsDoWAPBL, nil, true},
		{"wapbl-bad-location", fsDoWAPBL, []byte{wapblVersion, 7}, true},
		{"wapbl", fsDoWAPBL, []byte{wapblVersion, journalLocInFS}, false},
		{"softdep", fsDoSoftDep, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(img)
			sb.bo.PutUint32(b[sb.loc+1312:], sb.bo.Uint32(b[sb.loc+1312:])|tc.flags)
			copy(b[sb.loc+sbOffJournalVersion:], tc.journal)
			md := disk.NewMemFrom(b, 512)
			_, mountErr := New(k, md, false)
			r, err := Check(md, CheckOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if mountErr == nil || r.Clean() {
				t.Fatalf("the mount (%v) and the checker (clean %v) disagree:\n%s", mountErr, r.Clean(), r)
			}
			if ps := r.InPhase(PhaseSetup); len(ps) != 1 || ps[0].Kind != UnsupportedFeature {
				t.Errorf("want one UnsupportedFeature problem:\n%s", r)
			}
			r, err = Check(md, CheckOptions{Repair: true})
			if err != nil {
				t.Fatal(err)
			}
			if !tc.repaired {
				info, err := Probe(md)
				if err != nil || r.Repaired || info.Clean {
					t.Fatalf("repair of what it cannot write to: %v, clean %v:\n%s", err, info.Clean, r)
				}
				if _, err := New(k, md, false); err == nil {
					t.Fatal("read-write mount after a refused repair")
				}
				return
			}
			assertRepaired(t, k, md, r)
		})
	}
}

// TestCheckRepairFailureMarksNotClean gives the repair something it
// cannot fix on an image marked clean: the image must end marked not
// clean, so that the driver refuses a read-write mount.
func TestCheckRepairFailureMarksNotClean(t *testing.T) {
	k := testKernel(t)
	img := treeImage(t, k, NewfsOptions{Version: 1, BlockSize: 4096, FragmentSize: 1024})
	sb, err := readSuperblock(disk.NewMemFrom(img, 512))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		damage func(b []byte)
	}{
		{"geometry", func(b []byte) { // fs_dblkno, in the primary and in the only copy
			for _, at := range []int64{sb.loc, (sb.cgStart(0) + sb.sblkno) << sb.fshift} {
				sb.bo.PutUint32(b[at+20:], uint32(sb.iblkno))
			}
		}},
		{"softdep", func(b []byte) { b[sb.loc+1312] |= fsDoSoftDep }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(img)
			tc.damage(b)
			md := disk.NewMemFrom(b, 512)
			r, err := Check(md, CheckOptions{Repair: true})
			if err != nil {
				t.Fatal(err)
			}
			if r.Repaired {
				t.Fatalf("repaired:\n%s", r)
			}
			if info, err := Probe(md); err != nil || info.Clean {
				t.Fatalf("after a repair that failed: %v, marked clean %v", err, info.Clean)
			}
			if _, err := New(k, md, false); err == nil {
				t.Fatal("read-write mount after a repair that failed")
			}
		})
	}
}

// TestCheckInitedIblk sets a UFS2 group's cg_initediblk out of range or
// to 0: the repair must rewrite the field and keep every file, as a
// read-only mount of the damaged image reads them all.
func TestCheckInitedIblk(t *testing.T) {
	k := testKernel(t)
	img := treeImage(t, k, NewfsOptions{BlockSize: 4096, FragmentSize: 512})
	sb, err := readSuperblock(disk.NewMemFrom(img, 512))
	if err != nil {
		t.Fatal(err)
	}
	pristine, err := New(nil, disk.NewMemFrom(img, 512), true)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := treePaths(pristine)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int64{-0x80000000, 0, -1, 1} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			b := bytes.Clone(img)
			sb.bo.PutUint32(b[sb.cgAddr(0)+cgOffInitedIblk:], uint32(v))
			md := disk.NewMemFrom(b, 512)
			r, err := Check(md, CheckOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Clean() || slices.ContainsFunc(r.Problems, func(p Problem) bool { return p.Kind != BadCGHeader }) {
				t.Errorf("check: want only the group's header:\n%s", r)
			}
			r, err = Check(md, CheckOptions{Repair: true})
			if err != nil {
				t.Fatal(err)
			}
			assertRepaired(t, k, md, r)
			got, err := New(nil, md, true)
			if err != nil {
				t.Fatal(err)
			}
			for ino, path := range paths {
				want, werr := describe(pristine, path)
				if s, err := describe(got, path); (err == nil) != (werr == nil) || s != want {
					t.Errorf("%s (inode %d): %.20q, %v after the repair; want %.20q", path, ino, s, err, want)
				}
			}
		})
	}
}

// treePaths walks a file system from the root and returns a path for
// every inode it reaches (the first found), "." and ".." left out.
func treePaths(f vfs.FileSystem) (map[int64]string, error) {
	paths := map[int64]string{int64(f.Root()): ""}
	var walk func(dir vfs.Node, prefix string) error
	walk = func(dir vfs.Node, prefix string) error {
		var ents []vfs.Dirent
		if err := dir.ReadDir(0, func(d vfs.Dirent) bool {
			ents = append(ents, d)
			return true
		}); err != nil {
			return err
		}
		for _, e := range ents {
			if e.Name == "." || e.Name == ".." || e.Ino == whiteoutIno {
				continue
			}
			if _, seen := paths[int64(e.Ino)]; seen {
				continue
			}
			p := prefix + e.Name
			paths[int64(e.Ino)] = p
			n, err := f.Vget(e.Ino)
			if err != nil {
				return err
			}
			if a, err := n.Attr(); err == nil && a.Type == vfs.VDIR {
				if err := walk(n, p+"/"); err != nil {
					return err
				}
			}
		}
		return nil
	}
	root, err := f.Vget(f.Root())
	if err != nil {
		return nil, err
	}
	return paths, walk(root, "")
}

// TestCheckPrimaryDisagrees shifts the primary's inode table by one
// fragment, which its geometry still allows: the copy, which fits the
// disk, must win, as fsck_ffs drops a primary that disagrees with its
// alternate, and every file must be kept.
func TestCheckPrimaryDisagrees(t *testing.T) {
	k := testKernel(t)
	img := treeImage(t, k, NewfsOptions{Version: 1, BigEndian: true, BlockSize: 4096, FragmentSize: 1024})
	sb, err := readSuperblock(disk.NewMemFrom(img, 512))
	if err != nil {
		t.Fatal(err)
	}
	b := bytes.Clone(img)
	sb.bo.PutUint32(b[sb.loc+16:], uint32(sb.iblkno-1)) // fs_iblkno
	md := disk.NewMemFrom(b, 512)
	r, err := Check(md, CheckOptions{Repair: true})
	if err != nil {
		t.Fatal(err)
	}
	if ps := r.InPhase(PhaseSetup); len(ps) == 0 || ps[0].Kind != PrimarySuperblock {
		t.Errorf("no PrimarySuperblock problem:\n%s", r)
	}
	assertRepaired(t, k, md, r)
	assertSameFiles(t, img, md)
}

// TestCheckMaxSymlinkLen zeroes fs_maxsymlinklen: the check must take
// the standard limit, as fsck_ffs does, rather than read short symlinks'
// targets as block pointers, and the repair must keep them.
func TestCheckMaxSymlinkLen(t *testing.T) {
	k := testKernel(t)
	for _, opts := range []NewfsOptions{{}, {Version: 1, BigEndian: true}} {
		opts.BlockSize, opts.FragmentSize = 4096, 512
		img := treeImage(t, k, opts)
		sb, err := readSuperblock(disk.NewMemFrom(img, 512))
		if err != nil {
			t.Fatal(err)
		}
		b := bytes.Clone(img)
		sb.bo.PutUint32(b[sb.loc+1320:], 0)
		md := disk.NewMemFrom(b, 512)
		r, err := Check(md, CheckOptions{Repair: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Problems) != 1 || r.Problems[0].Kind != BadSuperblock {
			t.Errorf("want one BadSuperblock problem:\n%s", r)
		}
		assertRepaired(t, k, md, r)
		assertSameFiles(t, img, md)
	}
}

// assertSameFiles checks that every inode reachable on the pristine
// image is reachable on md at the same path with the same contents.
func assertSameFiles(t *testing.T, pristine []byte, md *disk.MemDisk) {
	t.Helper()
	p, err := New(nil, disk.NewMemFrom(pristine, 512), true)
	if err != nil {
		t.Fatal(err)
	}
	got, err := New(nil, md, true)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := treePaths(p)
	if err != nil {
		t.Fatal(err)
	}
	for ino, path := range paths {
		want, werr := describe(p, path)
		if s, err := describe(got, path); (err == nil) != (werr == nil) || s != want {
			t.Errorf("%s (inode %d): %.20q, %v after the repair; want %.20q", path, ino, s, err, want)
		}
	}
}

// TestCheckCsaddr moves the primary's summary area address into a data
// block: the check must take the copy's, rather than let the summary
// array overwrite a directory, and the repair must keep every file at
// its path.
func TestCheckCsaddr(t *testing.T) {
	k := testKernel(t)
	for _, opts := range []NewfsOptions{{}, {Version: 1, BigEndian: true}} {
		opts.BlockSize, opts.FragmentSize = 4096, 1024
		img := treeImage(t, k, opts)
		sb, err := readSuperblock(disk.NewMemFrom(img, 512))
		if err != nil {
			t.Fatal(err)
		}
		b := bytes.Clone(img)
		if sb.ufs2 {
			sb.bo.PutUint64(b[sb.loc+1096:], uint64(sb.csaddr+1))
		} else {
			sb.bo.PutUint32(b[sb.loc+152:], uint32(sb.csaddr+1))
		}
		md := disk.NewMemFrom(b, 512)
		r, err := Check(md, CheckOptions{Repair: true})
		if err != nil {
			t.Fatal(err)
		}
		assertRepaired(t, k, md, r)
		assertSameFiles(t, img, md)
	}
}
