package vfstest

import (
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// pathconfCases check the limits pathconf reports against what the
// file system does and what every NetBSD file system answers.
var pathconfCases = []testCase{
	{name: "limits", run: func(f *fixture) {
		f.mkfile("f", "", 0o644)
		pc := func(name string, v int) int64 {
			n, err := f.p.Pathconf(f.path(name), v)
			f.must(err, "pathconf(%s, %d)", name, v)
			return n
		}
		maxName := f.caps.MaxNameLen
		if maxName == 0 {
			maxName = 255
		}
		f.check(pc("f", rump.PC_NAME_MAX) == int64(maxName), "_PC_NAME_MAX %d, names up to %d bytes", pc("f", rump.PC_NAME_MAX), maxName)
		f.check(pc(".", rump.PC_PATH_MAX) == 1024, "_PC_PATH_MAX %d, want 1024", pc(".", rump.PC_PATH_MAX))
		f.check(pc("f", rump.PC_CHOWN_RESTRICTED) == 1, "_PC_CHOWN_RESTRICTED %d", pc("f", rump.PC_CHOWN_RESTRICTED))
		if links := pc("f", rump.PC_LINK_MAX); f.has(needHardLinks) {
			f.check(links > 1, "_PC_LINK_MAX %d with hard links", links)
		} else {
			f.check(links == 1, "_PC_LINK_MAX %d without hard links", links)
		}
		_, err := f.p.Pathconf(f.path("f"), 9999)
		f.expect(errno.EINVAL, err, "pathconf(unknown name)")
		_, err = f.p.Pathconf(f.path("missing"), rump.PC_NAME_MAX)
		f.expect(errno.ENOENT, err, "pathconf(missing file)")
		fd := f.open("f", rump.O_RDONLY, 0)
		defer f.close(fd)
		n, err := f.p.Fpathconf(fd, rump.PC_NAME_MAX)
		f.check(err == nil && n == int64(maxName), "fpathconf(_PC_NAME_MAX) = %d, %v", n, err)
	}},
	{name: "fifo", needs: needSpecialFiles, run: func(f *fixture) {
		f.must(f.p.Mkfifo(f.path("p"), 0o644), "mkfifo")
		n, err := f.p.Pathconf(f.path("p"), rump.PC_PIPE_BUF)
		f.check(err == nil && n == rump.PIPE_BUF, "pathconf(fifo, _PC_PIPE_BUF) = %d, %v", n, err)
		_, err = f.p.Pathconf(f.path("p"), rump.PC_NAME_MAX)
		f.expect(errno.EINVAL, err, "pathconf(fifo, _PC_NAME_MAX), which fifofs has not")
	}},
}
