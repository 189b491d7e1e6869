package vfstest

import (
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// fifoCases open FIFOs made with mkfifo and move data through them:
// the data lives in the kernel, never in the file system, with NetBSD's
// open rules.
var fifoCases = []testCase{
	{name: "data", needs: needSpecialFiles, run: func(f *fixture) {
		f.must(f.p.Mkfifo(f.path("p"), 0o644), "mkfifo")
		r := f.open("p", rump.O_RDONLY|rump.O_NONBLOCK, 0)
		defer f.close(r)
		w := f.open("p", rump.O_WRONLY, 0)
		_, err := f.p.Read(r, make([]byte, 1))
		f.expect(errno.EAGAIN, err, "read(empty fifo, O_NONBLOCK)")
		f.write(w, "through the fifo")
		f.check(f.stat("p").Size == 0, "the fifo's data shows in its size")
		buf := make([]byte, 64)
		n, err := f.p.Read(r, buf)
		f.must(err, "read(fifo)")
		f.check(string(buf[:n]) == "through the fifo", "read %q from the fifo", buf[:n])
		f.close(w)
		n, err = f.p.Read(r, buf)
		f.check(n == 0 && err == nil, "read after the writer closed: %d, %v, want 0 (end of file)", n, err)
	}},
	{name: "open-rules", needs: needSpecialFiles, run: func(f *fixture) {
		f.must(f.p.Mkfifo(f.path("p"), 0o644), "mkfifo")
		_, err := f.p.Open(f.path("p"), rump.O_WRONLY|rump.O_NONBLOCK, 0)
		f.expect(errno.ENXIO, err, "open(fifo, O_WRONLY|O_NONBLOCK) without reader")
		// A blocking reader's open waits for a writer.
		opened := make(chan int, 1)
		go func() {
			fd, err := f.p.Open(f.path("p"), rump.O_RDONLY, 0)
			if err != nil {
				fd = -1
			}
			opened <- fd
		}()
		select {
		case fd := <-opened:
			f.check(false, "open(fifo, O_RDONLY) returned %d before any writer", fd)
			return
		case <-time.After(20 * time.Millisecond):
		}
		w := f.open("p", rump.O_WRONLY, 0)
		defer f.close(w)
		select {
		case r := <-opened:
			f.check(r >= 0, "the reader's open failed")
			if r >= 0 {
				f.close(r)
			}
		case <-time.After(5 * time.Second):
			f.t.Fatal("the reader's open still waits after a writer opened")
		}
		_, err = f.p.Write(w, []byte("x"))
		f.expect(errno.EPIPE, err, "write(fifo) after the reader closed")
	}},
	{name: "attributes", needs: needSpecialFiles | needPermissions, run: func(f *fixture) {
		f.must(f.p.Mkfifo(f.path("p"), 0o640), "mkfifo")
		fd := f.open("p", rump.O_RDWR, 0)
		defer f.close(fd)
		st := f.fstat(fd)
		f.check(fileType(st.Mode) == rump.S_IFIFO && st.Mode&0o777 == 0o640, "fstat(fifo): mode %#o", st.Mode)
		f.must(f.p.Fchmod(fd, 0o600), "fchmod(fifo)")
		f.perm("p", 0o600)
		_, err := f.p.Lseek(fd, 0, rump.SEEK_SET)
		f.expect(errno.ESPIPE, err, "lseek(fifo)")
		_, err = f.p.Pread(fd, make([]byte, 1), 0)
		f.expect(errno.ESPIPE, err, "pread(fifo)")
		f.must(f.p.Fsync(fd), "fsync(fifo)")
	}},
	{name: "emptied-by-last-close", needs: needSpecialFiles, run: func(f *fixture) {
		f.must(f.p.Mkfifo(f.path("p"), 0o644), "mkfifo")
		fd := f.open("p", rump.O_RDWR, 0)
		f.write(fd, "lost")
		f.close(fd)
		fd = f.open("p", rump.O_RDWR|rump.O_NONBLOCK, 0)
		defer f.close(fd)
		_, err := f.p.Read(fd, make([]byte, 8))
		f.expect(errno.EAGAIN, err, "read(fifo reopened after its last close)")
	}},
	{name: "poll", needs: needSpecialFiles, run: func(f *fixture) {
		f.must(f.p.Mkfifo(f.path("p"), 0o644), "mkfifo")
		r := f.open("p", rump.O_RDONLY|rump.O_NONBLOCK, 0)
		defer f.close(r)
		w := f.open("p", rump.O_WRONLY, 0)
		defer f.close(w)
		fds := []rump.PollFd{{Fd: r, Events: rump.POLLIN}, {Fd: w, Events: rump.POLLOUT}}
		n, err := f.p.Poll(fds, 0)
		f.check(n == 1 && err == nil && fds[0].Revents == 0 && fds[1].Revents == rump.POLLOUT,
			"poll(empty fifo): %d, %v, revents %#x %#x", n, err, fds[0].Revents, fds[1].Revents)
		f.write(w, "x")
		n, err = f.p.Poll(fds[:1], 0)
		f.check(n == 1 && err == nil && fds[0].Revents == rump.POLLIN, "poll(fifo with data): %d, %v, revents %#x", n, err, fds[0].Revents)
	}},
}
