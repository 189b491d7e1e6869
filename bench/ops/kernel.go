package ops

import (
	"bytes"
	"encoding/binary"
	"syscall"
	"testing"

	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/vfs"
)

// kernel is what an operation asks of the kernel it runs on: the
// syscalls it times, with the same flags on both sides.
type kernel interface {
	Getpid() int
	Stat(path string) error
	// OpenRead opens path O_RDONLY|O_CLOEXEC.
	OpenRead(path string) (int, error)
	// Create opens path O_RDWR|O_CREAT|O_TRUNC|O_CLOEXEC, mode 0644.
	Create(path string) (int, error)
	// OpenWrite opens path O_RDWR|O_CREAT|O_CLOEXEC, mode 0644: an
	// existing file keeps its blocks.
	OpenWrite(path string) (int, error)
	Close(fd int) error
	Read(fd int, p []byte) (int, error)
	Write(fd int, p []byte) (int, error)
	Pread(fd int, p []byte, off int64) (int, error)
	Pwrite(fd int, p []byte, off int64) (int, error)
	Fsync(fd int) error
	// Rewind moves fd's offset to the start.
	Rewind(fd int) error
	Ftruncate(fd int, size int64) error
	Unlink(path string) error
	// Mkdir makes a directory, mode 0755.
	Mkdir(path string) error
	Rmdir(path string) error
	// ReadDir returns the entries of directory path but "." and "..",
	// read through one descriptor opened O_RDONLY|O_DIRECTORY|O_CLOEXEC.
	ReadDir(path string) ([]dirEntry, error)
}

// dirEntry is one name ReadDir returns.
type dirEntry struct {
	Name string
	Dir  bool
}

// gorumpKernel makes the syscalls as init in a gorump kernel.
type gorumpKernel struct{ p *rump.Proc }

// bootGorump boots a kernel on the POSIX host, halted when b ends.
func bootGorump(b *testing.B) gorumpKernel {
	b.Helper()
	k, err := rump.Init(rump.Options{})
	if err != nil {
		b.Fatalf("gorump: boot: %v", err)
	}
	b.Cleanup(func() {
		if err := k.Halt(); err != nil {
			b.Errorf("gorump: halt: %v", err)
		}
	})
	return gorumpKernel{k.InitProc()}
}

func (g gorumpKernel) Getpid() int { return g.p.PID() }

func (g gorumpKernel) Stat(path string) error {
	_, err := g.p.Stat(path)
	return err
}

func (g gorumpKernel) OpenRead(path string) (int, error) {
	return g.p.Open(path, rump.O_RDONLY|rump.O_CLOEXEC, 0)
}

func (g gorumpKernel) Create(path string) (int, error) {
	return g.p.Open(path, rump.O_RDWR|rump.O_CREAT|rump.O_TRUNC|rump.O_CLOEXEC, 0o644)
}

func (g gorumpKernel) OpenWrite(path string) (int, error) {
	return g.p.Open(path, rump.O_RDWR|rump.O_CREAT|rump.O_CLOEXEC, 0o644)
}

func (g gorumpKernel) Close(fd int) error                  { return g.p.Close(fd) }
func (g gorumpKernel) Read(fd int, p []byte) (int, error)  { return g.p.Read(fd, p) }
func (g gorumpKernel) Write(fd int, p []byte) (int, error) { return g.p.Write(fd, p) }
func (g gorumpKernel) Pread(fd int, p []byte, off int64) (int, error) {
	return g.p.Pread(fd, p, off)
}

func (g gorumpKernel) Pwrite(fd int, p []byte, off int64) (int, error) {
	return g.p.Pwrite(fd, p, off)
}

func (g gorumpKernel) Fsync(fd int) error { return g.p.Fsync(fd) }

func (g gorumpKernel) Rewind(fd int) error {
	_, err := g.p.Lseek(fd, 0, rump.SEEK_SET)
	return err
}

