package rump_test

import (
	"bytes"
	"errors"
	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/fs/ffs"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser"
	"github.com/gorump/gorump/rumpuser/memhost"
	"github.com/gorump/gorump/rumpuser/posix"
)

// etfsHost is a host on which etfs is tested, with its own ways to make
// and inspect host files.
type etfsHost struct {
	name string
	host rumpuser.Host
	// add makes a host file with the given contents; for memhost, typ
	// chooses a regular file or a fixed-size device.
	add func(name string, data []byte, typ rumpuser.FileType) string
	// read returns a host file's contents as the host sees them.
	read func(path string) []byte
	// write replaces a host file's bytes at off from outside the kernel.
	write func(path string, off int64, b []byte)
}

func etfsHosts(t *testing.T) []etfsHost {
	mh := memhost.New(memhost.Options{})
	dir := t.TempDir()
	return []etfsHost{
		{
			name: "memhost",
			host: mh,
			add: func(name string, data []byte, typ rumpuser.FileType) string {
				path := "/host/" + name
				if typ == rumpuser.FTReg {
					mh.AddFile(path, data)
				} else {
					mh.AddDevice(path, typ, int64(len(data)))
					f, _ := mh.Open(path, rumpuser.OpenRDWR)
					f.WriteAt(data, 0)
					f.Close()
				}
				return path
			},
			read: func(path string) []byte {
				f, ok := mh.Lookup(path)
				if !ok {
					return nil
				}
				return f.Bytes()
			},
			write: func(path string, off int64, b []byte) {
				f, _ := mh.Open(path, rumpuser.OpenRDWR)
				f.WriteAt(b, off)
				f.Close()
			},
		},
		{
			name: "posix",
			host: posix.New(),
			add: func(name string, data []byte, _ rumpuser.FileType) string {
				path := filepath.Join(dir, name)
				if err := os.WriteFile(path, data, 0o644); err != nil {
					t.Fatal(err)
				}
				return path
			},
			read: func(path string) []byte {
				b, _ := os.ReadFile(path)
				return b
			},
			write: func(path string, off int64, b []byte) {
				f, err := os.OpenFile(path, os.O_RDWR, 0)
				if err != nil {
					t.Fatal(err)
				}
				f.WriteAt(b, off)
				f.Close()
			},
		},
	}
}

func bootOn(t *testing.T, h rumpuser.Host) *rump.Kernel {
	t.Helper()
	k, err := rump.Init(rump.Options{Host: h})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := k.Halt(); err != nil {
			t.Errorf("halt: %v", err)
		}
	})
	return k
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/256)
	}
	return b
}

func wantErr(t *testing.T, what string, err error, want errno.Errno) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %s", what, err, want.Name())
	}
}

var etfsKinds = []struct {
	name   string
	typ    rump.EtfsType
	ifmt   uint32
	hostFT rumpuser.FileType
}{
	{"REG", rump.EtfsReg, rump.S_IFREG, rumpuser.FTReg},
	{"BLK", rump.EtfsBlk, rump.S_IFBLK, rumpuser.FTBlk},
	{"CHR", rump.EtfsChr, rump.S_IFCHR, rumpuser.FTChr},
}

