package rump_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"syscall"

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

// A TCP echo over the kernel's loopback interface with Listen and Dial:
// the conns are net.Conn, the listener a net.Listener.
func ExampleKernel_Listen() {
	k, _ := rump.Init(rump.Options{Host: memhost.New(memhost.Options{})})
	defer k.Halt()

	ln, err := k.Listen("tcp", "127.0.0.1:7")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c) // echo until the client closes its side
		c.Close()
	}()

	c, err := k.Dial("tcp", "127.0.0.1:7")
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Fprint(c, "hello, kernel")
	c.(*rump.Conn).CloseWrite()
	b, _ := io.ReadAll(c)
	fmt.Printf("%s from %v\n", b, c.RemoteAddr())

	_, err = k.Dial("tcp", "127.0.0.1:8")
	fmt.Println(errors.Is(err, syscall.ECONNREFUSED))
	// Output:
	// hello, kernel from 127.0.0.1:7
	// true
}

// net/http runs unchanged over a rump kernel: the server on a kernel
// listener, the client with the kernel's DialContext.
func ExampleKernel_DialContext() {
	k, _ := rump.Init(rump.Options{Host: memhost.New(memhost.Options{})})
	defer k.Halt()

	ln, _ := k.Listen("tcp", ":80")
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from the kernel, %s", r.URL.Path[1:])
	})}
	go srv.Serve(ln)
	defer srv.Close()

	client := &http.Client{Transport: &http.Transport{DialContext: k.DialContext}}
	resp, err := client.Get("http://127.0.0.1/gopher")
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.Status)
	fmt.Println(string(b))
	// Output:
	// 200 OK
	// hello from the kernel, gopher
}
