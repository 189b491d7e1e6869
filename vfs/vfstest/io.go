package vfstest

import (
	"math/rand/v2"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// ioCases cover read, write, pread, pwrite and lseek.
var ioCases = []testCase{
	{name: "write-read-back", run: func(f *fixture) {
		data := pattern(3*4096+123, 7)
		fd := f.open("f", rump.O_RDWR|rump.O_CREAT, 0o644)
		defer f.close(fd)
		f.write(fd, data)
		f.check(f.fstat(fd).Size == int64(len(data)), "size %d, want %d", f.fstat(fd).Size, len(data))
		got := f.pread(fd, len(data)+100, 0)
		f.check(got == data, "read back %s, want %s", quote([]byte(got)), quote([]byte(data)))
	}},
	{name: "read-at-eof", run: func(f *fixture) {
		f.mkfile("f", "abc", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		buf := make([]byte, 10)
		n, err := f.p.Read(fd, buf)
		f.must(err, "read")
		f.check(n == 3, "first read = %d bytes, want 3", n)
		n, err = f.p.Read(fd, buf)
		f.expect(ok, err, "read at EOF")
		f.check(n == 0, "read at EOF = %d bytes, want 0", n)
	}},
	{name: "pread-past-eof", run: func(f *fixture) {
		f.mkfile("f", "abc", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		n, err := f.p.Pread(fd, make([]byte, 10), 1000)
		f.expect(ok, err, "pread past EOF")
		f.check(n == 0, "pread past EOF = %d bytes, want 0", n)
		f.check(f.pread(fd, 10, 1) == "bc", "pread(1) = %q, want \"bc\"", f.pread(fd, 10, 1))
	}},
	{name: "offset-advances", run: func(f *fixture) {
		fd := f.open("f", rump.O_RDWR|rump.O_CREAT, 0o644)
		defer f.close(fd)
		f.write(fd, "abc")
		f.write(fd, "def")
		off, err := f.p.Lseek(fd, 0, rump.SEEK_CUR)
		f.must(err, "lseek")
		f.check(off == 6, "offset after two writes: %d, want 6", off)
		_, err = f.p.Lseek(fd, 2, rump.SEEK_SET)
		f.must(err, "lseek")
		buf := make([]byte, 2)
		n, err := f.p.Read(fd, buf)
		f.must(err, "read")
		f.check(string(buf[:n]) == "cd", "read at 2 = %q, want \"cd\"", buf[:n])
		n, err = f.p.Read(fd, buf)
		f.must(err, "read")
		f.check(string(buf[:n]) == "ef", "next read = %q, want \"ef\"", buf[:n])
	}},
	{name: "lseek-whence", run: func(f *fixture) {
		f.mkfile("f", "0123456789", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		for _, c := range []struct {
			off    int64
			whence int
			want   int64
		}{
			{3, rump.SEEK_SET, 3}, {2, rump.SEEK_CUR, 5}, {-1, rump.SEEK_CUR, 4},
			{0, rump.SEEK_END, 10}, {-3, rump.SEEK_END, 7}, {5, rump.SEEK_END, 15},
		} {
			got, err := f.p.Lseek(fd, c.off, c.whence)
			if f.expect(ok, err, "lseek(%d, %d)", c.off, c.whence) {
				f.check(got == c.want, "lseek(%d, %d) = %d, want %d", c.off, c.whence, got, c.want)
			}
		}
		_, err := f.p.Lseek(fd, -3, rump.SEEK_END)
		f.must(err, "lseek")
		buf := make([]byte, 10)
		n, err := f.p.Read(fd, buf)
		f.must(err, "read")
		f.check(string(buf[:n]) == "789", "read after SEEK_END-3 = %q, want \"789\"", buf[:n])
	}},
	{name: "lseek-negative", run: func(f *fixture) {
		f.mkfile("f", "0123456789", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		_, err := f.p.Lseek(fd, 4, rump.SEEK_SET)
		f.must(err, "lseek")
		_, err = f.p.Lseek(fd, -1, rump.SEEK_SET)
		f.expect(errno.EINVAL, err, "lseek(-1, SEEK_SET)")
		_, err = f.p.Lseek(fd, -5, rump.SEEK_CUR)
		f.expect(errno.EINVAL, err, "lseek(-5, SEEK_CUR) at 4")
		_, err = f.p.Lseek(fd, -11, rump.SEEK_END)
		f.expect(errno.EINVAL, err, "lseek(-11, SEEK_END) of 10 bytes")
		off, err := f.p.Lseek(fd, 0, rump.SEEK_CUR)
		f.must(err, "lseek")
		f.check(off == 4, "offset after failed seeks: %d, want 4", off)
	}},
	{name: "lseek-bad-whence", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		_, err := f.p.Lseek(fd, 0, 3)
		f.expect(errno.EINVAL, err, "lseek(0, whence 3)")
	}},
	{name: "lseek-past-eof-keeps-size", run: func(f *fixture) {
		f.mkfile("f", "abc", 0o644)
		fd := f.open("f", rump.O_RDWR, 0)
		defer f.close(fd)
		_, err := f.p.Lseek(fd, 1<<20, rump.SEEK_SET)
		f.expect(ok, err, "lseek past EOF")
		f.check(f.fstat(fd).Size == 3, "size after seeking past EOF: %d, want 3", f.fstat(fd).Size)
	}},
	{name: "write-past-eof-makes-hole", run: func(f *fixture) {
		f.mkfile("f", "abc", 0o644)
		fd := f.open("f", rump.O_RDWR, 0)
		defer f.close(fd)
		_, err := f.p.Lseek(fd, 10000, rump.SEEK_SET)
		f.must(err, "lseek")
		f.write(fd, "xyz")
		f.check(f.fstat(fd).Size == 10003, "size %d, want 10003", f.fstat(fd).Size)
		got := f.pread(fd, 20000, 0)
		want := "abc" + string(make([]byte, 10000-3)) + "xyz"
		f.check(got == want, "read back %s, want %s", quote([]byte(got)), quote([]byte(want)))
	}},
	{name: "pread-pwrite-keep-offset", run: func(f *fixture) {
		fd := f.open("f", rump.O_RDWR|rump.O_CREAT, 0o644)
		defer f.close(fd)
		f.write(fd, "abcdef")
		_, err := f.p.Lseek(fd, 2, rump.SEEK_SET)
		f.must(err, "lseek")
		f.pwrite(fd, "XY", 4)
		f.pread(fd, 3, 0)
		off, err := f.p.Lseek(fd, 0, rump.SEEK_CUR)
		f.must(err, "lseek")
		f.check(off == 2, "offset after pread/pwrite: %d, want 2", off)
		f.content("f", "abcdXY")
	}},
	{name: "pread-pwrite-negative", run: func(f *fixture) {
		fd := f.open("f", rump.O_RDWR|rump.O_CREAT, 0o644)
		defer f.close(fd)
		_, err := f.p.Pread(fd, make([]byte, 1), -1)
		f.expect(errno.EINVAL, err, "pread at -1")
		_, err = f.p.Pwrite(fd, []byte("x"), -1)
		f.expect(errno.EINVAL, err, "pwrite at -1")
	}},
	{name: "overwrite-middle", run: func(f *fixture) {
		f.mkfile("f", pattern(9000, 1), 0o644)
		fd := f.open("f", rump.O_WRONLY, 0)
		f.pwrite(fd, "MIDDLE", 4093)
		f.close(fd)
		want := pattern(9000, 1)
		want = want[:4093] + "MIDDLE" + want[4099:]
		f.content("f", want)
	}},
	{name: "zero-length-write", run: func(f *fixture) {
		f.mkfile("f", "abc", 0o644)
		fd := f.open("f", rump.O_WRONLY, 0)
		defer f.close(fd)
		_, err := f.p.Lseek(fd, 100, rump.SEEK_SET)
		f.must(err, "lseek")
		n, err := f.p.Write(fd, nil)
		f.expect(ok, err, "write of 0 bytes")
		f.check(n == 0, "write of 0 bytes = %d", n)
		f.check(f.fstat(fd).Size == 3, "size after a 0-byte write past EOF: %d, want 3", f.fstat(fd).Size)
	}},
	{name: "read-dir-eisdir", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		fd := f.open("d", rump.O_RDONLY, 0)
		defer f.close(fd)
		_, err := f.p.Read(fd, make([]byte, 512))
		f.expect(errno.EISDIR, err, "read(directory)")
	}},
	{name: "random-against-model", run: func(f *fixture) {
		// Random pwrites and truncates against an in-memory model.
		rng := rand.New(rand.NewPCG(1, 2))
		fd := f.open("f", rump.O_RDWR|rump.O_CREAT, 0o644)
		defer f.close(fd)
		var model []byte
		for i := range 200 {
			switch rng.IntN(10) {
			case 0:
				size := rng.Int64N(40000)
				f.must(f.p.Ftruncate(fd, size), "ftruncate(%d)", size)
				if int(size) <= len(model) {
					model = model[:size]
				} else {
					model = append(model, make([]byte, int(size)-len(model))...)
				}
			default:
				off := rng.Int64N(40000)
				data := pattern(rng.IntN(9000)+1, byte(i))
				f.pwrite(fd, data, off)
				if end := int(off) + len(data); end > len(model) {
					model = append(model, make([]byte, end-len(model))...)
				}
				copy(model[off:], data)
			}
		}
		f.check(f.fstat(fd).Size == int64(len(model)), "size %d, want %d", f.fstat(fd).Size, len(model))
		got := f.pread(fd, len(model)+1, 0)
		if got != string(model) {
			for i := range min(len(got), len(model)) {
				if got[i] != model[i] {
					f.t.Errorf("content differs from the model first at byte %d (got %#x, want %#x)", i, got[i], model[i])
					break
				}
			}
			f.check(len(got) == len(model), "read %d bytes, want %d", len(got), len(model))
		}
	}},
}