func (g gorumpKernel) Ftruncate(fd int, size int64) error { return g.p.Ftruncate(fd, size) }
func (g gorumpKernel) Unlink(path string) error           { return g.p.Unlink(path) }
func (g gorumpKernel) Mkdir(path string) error            { return g.p.Mkdir(path, 0o755) }
func (g gorumpKernel) Rmdir(path string) error            { return g.p.Rmdir(path) }

func (g gorumpKernel) ReadDir(path string) ([]dirEntry, error) {
	fd, err := g.p.Open(path, rump.O_RDONLY|rump.O_DIRECTORY|rump.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	ents, err := g.p.ReadDir(fd, 0)
	if cerr := g.p.Close(fd); err == nil {
		err = cerr
	}
	out := make([]dirEntry, 0, len(ents))
	for _, e := range ents {
		if e.Name != "." && e.Name != ".." {
			out = append(out, dirEntry{e.Name, e.Type == vfs.VDIR})
		}
	}
	return out, err
}

// hostKernel makes the syscalls on the host kernel, through package
// syscall as a Go program would without the os package's wrapping.
type hostKernel struct{}

func (hostKernel) Getpid() int { return syscall.Getpid() }

func (hostKernel) Stat(path string) error {
	var st syscall.Stat_t
	return syscall.Stat(path, &st)
}

func (hostKernel) OpenRead(path string) (int, error) {
	return syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
}

func (hostKernel) Create(path string) (int, error) {
	return syscall.Open(path, syscall.O_RDWR|syscall.O_CREAT|syscall.O_TRUNC|syscall.O_CLOEXEC, 0o644)
}

func (hostKernel) OpenWrite(path string) (int, error) {
	return syscall.Open(path, syscall.O_RDWR|syscall.O_CREAT|syscall.O_CLOEXEC, 0o644)
}

func (hostKernel) Close(fd int) error                  { return syscall.Close(fd) }
func (hostKernel) Read(fd int, p []byte) (int, error)  { return syscall.Read(fd, p) }
func (hostKernel) Write(fd int, p []byte) (int, error) { return syscall.Write(fd, p) }
func (hostKernel) Pread(fd int, p []byte, off int64) (int, error) {
	return syscall.Pread(fd, p, off)
}

func (hostKernel) Pwrite(fd int, p []byte, off int64) (int, error) {
	return syscall.Pwrite(fd, p, off)
}

func (hostKernel) Fsync(fd int) error { return syscall.Fsync(fd) }

func (hostKernel) Rewind(fd int) error {
	_, err := syscall.Seek(fd, 0, 0)
	return err
}

func (hostKernel) Ftruncate(fd int, size int64) error { return syscall.Ftruncate(fd, size) }
func (hostKernel) Unlink(path string) error           { return syscall.Unlink(path) }
func (hostKernel) Mkdir(path string) error            { return syscall.Mkdir(path, 0o755) }
func (hostKernel) Rmdir(path string) error            { return syscall.Rmdir(path) }

// ReadDir reads the directory with getdents64 into a 32 KiB buffer, as
// Go's os package does, and parses the records itself to keep the type.
func (hostKernel) ReadDir(path string) ([]dirEntry, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	var out []dirEntry
	buf := make([]byte, 32<<10)
	for {
		n, err := syscall.ReadDirent(fd, buf)
		if err != nil {
			return out, err
		}
		if n <= 0 {
			return out, nil
		}
		out = appendDirents(out, buf[:n])
	}
}

// appendDirents appends the entries of linux_dirent64 records: ino (8
// bytes), off (8), reclen (2), type (1), then the NUL-terminated name.
func appendDirents(out []dirEntry, b []byte) []dirEntry {
	const nameOff = 19
	for len(b) >= nameOff {
		reclen := int(binary.NativeEndian.Uint16(b[16:]))
		if reclen < nameOff || reclen > len(b) {
			break
		}
		name := b[nameOff:reclen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if s := string(name); s != "." && s != ".." {
			out = append(out, dirEntry{s, b[18] == syscall.DT_DIR})
		}
		b = b[reclen:]
	}
	return out
}
