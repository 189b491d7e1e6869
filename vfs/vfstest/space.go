package vfstest

import (
	"fmt"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// fill writes chunks to fd until the file system is full. It returns
// how much it wrote; the case fails unless the end is ENOSPC.
func (f *fixture) fill(fd int, limit int64) int64 {
	f.t.Helper()
	chunk := []byte(pattern(16384, 9))
	var written int64
	for written < 16*limit {
		n, err := f.p.Write(fd, chunk)
		written += int64(n)
		if err != nil {
			f.expect(errno.ENOSPC, err, "write past the size limit")
			return written
		}
	}
	f.t.Fatalf("wrote %d bytes on a file system limited to %d without ENOSPC", written, limit)
	return written
}

// filled checks that fd holds exactly the written bytes fill wrote.
func (f *fixture) filled(fd int, written int64) {
	f.t.Helper()
	st := f.fstat(fd)
	f.check(st.Size == written, "size after ENOSPC %d, want the %d bytes written", st.Size, written)
	chunk := pattern(16384, 9)
	got := f.pread(fd, int(written)+1, 0)
	for off := 0; off < len(got); off += len(chunk) {
		end := min(off+len(chunk), len(got))
		if got[off:end] != chunk[:end-off] {
			f.t.Errorf("data written before ENOSPC is damaged at %d", off)
			return
		}
	}
}

const spaceLimit = 256 << 10

// spaceCases cover running out of space and inodes: the error is
// ENOSPC, nothing already stored is lost, and freed space comes back.
var spaceCases = []testCase{
	{name: "write-enospc-keeps-data", limit: &limits{bytes: spaceLimit}, run: func(f *fixture) {
		f.mkfile("keep1", pattern(5000, 1), 0o644)
		f.mkfile("keep2", "small", 0o644)
		fd := f.open("big", rump.O_RDWR|rump.O_CREAT, 0o644)
		defer f.close(fd)
		written := f.fill(fd, spaceLimit)
		f.check(written > 0 && written <= spaceLimit, "wrote %d bytes on a %d-byte file system", written, spaceLimit)
		f.filled(fd, written)
		f.content("keep1", pattern(5000, 1))
		f.content("keep2", "small")
	}},
	{name: "overwrite-when-full", limit: &limits{bytes: spaceLimit}, run: func(f *fixture) {
		fd := f.open("big", rump.O_RDWR|rump.O_CREAT, 0o644)
		defer f.close(fd)
		written := f.fill(fd, spaceLimit)
		// Rewriting bytes that have storage needs no more.
		f.pwrite(fd, "OVERWRITE", written/2)
		got := f.pread(fd, 9, written/2)
		f.check(got == "OVERWRITE", "overwrite when full read back %q", got)
	}},
	{name: "unlink-frees-space", limit: &limits{bytes: spaceLimit}, run: func(f *fixture) {
		fd := f.open("big", rump.O_RDWR|rump.O_CREAT, 0o644)
		f.fill(fd, spaceLimit)
		f.close(fd)
		f.must(f.p.Unlink(f.path("big")), "unlink(big)")
		f.mkfile("again", pattern(spaceLimit/2, 4), 0o644)
		f.content("again", pattern(spaceLimit/2, 4))
	}},
	{name: "truncate-frees-space", limit: &limits{bytes: spaceLimit}, run: func(f *fixture) {
		fd := f.open("big", rump.O_RDWR|rump.O_CREAT, 0o644)
		defer f.close(fd)
		f.fill(fd, spaceLimit)
		f.must(f.p.Ftruncate(fd, 0), "ftruncate(big, 0)")
		f.mkfile("again", pattern(spaceLimit/2, 4), 0o644)
	}},
	{name: "open-unlinked-holds-space", limit: &limits{bytes: spaceLimit}, run: func(f *fixture) {
		fd := f.open("big", rump.O_RDWR|rump.O_CREAT, 0o644)
		written := f.fill(fd, spaceLimit)
		f.must(f.p.Unlink(f.path("big")), "unlink(big)")
		f.filled(fd, written)
		g := f.open("other", rump.O_WRONLY|rump.O_CREAT, 0o644)
		n, err := f.p.Write(g, []byte(pattern(spaceLimit/2, 5)))
		f.check(err != nil || n < spaceLimit/2, "wrote %d bytes while an unlinked open file held the space", n)
		f.close(g)
		f.must(f.p.Unlink(f.path("other")), "unlink(other)")
		f.close(fd) // the last reference: the space comes back
		f.mkfile("again", pattern(spaceLimit/2, 4), 0o644)
	}},
	{name: "inodes-enospc-keeps-files", limit: &limits{bytes: 1 << 20, inodes: 24}, run: func(f *fixture) {
		created := 0
		var err error
		for i := range 100 {
			var fd int
			fd, err = f.p.Open(f.path(fmt.Sprintf("f%d", i)), rump.O_WRONLY|rump.O_CREAT, 0o644)
			if err != nil {
				break
			}
			f.write(fd, fmt.Sprintf("content %d", i))
			f.close(fd)
			created++
		}
		f.expect(errno.ENOSPC, err, "create past the inode limit")
		f.check(created >= 8 && created <= 24, "created %d files with an inode limit of 24", created)
		f.absent(fmt.Sprintf("f%d", created))
		f.expect(errno.ENOSPC, f.p.Mkdir(f.path("d"), 0o755), "mkdir past the inode limit")
		f.absent("d")
		if !f.caps.NoSymlinks {
			f.expect(errno.ENOSPC, f.p.Symlink("x", f.path("l")), "symlink past the inode limit")
		}
		for i := range created {
			f.content(fmt.Sprintf("f%d", i), fmt.Sprintf("content %d", i))
		}
		// Renames and links need no new inode.
		f.expect(ok, f.p.Rename(f.path("f0"), f.path("renamed")), "rename when out of inodes")
		if !f.caps.NoHardLinks {
			f.expect(ok, f.p.Link(f.path("f1"), f.path("linked")), "link when out of inodes")
		}
		f.must(f.p.Unlink(f.path("renamed")), "unlink")
		fd, err := f.p.Open(f.path("new"), rump.O_WRONLY|rump.O_CREAT, 0o644)
		if f.expect(ok, err, "create after freeing an inode") {
			f.close(fd)
		}
	}},
	{name: "statvfs-tracks-usage", run: func(f *fixture) {
		before, err := f.p.Statvfs(f.dir)
		f.must(err, "statvfs")
		f.check(before.Bsize > 0 && before.Frsize > 0 && before.Blocks > 0, "statvfs: bsize %d frsize %d blocks %d", before.Bsize, before.Frsize, before.Blocks)
		f.check(before.Namemax == uint64(f.nameMax()), "statvfs: namemax %d, want %d", before.Namemax, f.nameMax())
		f.mkfile("f", pattern(1<<20, 1), 0o644)
		mid, err := f.p.Statvfs(f.dir)
		f.must(err, "statvfs")
		if mid.Bfree >= before.Bfree {
			f.t.Errorf("writing 1M took no free space (%d free blocks before, %d after)", before.Bfree, mid.Bfree)
		} else if used := (before.Bfree - mid.Bfree) * mid.Frsize; used < 1<<20 {
			f.t.Errorf("writing 1M took %d bytes of free space", used)
		}
		f.must(f.p.Unlink(f.path("f")), "unlink")
		after, err := f.p.Statvfs(f.dir)
		f.must(err, "statvfs")
		f.check(after.Bfree > mid.Bfree, "unlinking 1M freed nothing (%d free blocks before, %d after)", mid.Bfree, after.Bfree)
	}},
}
