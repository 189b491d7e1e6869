package rump

import (
	"io"
	"io/fs"
	"path"
	"sync/atomic"
	"time"

	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/vfs"
)

// File is an open file in a kernel, with the methods of *os.File that
// make sense there: it is an io.Reader, Writer, ReaderAt, WriterAt, Seeker
// and Closer, and an fs.ReadDirFile.
type File struct {
	p      *Proc
	fd     int
	name   string // as opened
	dir    string // the path used to open it, for DirEntry.Info
	closed atomic.Bool
}

// OpenFile opens name with O_* flags and returns it as a File.
func (p *Proc) OpenFile(name string, flags int, perm uint32) (*File, error) {
	fd, err := p.Open(name, flags, perm)
	if err != nil {
		return nil, err
	}
	return &File{p: p, fd: fd, name: name, dir: name}, nil
}

// Fd returns the descriptor.
func (f *File) Fd() int { return f.fd }

// Name returns the name the file was opened by.
func (f *File) Name() string { return f.name }

func (f *File) err(op string, err error) error {
	if err == nil {
		return nil
	}
	return &fs.PathError{Op: op, Path: f.name, Err: err}
}

func (f *File) checkOpen(op string) error {
	if f.closed.Load() {
		return &fs.PathError{Op: op, Path: f.name, Err: fs.ErrClosed}
	}
	return nil
}

// Read reads up to len(b) bytes; at the end of the file it returns
// 0, io.EOF.
func (f *File) Read(b []byte) (int, error) {
	if err := f.checkOpen("read"); err != nil {
		return 0, err
	}
	n, err := f.p.Read(f.fd, b)
	if err != nil {
		return n, f.err("read", err)
	}
	if n == 0 && len(b) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// ReadAt reads len(b) bytes at off; fewer only at the end, with io.EOF.
func (f *File) ReadAt(b []byte, off int64) (int, error) {
	if err := f.checkOpen("read"); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, f.err("readat", errno.EINVAL)
	}
	done := 0
	for done < len(b) {
		n, err := f.p.Pread(f.fd, b[done:], off+int64(done))
		if err != nil {
			return done, f.err("read", err)
		}
		if n == 0 {
			return done, io.EOF
		}
		done += n
	}
	return done, nil
}

// Write writes b.
func (f *File) Write(b []byte) (int, error) {
	if err := f.checkOpen("write"); err != nil {
		return 0, err
	}
	done := 0
	for done < len(b) {
		n, err := f.p.Write(f.fd, b[done:])
		done += n
		if err != nil {
			return done, f.err("write", err)
		}
		if n == 0 {
			return done, f.err("write", io.ErrShortWrite)
		}
	}
	return done, nil
}

// WriteAt writes b at off.
func (f *File) WriteAt(b []byte, off int64) (int, error) {
	if err := f.checkOpen("write"); err != nil {
		return 0, err
	}
	done := 0
	for done < len(b) {
		n, err := f.p.Pwrite(f.fd, b[done:], off+int64(done))
		done += n
		if err != nil {
			return done, f.err("write", err)
		}
		if n == 0 {
			return done, f.err("write", io.ErrShortWrite)
		}
	}
	return done, nil
}

// WriteString writes s.
func (f *File) WriteString(s string) (int, error) { return f.Write([]byte(s)) }

// Seek sets the offset for the next Read or Write.
func (f *File) Seek(off int64, whence int) (int64, error) {
	if err := f.checkOpen("seek"); err != nil {
		return 0, err
	}
	n, err := f.p.Lseek(f.fd, off, whence)
	return n, f.err("seek", err)
}

// Stat describes the file.
func (f *File) Stat() (fs.FileInfo, error) {
	if err := f.checkOpen("stat"); err != nil {
		return nil, err
	}
	st, err := f.p.Fstat(f.fd)
	if err != nil {
		return nil, f.err("stat", err)
	}
	return &FileInfo{name: path.Base(f.name), st: st}, nil
}

// Sync makes the file's data durable.
func (f *File) Sync() error {
	if err := f.checkOpen("sync"); err != nil {
		return err
	}
	return f.err("sync", f.p.Fsync(f.fd))
}

