// Command rumpdemo boots a gorump kernel on the POSIX host, works with
// files in it, joins it to a second kernel over a lossy in-process
// network and talks TCP, UDP and HTTP between them, and prints what it
// did: the main job of the project until
// buildrump exists. It exits non-zero if any step does not behave as a
// NetBSD kernel would.
//
// Usage:
//
//	rumpdemo [-q]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

func main() {
	quiet := flag.Bool("q", false, "print only failures")
	flag.Parse()
	d := &demo{out: os.Stdout, quiet: *quiet}
	if err := d.run(); err != nil {
		fmt.Fprintln(os.Stderr, "rumpdemo:", err)
		os.Exit(1)
	}
}

type demo struct {
	out   io.Writer
	quiet bool
	steps int
}

func (d *demo) say(format string, args ...any) {
	d.steps++
	if !d.quiet {
		fmt.Fprintf(d.out, "%2d. "+format+"\n", append([]any{d.steps}, args...)...)
	}
}

// expect checks that err is the errno a NetBSD kernel gives.
func expect(err error, want errno.Errno) error {
	if !errors.Is(err, want) {
		return fmt.Errorf("got %v, want %s", err, want.Name())
	}
	return nil
}

func (d *demo) run() error {
	start := time.Now()
	k, err := rump.Init(rump.Options{})
	if err != nil {
		return fmt.Errorf("boot: %w", err)
	}
	boot := time.Since(start)
	halted := false
	defer func() {
		if !halted {
			k.Halt()
		}
	}()
	ostype, _ := k.Sysctl("kern.ostype")
	release, _ := k.Sysctl("kern.osrelease")
	ncpu, _ := k.Sysctl("hw.ncpu")
	host, _ := k.Sysctl("kern.hostname")
	d.say("booted a kernel in %v: %s %s, %s CPUs, hostname %s", boot.Round(time.Microsecond), ostype, release, ncpu, host)

	p := k.InitProc()
	if err := p.Mkdir("/home", 0o755); err != nil {
		return err
	}
	if err := p.Mkdir("/home/demo", 0o750); err != nil {
		return err
	}
	msg := []byte("hello from a rump kernel\n")
	if err := p.WriteFile("/home/demo/hello.txt", msg, 0o644); err != nil {
		return err
	}
	got, err := p.ReadFile("/home/demo/hello.txt")
	if err != nil || string(got) != string(msg) {
		return fmt.Errorf("read back %q, %v", got, err)
	}
	d.say("wrote and read back /home/demo/hello.txt (%d bytes)", len(got))

	if err := p.Symlink("hello.txt", "/home/demo/greeting"); err != nil {
		return err
	}
	if err := p.Link("/home/demo/hello.txt", "/home/demo/hardlink"); err != nil {
		return err
	}
	st, err := p.Stat("/home/demo/greeting")
	if err != nil {
		return err
	}
	d.say("symlink greeting -> hello.txt resolves to inode %d with %d links", st.Ino, st.Nlink)

	if err := p.Rename("/home/demo/hardlink", "/home/demo/renamed"); err != nil {
		return err
	}
	d.say("renamed hardlink to renamed")

	// A sparse file: 1 MiB hole, then data.
	fd, err := p.Open("/home/demo/sparse", rump.O_CREAT|rump.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	if _, err := p.Pwrite(fd, []byte("end"), 1<<20); err != nil {
		return err
	}
	sst, err := p.Fstat(fd)
	p.Close(fd)
	if err != nil {
		return err
	}
	d.say("sparse file: size %d, %d bytes allocated", sst.Size, sst.Blocks*512)

	// Permissions: a user process cannot read a 0750 directory it does not own.
	user, err := p.Fork(rump.ForkClearFD)
	if err != nil {
		return err
	}
	if err := user.SetCred(1000, 1000); err != nil {
		return err
	}
	if err := expect(func() error { _, err := user.Stat("/home/demo/hello.txt"); return err }(), errno.EACCES); err != nil {
		return fmt.Errorf("permission check: %w", err)
	}
	user.Exit()
	d.say("uid 1000 is refused /home/demo (EACCES), as a NetBSD kernel refuses it")

	// Errors: NetBSD numbers, io/fs sentinels.
	_, err = p.Stat("/no/such/file")
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("stat missing: %v", err)
	}
	d.say("stat /no/such/file: %v (errno %d, errors.Is fs.ErrNotExist)", err, errno.ENOENT)
	if err := p.Symlink("loop", "/home/demo/loop"); err != nil {
		return err
	}
	if err := expect(func() error { _, err := p.Stat("/home/demo/loop"); return err }(), errno.ELOOP); err != nil {
		return fmt.Errorf("symlink loop: %w", err)
	}
	d.say("a symlink loop gives ELOOP")

	// A second, size-limited tmpfs.
	if err := p.Mkdir("/mnt", 0o755); err != nil {
		return err
	}
	if err := p.Mount("tmpfs", "", "/mnt", 0, map[string]string{"size": "64k"}); err != nil {
		return err
	}
	err = p.WriteFile("/mnt/big", make([]byte, 128<<10), 0o644)
	if err := expect(err, errno.ENOSPC); err != nil {
		return fmt.Errorf("full tmpfs: %w", err)
	}
	d.say("a 64 KiB tmpfs on /mnt refuses a 128 KiB file with ENOSPC")
	fd, err = p.Open("/mnt", rump.O_RDONLY, 0)
	if err != nil {
		return err
	}
	if err := expect(p.Unmount("/mnt", 0), errno.EBUSY); err != nil {
		return fmt.Errorf("unmount in use: %w", err)
	}
	p.Close(fd)
	if err := p.Unmount("/mnt", 0); err != nil {
		return err
	}
	d.say("unmount /mnt: EBUSY while a file is open there, done once it is closed")

	// etfs: a host file seen inside the kernel.
	dir, err := os.MkdirTemp("", "rumpdemo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	hostFile := filepath.Join(dir, "host.txt")
	if err := os.WriteFile(hostFile, []byte("written by the host\n"), 0o644); err != nil {
		return err
	}
	if err := k.EtfsRegister("/host.txt", hostFile, rump.EtfsReg); err != nil {
		return err
	}
	got, err = p.ReadFile("/host.txt")
	if err != nil {
		return err
	}
	d.say("etfs: host file %s read in the kernel as /host.txt: %q", hostFile, strings.TrimSpace(string(got)))

	tree, err := listTree(k.FS(), "home")
	if err != nil {
		return err
	}
	d.say("the tree through io/fs:\n      %s", strings.Join(tree, "\n      "))

	if err := d.network(k); err != nil {
		return fmt.Errorf("network: %w", err)
	}

	for _, m := range k.Mounts() {
		d.say("mounted: %s on %s (%d of %d blocks free)", m.FSType, m.OnName, m.Bfree, m.Blocks)
	}
	start = time.Now()
	if err := k.Halt(); err != nil {
		return fmt.Errorf("halt: %w", err)
	}
	halted = true
	d.say("halted in %v: file systems synced and unmounted, kernel goroutines stopped", time.Since(start).Round(time.Microsecond))
	if d.quiet {
		return nil
	}
	fmt.Fprintf(d.out, "all %d steps behaved as expected\n", d.steps)
	return nil
}

// listTree returns a line per file under root in fsys, as ls -l starts
// them: the file's mode (type and permissions), then its path.
func listTree(fsys fs.FS, root string) ([]string, error) {
	var tree []string
	err := fs.WalkDir(fsys, root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// e.Type() holds only the type bits; the permissions come with Info.
		info, err := e.Info()
		if err != nil {
			return err
		}
		tree = append(tree, fmt.Sprintf("%s %s", info.Mode(), path))
		return nil
	})
	return tree, err
}
