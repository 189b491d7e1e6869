package disk

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorump/gorump/internal/peer"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser/memhost"
	"github.com/gorump/gorump/rumpuser/posix"
)

func TestHostDiskBothHosts(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "d.img")
	if err := os.WriteFile(img, make([]byte, 1<<20+100), 0o644); err != nil {
		t.Fatal(err)
	}
	mh := memhost.New(memhost.Options{})
	mh.AddFile("d.img", make([]byte, 1<<20+100))
	for name, open := range map[string]func(Options) (Disk, error){
		"posix":   func(o Options) (Disk, error) { return Open(posix.New(), img, o) },
		"memhost": func(o Options) (Disk, error) { return Open(mh, "d.img", o) },
	} {
		for _, ss := range []int{512, 4096} {
			d, err := open(Options{SectorSize: ss})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if d.Size() != 1<<20 || d.SectorSize() != ss {
				t.Errorf("%s/%d: size %d sector %d", name, ss, d.Size(), d.SectorSize())
			}
			buf := bytes.Repeat([]byte{0xab}, ss)
			if _, err := d.WriteAt(buf, int64(ss)); err != nil {
				t.Fatalf("%s: write: %v", name, err)
			}
			got := make([]byte, ss)
			if _, err := d.ReadAt(got, int64(ss)); err != nil || !bytes.Equal(got, buf) {
				t.Errorf("%s: read back %v", name, err)
			}
			for _, c := range []struct{ n, off int64 }{{int64(ss) / 2, 0}, {int64(ss), 1}, {int64(ss), d.Size()}, {int64(ss), -int64(ss)}} {
				if _, err := d.ReadAt(make([]byte, c.n), c.off); !errors.Is(err, errno.EINVAL) {
					t.Errorf("%s: read %d at %d: %v, want EINVAL", name, c.n, c.off, err)
				}
			}
			if err := d.Sync(); err != nil {
				t.Error(err)
			}
			ro, err := open(Options{SectorSize: ss, ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ro.WriteAt(buf, 0); !errors.Is(err, errno.EROFS) {
				t.Errorf("%s: write to read-only disk: %v", name, err)
			}
		}
	}
	if _, err := Open(posix.New(), filepath.Join(dir, "missing"), Options{}); !errors.Is(err, errno.ENOENT) {
		t.Errorf("missing image: %v", err)
	}
	if _, err := Open(posix.New(), img, Options{SectorSize: 1024}); !errors.Is(err, errno.EINVAL) {
		t.Errorf("sector size 1024: %v", err)
	}
}

func TestMemDiskCrash(t *testing.T) {
	d := NewMem(8192, 512)
	w := func(b byte, off int64) {
		if _, err := d.WriteAt(bytes.Repeat([]byte{b}, 512), off); err != nil {
			t.Fatal(err)
		}
	}
	w(1, 0)
	d.Sync()
	w(2, 512)
	w(3, 1024)
	if d.Pending() != 2 {
		t.Fatalf("pending %d", d.Pending())
	}
	none, one, all := d.Crash(0), d.Crash(1), d.Crash(-1)
	if none[0] != 1 || none[512] != 0 || none[1024] != 0 {
		t.Error("crash(0) kept unsynced writes")
	}
	if one[512] != 2 || one[1024] != 0 {
		t.Error("crash(1) wrong")
	}
	if all[512] != 2 || all[1024] != 3 {
		t.Error("crash(-1) wrong")
	}
	d.FailWhen(func(op Op, n int) bool { return op == OpWrite })
	if _, err := d.WriteAt(make([]byte, 512), 0); !errors.Is(err, errno.EIO) {
		t.Errorf("injected failure: %v", err)
	}
	d.FailWhen(nil)
	s, err := Slice(d, 1024, 2048)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 512)
	s.ReadAt(got, 0)
	if got[0] != 3 {
		t.Error("slice does not start at its offset")
	}
	if _, err := s.ReadAt(got, 2048); !errors.Is(err, errno.EINVAL) {
		t.Error("slice read past its end")
	}
	if _, err := Slice(d, 0, 9000); !errors.Is(err, errno.EINVAL) {
		t.Error("slice past the disk")
	}
}

// sfdiskImage makes an image of size bytes partitioned by sfdisk with
// script.
func sfdiskImage(t *testing.T, size int64, script string) *MemDisk {
	sfdisk := peer.Require(t, "sfdisk", "fdisk")
	img := filepath.Join(t.TempDir(), "p.img")
	if err := os.WriteFile(img, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := peerCommand(sfdisk, "--no-reread", "--no-tell-kernel", "-q", img)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sfdisk: %v\n%s", err, out)
	}
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	return NewMemFrom(b, 512)
}

