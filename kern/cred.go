package kern

import (
	"slices"

	"github.com/gorump/gorump/kern/errno"
)

// NGroups is the most supplementary groups a credential holds (NGROUPS).
const NGroups = 16

// Cred is a process's credentials: effective, real and saved user and
// group ids and the supplementary groups. Permission checks use the
// effective ids. It is immutable: changing identity means installing a
// new Cred.
type Cred struct {
	uid, gid     uint32 // effective
	ruid, rgid   uint32 // real
	svuid, svgid uint32 // saved
	groups       []uint32
}

var rootCred = &Cred{}

// RootCred returns the credentials of the superuser.
func RootCred() *Cred { return rootCred }

// NewCred returns credentials for uid and gid (effective, real and
// saved alike) with supplementary groups. More than NGroups groups give
// EINVAL.
func NewCred(uid, gid uint32, groups ...uint32) (*Cred, error) {
	if len(groups) > NGroups {
		return nil, errno.EINVAL
	}
	return &Cred{uid: uid, gid: gid, ruid: uid, rgid: gid, svuid: uid, svgid: gid,
		groups: slices.Clone(groups)}, nil
}

// UID returns the effective user id.
func (c *Cred) UID() uint32 { return c.uid }

// GID returns the effective group id.
func (c *Cred) GID() uint32 { return c.gid }

// RealUID returns the real user id.
func (c *Cred) RealUID() uint32 { return c.ruid }

// RealGID returns the real group id.
func (c *Cred) RealGID() uint32 { return c.rgid }

// SavedUID returns the saved user id.
func (c *Cred) SavedUID() uint32 { return c.svuid }

// SavedGID returns the saved group id.
func (c *Cred) SavedGID() uint32 { return c.svgid }

// Groups returns a copy of the supplementary groups.
func (c *Cred) Groups() []uint32 { return slices.Clone(c.groups) }

// IsRoot reports whether c is the superuser, who passes permission checks.
func (c *Cred) IsRoot() bool { return c.uid == 0 }

// InGroup reports whether gid is c's group or one of its supplementary
// groups.
func (c *Cred) InGroup(gid uint32) bool {
	return c.gid == gid || slices.Contains(c.groups, gid)
}
