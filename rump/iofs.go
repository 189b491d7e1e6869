package rump

import (
	"io/fs"
	"path"
	"slices"
	"strings"
)

// FS returns the file tree as p sees it, rooted at "/", as an fs.FS that
// also implements fs.ReadDirFS, fs.ReadFileFS, fs.StatFS and
// fs.ReadLinkFS. Names are slash-separated and relative, as io/fs wants.
func (p *Proc) FS() fs.FS { return procFS{p} }

type procFS struct{ p *Proc }

var (
	_ fs.ReadDirFS  = procFS{}
	_ fs.ReadFileFS = procFS{}
	_ fs.StatFS     = procFS{}
	_ fs.ReadLinkFS = procFS{}
)

func (f procFS) path(op, name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return "/", nil
	}
	return "/" + name, nil
}

// relabel makes an error name the io/fs path rather than the kernel one.
func relabel(err error, op, name string) error {
	if pe, ok := err.(*fs.PathError); ok {
		return &fs.PathError{Op: op, Path: name, Err: pe.Err}
	}
	return err
}

func (f procFS) Open(name string) (fs.File, error) {
	p, err := f.path("open", name)
	if err != nil {
		return nil, err
	}
	file, err := f.p.OpenFile(p, O_RDONLY, 0)
	if err != nil {
		return nil, relabel(err, "open", name)
	}
	file.name = name
	return file, nil
}

func (f procFS) Stat(name string) (fs.FileInfo, error) {
	p, err := f.path("stat", name)
	if err != nil {
		return nil, err
	}
	st, err := f.p.Stat(p)
	if err != nil {
		return nil, relabel(err, "stat", name)
	}
	return &FileInfo{name: path.Base(name), st: st}, nil
}

func (f procFS) Lstat(name string) (fs.FileInfo, error) {
	p, err := f.path("lstat", name)
	if err != nil {
		return nil, err
	}
	st, err := f.p.Lstat(p)
	if err != nil {
		return nil, relabel(err, "lstat", name)
	}
	return &FileInfo{name: path.Base(name), st: st}, nil
}

func (f procFS) ReadLink(name string) (string, error) {
	p, err := f.path("readlink", name)
	if err != nil {
		return "", err
	}
	s, err := f.p.Readlink(p)
	return s, relabel(err, "readlink", name)
}

func (f procFS) ReadFile(name string) ([]byte, error) {
	p, err := f.path("readfile", name)
	if err != nil {
		return nil, err
	}
	b, err := f.p.ReadFile(p)
	return b, relabel(err, "readfile", name)
}

// ReadDir returns the entries of directory name sorted by name.
func (f procFS) ReadDir(name string) ([]fs.DirEntry, error) {
	p, err := f.path("readdir", name)
	if err != nil {
		return nil, err
	}
	file, err := f.p.OpenFile(p, O_RDONLY|O_DIRECTORY, 0)
	if err != nil {
		return nil, relabel(err, "readdir", name)
	}
	defer file.Close()
	file.name = name
	ents, err := file.ReadDir(-1)
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return ents, err
}
