package ffstool

import (
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/fs/ffs"
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// The names the image has in the build kernel.
const (
	imageName  = "ffs.img"   // the memhost file
	deviceName = "/dev/ffs0" // its etfs block device
	mountPoint = "/mnt"
)

// builder copies a scanned tree into a new file system through a kernel.
type builder struct {
	t        *tree
	o        *resolved
	g        geometry
	p        *rump.Proc
	buf      []byte
	progress *progressCounter
}

// build makes the file system in out, through a kernel on a memhost
// whose wall clock stands at the epoch and whose random source is seeded
// from it.
func build(t *tree, o *resolved, g geometry, newfs ffs.NewfsOptions, pc *progressCounter, out *outputImage) error {
	if err := out.reset(newfs.Size); err != nil {
		return err
	}
	host := &buildHost{Host: memhost.New(memhost.Options{Seed: o.seed, Clock: memhost.NewFixedClock(o.epoch)}), image: out}
	d, err := disk.FromFile(out, 512, false)
	if err != nil {
		return err
	}
	if err := ffs.Newfs(d, newfs); err != nil {
		return err
	}
	k, err := rump.Init(rump.Options{Host: host})
	if err != nil {
		return err
	}
	defer k.Halt()
	p := k.InitProc()
	p.Umask(0)
	if err := k.EtfsRegister(deviceName, imageName, rump.EtfsBlk); err != nil {
		return err
	}
	if err := p.Mkdir(mountPoint, 0o755); err != nil {
		return err
	}
	if err := p.Mount("ffs", deviceName, mountPoint, 0, nil); err != nil {
		return err
	}
	b := &builder{t: t, o: o, g: g, p: p, buf: make([]byte, copyBufSize/g.bsize*g.bsize), progress: pc}
	if err := p.Chdir(mountPoint); err != nil {
		return err
	}
	if err := b.copyDir(t.root); err != nil {
		return err
	}
	if err := p.Chdir("/"); err != nil {
		return err
	}
	if err := b.setAttrs(mountPoint, t.root, false); err != nil {
		return err
	}
	if err := p.Unmount(mountPoint, 0); err != nil {
		return fmt.Errorf("unmounting the image: %w", err)
	}
	if err := k.Halt(); err != nil {
		return err
	}
	return nil
}

// copyDir copies dir's entries into the kernel's current directory,
// which is dir's copy.
func (b *builder) copyDir(dir *entry) error {
	p := b.p
	for _, e := range dir.children {
		if err := b.copyEntry(e); err != nil {
			return fmt.Errorf("%s: %w", e.rel, unwrapPath(err))
		}
		b.progress.entry()
		if e.link != nil || e.info.typ() != sIfdir {
			continue
		}
		if err := p.Chdir(e.name); err != nil {
			return fmt.Errorf("%s: %w", e.rel, unwrapPath(err))
		}
		if err := b.copyDir(e); err != nil {
			return err
		}
		if err := p.Chdir(".."); err != nil {
			return fmt.Errorf("%s: %w", dir.rel, unwrapPath(err))
		}
		// Entering the children changed the directory's times: set
		// them now that it is complete.
		if err := b.setAttrs(e.name, e, false); err != nil {
			return fmt.Errorf("%s: %w", e.rel, unwrapPath(err))
		}
	}
	return nil
}

// copyEntry makes e in the current directory. A directory is made empty
// and takes its attributes once its entries are in.
func (b *builder) copyEntry(e *entry) error {
	p := b.p
	if e.link != nil {
		// A further name of the same inode; when that is a symlink, the
		// symlink itself is linked, not followed.
		return p.Linkat(rump.AT_FDCWD, path.Join(mountPoint, e.link.rel), rump.AT_FDCWD, e.name, 0)
	}
	switch e.info.typ() {
	case sIfdir:
		return p.Mkdir(e.name, 0o700)
	case sIfreg:
		return b.copyFile(e)
	case sIflnk:
		if err := p.Symlink(e.target, e.name); err != nil {
			return err
		}
		return b.setAttrs(e.name, e, true)
	default:
		if err := p.Mknod(e.name, e.info.typ()|0o600, e.info.rdev); err != nil {
			return err
		}
		return b.setAttrs(e.name, e, false)
	}
}

// copyFile copies a regular file's data, leaving holes for its blocks of
// zeroes, then its attributes.
func (b *builder) copyFile(e *entry) error {
	p := b.p
	fd, err := p.Open(e.name, rump.O_WRONLY|rump.O_CREAT|rump.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	err = b.fillFile(fd, e)
	if cerr := p.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return b.setAttrs(e.name, e, false)
}

func (b *builder) fillFile(fd int, e *entry) error {
	p := b.p
	size := e.info.size
	if size == 0 {
		return nil
	}
	f, err := openSource(b.t.hostPath(e))
	if err != nil {
		return err
	}
	defer f.Close()
	end := int64(0)
	err = dataRuns(f, size, b.g.bsize, b.buf, func(off int64, data []byte) error {
		for len(data) > 0 {
			n, err := p.Pwrite(fd, data, off)
			if err != nil {
				return err
			}
			data, off = data[n:], off+int64(n)
		}
		end = off
		return nil
	})
	if err != nil {
		return err
	}
	b.progress.bytes(size)
	if end < size {
		return p.Ftruncate(fd, size)
	}
	return nil
}

// setAttrs gives the node at name e's owner, mode and times; nofollow
// sets a symlink's own.
func (b *builder) setAttrs(name string, e *entry, nofollow bool) error {
	p := b.p
	in := e.info
	if nofollow {
		if err := p.Lchown(name, in.uid, in.gid); err != nil {
			return err
		}
		if err := p.Lchmod(name, in.mode&permBits); err != nil {
			return err
		}
	} else {
		if err := p.Chown(name, in.uid, in.gid); err != nil {
			return err
		}
		if err := p.Chmod(name, in.mode&permBits); err != nil {
			return err
		}
	}
	times := [2]rump.Timespec{b.timespec(in.atime), b.timespec(in.mtime)}
	return p.Utimens(name, &times, nofollow)
}

// timespec converts a source time, clamped to the epoch when asked.
func (b *builder) timespec(t time.Time) rump.Timespec {
	if b.o.clamp && t.After(b.o.epoch) {
		t = b.o.epoch
	}
	return rump.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// isNoSpace reports whether err says the file system is full.
func isNoSpace(err error) bool { return errors.Is(err, errno.ENOSPC) }
