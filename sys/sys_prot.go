package sys

// The credential calls beside setuid and setgid: effective ids and the
// BSD swaps of real and effective ids. (uid_t)-1 leaves an id as it is.

func sysSeteuid(c *call) (int64, error) { return 0, c.l.Seteuid(c.uint(0)) }
func sysSetegid(c *call) (int64, error) { return 0, c.l.Setegid(c.uint(0)) }

// setreuid: ruid, euid.
func sysSetreuid(c *call) (int64, error) { return 0, c.l.Setreuid(c.uint(0), c.uint(1)) }

// setregid: rgid, egid.
func sysSetregid(c *call) (int64, error) { return 0, c.l.Setregid(c.uint(0), c.uint(1)) }
