package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// tarup writes a .tar.gz of the checkout: the source with its vendored
// modules and pins, which builds with no network. The same checkout
// gives the same bytes: entries are sorted and dated by the commit.
func (b *builder) tarup() error {
	p, err := b.verifySrc()
	if err != nil {
		return err
	}
	date := time.Unix(0, 0).UTC()
	if t, err := time.Parse(time.RFC3339, p.date); err == nil {
		date = t.UTC()
	}
	name := "gorump-" + date.Format("20060102")
	if p.commit != "" {
		name += "-" + p.commit[:min(12, len(p.commit))]
	}
	if p.dirty {
		name += "-dirty"
	}
	dir := filepath.Join(b.e.wd, "tarup")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, name+".tar.gz")
	files := append(slices.Sorted(mapKeys(p.files)), pinsName)
	slices.Sort(files)
	if err := writeTarball(path, b.src, name, files, date); err != nil {
		os.Remove(path)
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	b.say("tarup: %s (%d files, %d KiB): untar it and run go run ./cmd/buildrump inside; it needs no network", path, len(files), st.Size()>>10)
	return nil
}

// writeTarball writes the files of src, under prefix, to a .tar.gz:
// directories 0755, files 0644 or 0755 and symlinks, all dated date and
// owned by 0/0, so the same files give the same bytes.
func writeTarball(path, src, prefix string, files []string, date time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := newTarWriter(gz)
	dirs := map[string]bool{}
	for _, name := range files {
		// Each directory once, before its first file.
		var parents []string
		for d := filepath.Dir(name); d != "." && !dirs[d]; d = filepath.Dir(d) {
			parents = append(parents, d)
			dirs[d] = true
		}
		slices.Reverse(parents)
		for _, d := range parents {
			if err := tw.writeHeader(tarEntry{name: prefix + "/" + d + "/", typeflag: tarTypeDir, mode: 0o755, modTime: date}); err != nil {
				return err
			}
		}
		full := filepath.Join(src, filepath.FromSlash(name))
		st, err := os.Lstat(full)
		if err != nil {
			return err
		}
		e := tarEntry{name: prefix + "/" + name, modTime: date}
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			e.typeflag = tarTypeSymlink
			e.mode = 0o777
			if e.linkname, err = os.Readlink(full); err != nil {
				return err
			}
		case st.Mode().IsRegular():
			e.typeflag = tarTypeReg
			e.mode = 0o644
			if st.Mode()&0o111 != 0 {
				e.mode = 0o755
			}
			e.size = st.Size()
		default:
			return fmt.Errorf("%s: not a file", full)
		}
		if err := tw.writeHeader(e); err != nil {
			return err
		}
		if e.typeflag == tarTypeReg {
			in, err := os.Open(full)
			if err != nil {
				return err
			}
			_, err = io.Copy(tw, in)
			in.Close()
			if err != nil {
				return err
			}
		}
	}
	if err := tw.close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return f.Close()
}