// Truncate sets the file's size.
func (f *File) Truncate(size int64) error {
	if err := f.checkOpen("truncate"); err != nil {
		return err
	}
	return f.err("truncate", f.p.Ftruncate(f.fd, size))
}

// Close closes the file; closing twice gives fs.ErrClosed.
func (f *File) Close() error {
	if f.closed.Swap(true) {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	return f.err("close", f.p.Close(f.fd))
}

// ReadDir reads the directory's entries, without "." and "..", in the
// order the file system keeps them. With n > 0 it returns at most n, and
// io.EOF once none are left; with n <= 0 it returns all that remain.
func (f *File) ReadDir(n int) ([]fs.DirEntry, error) {
	if err := f.checkOpen("readdirent"); err != nil {
		return nil, err
	}
	var out []fs.DirEntry
	for n <= 0 || len(out) < n {
		want := 0
		if n > 0 {
			want = n - len(out)
		}
		ents, err := f.p.ReadDir(f.fd, want)
		if err != nil {
			return out, f.err("readdirent", err)
		}
		if len(ents) == 0 {
			break
		}
		for _, e := range ents {
			if e.Name == "." || e.Name == ".." {
				continue
			}
			out = append(out, &dirEntry{p: f.p, dir: f.dir, d: e})
		}
	}
	if n > 0 && len(out) == 0 {
		return nil, io.EOF
	}
	return out, nil
}

// FileInfo describes a file; Sys returns its *Stat.
type FileInfo struct {
	name string
	st   Stat
}

// NewFileInfo wraps a Stat as an fs.FileInfo called name.
func NewFileInfo(name string, st Stat) *FileInfo { return &FileInfo{name: name, st: st} }

func (fi *FileInfo) Name() string       { return fi.name }
func (fi *FileInfo) Size() int64        { return fi.st.Size }
func (fi *FileInfo) Mode() fs.FileMode  { return FileMode(fi.st.Mode) }
func (fi *FileInfo) ModTime() time.Time { return fi.st.Mtime.Time() }
func (fi *FileInfo) IsDir() bool        { return fi.st.Mode&kern.S_IFMT == kern.S_IFDIR }
func (fi *FileInfo) Sys() any           { return &fi.st }

// FileMode converts a NetBSD st_mode into an fs.FileMode.
func FileMode(mode uint32) fs.FileMode {
	m := fs.FileMode(mode & 0o777)
	switch mode & kern.S_IFMT {
	case kern.S_IFDIR:
		m |= fs.ModeDir
	case kern.S_IFLNK:
		m |= fs.ModeSymlink
	case kern.S_IFIFO:
		m |= fs.ModeNamedPipe
	case kern.S_IFSOCK:
		m |= fs.ModeSocket
	case kern.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case kern.S_IFBLK:
		m |= fs.ModeDevice
	}
	if mode&kern.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if mode&kern.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if mode&kern.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}

type dirEntry struct {
	p   *Proc
	dir string
	d   Dirent
}

func (e *dirEntry) Name() string      { return e.d.Name }
func (e *dirEntry) IsDir() bool       { return e.d.Type == vfs.VDIR }
func (e *dirEntry) Type() fs.FileMode { return FileMode(e.d.Type.ModeBits()).Type() }
func (e *dirEntry) String() string    { return fs.FormatDirEntry(e) }
func (e *dirEntry) Info() (fs.FileInfo, error) {
	st, err := e.p.Lstat(path.Join(e.dir, e.d.Name))
	if err != nil {
		return nil, err
	}
	return &FileInfo{name: e.d.Name, st: st}, nil
}

// ReadFile returns the contents of the file at name.
func (p *Proc) ReadFile(name string) ([]byte, error) {
	f, err := p.OpenFile(name, O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var size int64
	if st, err := p.Fstat(f.fd); err == nil {
		size = st.Size
	}
	buf := make([]byte, 0, size+512)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// WriteFile writes data to name, creating it with perm or truncating it.
func (p *Proc) WriteFile(name string, data []byte, perm uint32) error {
	f, err := p.OpenFile(name, O_WRONLY|O_CREAT|O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
