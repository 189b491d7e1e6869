package sys_test

import (
	"testing"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/kern"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/sys"
)

// cstr reads a NUL-terminated string from a fixed field.
func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// TestMountTmpfs mounts tmpfs with a struct tmpfs_args laid out at the
// offsets of netbsd-abi.md and checks statvfs1 and getvfsstat.
func TestMountTmpfs(t *testing.T) {
	k, _, p := boot(t)
	m := p.Mem
	k.InitProc().Mkdir("/mnt", 0o755)
	args := m.Alloc(sys.SizeofTmpfsArgs)
	a := m.Bytes(args, sys.SizeofTmpfsArgs)
	le.PutUint32(a[0:], 1)       // ta_version
	le.PutUint64(a[8:], 100)     // ta_nodes_max
	le.PutUint64(a[16:], 1<<20)  // ta_size_max
	le.PutUint32(a[24:], 1000)   // ta_root_uid
	le.PutUint32(a[28:], 100)    // ta_root_gid
	le.PutUint32(a[32:], 0o1770) // ta_root_mode
	typ, mnt := m.Str("tmpfs"), m.Str("/mnt")
	ok(t, p, sys.SYS___mount50, typ, mnt, 0, args, sys.SizeofTmpfsArgs)
	st, err := k.InitProc().Stat("/mnt")
	if err != nil || st.Mode != kern.S_IFDIR|0o1770 || st.UID != 1000 || st.GID != 100 {
		t.Errorf("tmpfs root: %+v, %v", st, err)
	}
	vfs := m.Alloc(sys.SizeofStatvfs)
	ok(t, p, sys.SYS_statvfs1, mnt, vfs, 1)
	b := m.Bytes(vfs, sys.SizeofStatvfs)
	frsize, blocks, files := le.Uint64(b[16:]), le.Uint64(b[32:]), le.Uint64(b[64:])
	if frsize*blocks != 1<<20 {
		t.Errorf("f_frsize %d * f_blocks %d != 1 MiB", frsize, blocks)
	}
	if files != 100 {
		t.Errorf("f_files %d, want 100", files)
	}
	if name, on := cstr(b[172:204]), cstr(b[204:1228]); name != "tmpfs" || on != "/mnt" {
		t.Errorf("f_fstypename %q f_mntonname %q", name, on)
	}
	// getvfsstat: count, then fill.
	n := ok(t, p, sys.SYS_getvfsstat, 0, 0, 1)
	all := m.Alloc(int(n) * sys.SizeofStatvfs)
	if got := ok(t, p, sys.SYS_getvfsstat, all, uint64(n)*sys.SizeofStatvfs, 1); got != n || n < 2 {
		t.Errorf("getvfsstat = %d of %d", got, n)
	}
	if last := cstr(m.Bytes(all+uint64(n-1)*sys.SizeofStatvfs+204, 1024)); last != "/mnt" {
		t.Errorf("last mount %q", last)
	}
	if got := ok(t, p, sys.SYS_getvfsstat, all, sys.SizeofStatvfs+5, 1); got != 1 {
		t.Errorf("getvfsstat with room for one = %d", got)
	}
	// The bounds hold: more than 100 nodes fail.
	var e errno.Errno
	for j := 0; j < 200 && e == 0; j++ {
		_, e = p.Call(sys.SYS_mkdir, m.Str("/mnt/d"+string(rune('A'+j%26))+string(rune('a'+j/26))), 0o755)
	}
	if e != errno.ENOSPC {
		t.Errorf("making 200 directories in a 100-node tmpfs: %v", e)
	}
	fd := ok(t, p, sys.SYS_open, mnt, 0, 0)
	fails(t, p, errno.EBUSY, sys.SYS_unmount, mnt, 0)
	ok(t, p, sys.SYS_fstatvfs1, uint64(fd), vfs, 1)
	ok(t, p, sys.SYS_close, uint64(fd))
	ok(t, p, sys.SYS_unmount, mnt, 0)
	// Bad arguments.
	le.PutUint32(a[0:], 2)
	fails(t, p, errno.EINVAL, sys.SYS___mount50, typ, mnt, 0, args, sys.SizeofTmpfsArgs)
	le.PutUint32(a[0:], 1)
	fails(t, p, errno.EINVAL, sys.SYS___mount50, typ, mnt, 0, args, 8)
	fails(t, p, errno.EINVAL, sys.SYS___mount50, typ, mnt, 0, 0, 0)
	fails(t, p, errno.EOPNOTSUPP, sys.SYS___mount50, typ, mnt, sys.MNT_UPDATE, args, sys.SizeofTmpfsArgs)
	fails(t, p, errno.EOPNOTSUPP, sys.SYS___mount50, m.Str("nosuchfs"), mnt, 0, args, sys.SizeofTmpfsArgs)
}

