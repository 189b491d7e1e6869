package rump

// NoID, as an argument of Setreuid and Setregid, leaves an id as it is
// ((uid_t)-1).
const NoID = ^uint32(0)

// A process has a real, an effective and a saved user id, and group
// ids likewise; permission checks use the effective ones. Getuid and
// Getgid return the real ids.

// Geteuid returns the effective user id.
func (p *Proc) Geteuid() uint32 { return p.l.Geteuid() }

// Getegid returns the effective group id.
func (p *Proc) Getegid() uint32 { return p.l.Getegid() }

// Seteuid sets the effective user id: root may set any, others their
// real or saved id, so that a program can drop root and take it back.
func (p *Proc) Seteuid(euid uint32) error { return p.l.Seteuid(euid) }

// Setegid sets the effective group id, as Seteuid.
func (p *Proc) Setegid(egid uint32) error { return p.l.Setegid(egid) }

// Setreuid sets the real and effective user ids (NoID: unchanged), as
// setreuid(2): a non-root caller may set the real id to its real or
// effective id and the effective id to any of its three; when the real
// id changes, the saved id becomes the new effective id.
func (p *Proc) Setreuid(ruid, euid uint32) error { return p.l.Setreuid(ruid, euid) }

// Setregid is Setreuid for the group ids.
func (p *Proc) Setregid(rgid, egid uint32) error { return p.l.Setregid(rgid, egid) }
