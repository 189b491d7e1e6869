// Package memhost is a hypercall host that keeps everything in memory:
// files and disks in RAM, parameters in a map, console output in a buffer,
// and a seeded random generator. Its clock is Go's time package unless
// Options.Clock gives another, so a kernel on a memhost inside a
// testing/synctest bubble runs on virtual time and its tests are
// deterministic; a FixedClock stops the wall time for tools that must
// write the same bytes on every run.
package memhost

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rumpuser"
)

// Host is an in-memory host. Create it with New.
type Host struct {
	mu      sync.Mutex // guards the fields below
	params  map[string]string
	files   map[string]*File
	console bytes.Buffer
	rng     *rand.ChaCha8
	clock   rumpuser.Clock
}

var _ rumpuser.Host = (*Host)(nil)

// Options configure a Host.
type Options struct {
	// Params are the host's parameters, as environment variables are for
	// the POSIX host (RUMP_NCPU, RUMP_MEMLIMIT, ...).
	Params map[string]string
	// Seed makes the random stream reproducible.
	Seed uint64
	// Clock is the host's clock. Nil means Go's time package: virtual
	// inside a synctest bubble, real outside.
	Clock rumpuser.Clock
}

// New returns an empty in-memory host.
func New(opts Options) *Host {
	var seed [32]byte
	for i := range 8 {
		seed[i] = byte(opts.Seed >> (8 * i))
	}
	var clock rumpuser.Clock = goClock{epoch: time.Now()}
	if opts.Clock != nil {
		clock = opts.Clock
	}
	h := &Host{params: map[string]string{}, files: map[string]*File{}, rng: rand.NewChaCha8(seed), clock: clock}
	for k, v := range opts.Params {
		h.params[k] = v
	}
	return h
}

// Version implements rumpuser.Host.
func (h *Host) Version() int { return rumpuser.Version }

// Param implements rumpuser.Host: the mandatory names have defaults
// (2 CPUs, host name "rump-memhost"); others come from Options.Params.
func (h *Host) Param(name string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch name {
	case rumpuser.ParamNCPU:
		if v, ok := h.params["RUMP_NCPU"]; ok && v != "" {
			return v, nil
		}
		return "2", nil
	case rumpuser.ParamHostname:
		return "rump-memhost", nil
	}
	if strings.HasPrefix(name, "_") {
		return "", errno.EINVAL
	}
	v, ok := h.params[name]
	if !ok {
		return "", errno.ENOENT
	}
	return v, nil
}

// SetParam sets a parameter for kernels booted after the call.
func (h *Host) SetParam(name, value string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.params[name] = value
}

// Console implements rumpuser.Host; the output is kept for ConsoleOutput.
func (h *Host) Console(p []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.console.Write(p)
}

// ConsoleOutput returns everything written to the console so far.
func (h *Host) ConsoleOutput() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.console.String()
}

// Clock implements rumpuser.Host: Options.Clock, or else Go's time
// package (virtual inside a synctest bubble, real outside).
func (h *Host) Clock() rumpuser.Clock { return h.clock }

// Random implements rumpuser.Host from a generator seeded by
// Options.Seed, so runs repeat exactly.
func (h *Host) Random(p []byte, flags rumpuser.RandomFlags) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rng.Read(p) //nolint:errcheck // ChaCha8.Read never fails
	return nil
}

// AddFile makes a host file called name with the given contents (nil for
// empty) and returns it.
func (h *Host) AddFile(name string, data []byte) *File {
	return h.add(name, rumpuser.FTReg, data)
}

// AddDevice makes a block or character device called name of the given
// size, filled with zeroes.
func (h *Host) AddDevice(name string, typ rumpuser.FileType, size int64) *File {
	return h.add(name, typ, make([]byte, size))
}

func (h *Host) add(name string, typ rumpuser.FileType, data []byte) *File {
	f := &File{typ: typ, data: bytes.Clone(data)}
	if f.data == nil {
		f.data = []byte{}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.files[name] = f
	return f
}

// Lookup returns the host file called name.
func (h *Host) Lookup(name string) (*File, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f, ok := h.files[name]
	return f, ok
}

// Remove deletes the host file called name.
func (h *Host) Remove(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.files, name)
}

