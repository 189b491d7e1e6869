package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/gorump/gorump/fs/ffs/ffstool"
)

var newfsCommand = command{
	usage: "[-q] [--json] [-F] [-O 1|2] [-B le|be] [-b bsize] [-f fsize] [-i density] [-m minfree] [-L volname] [-s size] image",
	flags: func(fs *flag.FlagSet) func(*env, []string) error {
		version := fs.Int("O", 2, "FFS version: 1 (UFS1) or 2 (UFS2)")
		order := fs.String("B", "le", "byte order: le or be")
		bsize := fs.Int64("b", 0, "block size in bytes (default: by the size, as newfs)")
		fsize := fs.Int64("f", 0, "fragment size in bytes (default: an eighth of the block size)")
		density := fs.Int64("i", 0, "bytes of data per inode (default: four fragments)")
		minfree := fs.Int64("m", 0, "percentage kept free for root (default 5)")
		label := fs.String("L", "", "volume name (UFS2)")
		force := fs.Bool("F", false, "write over a file that holds data but no FFS (also --force)")
		fs.BoolVar(force, "force", false, "the same as -F")
		size := fs.String("s", "", "size in 512-byte sectors, or bytes with k, m, g or t; a missing image is created this big")
		return func(e *env, args []string) error {
			if len(args) != 1 {
				return usagef("want one image, got %s", gotOperands(args))
			}
			o := ffstool.NewfsOptions{Force: *force}
			o.Version, o.BlockSize, o.FragmentSize, o.Density, o.MinFree, o.VolumeName = *version, *bsize, *fsize,
				*density, *minfree, *label
			var err error
			if o.BigEndian, err = parseByteOrder(*order); err != nil {
				return err
			}
			if *size != "" {
				if o.Size, err = parseSectors(*size); err != nil {
					return err
				}
			}
			info, err := ffstool.Newfs(args[0], o)
			if errors.Is(err, ffstool.ErrHoldsData) {
				return fmt.Errorf("%w (-F writes over it)", err)
			}
			if err != nil {
				return err
			}
			if e.json {
				e.printJSON(infoJSON(args[0], info))
				return nil
			}
			e.say("%s: UFS%d %s, %s (%d sectors), block size %d, fragment size %d",
				args[0], version1or2(info.UFS2), byteOrderName(info.BigEndian), sizeString(info.Size), info.Size/512,
				info.BlockSize, info.FragmentSize)
			e.say("\tusing %d cylinder groups, %d inodes", info.CylGroups, info.Inodes)
			if sectors := copySectors(info); len(sectors) > 0 {
				e.say("superblock copies (for ffs fsck -b #) at sectors:\n%s", wrapNumbers(sectors, 72))
			}
			return nil
		}
	},
}

func version1or2(ufs2 bool) int {
	if ufs2 {
		return 2
	}
	return 1
}

// imageJSON describes an image in --json output.
type imageJSON struct {
	Image          string `json:"image"`
	Size           int64  `json:"size"`
	Version        int    `json:"version"`
	ByteOrder      string `json:"byteOrder"`
	BlockSize      int64  `json:"blockSize"`
	FragmentSize   int64  `json:"fragmentSize"`
	CylinderGroups int64  `json:"cylinderGroups"`
	Inodes         int64  `json:"inodes"`
	Superblock     int64  `json:"superblock"`
	VolumeName     string `json:"volumeName"`
	// SuperblockCopies are sectors, as fsck -b takes them.
	SuperblockCopies []int64 `json:"superblockCopies"`
}

// copySectors returns where the superblock's copies are, in the 512-byte
// sectors that fsck -b counts.
func copySectors(info ffstool.Info) []int64 {
	sectors := make([]int64, len(info.SuperblockCopies))
	for i, off := range info.SuperblockCopies {
		sectors[i] = off / 512
	}
	return sectors
}

// wrapNumbers lists ns separated by commas, in indented lines of at most
// width characters.
func wrapNumbers(ns []int64, width int) string {
	var b strings.Builder
	line := 0
	for i, n := range ns {
		s := strconv.FormatInt(n, 10)
		if i < len(ns)-1 {
			s += ","
		}
		if line > 0 && line+1+len(s) > width {
			b.WriteString("\n")
			line = 0
		}
		if line == 0 {
			b.WriteString("\t")
			line = 8
		} else {
			b.WriteString(" ")
			line++
		}
		b.WriteString(s)
		line += len(s)
	}
	return b.String()
}

func infoJSON(image string, info ffstool.Info) imageJSON {
	return imageJSON{Image: image, Size: info.Size, Version: version1or2(info.UFS2), ByteOrder: byteOrder(info.BigEndian),
		BlockSize: info.BlockSize, FragmentSize: info.FragmentSize, CylinderGroups: info.CylGroups, Inodes: info.Inodes,
		Superblock: info.Superblock, VolumeName: info.VolumeName, SuperblockCopies: copySectors(info)}
}
