package sys

// pathconf: path, name.
func sysPathconf(c *call) (int64, error) {
	v, err := c.vfs()
	if err != nil {
		return 0, err
	}
	path, err := copyInPath(c.as, c.ptr(0))
	if err != nil {
		return 0, err
	}
	return v.Pathconf(c.l, path, c.int(1))
}

// fpathconf: fd, name.
func sysFpathconf(c *call) (int64, error) {
	v, err := c.vfs()
	if err != nil {
		return 0, err
	}
	return v.Fpathconf(c.l, c.int(0), c.int(1))
}
