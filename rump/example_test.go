package rump_test

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/gorump/gorump/rump"
	"github.com/gorump/gorump/rumpuser/memhost"
)

// The README's example: boot, write a file, read it through io/fs, and
// see a NetBSD errno match an io/fs sentinel.
func ExampleInit() {
	k, err := rump.Init(rump.Options{RootSize: 64 << 20, Host: memhost.New(memhost.Options{})})
	if err != nil {
		panic(err)
	}
	defer k.Halt()

	p := k.InitProc() // pid 1, root
	p.Mkdir("/data", 0o755)
	p.WriteFile("/data/hello", []byte("hi\n"), 0o644)

	b, _ := fs.ReadFile(k.FS(), "data/hello")
	fmt.Printf("%s", b)

	_, err = p.Stat("/data/missing")
	fmt.Println(errors.Is(err, fs.ErrNotExist))
	fmt.Println(err)
	// Output:
	// hi
	// true
	// stat /data/missing: No such file or directory
}

// Processes fork, drop privileges, and get NetBSD's answers.
func ExampleProc_Fork() {
	k, _ := rump.Init(rump.Options{Host: memhost.New(memhost.Options{})})
	defer k.Halt()
	root := k.InitProc()
	root.Mkdir("/private", 0o700)

	user, _ := root.Fork(rump.ForkCopyFD)
	user.SetCred(1000, 1000)
	_, err := user.Stat("/private/x")
	fmt.Println(err)
	fmt.Println(user.PID() != root.PID(), user.PPID() == root.PID())
	// Output:
	// stat /private/x: Permission denied
	// true true
}
