package ops

import (
	"errors"
	"fmt"
	"path"
	"testing"
)

// The file operations. Each body prepares its files, then times only the
// loop; every iteration checks its result, so a failing syscall stops
// the benchmark instead of timing an error path. The prepare functions
// are the bodies of the Calls (calls.go): they return the loop, which
// whoever runs them times.

const (
	read4KSize = 4 << 10
	seqSize    = 1 << 20
	// seqFileSize is how far sequential I/O goes before starting over.
	seqFileSize = 64 << 20
)

func prepareGetpid(k kernel, _ string) (func(int) error, func(), error) {
	pid := k.Getpid()
	return func(n int) error {
		for range n {
			if k.Getpid() != pid {
				return errors.New("getpid changed")
			}
		}
		return nil
	}, func() {}, nil
}

func prepareOpenClose(k kernel, dir string) (func(int) error, func(), error) {
	name := path.Join(dir, "f")
	if err := createFile(k, name, 0); err != nil {
		return nil, nil, err
	}
	return func(n int) error {
		for range n {
			fd, err := k.OpenRead(name)
			if err != nil {
				return fmt.Errorf("open %s: %v", name, err)
			}
			if err := k.Close(fd); err != nil {
				return fmt.Errorf("close: %v", err)
			}
		}
		return nil
	}, func() {}, nil
}

func prepareRead4K(k kernel, dir string) (func(int) error, func(), error) {
	name := path.Join(dir, "f")
	if err := createFile(k, name, 1<<20); err != nil {
		return nil, nil, err
	}
	fd, err := k.OpenRead(name)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %v", name, err)
	}
	buf := make([]byte, read4KSize)
	return func(n int) error {
		for range n {
			if got, err := k.Pread(fd, buf, 0); err != nil || got != len(buf) {
				return fmt.Errorf("pread: %d, %v", got, err)
			}
		}
		return nil
	}, func() { k.Close(fd) }, nil
}

func stat(b *testing.B, k kernel, dir string) {
	name := path.Join(dir, "f")
	makeFile(b, k, name, 0)
	for b.Loop() {
		if err := k.Stat(name); err != nil {
			b.Fatal(err)
		}
	}
}

func createWriteUnlink(b *testing.B, k kernel, dir string) {
	name := path.Join(dir, "c")
	buf := pattern(4 << 10)
	for b.Loop() {
		fd, err := k.Create(name)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := k.Write(fd, buf); err != nil || n != len(buf) {
			b.Fatalf("write: %d, %v", n, err)
		}
		if err := k.Close(fd); err != nil {
			b.Fatal(err)
		}
		if err := k.Unlink(name); err != nil {
			b.Fatal(err)
		}
	}
}

func seqWrite(b *testing.B, k kernel, dir string) {
	name := path.Join(dir, "w")
	fd, err := k.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { k.Close(fd) })
	buf := pattern(seqSize)
	b.SetBytes(seqSize)
	var off int64
	for b.Loop() {
		if off == seqFileSize {
			// Start over on an empty file, so every write fills fresh
			// pages; emptying it is not what is timed.
			b.StopTimer()
			if err := k.Ftruncate(fd, 0); err != nil {
				b.Fatal(err)
			}
			if err := k.Rewind(fd); err != nil {
				b.Fatal(err)
			}
			off = 0
			b.StartTimer()
		}
		if n, err := k.Write(fd, buf); err != nil || n != len(buf) {
			b.Fatalf("write: %d, %v", n, err)
		}
		off += seqSize
	}
}

func seqRead(b *testing.B, k kernel, dir string) {
	name := path.Join(dir, "r")
	makeFile(b, k, name, seqFileSize)
	fd := openRead(b, k, name)
	buf := make([]byte, seqSize)
	b.SetBytes(seqSize)
	var off int64
	for b.Loop() {
		if off == seqFileSize {
			if err := k.Rewind(fd); err != nil {
				b.Fatal(err)
			}
			off = 0
		}
		if n, err := k.Read(fd, buf); err != nil || n != len(buf) {
			b.Fatalf("read: %d, %v", n, err)
		}
		off += seqSize
	}
}

// makeFile creates name holding size bytes of a pattern.
func makeFile(b *testing.B, k kernel, name string, size int) {
	b.Helper()
	if err := createFile(k, name, size); err != nil {
		b.Fatal(err)
	}
}

// createFile creates name holding size bytes of a pattern.
func createFile(k kernel, name string, size int) error {
	fd, err := k.Create(name)
	if err != nil {
		return fmt.Errorf("create %s: %v", name, err)
	}
	buf := pattern(min(size, seqSize))
	for done := 0; done < size; {
		n, err := k.Write(fd, buf[:min(len(buf), size-done)])
		if err != nil {
			k.Close(fd)
			return fmt.Errorf("write %s: %v", name, err)
		}
		done += n
	}
	if err := k.Close(fd); err != nil {
		return fmt.Errorf("close %s: %v", name, err)
	}
	return nil
}

// openRead opens name for reading until b ends.
func openRead(b *testing.B, k kernel, name string) int {
	b.Helper()
	fd, err := k.OpenRead(name)
	if err != nil {
		b.Fatalf("open %s: %v", name, err)
	}
	b.Cleanup(func() { k.Close(fd) })
	return fd
}

// pattern returns n bytes that are not all zero, so no side can treat
// the data as a hole.
func pattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + 1)
	}
	return p
}