func TestEtfsReadWrite(t *testing.T) {
	for _, eh := range etfsHosts(t) {
		for _, kind := range etfsKinds {
			t.Run(eh.name+"/"+kind.name, func(t *testing.T) {
				k := bootOn(t, eh.host)
				p := k.InitProc()
				data := pattern(8192)
				path := eh.add("file-"+kind.name, data, kind.hostFT)
				key := "/dev/etfs-" + kind.name
				if err := k.EtfsRegister(key, path, kind.typ); err != nil {
					t.Fatal(err)
				}
				st, err := p.Stat(key)
				if err != nil {
					t.Fatal(err)
				}
				if st.Mode&rump.S_IFMT != kind.ifmt || st.Size != 8192 || st.Nlink != 1 {
					t.Errorf("stat: mode %#o size %d nlink %d", st.Mode, st.Size, st.Nlink)
				}
				fd, err := p.Open(key, rump.O_RDWR, 0)
				if err != nil {
					t.Fatal(err)
				}
				if fst, err := p.Fstat(fd); err != nil || fst.Mode&rump.S_IFMT != kind.ifmt {
					t.Errorf("fstat mode %#o, %v", fst.Mode, err)
				}
				buf := make([]byte, 1000)
				if n, err := p.Pread(fd, buf, 3000); n != 1000 || err != nil || !bytes.Equal(buf, data[3000:4000]) {
					t.Errorf("pread = %d, %v", n, err)
				}
				if n, err := p.Pwrite(fd, []byte("through the kernel"), 100); n != 18 || err != nil {
					t.Errorf("pwrite = %d, %v", n, err)
				}
				if got := eh.read(path); !bytes.Equal(got[100:118], []byte("through the kernel")) || len(got) != 8192 {
					t.Errorf("host file after pwrite: %q (%d bytes)", got[100:118], len(got))
				}
				// Sequential I/O with the descriptor's offset.
				if _, err := p.Lseek(fd, 8000, rump.SEEK_SET); err != nil {
					t.Fatal(err)
				}
				if n, err := p.Read(fd, buf); n != 192 || err != nil || !bytes.Equal(buf[:n], data[8000:]) {
					t.Errorf("read to the end = %d, %v", n, err)
				}
				if n, err := p.Read(fd, buf); n != 0 || err != nil {
					t.Errorf("read at the end = %d, %v", n, err)
				}
				// The host's own changes show through.
				eh.write(path, 5000, []byte("from outside"))
				if n, _ := p.Pread(fd, buf[:12], 5000); string(buf[:n]) != "from outside" {
					t.Errorf("kernel reads %q where the host wrote", buf[:n])
				}
				if err := p.Fsync(fd); err != nil {
					t.Errorf("fsync: %v", err)
				}
				if err := p.Close(fd); err != nil {
					t.Fatal(err)
				}
				// Reopened, whole-file reads through the io/fs view.
				got, err := p.ReadFile(key)
				if err != nil || !bytes.Equal(got, eh.read(path)) {
					t.Errorf("ReadFile: %d bytes, %v", len(got), err)
				}
				if err := k.EtfsRemove(key); err != nil {
					t.Fatal(err)
				}
				_, err = p.Stat(key)
				wantErr(t, "stat after remove", err, errno.ENOENT)
				// The host file stays.
				if len(eh.read(path)) != 8192 {
					t.Error("remove changed the host file")
				}
			})
		}
	}
}

