package sys

// fsync_range, posix_fallocate and fdiscard: what a file's storage
// holds and where.

// fsync_range: fd, flags, start, length.
func sysFsyncRange(c *call) (int64, error) {
	return 0, c.l.FsyncRange(c.int(0), c.int(1), c.long(2), c.long(3))
}

// posix_fallocate: fd, PAD, pos, len. A NOERR call, as NetBSD's: the
// error number is the result (retval[0]) and the call never fails.
func sysPosixFallocate(c *call) (int64, error) {
	v, err := c.vfs()
	if err == nil {
		err = v.Fallocate(c.l, c.int(0), c.long(2), c.long(3))
	}
	return int64(errnoOf(err)), nil
}

// fdiscard: fd, PAD, pos, len.
func sysFdiscard(c *call) (int64, error) {
	v, err := c.vfs()
	if err != nil {
		return 0, err
	}
	return 0, v.Fdiscard(c.l, c.int(0), c.long(2), c.long(3))
}
