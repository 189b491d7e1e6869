package kern

import (
	"bytes"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// pipeProc boots a kernel and returns an LWP of a fresh process with a
// pipe made with flags.
func pipeProc(t *testing.T, flags int) (*LWP, int, int) {
	t.Helper()
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	r, w, err := l.Pipe(flags)
	if err != nil {
		t.Fatalf("pipe: %v", err)
	}
	return l, r, w
}

// pipeOf returns the pipe behind descriptor fd.
func pipeOf(t *testing.T, l *LWP, fd int) *Pipe {
	t.Helper()
	f, err := l.Proc().Files().Get(fd)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release(l)
	return f.Ops().(*pipeEnd).p
}

// blocks waits until a call sleeps in p.
func blocks(t *testing.T, p *Pipe) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !p.w.Waiting(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no call came to sleep in the pipe")
		}
	}
}

type ioResult struct {
	n   int
	err error
}

func goRead(l *LWP, fd int, buf []byte) chan ioResult {
	ch := make(chan ioResult, 1)
	go func() {
		n, err := l.Read(fd, buf)
		ch <- ioResult{n, err}
	}()
	return ch
}

func goWrite(l *LWP, fd int, buf []byte) chan ioResult {
	ch := make(chan ioResult, 1)
	go func() {
		n, err := l.Write(fd, buf)
		ch <- ioResult{n, err}
	}()
	return ch
}

func result(t *testing.T, ch chan ioResult) ioResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("call did not return")
	}
	return ioResult{}
}

func TestPipeFlags(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	if _, _, err := l.Pipe(O_APPEND); err != errno.EINVAL {
		t.Errorf("pipe2(O_APPEND): %v, want EINVAL", err)
	}
	r, w, err := l.Pipe(O_CLOEXEC | O_NONBLOCK | O_NOSIGPIPE)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		fd   int
		acc  int
		name string
	}{{r, O_RDONLY, "read end"}, {w, O_WRONLY, "write end"}} {
		fl, err := l.Fcntl(c.fd, F_GETFL, 0)
		if err != nil || fl != c.acc|O_NONBLOCK|O_NOSIGPIPE {
			t.Errorf("%s F_GETFL = %#x, %v", c.name, fl, err)
		}
		if fd, err := l.Fcntl(c.fd, F_GETFD, 0); err != nil || fd != FD_CLOEXEC {
			t.Errorf("%s F_GETFD = %d, %v", c.name, fd, err)
		}
	}
	if _, err := l.Write(r, []byte("x")); err != errno.EBADF {
		t.Errorf("write on the read end: %v, want EBADF", err)
	}
	if _, err := l.Read(w, make([]byte, 1)); err != errno.EBADF {
		t.Errorf("read on the write end: %v, want EBADF", err)
	}
	if _, err := l.Lseek(r, 0, SEEK_SET); err != errno.ESPIPE {
		t.Errorf("lseek: %v, want ESPIPE", err)
	}
	if _, err := l.Pread(r, make([]byte, 1), 0); err != errno.ESPIPE {
		t.Errorf("pread: %v, want ESPIPE", err)
	}
	if err := l.Fsync(w, false); err != errno.EINVAL {
		t.Errorf("fsync: %v, want EINVAL", err)
	}
}

func TestPipeReadWriteEOF(t *testing.T) {
	l, r, w := pipeProc(t, 0)
	if n, err := l.Write(w, []byte("hello, pipe")); n != 11 || err != nil {
		t.Fatalf("write: %d, %v", n, err)
	}
	buf := make([]byte, 5)
	if n, err := l.Read(r, buf); n != 5 || err != nil || string(buf) != "hello" {
		t.Fatalf("read: %d %q %v", n, buf, err)
	}
	buf = make([]byte, 64)
	if n, err := l.Read(r, buf); n != 6 || err != nil || string(buf[:n]) != ", pipe" {
		t.Fatalf("read: %d %q %v", n, buf[:n], err)
	}
	if n, err := l.Read(r, nil); n != 0 || err != nil {
		t.Errorf("empty read: %d, %v", n, err)
	}
	l.Write(w, []byte("tail"))
	if err := l.Close(w); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Read(r, buf); n != 4 || err != nil {
		t.Errorf("read after the writer closed: %d, %v; want the buffered bytes", n, err)
	}
	for range 2 {
		if n, err := l.Read(r, buf); n != 0 || err != nil {
			t.Errorf("read at end of file: %d, %v", n, err)
		}
	}
}