func TestEtfsWindow(t *testing.T) {
	for _, eh := range etfsHosts(t) {
		for _, kind := range etfsKinds {
			t.Run(eh.name+"/"+kind.name, func(t *testing.T) {
				k := bootOn(t, eh.host)
				p := k.InitProc()
				data := pattern(4096)
				path := eh.add("win-"+kind.name, data, kind.hostFT)
				const begin, size = 1024, 512
				if err := k.EtfsRegisterWithSize("/win", path, kind.typ, begin, size); err != nil {
					t.Fatal(err)
				}
				if st, _ := p.Stat("/win"); st.Size != size {
					t.Errorf("window size %d, want %d", st.Size, size)
				}
				fd, err := p.Open("/win", rump.O_RDWR, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer p.Close(fd)
				buf := make([]byte, 100)
				if n, _ := p.Pread(fd, buf, 0); n != 100 || !bytes.Equal(buf, data[begin:begin+100]) {
					t.Errorf("read at the window's start gives host bytes from %d? %v", begin, bytes.Equal(buf, data[begin:begin+100]))
				}
				// Reads clamp at the window's end.
				if n, err := p.Pread(fd, buf, size-12); n != 12 || err != nil || !bytes.Equal(buf[:n], data[begin+size-12:begin+size]) {
					t.Errorf("read across the end = %d, %v", n, err)
				}
				if n, err := p.Pread(fd, buf, size); n != 0 || err != nil {
					t.Errorf("read at the end = %d, %v", n, err)
				}
				if n, err := p.Pread(fd, buf, 10*size); n != 0 || err != nil {
					t.Errorf("read past the end = %d, %v", n, err)
				}
				// Writes land at begin+off; past the end they fail.
				if n, err := p.Pwrite(fd, []byte("AB"), 0); n != 2 || err != nil {
					t.Errorf("write at 0 = %d, %v", n, err)
				}
				n, err := p.Pwrite(fd, []byte("CDEF"), size-2)
				if n != 2 {
					t.Errorf("write across the end wrote %d, want 2", n)
				}
				wantErr(t, "write across the end", err, errno.ENOSPC)
				n, err = p.Pwrite(fd, []byte("G"), size)
				if n != 0 {
					t.Errorf("write at the end wrote %d", n)
				}
				wantErr(t, "write at the end", err, errno.ENOSPC)
				_, err = p.Pwrite(fd, []byte("G"), size+1000)
				wantErr(t, "write past the end", err, errno.ENOSPC)
				host := eh.read(path)
				want := slices.Clone(data)
				copy(want[begin:], "AB")
				copy(want[begin+size-2:], "CD")
				if !bytes.Equal(host, want) {
					t.Errorf("host file differs from the expected writes (len %d)", len(host))
				}
				// The window does not follow the host file.
				if st, _ := p.Fstat(fd); st.Size != size {
					t.Errorf("size %d after writes", st.Size)
				}
				if err := p.Ftruncate(fd, 10); err == nil {
					t.Error("truncate of a fixed window succeeded")
				}
			})
		}
	}
}

func TestEtfsWindowToEnd(t *testing.T) {
	for _, eh := range etfsHosts(t) {
		t.Run(eh.name, func(t *testing.T) {
			k := bootOn(t, eh.host)
			p := k.InitProc()
			data := pattern(3000)
			path := eh.add("toend", data, rumpuser.FTReg)
			if err := k.EtfsRegisterWithSize("/toend", path, rump.EtfsReg, 1000, rump.EtfsSizeEndOff); err != nil {
				t.Fatal(err)
			}
			if st, _ := p.Stat("/toend"); st.Size != 2000 {
				t.Errorf("size %d, want 2000", st.Size)
			}
			got, err := p.ReadFile("/toend")
			if err != nil || !bytes.Equal(got, data[1000:]) {
				t.Errorf("ReadFile: %d bytes, %v", len(got), err)
			}
			// A regular file registered to its end grows with writes.
			fd, _ := p.Open("/toend", rump.O_WRONLY|rump.O_APPEND, 0)
			if n, err := p.Write(fd, []byte("tail")); n != 4 || err != nil {
				t.Errorf("append = %d, %v", n, err)
			}
			p.Close(fd)
			if host := eh.read(path); len(host) != 3004 || string(host[3000:]) != "tail" {
				t.Errorf("host file after append: %d bytes", len(host))
			}
			if st, _ := p.Stat("/toend"); st.Size != 2004 {
				t.Errorf("size after append %d", st.Size)
			}
			// Truncation reaches the host file, offset by begin.
			if err := p.Truncate("/toend", 10); err != nil {
				t.Fatal(err)
			}
			if host := eh.read(path); len(host) != 1010 {
				t.Errorf("host file after truncate: %d bytes", len(host))
			}
		})
	}
}

func TestEtfsRegisterErrors(t *testing.T) {
	for _, eh := range etfsHosts(t) {
		t.Run(eh.name, func(t *testing.T) {
			k := bootOn(t, eh.host)
			path := eh.add("errs", pattern(1024), rumpuser.FTReg)
			wantErr(t, "key without a slash", k.EtfsRegister("noslash", path, rump.EtfsReg), errno.EINVAL)
			wantErr(t, "missing host file", k.EtfsRegister("/x", path+"-missing", rump.EtfsReg), errno.ENOENT)
			wantErr(t, "window past the end", k.EtfsRegisterWithSize("/x", path, rump.EtfsBlk, 512, 513), errno.EINVAL)
			wantErr(t, "begin past the end", k.EtfsRegisterWithSize("/x", path, rump.EtfsBlk, 1025, rump.EtfsSizeEndOff), errno.EINVAL)
			wantErr(t, "negative begin", k.EtfsRegisterWithSize("/x", path, rump.EtfsBlk, -1, 10), errno.EINVAL)
			wantErr(t, "size -2", k.EtfsRegisterWithSize("/x", path, rump.EtfsBlk, 0, -2), errno.EINVAL)
			wantErr(t, "unknown type", k.EtfsRegister("/x", path, rump.EtfsType(9)), errno.EINVAL)
			wantErr(t, "directory type", k.EtfsRegister("/x", path, rump.EtfsType(3)), errno.EOPNOTSUPP)
			if err := k.EtfsRegisterWithSize("/x", path, rump.EtfsBlk, 512, 512); err != nil {
				t.Errorf("window to the exact end: %v", err)
			}
			wantErr(t, "remove of an unknown key", k.EtfsRemove("/nothing"), errno.ENOENT)
		})
	}
	// A host directory cannot be registered as a file.
	k := bootOn(t, posix.New())
	wantErr(t, "host directory", k.EtfsRegister("/d", t.TempDir(), rump.EtfsReg), errno.EISDIR)
}

func TestEtfsKeys(t *testing.T) {
	for _, eh := range etfsHosts(t) {
		t.Run(eh.name, func(t *testing.T) {
			k := bootOn(t, eh.host)
			p := k.InitProc()
			path := eh.add("keys", []byte("key file"), rumpuser.FTReg)
			// Leading slashes collapse: these are one key.
			if err := k.EtfsRegister("///dev//blk0", path, rump.EtfsReg); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"/dev//blk0", "//dev//blk0", "////dev//blk0"} {
				if got, err := p.ReadFile(name); err != nil || string(got) != "key file" {
					t.Errorf("read %s: %q, %v", name, got, err)
				}
			}
			wantErr(t, "same key", k.EtfsRegister("/dev//blk0", path, rump.EtfsBlk), errno.EEXIST)
			wantErr(t, "same key, more slashes", k.EtfsRegister("//dev//blk0", path, rump.EtfsReg), errno.EEXIST)
			// Keys are not in any directory: not listed, not unlinked or
			// renamed by name.
			if err := k.EtfsRegister("/dev/etfsdisk", path, rump.EtfsBlk); err != nil {
				t.Fatal(err)
			}
			if err := k.EtfsRegister("/rootkey", path, rump.EtfsChr); err != nil {
				t.Fatal(err)
			}
			for dir, key := range map[string]string{"dev": "etfsdisk", ".": "rootkey"} {
				ents, err := fs.ReadDir(k.FS(), dir)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range ents {
					if e.Name() == key {
						t.Errorf("readdir of %s lists the etfs key %s", dir, key)
					}
				}
			}
			if st, err := p.Stat("/rootkey"); err != nil || st.Mode&rump.S_IFMT != rump.S_IFCHR {
				t.Errorf("stat /rootkey: %#o, %v", st.Mode, err)
			}
			wantErr(t, "unlink a key", p.Unlink("/dev/etfsdisk"), errno.EBUSY)
			wantErr(t, "rename a key", p.Rename("/dev/etfsdisk", "/dev/other"), errno.EBUSY)
			if _, err := p.Stat("/dev/etfsdisk"); err != nil {
				t.Errorf("key gone after refused unlink: %v", err)
			}
			// A key registered again after removal.
			if err := k.EtfsRemove("//dev/etfsdisk"); err != nil {
				t.Fatal(err)
			}
			if err := k.EtfsRegister("/dev/etfsdisk", path, rump.EtfsReg); err != nil {
				t.Errorf("register after remove: %v", err)
			}
		})
	}
}