// Open implements rumpuser.Host.
func (h *Host) Open(name string, mode rumpuser.OpenMode) (rumpuser.File, error) {
	acc := mode & rumpuser.OpenACCMODE
	if acc == rumpuser.OpenACCMODE {
		return nil, errno.EINVAL
	}
	h.mu.Lock()
	f, ok := h.files[name]
	switch {
	case ok && mode&rumpuser.OpenCreate != 0 && mode&rumpuser.OpenExcl != 0:
		h.mu.Unlock()
		return nil, errno.EEXIST
	case !ok && mode&rumpuser.OpenCreate == 0:
		h.mu.Unlock()
		return nil, errno.ENOENT
	case !ok:
		f = &File{typ: rumpuser.FTReg, data: []byte{}}
		h.files[name] = f
	}
	h.mu.Unlock()
	if f.typ == rumpuser.FTDir {
		return nil, errno.EISDIR
	}
	return &handle{f: f, writable: acc != rumpuser.OpenRDONLY}, nil
}

// FileInfo implements rumpuser.Host.
func (h *Host) FileInfo(name string) (rumpuser.FileInfo, error) {
	h.mu.Lock()
	f, ok := h.files[name]
	h.mu.Unlock()
	if !ok {
		return rumpuser.FileInfo{}, errno.ENOENT
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	return rumpuser.FileInfo{Size: int64(len(f.data)), Type: f.typ}, nil
}

// File is a host file in memory. Devices keep their size: writes past the
// end fail with ENOSPC, as on a real disk.
type File struct {
	typ rumpuser.FileType

	mu    sync.RWMutex // guards data and buses
	data  []byte
	buses map[*bus]struct{} // open OpenBus mappings, told of each Wake
}

// Bytes returns a copy of the file's contents.
func (f *File) Bytes() []byte {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return bytes.Clone(f.data)
}

type handle struct {
	f        *File
	writable bool
}

func (h *handle) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errno.EINVAL
	}
	h.f.mu.RLock()
	defer h.f.mu.RUnlock()
	if off >= int64(len(h.f.data)) {
		return 0, io.EOF
	}
	n := copy(p, h.f.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (h *handle) WriteAt(p []byte, off int64) (int, error) {
	if !h.writable {
		return 0, errno.EBADF
	}
	if off < 0 {
		return 0, errno.EINVAL
	}
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	end := off + int64(len(p))
	if end > int64(len(h.f.data)) {
		if h.f.typ != rumpuser.FTReg {
			n := 0
			if off < int64(len(h.f.data)) {
				n = copy(h.f.data[off:], p)
			}
			return n, errno.ENOSPC
		}
		h.f.data = growTo(h.f.data, end)
	}
	return copy(h.f.data[off:], p), nil
}

func growTo(b []byte, n int64) []byte {
	if n <= int64(cap(b)) {
		return b[:n]
	}
	nb := make([]byte, n, max(n, int64(cap(b))*2))
	copy(nb, b)
	return nb
}

func (h *handle) Size() (int64, error) {
	h.f.mu.RLock()
	defer h.f.mu.RUnlock()
	return int64(len(h.f.data)), nil
}

func (h *handle) Truncate(size int64) error {
	if !h.writable {
		return errno.EBADF
	}
	if size < 0 || h.f.typ != rumpuser.FTReg {
		return errno.EINVAL
	}
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	if size <= int64(len(h.f.data)) {
		clear(h.f.data[size:])
		h.f.data = h.f.data[:size]
		return nil
	}
	h.f.data = growTo(h.f.data, size)
	return nil
}

func (h *handle) Sync(rumpuser.SyncFlags) error { return nil }
func (h *handle) Close() error                  { return nil }

// goClock reads Go's time package. Its epoch is taken when the host is
// made, so a host made inside a synctest bubble counts virtual time.
type goClock struct{ epoch time.Time }

func (c goClock) Now() time.Time           { return time.Now() }
func (c goClock) Monotonic() time.Duration { return time.Since(c.epoch) }
func (c goClock) Sleep(d time.Duration)    { time.Sleep(d) }
func (c goClock) AfterFunc(d time.Duration, f func()) rumpuser.Timer {
	return time.AfterFunc(d, f)
}