func TestPipeBlockingRead(t *testing.T) {
	l, r, w := pipeProc(t, 0)
	p := pipeOf(t, l, r)
	ch := goRead(l, r, make([]byte, 10))
	blocks(t, p)
	l.Write(w, []byte("abc"))
	if res := result(t, ch); res.n != 3 || res.err != nil {
		t.Errorf("blocked read: %+v", res)
	}
	ch = goRead(l, r, make([]byte, 10))
	blocks(t, p)
	l.Close(w)
	if res := result(t, ch); res.n != 0 || res.err != nil {
		t.Errorf("read woken by the writer's close: %+v, want 0 (EOF)", res)
	}
}

func TestPipeNonblock(t *testing.T) {
	l, r, w := pipeProc(t, O_NONBLOCK)
	if _, err := l.Read(r, make([]byte, 1)); err != errno.EAGAIN {
		t.Errorf("empty read: %v, want EAGAIN", err)
	}
	big := bytes.Repeat([]byte{'x'}, PIPE_SIZE+100)
	n, err := l.Write(w, big[:PIPE_SIZE-10])
	if n != PIPE_SIZE-10 || err != nil {
		t.Fatalf("fill: %d, %v", n, err)
	}
	// 10 bytes of room: a write of up to PIPE_BUF needs room for all of it.
	if n, err := l.Write(w, big[:PIPE_BUF]); n != 0 || err != errno.EAGAIN {
		t.Errorf("atomic write without room: %d, %v, want EAGAIN", n, err)
	}
	if n, err := l.Write(w, big[:PIPE_BUF+1]); n != 10 || err != nil {
		t.Errorf("long write with 10 bytes of room: %d, %v, want 10", n, err)
	}
	if n, err := l.Write(w, big[:1]); n != 0 || err != errno.EAGAIN {
		t.Errorf("write into a full pipe: %d, %v, want EAGAIN", n, err)
	}
	l.Close(r)
	if _, err := l.Write(w, big[:1]); err != errno.EPIPE {
		t.Errorf("write without a reader: %v, want EPIPE", err)
	}
}

