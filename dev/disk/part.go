package disk

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"unicode/utf16"

	"github.com/gorump/gorump/kern/errno"
)

// Partition is one partition found on a disk. Start and Size are bytes.
type Partition struct {
	// Index numbers partitions from 1 in the order of their table (MBR:
	// primaries 1-4, logical from 5; GPT: entry order; disklabel: a=1).
	Index int
	// Scheme is "mbr", "gpt" or "disklabel".
	Scheme string
	Start  int64
	Size   int64
	// Type is the MBR type byte as "0xa9", the GPT type GUID, or the
	// disklabel fstype as NetBSD names it ("4.2BSD", "Linux Ext2"...).
	Type string
	// Name is the GPT partition name or the disklabel letter.
	Name string
}

// MBR partition types that matter here.
const (
	mbrNetBSD     = 0xa9
	mbrProtective = 0xee
)

// Partitions reads the partition table of d: GPT (preferred when a
// protective MBR points to one), MBR with logical partitions, or a NetBSD
// disklabel (on the whole disk, or inside a NetBSD MBR partition, where
// its partitions are listed instead of the MBR's). A disk without any
// table gives no partitions and no error; a corrupt table gives EFTYPE.
func Partitions(d Disk) ([]Partition, error) {
	ss := int64(d.SectorSize())
	sec0, err := readSectors(d, 0, 1)
	if err != nil {
		return nil, err
	}
	if d.Size() >= 2*ss {
		if parts, ok, err := readGPT(d); ok || err != nil {
			return parts, err
		}
	}
	if sec0[510] == 0x55 && sec0[511] == 0xaa {
		parts, err := readMBR(d, sec0)
		if err != nil || len(parts) > 0 {
			for _, p := range parts {
				if p.Type == fmt.Sprintf("0x%02x", mbrNetBSD) {
					if dl, ok, err := readDisklabel(d, p.Start); ok || err != nil {
						return dl, err
					}
				}
			}
			return parts, err
		}
	}
	if parts, ok, err := readDisklabel(d, 0); ok || err != nil {
		return parts, err
	}
	return nil, nil
}

// Open returns partition index of d as a disk of its own.
func OpenPartition(d Disk, index int) (Disk, Partition, error) {
	parts, err := Partitions(d)
	if err != nil {
		return nil, Partition{}, err
	}
	for _, p := range parts {
		if p.Index == index {
			s, err := Slice(d, p.Start, p.Size)
			return s, p, err
		}
	}
	return nil, Partition{}, fmt.Errorf("no partition %d: %w", index, errno.ENXIO)
}

func readSectors(d Disk, lba, n int64) ([]byte, error) {
	ss := int64(d.SectorSize())
	if lba < 0 || n <= 0 || (lba+n)*ss > d.Size() {
		return nil, errno.EFTYPE
	}
	buf := make([]byte, n*ss)
	if _, err := d.ReadAt(buf, lba*ss); err != nil {
		return nil, err
	}
	return buf, nil
}

func readMBR(d Disk, sec0 []byte) ([]Partition, error) {
	ss := int64(d.SectorSize())
	var parts []Partition
	for i := range 4 {
		e := sec0[446+16*i : 446+16*(i+1)]
		typ := e[4]
		start := int64(binary.LittleEndian.Uint32(e[8:]))
		size := int64(binary.LittleEndian.Uint32(e[12:]))
		if typ == 0 || size == 0 {
			continue
		}
		if (start+size)*ss > d.Size() {
			return nil, fmt.Errorf("mbr partition %d beyond the disk: %w", i+1, errno.EFTYPE)
		}
		switch typ {
		case 0x05, 0x0f, 0x85: // extended: a chain of EBRs
			logical, err := readEBRs(d, start, size)
			if err != nil {
				return nil, err
			}
			parts = append(parts, logical...)
			continue
		}
		parts = append(parts, Partition{Index: i + 1, Scheme: "mbr", Start: start * ss, Size: size * ss, Type: fmt.Sprintf("0x%02x", typ)})
	}
	return parts, nil
}

// readEBRs follows the extended boot records of an extended partition;
// each EBR's link is relative to the extended partition's start.
func readEBRs(d Disk, extStart, extSize int64) ([]Partition, error) {
	ss := int64(d.SectorSize())
	var parts []Partition
	next := int64(0)
	for n := 0; n < 128; n++ {
		ebr, err := readSectors(d, extStart+next, 1)
		if err != nil || ebr[510] != 0x55 || ebr[511] != 0xaa {
			return nil, fmt.Errorf("bad extended boot record: %w", errno.EFTYPE)
		}
		e1, e2 := ebr[446:462], ebr[462:478]
		if size := int64(binary.LittleEndian.Uint32(e1[12:])); e1[4] != 0 && size != 0 {
			start := extStart + next + int64(binary.LittleEndian.Uint32(e1[8:]))
			if start+size > extStart+extSize {
				return nil, fmt.Errorf("logical partition beyond its extended partition: %w", errno.EFTYPE)
			}
			parts = append(parts, Partition{Index: 5 + len(parts), Scheme: "mbr", Start: start * ss, Size: size * ss, Type: fmt.Sprintf("0x%02x", e1[4])})
		}
		link := int64(binary.LittleEndian.Uint32(e2[8:]))
		if e2[4] == 0 || link == 0 {
			return parts, nil
		}
		if link <= next || link >= extSize {
			return nil, fmt.Errorf("extended boot records loop: %w", errno.EFTYPE)
		}
		next = link
	}
	return nil, fmt.Errorf("too many logical partitions: %w", errno.EFTYPE)
}

