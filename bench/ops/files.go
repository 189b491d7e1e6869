package ops

import (
	"path"
	"testing"
)

// The file operations. Each body prepares its files, then times only the
// loop; every iteration checks its result, so a failing syscall stops
// the benchmark instead of timing an error path.

const (
	read4KSize = 4 << 10
	seqSize    = 1 << 20
	// seqFileSize is how far sequential I/O goes before starting over.
	seqFileSize = 64 << 20
)

func getpid(b *testing.B, k kernel, _ string) {
	pid := k.Getpid()
	for b.Loop() {
		if k.Getpid() != pid {
			b.Fatal("getpid changed")
		}
	}
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

func openClose(b *testing.B, k kernel, dir string) {
	name := path.Join(dir, "f")
	makeFile(b, k, name, 0)
	for b.Loop() {
		fd, err := k.OpenRead(name)
		if err != nil {
			b.Fatal(err)
		}
		if err := k.Close(fd); err != nil {
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

func read4K(b *testing.B, k kernel, dir string) {
	name := path.Join(dir, "f")
	makeFile(b, k, name, 1<<20)
	fd := openRead(b, k, name)
	buf := make([]byte, read4KSize)
	b.SetBytes(read4KSize)
	for b.Loop() {
		if n, err := k.Pread(fd, buf, 0); err != nil || n != len(buf) {
			b.Fatalf("pread: %d, %v", n, err)
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
	fd, err := k.Create(name)
	if err != nil {
		b.Fatalf("create %s: %v", name, err)
	}
	buf := pattern(min(size, seqSize))
	for done := 0; done < size; {
		n, err := k.Write(fd, buf[:min(len(buf), size-done)])
		if err != nil {
			b.Fatalf("write %s: %v", name, err)
		}
		done += n
	}
	if err := k.Close(fd); err != nil {
		b.Fatalf("close %s: %v", name, err)
	}
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
