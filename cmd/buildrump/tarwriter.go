package main

// This file writes tar archives without archive/tar. archive/tar imports
// os/user, which uses cgo unless built with the osusergo tag, so with it
// `go run ./cmd/buildrump` builds runtime/cgo with the user's CC, and
// `CC=aarch64-linux-gnu-gcc go run ./cmd/buildrump`, the way a cross
// build is asked for, fails before buildrump starts. tarWriter writes only
// what tarup needs: directories, regular files and symlinks, owned by 0/0,
// in POSIX ustar headers with pax extended headers for what does not fit.

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Tar entry types (POSIX typeflag values).
const (
	tarTypeReg     = '0'
	tarTypeSymlink = '2'
	tarTypeDir     = '5'
	tarTypePAX     = 'x'
)

const tarBlockSize = 512

// errTarWriteTooLong is returned by tarWriter.Write past the size its
// header announced.
var errTarWriteTooLong = errors.New("tar: write past the entry's size")

// tarEntry describes one archive member. Uid and gid are always 0 and
// the owner names empty: archives are the same whoever builds them.
type tarEntry struct {
	name     string // a directory's ends in "/"
	typeflag byte
	mode     int64
	size     int64 // regular files only
	linkname string
	modTime  time.Time // truncated to the second
}

// tarWriter writes a tar archive to w. The same entries and data give
// the same bytes.
type tarWriter struct {
	w      io.Writer
	remain int64 // bytes of the current file still to write
	pad    int64 // zero bytes that end the current file's last block
}

func newTarWriter(w io.Writer) *tarWriter { return &tarWriter{w: w} }

// writeHeader ends the previous entry and starts e. A regular file's
// size bytes follow through Write. It fails if the previous file was
// shorter than its header said.
func (tw *tarWriter) writeHeader(e tarEntry) error {
	if err := tw.endEntry(); err != nil {
		return err
	}
	var records []string
	ustarName, ustarPrefix, ok := splitTarName(e.name)
	if !ok {
		records = append(records, paxRecord("path", e.name))
		ustarName, ustarPrefix = tarASCII(e.name), ""
	}
	linkname := e.linkname
	if !tarFieldFits(linkname, 100) {
		records = append(records, paxRecord("linkpath", linkname))
		linkname = tarASCII(linkname)
	}
	size, mtime := e.size, e.modTime.Unix()
	if !octalFits(size, 12) {
		records = append(records, paxRecord("size", strconv.FormatInt(size, 10)))
		size = 0
	}
	if !octalFits(mtime, 12) {
		records = append(records, paxRecord("mtime", strconv.FormatInt(mtime, 10)))
		mtime = 0
	}
	if len(records) > 0 {
		data := strings.Join(records, "")
		hdr := ustarHeader(paxHeaderName(e.name), "", tarTypePAX, 0o644, int64(len(data)), mtime, "")
		if _, err := tw.w.Write(hdr); err != nil {
			return err
		}
		if _, err := io.WriteString(tw.w, data); err != nil {
			return err
		}
		if _, err := tw.w.Write(make([]byte, blockPad(int64(len(data))))); err != nil {
			return err
		}
	}
	if _, err := tw.w.Write(ustarHeader(ustarName, ustarPrefix, e.typeflag, e.mode, size, mtime, linkname)); err != nil {
		return err
	}
	if e.typeflag == tarTypeReg {
		tw.remain, tw.pad = e.size, blockPad(e.size)
	}
	return nil
}

// Write writes data of the current regular file; more than its header's
// size is errTarWriteTooLong.
func (tw *tarWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > tw.remain {
		n, err := tw.Write(p[:tw.remain])
		if err == nil {
			err = errTarWriteTooLong
		}
		return n, err
	}
	n, err := tw.w.Write(p)
	tw.remain -= int64(n)
	return n, err
}

// close ends the last entry and writes the two zero blocks that end an
// archive. It does not close the underlying writer.
func (tw *tarWriter) close() error {
	if err := tw.endEntry(); err != nil {
		return err
	}
	_, err := tw.w.Write(make([]byte, 2*tarBlockSize))
	return err
}