// readGPT reads a GPT whose header is at LBA 1; ok is false when there is
// none. Both CRCs must match.
func readGPT(d Disk) (parts []Partition, ok bool, err error) {
	ss := int64(d.SectorSize())
	hdr, err := readSectors(d, 1, 1)
	if err != nil || !bytes.Equal(hdr[:8], []byte("EFI PART")) {
		return nil, false, nil
	}
	bad := func(why string) ([]Partition, bool, error) {
		return nil, true, fmt.Errorf("gpt: %s: %w", why, errno.EFTYPE)
	}
	hsize := binary.LittleEndian.Uint32(hdr[12:])
	if hsize < 92 || int64(hsize) > ss {
		return bad("header size")
	}
	h := append([]byte(nil), hdr[:hsize]...)
	want := binary.LittleEndian.Uint32(h[16:])
	clear(h[16:20])
	if crc32.ChecksumIEEE(h) != want {
		return bad("header checksum")
	}
	entLBA := int64(binary.LittleEndian.Uint64(hdr[72:]))
	count := int64(binary.LittleEndian.Uint32(hdr[80:]))
	esize := int64(binary.LittleEndian.Uint32(hdr[84:]))
	if esize < 128 || esize%8 != 0 || count > 1024 || count*esize > 1<<20 {
		return bad("entry geometry")
	}
	nsec := (count*esize + ss - 1) / ss
	ents, err := readSectors(d, entLBA, nsec)
	if err != nil {
		return bad("entries beyond the disk")
	}
	if crc32.ChecksumIEEE(ents[:count*esize]) != binary.LittleEndian.Uint32(hdr[88:]) {
		return bad("entries checksum")
	}
	for i := range count {
		e := ents[i*esize : (i+1)*esize]
		if bytes.Equal(e[:16], make([]byte, 16)) {
			continue
		}
		first := int64(binary.LittleEndian.Uint64(e[32:]))
		last := int64(binary.LittleEndian.Uint64(e[40:]))
		if last < first || (last+1)*ss > d.Size() {
			return bad(fmt.Sprintf("entry %d outside the disk", i+1))
		}
		parts = append(parts, Partition{Index: int(i) + 1, Scheme: "gpt", Start: first * ss, Size: (last - first + 1) * ss,
			Type: guidString(e[:16]), Name: utf16Name(e[56:128])})
	}
	return parts, true, nil
}

// guidString formats a GPT GUID, whose first three fields are stored
// little-endian.
func guidString(b []byte) string {
	return fmt.Sprintf("%08X-%04X-%04X-%X-%X", binary.LittleEndian.Uint32(b[0:]),
		binary.LittleEndian.Uint16(b[4:]), binary.LittleEndian.Uint16(b[6:]), b[8:10], b[10:16])
}

func utf16Name(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// NetBSD disklabel facts (sys/disklabel.h): the label sits in sector 1 of
// its partition (LABELSECTOR 1, LABELOFFSET 0 on x86), in the byte order
// of the machine that wrote it.
const (
	diskMagic      = 0x82564557
	labelPartsOff  = 148
	labelPartSize  = 16
	labelMaxParts  = 22 // as many as fit in a 512-byte sector
	labelNPartsOff = 138
)

var fsTypeNames = map[byte]string{0: "unused", 1: "swap", 7: "4.2BSD", 8: "MSDOS", 12: "ISO9660", 17: "Linux Ext2", 18: "Apple UFS", 27: "ccd"}

func readDisklabel(d Disk, partStart int64) ([]Partition, bool, error) {
	ss := int64(d.SectorSize())
	sec, err := readSectors(d, partStart/ss+1, 1)
	if err != nil {
		return nil, false, nil
	}
	var bo binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint32(sec) == diskMagic:
		bo = binary.LittleEndian
	case binary.BigEndian.Uint32(sec) == diskMagic:
		bo = binary.BigEndian
	default:
		return nil, false, nil
	}
	bad := func(why string) ([]Partition, bool, error) {
		return nil, true, fmt.Errorf("disklabel: %s: %w", why, errno.EFTYPE)
	}
	if bo.Uint32(sec[132:]) != diskMagic {
		return bad("second magic")
	}
	n := int(bo.Uint16(sec[labelNPartsOff:]))
	if n > labelMaxParts {
		return bad("partition count")
	}
	end := labelPartsOff + n*labelPartSize
	var sum uint16
	for i := 0; i < end; i += 2 {
		sum ^= bo.Uint16(sec[i:])
	}
	if sum != 0 {
		return bad("checksum")
	}
	secsize := int64(bo.Uint32(sec[40:]))
	if secsize == 0 {
		secsize = ss
	}
	var parts []Partition
	for i := range n {
		p := sec[labelPartsOff+i*labelPartSize:]
		size := int64(bo.Uint32(p[0:])) * secsize
		off := int64(bo.Uint32(p[4:])) * secsize
		fstype := p[12]
		if size == 0 || fstype == 0 {
			continue
		}
		if off+size > d.Size() {
			return bad(fmt.Sprintf("partition %c beyond the disk", 'a'+i))
		}
		name, ok := fsTypeNames[fstype]
		if !ok {
			name = fmt.Sprintf("fstype %d", fstype)
		}
		parts = append(parts, Partition{Index: i + 1, Scheme: "disklabel", Start: off, Size: size, Type: name, Name: string(rune('a' + i))})
	}
	return parts, true, nil
}