// TestMountFFS mounts an FFS image registered with etfs through a
// struct ufs_args naming the device.
func TestMountFFS(t *testing.T) {
	d := disk.NewMem(16<<20, 512)
	if err := ffs.Newfs(d, ffs.NewfsOptions{}); err != nil {
		t.Fatal(err)
	}
	k, host, p := boot(t)
	host.AddFile("img", d.Bytes())
	if err := k.EtfsRegister("/dev/ffs0", "img", rump.EtfsBlk); err != nil {
		t.Fatal(err)
	}
	m := p.Mem
	k.InitProc().Mkdir("/mnt", 0o755)
	args := m.Alloc(sys.SizeofUfsArgs)
	le.PutUint64(m.Bytes(args, 8), m.Str("/dev/ffs0")) // fspec
	typ, mnt := m.Str("ffs"), m.Str("/mnt")
	ok(t, p, sys.SYS___mount50, typ, mnt, 0, args, sys.SizeofUfsArgs)
	fd := ok(t, p, sys.SYS_open, m.Str("/mnt/file"), i(kern.O_CREAT|kern.O_RDWR), 0o644)
	data := make([]byte, 10000)
	for j := range data {
		data[j] = byte(j * 7)
	}
	ok(t, p, sys.SYS_write, uint64(fd), m.Put(data), uint64(len(data)))
	ok(t, p, sys.SYS_fsync, uint64(fd))
	ok(t, p, sys.SYS_close, uint64(fd))
	vfs := m.Alloc(sys.SizeofStatvfs)
	ok(t, p, sys.SYS_statvfs1, mnt, vfs, 1)
	b := m.Bytes(vfs, sys.SizeofStatvfs)
	if name, from := cstr(b[172:204]), cstr(b[1228:]); name != "ffs" || from != "/dev/ffs0" {
		t.Errorf("f_fstypename %q f_mntfromname %q", name, from)
	}
	if bsize, bresvd := le.Uint64(b[8:]), le.Uint64(b[56:]); bsize == 0 || bresvd == 0 {
		t.Errorf("f_bsize %d f_bresvd %d", bsize, bresvd)
	}
	ok(t, p, sys.SYS_unmount, mnt, 0)
	// Mounted again read-only, the file is there.
	ok(t, p, sys.SYS___mount50, typ, mnt, sys.MNT_RDONLY, args, sys.SizeofUfsArgs)
	got, err := k.InitProc().ReadFile("/mnt/file")
	if err != nil || string(got) != string(data) {
		t.Errorf("read back %d bytes, %v", len(got), err)
	}
	fails(t, p, errno.EROFS, sys.SYS_open, m.Str("/mnt/new"), i(kern.O_CREAT|kern.O_RDWR), 0o644)
	ok(t, p, sys.SYS_unmount, mnt, 0)
	le.PutUint64(m.Bytes(args, 8), m.Str("/dev/none"))
	fails(t, p, errno.ENOENT, sys.SYS___mount50, typ, mnt, 0, args, sys.SizeofUfsArgs)
	le.PutUint64(m.Bytes(args, 8), 0)
	fails(t, p, errno.EFAULT, sys.SYS___mount50, typ, mnt, 0, args, sys.SizeofUfsArgs)
}