func (tw *tarWriter) endEntry() error {
	if tw.remain != 0 {
		return fmt.Errorf("tar: entry %d bytes shorter than its header says", tw.remain)
	}
	_, err := tw.w.Write(make([]byte, tw.pad))
	tw.pad = 0
	return err
}

// ustarHeader returns a header block. Strings too long are cut: a pax
// header before it then holds the whole value.
func ustarHeader(name, prefix string, typeflag byte, mode, size, mtime int64, linkname string) []byte {
	b := make([]byte, tarBlockSize)
	copy(b[0:100], name)
	putOctal(b[100:108], mode)
	putOctal(b[108:116], 0) // uid
	putOctal(b[116:124], 0) // gid
	putOctal(b[124:136], size)
	putOctal(b[136:148], mtime)
	b[156] = typeflag
	copy(b[157:257], linkname)
	copy(b[257:265], "ustar\x0000")
	// uname 265:297 and gname 297:329 stay empty.
	putOctal(b[329:337], 0) // devmajor
	putOctal(b[337:345], 0) // devminor
	copy(b[345:500], prefix)

	copy(b[148:156], "        ")
	var sum int64
	for _, c := range b {
		sum += int64(c)
	}
	putOctal(b[148:155], sum) // six digits and a NUL, then the space left above
	return b
}

// putOctal writes v as zero-padded octal digits and a NUL filling field;
// the caller has checked that it fits.
func putOctal(field []byte, v int64) {
	s := strconv.FormatInt(v, 8)
	n := len(field) - 1
	copy(field[n-len(s):n], s)
	for i := range n - len(s) {
		field[i] = '0'
	}
	field[n] = 0
}

// octalFits reports whether v is written in a field of n bytes.
func octalFits(v int64, n int) bool {
	return v >= 0 && len(strconv.FormatInt(v, 8)) <= n-1
}

// tarFieldFits reports whether s goes in a ustar field of n bytes as it
// is; anything but ASCII goes in pax records, which are UTF-8.
func tarFieldFits(s string, n int) bool {
	if len(s) > n {
		return false
	}
	for i := range len(s) {
		if s[i] == 0 || s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// tarASCII returns s without its bytes that are not ASCII, to stand in a
// ustar field for a value a pax record holds: readers take a block with
// other bytes for a broken one.
func tarASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r == 0 || r >= 0x80 {
			return -1
		}
		return r
	}, s)
}

// splitTarName splits name into ustar's name (100 bytes) and prefix (155
// bytes) at a slash, and reports whether it fits them.
func splitTarName(name string) (base, prefix string, ok bool) {
	if !tarFieldFits(name, 100+1+155) {
		return "", "", false
	}
	if len(name) <= 100 {
		return name, "", true
	}
	// The last slash that leaves a prefix of at most 155 bytes; a
	// directory's trailing slash stays in the name.
	end := min(len(name)-1, 155+1)
	i := strings.LastIndexByte(name[:end], '/')
	if i <= 0 || len(name)-i-1 > 100 {
		return "", "", false
	}
	return name[i+1:], name[:i], true
}

// paxRecord returns "LEN key=value\n", LEN counting the whole record with
// its own digits.
func paxRecord(key, value string) string {
	n := len(" " + key + "=" + value + "\n")
	total := n + len(strconv.Itoa(n))
	if len(strconv.Itoa(total)) > len(strconv.Itoa(n)) {
		total++
	}
	return strconv.Itoa(total) + " " + key + "=" + value + "\n"
}

// paxHeaderName names a pax header after the entry it describes, as
// archive/tar does; tars that know no pax extract it under that name.
func paxHeaderName(name string) string {
	dir, base := "", strings.TrimSuffix(name, "/")
	if i := strings.LastIndexByte(base, '/'); i >= 0 {
		dir, base = base[:i+1], base[i+1:]
	}
	s := dir + "PaxHeaders.0/" + base
	if !tarFieldFits(s, 100) {
		s = "PaxHeaders.0/" + base
	}
	if !tarFieldFits(s, 100) {
		s = "PaxHeaders.0/entry"
	}
	return s
}

// blockPad returns how many zero bytes follow n data bytes to end a block.
func blockPad(n int64) int64 { return -n & (tarBlockSize - 1) }
