package sys

// pipe returns the read end's descriptor in retval[0] and the write
// end's in retval[1], as NetBSD's sys_pipe; the C library stores them in
// the caller's array.
func sysPipe(c *call) (int64, error) {
	r, w, err := c.l.Pipe(0)
	if err != nil {
		return 0, err
	}
	c.r1 = int64(w)
	return int64(r), nil
}

// pipe2: fildes, flags (O_CLOEXEC, O_NONBLOCK, O_NOSIGPIPE; others are
// EINVAL). A fault storing the descriptors closes them: the caller
// cannot learn them.
func sysPipe2(c *call) (int64, error) {
	r, w, err := c.l.Pipe(c.int(1))
	if err != nil {
		return 0, err
	}
	var b [8]byte
	c.abi.order.PutUint32(b[0:], uint32(r))
	c.abi.order.PutUint32(b[4:], uint32(w))
	if err := copyOut(c.as, c.ptr(0), b[:]); err != nil {
		c.l.Close(r) //nolint:errcheck // the fault is the error to report
		c.l.Close(w) //nolint:errcheck // likewise
		return 0, err
	}
	return 0, nil
}
