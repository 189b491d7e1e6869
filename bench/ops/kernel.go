package ops

import (
	"syscall"
	"testing"

	"github.com/gorump/gorump/rump"
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
	Close(fd int) error
	Read(fd int, p []byte) (int, error)
	Write(fd int, p []byte) (int, error)
	Pread(fd int, p []byte, off int64) (int, error)
	// Rewind moves fd's offset to the start.
	Rewind(fd int) error
	Ftruncate(fd int, size int64) error
	Unlink(path string) error
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

func (g gorumpKernel) Close(fd int) error                  { return g.p.Close(fd) }
func (g gorumpKernel) Read(fd int, p []byte) (int, error)  { return g.p.Read(fd, p) }
func (g gorumpKernel) Write(fd int, p []byte) (int, error) { return g.p.Write(fd, p) }
func (g gorumpKernel) Pread(fd int, p []byte, off int64) (int, error) {
	return g.p.Pread(fd, p, off)
}

func (g gorumpKernel) Rewind(fd int) error {
	_, err := g.p.Lseek(fd, 0, rump.SEEK_SET)
	return err
}

func (g gorumpKernel) Ftruncate(fd int, size int64) error { return g.p.Ftruncate(fd, size) }
func (g gorumpKernel) Unlink(path string) error           { return g.p.Unlink(path) }

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

func (hostKernel) Close(fd int) error                  { return syscall.Close(fd) }
func (hostKernel) Read(fd int, p []byte) (int, error)  { return syscall.Read(fd, p) }
func (hostKernel) Write(fd int, p []byte) (int, error) { return syscall.Write(fd, p) }
func (hostKernel) Pread(fd int, p []byte, off int64) (int, error) {
	return syscall.Pread(fd, p, off)
}

func (hostKernel) Rewind(fd int) error {
	_, err := syscall.Seek(fd, 0, 0)
	return err
}

func (hostKernel) Ftruncate(fd int, size int64) error { return syscall.Ftruncate(fd, size) }
func (hostKernel) Unlink(path string) error           { return syscall.Unlink(path) }
