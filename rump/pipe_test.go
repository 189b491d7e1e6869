package rump_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

// TestPipeFiles copies through a pipe between two goroutines with the
// io interfaces, as one would with os.Pipe.
func TestPipeFiles(t *testing.T) {
	p := boot(t).InitProc()
	r, w, err := p.PipeFiles()
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("gorump pipe "), 20000) // past the buffer
	go func() {
		w.Write(data)
		w.Close()
	}()
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadAll: %d bytes, %v; want %d", len(got), err, len(data))
	}
	r.Close()
	fi, err := w.Stat()
	if err == nil {
		t.Errorf("Stat of a closed end: %v", fi)
	}
}

func TestPipeSelectAndLimits(t *testing.T) {
	p := boot(t).InitProc()
	r, w, err := p.Pipe2(rump.O_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Read(r, make([]byte, 1)); !errors.Is(err, errno.EAGAIN) {
		t.Errorf("nonblocking read: %v", err)
	}
	rd := make(rump.FdSet, rump.FdSetWords(w+1))
	rd.Set(r)
	if n, err := p.Select(w+1, rd, nil, nil, 0); n != 0 || err != nil || rd.IsSet(r) {
		t.Errorf("select on an empty pipe: %d, %v", n, err)
	}
	p.Write(w, []byte("x"))
	rd.Set(r)
	if n, err := p.Select(w+1, rd, nil, nil, -1); n != 1 || err != nil || !rd.IsSet(r) {
		t.Errorf("select on a pipe with data: %d, %v", n, err)
	}
	if n, err := p.Fpathconf(w, rump.PC_PIPE_BUF); n != rump.PIPE_BUF || err != nil {
		t.Errorf("fpathconf: %d, %v", n, err)
	}
	if n, err := p.Pathconf("/", rump.PC_NAME_MAX); n != 255 || err != nil {
		t.Errorf("pathconf(/): %d, %v", n, err)
	}
	if _, err := p.Pathconf("/nonexistent", rump.PC_NAME_MAX); !errors.Is(err, errno.ENOENT) {
		t.Errorf("pathconf of a missing path: %v", err)
	}
	if err := p.Seteuid(1000); err != nil || p.Geteuid() != 1000 || p.Getuid() != 0 {
		t.Errorf("seteuid: %v, euid %d uid %d", err, p.Geteuid(), p.Getuid())
	}
	if err := p.Seteuid(0); err != nil {
		t.Errorf("seteuid back to root: %v", err)
	}
}