func TestEtfsRemoveWhileOpen(t *testing.T) {
	for _, eh := range etfsHosts(t) {
		t.Run(eh.name, func(t *testing.T) {
			k := bootOn(t, eh.host)
			path := eh.add("busy", pattern(512), rumpuser.FTReg)
			if err := k.EtfsRegister("/busy", path, rump.EtfsBlk); err != nil {
				t.Fatal(err)
			}
			p, _ := k.NewProc()
			fd, err := p.Open("/busy", rump.O_RDONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			dup, _ := p.Dup(fd)
			wantErr(t, "remove while open", k.EtfsRemove("/busy"), errno.EBUSY)
			p.Close(fd)
			wantErr(t, "remove while a dup is open", k.EtfsRemove("/busy"), errno.EBUSY)
			buf := make([]byte, 4)
			if n, err := p.Pread(dup, buf, 0); n != 4 || err != nil {
				t.Errorf("read after the refused remove: %d, %v", n, err)
			}
			p.Close(dup)
			if err := k.EtfsRemove("/busy"); err != nil {
				t.Fatalf("remove after close: %v", err)
			}
			// A process that exits with the file open releases it too.
			if err := k.EtfsRegister("/busy", path, rump.EtfsBlk); err != nil {
				t.Fatal(err)
			}
			q, _ := k.NewProc()
			q.Open("/busy", rump.O_RDONLY, 0)
			wantErr(t, "remove while open in another process", k.EtfsRemove("/busy"), errno.EBUSY)
			q.Exit()
			if err := k.EtfsRemove("/busy"); err != nil {
				t.Errorf("remove after the opener exited: %v", err)
			}
		})
	}
}

// TestEtfsRemoveWhileMounted covers a registration used as a mount's
// device: the file system holds the host file, so removal must wait for
// the unmount.
func TestEtfsRemoveWhileMounted(t *testing.T) {
	h := memhost.New(memhost.Options{})
	img := disk.NewMem(4<<20, 512)
	if err := ffs.Newfs(img, ffs.NewfsOptions{}); err != nil {
		t.Fatal(err)
	}
	h.AddFile("/host/disk", img.Bytes())
	k := bootOn(t, h)
	p := k.InitProc()
	if err := k.EtfsRegister("/dev/disk0", "/host/disk", rump.EtfsBlk); err != nil {
		t.Fatal(err)
	}
	if err := p.Mkdir("/mnt", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := p.Mount("ffs", "/dev/disk0", "/mnt", 0, nil); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "remove while mounted", k.EtfsRemove("/dev/disk0"), errno.EBUSY)
	if err := p.Unmount("/mnt", 0); err != nil {
		t.Fatal(err)
	}
	if err := k.EtfsRemove("/dev/disk0"); err != nil {
		t.Errorf("remove after unmount: %v", err)
	}
}
