package ffstool

import (
	"errors"
	"fmt"

	"github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/kern/errno"
)

// need is what a tree takes in a file system.
type need struct {
	frags  int64 // fragments: data, directories, long symlinks, indirect blocks
	inodes int64 // inodes besides the root's
}

// estimate counts what t takes with geometry g, reading every regular
// file to find its blocks of zeroes, which become holes. read is told
// how many bytes were read.
func estimate(t *tree, g geometry, read func(n int64)) (need, error) {
	n := need{inodes: t.inodes}
	dirFrags := func(d *entry) int64 {
		names := make([]string, len(d.children))
		for i, c := range d.children {
			names[i] = c.name
		}
		size := dirSize(names)
		return g.fileFrags(size, g.allBlocks(size))
	}
	n.frags += dirFrags(t.root)
	buf := make([]byte, copyBufSize/g.bsize*g.bsize)
	err := walk(t.root, func(e *entry) error {
		if e.link != nil {
			return nil
		}
		switch e.info.typ() {
		case sIfdir:
			n.frags += dirFrags(e)
		case sIflnk:
			if l := int64(len(e.target)); l >= g.maxShortSymlink() {
				n.frags += g.fileFrags(l, g.allBlocks(l))
			}
		case sIfreg:
			if e.info.size == 0 {
				return nil
			}
			f, err := openSource(t.hostPath(e))
			if err != nil {
				return err
			}
			defer f.Close()
			var lbns []int64
			err = dataRuns(f, e.info.size, g.bsize, buf, func(off int64, p []byte) error {
				for b := off / g.bsize; b*g.bsize < off+int64(len(p)); b++ {
					lbns = append(lbns, b)
				}
				return nil
			})
			if err != nil {
				return err
			}
			n.frags += g.fileFrags(e.info.size, lbns)
			read(e.info.size)
		}
		return nil
	})
	return n, err
}

// layout is what a file system of some size offers, as newfs makes it.
type layout struct {
	cylGroups  int64
	dataFrags  int64 // fragments outside the metadata
	freeFrags  int64 // free fragments in the new file system
	freeInodes int64
}

// probeLayout makes the file system opts describes on a sparse disk in
// memory and reads what it offers.
func probeLayout(opts ffs.NewfsOptions) (layout, error) {
	d := newSparseDisk(opts.Size)
	if err := ffs.Newfs(d, opts); err != nil {
		return layout{}, err
	}
	info, err := ffs.Probe(d)
	if err != nil {
		return layout{}, err
	}
	fsys, err := ffs.New(nil, d, true)
	if err != nil {
		return layout{}, err
	}
	st, err := fsys.Statvfs()
	if err != nil {
		return layout{}, err
	}
	return layout{cylGroups: info.CylGroups, dataFrags: int64(st.Blocks), freeFrags: int64(st.Bfree),
		freeInodes: int64(st.Ffree)}, nil
}

// sizing is what computeSize works from.
type sizing struct {
	need                  need
	geometry              geometry
	base                  ffs.NewfsOptions // everything but Size and (unless set) Density
	minFree               int64            // percent
	freeFrags, freeInodes int64            // wanted free after the copy
	minSize, maxSize      int64
}

// maxSizingRounds bounds the search for a size; each round grows the
// size by what the last one lacked, so few are needed.
const maxSizingRounds = 64

// computeSize finds a size, rounded to whole blocks, and a density at
// which the tree fits with the free space and inodes asked for and the
// minfree reserve kept free. It starts from an estimate and grows it by
// what newfs's layout of the last candidate lacked.
func computeSize(s sizing) (size, density int64, err error) {
	g := s.geometry
	// Slack for fragments that do not pack into whole blocks.
	slackFrags := s.need.frags/100 + 2*g.frag()
	wantFrags := s.need.frags + s.freeFrags + slackFrags
	wantInodes := s.need.inodes + s.freeInodes + 1 // and the root's
	size = wantFrags*g.fsize*100/(100-s.minFree) + (wantInodes+3)*g.inodeSize()
	size = max(size, s.minSize, 16*g.bsize)
	extraInodes := int64(0)
	for range maxSizingRounds {
		size = (size + g.bsize - 1) / g.bsize * g.bsize
		if s.maxSize > 0 && size > s.maxSize {
			return 0, 0, fmt.Errorf("the tree needs more than the maximum size of %d bytes: %w", s.maxSize, errno.ENOSPC)
		}
		density = s.base.Density
		if density == 0 {
			density = max(size/(wantInodes+3+extraInodes), 1)
		}
		opts := s.base
		opts.Size, opts.Density = size, density
		l, err := probeLayout(opts)
		if errors.Is(err, errno.ENOSPC) {
			size *= 2 // too small for newfs's own metadata
			continue
		}
		if err != nil {
			return 0, 0, err
		}
		reserve := (l.dataFrags*s.minFree + 99) / 100
		fragShort := wantFrags + reserve + l.cylGroups*g.frag() - l.freeFrags
		inodeShort := s.need.inodes + s.freeInodes - l.freeInodes
		if fragShort <= 0 && inodeShort <= 0 {
			return size, density, nil
		}
		grow := int64(0)
		if fragShort > 0 {
			grow += fragShort * g.fsize * 100 / (100 - s.minFree)
		}
		if inodeShort > 0 {
			if s.base.Density != 0 {
				grow += inodeShort * s.base.Density
			} else {
				extraInodes += inodeShort
				grow += inodeShort * g.inodeSize()
			}
		}
		size += max(grow, g.bsize)
	}
	return 0, 0, fmt.Errorf("no size found for the tree after %d tries", maxSizingRounds)
}