func TestPartitionsMBRFromSfdisk(t *testing.T) {
	d := sfdiskImage(t, 64<<20, "label: dos\nstart=2048, size=20480, type=83\nstart=22528, size=20480, type=a9\nstart=43008, type=5\nstart=45056, size=4096, type=c\nstart=51200, size=4096, type=83\n")
	parts, err := Partitions(d)
	if err != nil {
		t.Fatal(err)
	}
	want := []Partition{
		{Index: 1, Scheme: "mbr", Start: 2048 * 512, Size: 20480 * 512, Type: "0x83"},
		{Index: 2, Scheme: "mbr", Start: 22528 * 512, Size: 20480 * 512, Type: "0xa9"},
		{Index: 5, Scheme: "mbr", Start: 45056 * 512, Size: 4096 * 512, Type: "0x0c"},
		{Index: 6, Scheme: "mbr", Start: 51200 * 512, Size: 4096 * 512, Type: "0x83"},
	}
	if len(parts) != len(want) {
		t.Fatalf("got %+v", parts)
	}
	for i := range want {
		if parts[i] != want[i] {
			t.Errorf("partition %d: got %+v, want %+v", i, parts[i], want[i])
		}
	}
	p, info, err := OpenPartition(d, 2)
	if err != nil || p.Size() != 20480*512 || info.Type != "0xa9" {
		t.Errorf("open partition 2: %v %+v", err, info)
	}
	if _, _, err := OpenPartition(d, 3); !errors.Is(err, errno.ENXIO) {
		t.Errorf("open missing partition: %v", err)
	}
}

func TestPartitionsGPTFromSfdisk(t *testing.T) {
	d := sfdiskImage(t, 64<<20, "label: gpt\nstart=2048, size=40960, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=\"linux data\"\nstart=43008, size=20480, type=49F48D5A-B10E-11DC-B99B-0019D1879648, name=ffs\n")
	parts, err := Partitions(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 {
		t.Fatalf("got %+v", parts)
	}
	if parts[0].Start != 2048*512 || parts[0].Size != 40960*512 || parts[0].Name != "linux data" ||
		parts[0].Type != "0FC63DAF-8483-4772-8E79-3D69D8477DE4" {
		t.Errorf("partition 1: %+v", parts[0])
	}
	if parts[1].Index != 2 || parts[1].Type != "49F48D5A-B10E-11DC-B99B-0019D1879648" || parts[1].Name != "ffs" {
		t.Errorf("partition 2: %+v", parts[1])
	}
	// A flipped byte in the entries must be caught by the CRC.
	img := d.Bytes()
	img[1024+40] ^= 1
	if _, err := Partitions(NewMemFrom(img, 512)); !errors.Is(err, errno.EFTYPE) {
		t.Errorf("corrupt GPT entries: %v, want EFTYPE", err)
	}
}

// disklabel builds a NetBSD disklabel sector in byte order bo.
func disklabel(bo binary.ByteOrder, parts [][3]uint32) []byte {
	sec := make([]byte, 512)
	bo.PutUint32(sec[0:], diskMagic)
	bo.PutUint32(sec[40:], 512)
	bo.PutUint32(sec[132:], diskMagic)
	bo.PutUint16(sec[labelNPartsOff:], uint16(len(parts)))
	for i, p := range parts {
		e := sec[labelPartsOff+i*labelPartSize:]
		bo.PutUint32(e[0:], p[0])
		bo.PutUint32(e[4:], p[1])
		e[12] = byte(p[2])
	}
	var sum uint16
	for i := 0; i < labelPartsOff+len(parts)*labelPartSize; i += 2 {
		sum ^= bo.Uint16(sec[i:])
	}
	bo.PutUint16(sec[136:], sum)
	return sec
}

func TestDisklabelBothByteOrders(t *testing.T) {
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		img := make([]byte, 8<<20)
		copy(img[512:], disklabel(bo, [][3]uint32{{8192, 64, 7}, {16384, 0, 0}, {4096, 8256, 17}}))
		parts, err := Partitions(NewMemFrom(img, 512))
		if err != nil {
			t.Fatalf("%v: %v", bo, err)
		}
		if len(parts) != 2 || parts[0].Name != "a" || parts[0].Type != "4.2BSD" || parts[0].Start != 64*512 ||
			parts[1].Name != "c" || parts[1].Type != "Linux Ext2" {
			t.Errorf("%v: %+v", bo, parts)
		}
		img[512+150] ^= 0x40 // breaks the checksum
		if _, err := Partitions(NewMemFrom(img, 512)); !errors.Is(err, errno.EFTYPE) {
			t.Errorf("%v: bad checksum: %v", bo, err)
		}
	}
}

func TestNoTable(t *testing.T) {
	parts, err := Partitions(NewMem(1<<20, 512))
	if err != nil || len(parts) != 0 {
		t.Errorf("blank disk: %v %v", parts, err)
	}
}

func FuzzPartitions(f *testing.F) {
	mbr := make([]byte, 4096)
	mbr[510], mbr[511] = 0x55, 0xaa
	mbr[446+4] = 0x05
	binary.LittleEndian.PutUint32(mbr[446+8:], 1)
	binary.LittleEndian.PutUint32(mbr[446+12:], 6)
	f.Add(mbr)
	dl := make([]byte, 4096)
	copy(dl[512:], disklabel(binary.BigEndian, [][3]uint32{{4, 1, 7}}))
	f.Add(dl)
	gpt := make([]byte, 4096)
	copy(gpt[512:], "EFI PART")
	f.Add(gpt)
	f.Fuzz(func(t *testing.T, img []byte) {
		if len(img) < 1024 {
			return
		}
		d := NewMemFrom(img, 512)
		parts, err := Partitions(d)
		if err != nil {
			return
		}
		for _, p := range parts {
			if p.Start < 0 || p.Size <= 0 || p.Start+p.Size > d.Size() {
				t.Fatalf("partition outside the disk: %+v", p)
			}
		}
	})
}
