package vfstest

import (
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// truncateCases cover truncate, ftruncate and sparse files.
var truncateCases = []testCase{
	{name: "shrink", run: func(f *fixture) {
		f.mkfile("f", pattern(10000, 3), 0o644)
		f.must(f.p.Truncate(f.path("f"), 5000), "truncate(f, 5000)")
		f.content("f", pattern(10000, 3)[:5000])
	}},
	{name: "grow-reads-zeros", run: func(f *fixture) {
		f.mkfile("f", "abc", 0o644)
		f.must(f.p.Truncate(f.path("f"), 9000), "truncate(f, 9000)")
		f.content("f", "abc"+string(make([]byte, 8997)))
	}},
	{name: "shrink-then-grow-zeros-tail", run: func(f *fixture) {
		// The bytes cut off must not come back when the file grows
		// again, neither in the same block nor in later ones.
		f.mkfile("f", pattern(10000, 5), 0o644)
		f.must(f.p.Truncate(f.path("f"), 100), "truncate(f, 100)")
		f.must(f.p.Truncate(f.path("f"), 10000), "truncate(f, 10000)")
		f.content("f", pattern(10000, 5)[:100]+string(make([]byte, 9900)))
	}},
	{name: "same-size", run: func(f *fixture) {
		f.mkfile("f", "abcdef", 0o644)
		f.must(f.p.Truncate(f.path("f"), 6), "truncate(f, 6)")
		f.content("f", "abcdef")
	}},
	{name: "to-zero", run: func(f *fixture) {
		f.mkfile("f", pattern(70000, 1), 0o644)
		f.must(f.p.Truncate(f.path("f"), 0), "truncate(f, 0)")
		st := f.stat("f")
		f.check(st.Size == 0, "size after truncate to 0: %d", st.Size)
		f.check(st.Blocks == 0, "st_blocks after truncate to 0: %d, want 0", st.Blocks)
		f.content("f", "")
	}},
	{name: "ftruncate", run: func(f *fixture) {
		f.mkfile("f", "abcdef", 0o644)
		fd := f.open("f", rump.O_RDWR, 0)
		defer f.close(fd)
		f.must(f.p.Ftruncate(fd, 2), "ftruncate(2)")
		f.check(f.fstat(fd).Size == 2, "size after ftruncate: %d, want 2", f.fstat(fd).Size)
	}},
	{name: "ftruncate-keeps-offset", run: func(f *fixture) {
		f.mkfile("f", "abcdef", 0o644)
		fd := f.open("f", rump.O_RDWR, 0)
		defer f.close(fd)
		_, err := f.p.Lseek(fd, 6, rump.SEEK_SET)
		f.must(err, "lseek")
		f.must(f.p.Ftruncate(fd, 2), "ftruncate(2)")
		f.write(fd, "X")
		f.content("f", "ab\x00\x00\x00\x00X")
	}},
	{name: "ftruncate-rdonly", run: func(f *fixture) {
		f.mkfile("f", "abcdef", 0o644)
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		f.expect(errno.EINVAL, f.p.Ftruncate(fd, 2), "ftruncate(O_RDONLY fd)")
		f.content("f", "abcdef")
	}},
	{name: "dir", run: func(f *fixture) {
		f.mkdir("d", 0o755)
		f.expect(errno.EISDIR, f.p.Truncate(f.path("d"), 0), "truncate(dir)")
	}},
	{name: "negative", run: func(f *fixture) {
		f.mkfile("f", "abc", 0o644)
		f.expect(errno.EINVAL, f.p.Truncate(f.path("f"), -1), "truncate(f, -1)")
		fd := f.open("f", rump.O_RDWR, 0)
		defer f.close(fd)
		f.expect(errno.EINVAL, f.p.Ftruncate(fd, -1), "ftruncate(-1)")
		f.content("f", "abc")
	}},
	{name: "missing", run: func(f *fixture) {
		f.expect(errno.ENOENT, f.p.Truncate(f.path("nope"), 0), "truncate(nope)")
	}},
	{name: "through-symlink", needs: needSymlinks, run: func(f *fixture) {
		f.mkfile("f", "abcdef", 0o644)
		f.symlink("f", "l")
		f.must(f.p.Truncate(f.path("l"), 1), "truncate(symlink, 1)")
		f.content("f", "a")
		f.isType("l", rump.S_IFLNK)
	}},
	{name: "sparse-holes-read-zeros", run: func(f *fixture) {
		fd := f.open("f", rump.O_RDWR|rump.O_CREAT, 0o644)
		defer f.close(fd)
		f.pwrite(fd, "head", 0)
		f.pwrite(fd, "mid", 300000)
		f.pwrite(fd, "tail", 1<<20)
		got := f.pread(fd, 2<<20, 0)
		f.check(len(got) == 1<<20+4, "read %d bytes, want %d", len(got), 1<<20+4)
		if len(got) == 1<<20+4 {
			f.check(got[:4] == "head" && got[300000:300003] == "mid" && got[1<<20:] == "tail", "data around the holes is wrong")
			f.check(zeros([]byte(got[4:300000])) && zeros([]byte(got[300003:1<<20])), "holes do not read as zeros")
		}
	}},
	{name: "sparse-blocks", needs: needSparse, run: func(f *fixture) {
		fd := f.open("f", rump.O_RDWR|rump.O_CREAT, 0o644)
		defer f.close(fd)
		f.pwrite(fd, "x", 8<<20)
		st := f.fstat(fd)
		f.check(st.Size == 8<<20+1, "size %d, want %d", st.Size, 8<<20+1)
		f.check(st.Blocks*512 < st.Size/2, "sparse file of %d bytes uses %d blocks of 512", st.Size, st.Blocks)
	}},
	{name: "grow-is-sparse", needs: needSparse, run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		f.must(f.p.Truncate(f.path("f"), 16<<20), "truncate(f, 16M)")
		st := f.stat("f")
		f.check(st.Size == 16<<20, "size %d, want 16M", st.Size)
		f.check(st.Blocks*512 < st.Size/2, "a 16M file grown by truncate uses %d blocks of 512", st.Blocks)
	}},
	{name: "huge-offset", needs: needSparse, run: func(f *fixture) {
		const off = 1 << 33
		fd := f.open("f", rump.O_RDWR|rump.O_CREAT, 0o644)
		defer f.close(fd)
		f.pwrite(fd, "far", off)
		f.check(f.fstat(fd).Size == off+3, "size %d, want %d", f.fstat(fd).Size, int64(off+3))
		f.check(f.pread(fd, 8, off-5) == "\x00\x00\x00\x00\x00far", "read around 8G = %q", f.pread(fd, 8, off-5))
		f.must(f.p.Ftruncate(fd, 1), "ftruncate(1)")
		f.check(f.fstat(fd).Blocks*512 < 1<<20, "blocks after truncating an 8G sparse file: %d", f.fstat(fd).Blocks)
	}},
	{name: "blocks-cover-data", run: func(f *fixture) {
		f.mkfile("f", pattern(20000, 2), 0o644)
		st := f.stat("f")
		f.check(st.Blocks*512 >= 20000, "a 20000-byte file uses %d blocks of 512", st.Blocks)
		f.check(st.Blksize > 0, "st_blksize = %d", st.Blksize)
	}},
}
