package main

// The components librump links in beyond what package rump always has
// (the VFS, tmpfs and the TCP/IP stack). buildrump -c replaces this file
// through go build -overlay with one that imports only those chosen.
import (
	_ "github.com/gorump/gorump/dev/disk"   // block devices for etfs disk images
	_ "github.com/gorump/gorump/fs/ffs"     // FFS
	_ "github.com/gorump/gorump/net/shmif"  // shmifN interfaces on bus files
	_ "github.com/gorump/gorump/net/virtif" // virtN interfaces over the host's TAP devices
)
