package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gorump/gorump/fs/ffs/ffstool"
)

var makefsCommand = command{
	usage: "[-q] [--json] [-B le|be] [-b free-blocks[%]] [-f free-files[%]] [-M minsize] [-m maxsize] [-o option,...] [-s size] [-T timestamp] [-t ffs] image directory",
	flags: func(fs *flag.FlagSet) func(*env, []string) error {
		order := fs.String("B", "le", "byte order: le or be")
		freeBlocks := fs.String("b", "0", "free blocks to leave, or a percentage of the tree's with %")
		freeFiles := fs.String("f", "0", "free inodes to leave, or a percentage of the tree's with %")
		minSize := fs.String("M", "", "minimum image size")
		maxSize := fs.String("m", "", "maximum image size")
		options := fs.String("o", "", "FFS options: version=1|2,bsize=N,fsize=N,density=N,minfree=N,label=name")
		size := fs.String("s", "", "image size (default: computed from the tree)")
		stamp := fs.String("T", "", "timestamp (seconds since 1970): the image's time, and the latest file time")
		fstype := fs.String("t", "ffs", "file-system type: only ffs")
		return func(e *env, args []string) error {
			if len(args) != 2 {
				return usagef("want an image and a directory, got %s", gotOperands(args))
			}
			if *fstype != "ffs" {
				return usagef("file-system type %q: only ffs is made here", *fstype)
			}
			var o ffstool.MakefsOptions
			var err error
			if o.BigEndian, err = parseByteOrder(*order); err != nil {
				return err
			}
			if o.FreeBlocks, o.FreeBlocksPercent, err = parseAmount("free blocks", *freeBlocks); err != nil {
				return err
			}
			if o.FreeFiles, o.FreeFilesPercent, err = parseAmount("free files", *freeFiles); err != nil {
				return err
			}
			for _, s := range []struct {
				flag, val string
				dst       *int64
			}{{"-s", *size, &o.Size}, {"-M", *minSize, &o.MinSize}, {"-m", *maxSize, &o.MaxSize}} {
				if s.val == "" {
					continue
				}
				if *s.dst, err = parseSize(s.flag, s.val); err != nil {
					return err
				}
			}
			if err := parseFFSOptions(*options, &o); err != nil {
				return err
			}
			if *stamp != "" {
				sec, err := strconv.ParseInt(*stamp, 10, 64)
				if err != nil || sec < 0 {
					return usagef("-T %q: want seconds since 1970", *stamp)
				}
				o.Epoch, o.ClampTimes = time.Unix(sec, 0), true
			}
			return makefs(e, args[0], args[1], o)
		}
	},
}

// parseFFSOptions reads makefs's -o list into o.
func parseFFSOptions(list string, o *ffstool.MakefsOptions) error {
	if list == "" {
		return nil
	}
	for _, opt := range strings.Split(list, ",") {
		key, val, ok := strings.Cut(opt, "=")
		if !ok {
			return usagef("-o %q: want key=value", opt)
		}
		if key == "label" {
			o.VolumeName = val
			continue
		}
		var dst *int64
		var version int64
		switch key {
		case "version":
			dst = &version
		case "bsize":
			dst = &o.BlockSize
		case "fsize":
			dst = &o.FragmentSize
		case "density":
			dst = &o.Density
		case "minfree":
			dst = &o.MinFree
		default:
			return usagef("-o %s: unknown option (want version, bsize, fsize, density, minfree or label)", key)
		}
		n, err := parseSize("-o "+key, val)
		if err != nil {
			return err
		}
		*dst = n
		if key == "version" {
			o.Version = int(version)
		}
	}
	return nil
}

// makefsJSON is makefs's --json output.
type makefsJSON struct {
	Image          string   `json:"image"`
	Size           int64    `json:"size"`
	Version        int      `json:"version"`
	ByteOrder      string   `json:"byteOrder"`
	BlockSize      int64    `json:"blockSize"`
	FragmentSize   int64    `json:"fragmentSize"`
	Density        int64    `json:"density"`
	CylinderGroups int64    `json:"cylinderGroups"`
	Inodes         int64    `json:"inodes"`
	Epoch          int64    `json:"epoch"`
	Directories    int64    `json:"directories"`
	Files          int64    `json:"files"`
	Symlinks       int64    `json:"symlinks"`
	Specials       int64    `json:"specials"`
	HardLinks      int64    `json:"hardLinks"`
	FileBytes      int64    `json:"fileBytes"`
	Skipped        []string `json:"skipped"`
}

func makefs(e *env, image, dir string, o ffstool.MakefsOptions) error {
	var bar *progressBar
	if e.terminal && !e.quiet && !e.json {
		bar = newProgressBar(e.stderr, "makefs")
		o.Progress = bar.update
	}
	res, err := ffstool.Makefs(image, dir, o)
	bar.done()
	if err != nil {
		return err
	}
	version := 1
	if res.UFS2 {
		version = 2
	}
	if e.json {
		skipped := res.Skipped
		if skipped == nil {
			skipped = []string{}
		}
		e.printJSON(makefsJSON{Image: image, Size: res.Size, Version: version, ByteOrder: byteOrder(res.BigEndian),
			BlockSize: res.BlockSize, FragmentSize: res.FragmentSize, Density: res.Density, CylinderGroups: res.CylGroups,
			Inodes: res.Inodes, Epoch: res.Epoch.Unix(), Directories: res.Dirs, Files: res.Files, Symlinks: res.Symlinks,
			Specials: res.Specials, HardLinks: res.HardLinks, FileBytes: res.FileBytes, Skipped: skipped})
		return nil
	}
	e.say("%s: UFS%d %s, %s, block size %d, fragment size %d, %d cylinder groups, %d inodes",
		image, version, byteOrderName(res.BigEndian), sizeString(res.Size), res.BlockSize, res.FragmentSize, res.CylGroups, res.Inodes)
	e.say("%d directories, %d files (%s), %d symlinks, %d other nodes, %d hard links",
		res.Dirs, res.Files, sizeString(res.FileBytes), res.Symlinks, res.Specials, res.HardLinks)
	for _, s := range res.Skipped {
		fmt.Fprintf(e.stderr, "%s: skipped %s: FFS cannot hold a socket\n", e.name, s)
	}
	return nil
}

func byteOrderName(big bool) string {
	if big {
		return "big-endian"
	}
	return "little-endian"
}

// sizeString writes a byte count for people.
func sizeString(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
