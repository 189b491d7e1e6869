package sockettest

import (
	"github.com/gorump/gorump/kern/errno"
	"github.com/gorump/gorump/rump"
)

func init() {
	cases = append(cases,
		testCase{"descriptors", tcp, socketDescriptors(tcp)},
		testCase{"descriptors", udp, socketDescriptors(udp)},
	)
}

// socketDescriptors checks that sockets are ordinary descriptors: dup,
// fcntl, read, write, fstat and close work on them, and descriptor
// syscalls that need a socket refuse other files.
func socketDescriptors(pr proto) func(c *C) {
	return func(c *C) {
		var cfd, sfd int
		if pr == tcp {
			cfd, sfd = c.connected()
		} else {
			cfd, sfd, _ = c.udpPair()
		}
		st, err := c.Client.Fstat(cfd)
		c.must("fstat", err)
		if st.Mode&rump.S_IFMT != rump.S_IFSOCK {
			c.Errorf("fstat mode %#o, want S_IFSOCK", st.Mode)
		}
		_, err = c.Client.Lseek(cfd, 0, rump.SEEK_SET)
		c.wantErr("lseek on a socket", err, errno.ESPIPE)
		dfd, err := c.Client.Dup(cfd)
		c.must("dup", err)
		c.must("close the original", c.Client.Close(cfd))
		if _, err := c.Client.Write(dfd, []byte("via dup")); err != nil {
			c.Fatalf("write on the dup: %v", err)
		}
		b := make([]byte, 16)
		c.must("SO_RCVTIMEO", c.Server.SetSockOptTimeval(sfd, rump.SO_RCVTIMEO, c.wait()))
		n, err := c.Server.Read(sfd, b)
		if err != nil || string(b[:n]) != "via dup" {
			c.Errorf("read %q, %v", b[:n], err)
		}
		// fcntl flags are the descriptor's: O_NONBLOCK turns reads
		// non-blocking.
		fl, err := c.Server.Fcntl(sfd, rump.F_GETFL, 0)
		c.must("F_GETFL", err)
		if fl&rump.O_ACCMODE != rump.O_RDWR {
			c.Errorf("socket F_GETFL %#x, want O_RDWR", fl)
		}
		_, err = c.Server.Fcntl(sfd, rump.F_SETFL, fl|rump.O_NONBLOCK)
		c.must("F_SETFL", err)
		_, err = c.Server.Read(sfd, b)
		c.wantErr("read with O_NONBLOCK", err, errno.EAGAIN)
		c.must("close the dup", c.Client.Close(dfd))
		_, err = c.Client.Write(dfd, []byte("x"))
		c.wantErr("write on a closed descriptor", err, errno.EBADF)
		_, err = c.Client.GetSockName(dfd)
		c.wantErr("getsockname on a closed descriptor", err, errno.EBADF)
		// Socket calls on a file are ENOTSOCK.
		if err := c.Client.Mkdir("/tmp", 0o777); err != nil && errnoOf(err) != errno.EEXIST {
			c.Fatalf("mkdir: %v", err)
		}
		ffd, err := c.Client.Open("/tmp/notasocket", rump.O_RDWR|rump.O_CREAT, 0o644)
		c.must("open", err)
		defer c.Client.Close(ffd)
		_, err = c.Client.GetSockName(ffd)
		c.wantErr("getsockname on a file", err, errno.ENOTSOCK)
		// Poll treats files as always ready.
		fds := []rump.PollFd{{Fd: ffd, Events: rump.POLLIN | rump.POLLOUT}}
		if n, err := c.Client.Poll(fds, 0); n != 1 || err != nil || fds[0].Revents != rump.POLLIN|rump.POLLOUT {
			c.Errorf("poll a file: %d, %#x, %v", n, fds[0].Revents, err)
		}
	}
}