func TestPipeBlockingWriteAndEPIPE(t *testing.T) {
	l, r, w := pipeProc(t, 0)
	data := bytes.Repeat([]byte("0123456789abcdef"), PIPE_SIZE/16*3)
	ch := goWrite(l, w, data)
	got := make([]byte, 0, len(data))
	buf := make([]byte, 4096)
	for len(got) < len(data) {
		n, err := l.Read(r, buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if res := result(t, ch); res.n != len(data) || res.err != nil {
		t.Errorf("blocking write: %+v", res)
	}
	if !bytes.Equal(got, data) {
		t.Error("data read differs from data written")
	}
	// A writer asleep on a full pipe wakes with EPIPE when the reader goes.
	r, w, _ = l.Pipe(0)
	p := pipeOf(t, l, w)
	l.Write(w, data[:PIPE_SIZE])
	ch = goWrite(l, w, data[:100])
	blocks(t, p)
	l.Close(r)
	if res := result(t, ch); res.err != errno.EPIPE {
		t.Errorf("write woken by the reader's close: %+v, want EPIPE", res)
	}
}

// TestPipeGrows checks that a write larger than PIPE_SIZE into an empty
// pipe grows its buffer to BIG_PIPE_SIZE, as NetBSD's.
func TestPipeGrows(t *testing.T) {
	l, r, w := pipeProc(t, O_NONBLOCK)
	n, err := l.Write(w, make([]byte, BIG_PIPE_SIZE+1))
	if n != BIG_PIPE_SIZE || err != nil {
		t.Errorf("big write into an empty nonblocking pipe: %d, %v, want %d", n, err, BIG_PIPE_SIZE)
	}
	st, err := l.Fstat(r)
	if err != nil || st.Size != BIG_PIPE_SIZE || st.Blksize != BIG_PIPE_SIZE {
		t.Errorf("fstat: size %d blksize %d, %v", st.Size, st.Blksize, err)
	}
}

func TestPipeStat(t *testing.T) {
	k := bootTest(t, Config{})
	proc := newTestProc(t, k)
	c, _ := NewCred(1000, 100)
	proc.SetCred(c)
	l := proc.LWP()
	r, w, err := l.Pipe(0)
	if err != nil {
		t.Fatal(err)
	}
	l.Write(w, []byte("12345"))
	st, err := l.Fstat(r)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode != S_IFIFO|0o600 || st.Size != 5 || st.Blocks != 1 || st.Blksize != PIPE_SIZE || st.UID != 1000 || st.GID != 100 {
		t.Errorf("read end: %+v", st)
	}
	st, _ = l.Fstat(w)
	if st.Mode != S_IFIFO|0o600 || st.Size != 0 || st.Blksize != PIPE_SIZE {
		t.Errorf("write end: %+v", st)
	}
	l.Close(r)
	if st, _ = l.Fstat(w); st.Blksize != 0 {
		t.Errorf("write end without reader: blksize %d, want 0", st.Blksize)
	}
}

// TestPipeAtomicWrites has writers race writes of PIPE_BUF bytes, each
// of one repeated byte, into a small pipe read slowly: every PIPE_BUF
// bytes read must come from one write.
func TestPipeAtomicWrites(t *testing.T) {
	l, r, w := pipeProc(t, 0)
	const writers, each = 8, 64
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := bytes.Repeat([]byte{byte('a' + i)}, PIPE_BUF)
			for range each {
				if n, err := l.Write(w, b); n != PIPE_BUF || err != nil {
					t.Errorf("write: %d, %v", n, err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); l.Close(w); close(done) }()
	var got []byte
	buf := make([]byte, 700) // not a multiple of PIPE_BUF
	for {
		n, err := l.Read(r, buf)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		got = append(got, buf[:n]...)
		runtime.Gosched()
	}
	<-done
	if len(got) != writers*each*PIPE_BUF {
		t.Fatalf("read %d bytes, want %d", len(got), writers*each*PIPE_BUF)
	}
	for i := 0; i < len(got); i += PIPE_BUF {
		chunk := got[i : i+PIPE_BUF]
		if bytes.Count(chunk, chunk[:1]) != PIPE_BUF {
			t.Fatalf("bytes %d-%d mix writes: %q", i, i+PIPE_BUF, chunk)
		}
	}
}

func TestPipePoll(t *testing.T) {
	l, r, w := pipeProc(t, 0)
	all := int16(POLLIN | POLLOUT)
	poll := func(fd int, timeout time.Duration) int16 {
		t.Helper()
		fds := []PollFd{{Fd: fd, Events: all}}
		if _, err := Poll(l, fds, timeout); err != nil {
			t.Fatal(err)
		}
		return fds[0].Revents
	}
	if ev := poll(r, 0); ev != 0 {
		t.Errorf("empty read end: %#x, want 0", ev)
	}
	if ev := poll(w, 0); ev != POLLOUT {
		t.Errorf("write end: %#x, want POLLOUT", ev)
	}
	// A poll asleep on the read end wakes when data comes.
	ch := make(chan int16, 1)
	go func() { ch <- poll(r, -1) }()
	p := pipeOf(t, l, r)
	for deadline := time.Now().Add(5 * time.Second); p.w.Watchers() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("poll did not sleep")
		}
	}
	l.Write(w, []byte("x"))
	select {
	case ev := <-ch:
		if ev != POLLIN {
			t.Errorf("woken poll: %#x, want POLLIN", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("poll not woken by a write")
	}
	// A full pipe is not writable.
	l.Write(w, make([]byte, PIPE_SIZE-1))
	if ev := poll(w, 0); ev != 0 {
		t.Errorf("full write end: %#x, want 0", ev)
	}
	// The reader's close: the write end hangs up, readable and writable.
	r2, w2, _ := l.Pipe(0)
	l.Close(r)
	if ev := poll(w, 0); ev != POLLIN|POLLOUT|POLLHUP {
		t.Errorf("write end without reader: %#x, want POLLIN|POLLOUT|POLLHUP", ev)
	}
	l.Close(w2)
	if ev := poll(r2, 0); ev != POLLIN|POLLOUT|POLLHUP {
		t.Errorf("read end without writer: %#x, want POLLIN|POLLOUT|POLLHUP", ev)
	}
}

func TestPipeSelect(t *testing.T) {
	l, r, w := pipeProc(t, 0)
	words := FdSetWords(w + 1)
	rd, wr := make(FdSet, words), make(FdSet, words)
	rd.Set(r)
	wr.Set(w)
	n, err := Select(l, w+1, rd, wr, nil, 0)
	if err != nil || n != 1 || rd.IsSet(r) || !wr.IsSet(w) {
		t.Errorf("select: %d, %v, rd %v wr %v; want the write end only", n, err, rd, wr)
	}
	rd.Set(r)
	ch := make(chan error, 1)
	go func() {
		_, err := Select(l, r+1, rd, nil, nil, -1)
		ch <- err
	}()
	p := pipeOf(t, l, r)
	for deadline := time.Now().Add(5 * time.Second); p.w.Watchers() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("select did not sleep")
		}
	}
	l.Write(w, []byte("x"))
	if err := <-ch; err != nil || !rd.IsSet(r) {
		t.Errorf("woken select: %v, rd %v", err, rd)
	}
	closed := make(FdSet, 1)
	closed.Set(20)
	if _, err := Select(l, 21, closed, nil, nil, 0); err != errno.EBADF {
		t.Errorf("select on a closed descriptor: %v, want EBADF", err)
	}
	if _, err := Select(l, -1, nil, nil, nil, 0); err != errno.EINVAL {
		t.Errorf("select with nd -1: %v, want EINVAL", err)
	}
	start := time.Now()
	if n, err := Select(l, 0, nil, nil, nil, 20*time.Millisecond); n != 0 || err != nil || time.Since(start) < 20*time.Millisecond {
		t.Errorf("select timeout: %d, %v after %v", n, err, time.Since(start))
	}
}

// TestPipeCloseWakesBlocked checks that closing the last descriptor of
// an end wakes the calls asleep in it with EBADF, as NetBSD's
// fo_restart.
func TestPipeCloseWakesBlocked(t *testing.T) {
	l, r, _ := pipeProc(t, 0)
	p := pipeOf(t, l, r)
	ch := goRead(l, r, make([]byte, 1))
	blocks(t, p)
	l.Close(r)
	if res := result(t, ch); res.err != errno.EBADF {
		t.Errorf("read of a closed descriptor: %+v, want EBADF", res)
	}
}

// TestPipeHaltWakesBlocked checks that a halt ends blocked reads and
// writes and leaves no goroutine behind.
func TestPipeHaltWakesBlocked(t *testing.T) {
	base := runtime.NumGoroutine()
	k, err := Boot(Config{Host: memhost.New(memhost.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	p, err := k.NewProc(nil, ForkClearFD)
	if err != nil {
		t.Fatal(err)
	}
	l := p.LWP()
	r, _, _ := l.Pipe(0)
	r2, w2, _ := l.Pipe(0)
	l.Write(w2, make([]byte, PIPE_SIZE))
	rd := goRead(l, r, make([]byte, 1))
	wr := goWrite(l, w2, make([]byte, 1))
	blocks(t, pipeOf(t, l, r))
	blocks(t, pipeOf(t, l, r2))
	if err := k.Halt(); err != nil {
		t.Fatal(err)
	}
	// Halt closes every descriptor: the read wakes at the end of file or
	// with EBADF, the write with EPIPE or EBADF.
	if res := result(t, rd); res.n != 0 || res.err != nil && res.err != errno.EBADF {
		t.Errorf("read ended by halt: %+v", res)
	}
	if res := result(t, wr); res.err != errno.EPIPE && res.err != errno.EBADF {
		t.Errorf("write ended by halt: %+v", res)
	}
	if used := k.Memory().Used(); used != 0 {
		t.Errorf("%d bytes still reserved after halt", used)
	}
	checkNoLeak(t, base)
}

// TestPipeMemory checks that a pipe's buffer is charged to the kernel's
// memory account and returned when both ends close.
func TestPipeMemory(t *testing.T) {
	l, r, w := pipeProc(t, 0)
	mem := l.Kernel().Memory()
	if used := mem.Used(); used < PIPE_SIZE {
		t.Errorf("%d bytes reserved with a pipe open, want at least %d", used, PIPE_SIZE)
	}
	l.Close(r)
	l.Close(w)
	if used := mem.Used(); used != 0 {
		t.Errorf("%d bytes reserved after both ends closed", used)
	}
}

func TestFIFORules(t *testing.T) {
	k := bootTest(t, Config{})
	l := newTestProc(t, k).LWP()
	p, err := NewFIFO(k, l.Cred())
	if err != nil {
		t.Fatal(err)
	}
	// No reader: a nonblocking writer's open fails with ENXIO.
	p.Attach(FWRITE)
	if err := p.AwaitPeer(FWRITE | O_NONBLOCK); err != errno.ENXIO {
		t.Errorf("nonblocking open for writing: %v, want ENXIO", err)
	}
	if !p.Detach(FWRITE) {
		t.Error("Detach of the only end did not report the pipe empty")
	}
	// A blocking reader's open waits for a writer.
	p, _ = NewFIFO(k, l.Cred())
	p.Attach(FREAD)
	opened := make(chan error, 1)
	go func() { opened <- p.AwaitPeer(FREAD) }()
	blocks(t, p)
	p.Attach(FWRITE)
	if err := <-opened; err != nil {
		t.Fatal(err)
	}
	rf := NewFile(&pipeEnd{p: p}, FREAD|O_NONBLOCK, false)
	wf := NewFile(&pipeEnd{p: p, write: true}, FWRITE, false)
	if _, err := p.Read(rf, make([]byte, 1)); err != errno.EAGAIN {
		t.Errorf("nonblocking read with a writer: %v, want EAGAIN", err)
	}
	p.Write(wf, []byte("ab"))
	if ev := p.PollEvents(); ev != POLLIN|POLLRDNORM|POLLOUT|POLLWRNORM {
		t.Errorf("events: %#x", ev)
	}
	p.Detach(FWRITE)
	buf := make([]byte, 4)
	if n, _ := p.Read(rf, buf); n != 2 {
		t.Errorf("read: %d", n)
	}
	// The end of file is reported once; then, with no writer, a
	// nonblocking read still gives 0 (not EAGAIN).
	for i := range 2 {
		if n, err := p.Read(rf, buf); n != 0 || err != nil {
			t.Errorf("read %d at end of file: %d, %v", i, n, err)
		}
	}
	if ev := p.PollEvents(); ev&POLLIN != 0 || ev&POLLHUP != 0 {
		t.Errorf("events after the end of file was read: %#x", ev)
	}
	if p.Detach(FREAD) != true {
		t.Error("Detach of the last end did not report the pipe empty")
	}
}
