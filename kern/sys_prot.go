package kern

import "github.com/gorump/gorump/kern/errno"

// The credential syscalls, as NetBSD's kern_prot.c: each id a process
// has (effective, real, saved) may be set by a non-root caller only to
// one of the values that the call's rules allow; root may set any. Root
// is an effective user id of 0.

// NoID, as an argument of Setreuid and Setregid, leaves an id as it is
// ((uid_t)-1).
const NoID = ^uint32(0)

// idRule is the set of current ids a non-root caller may set an id to
// (NetBSD's ID_x_EQ_y flags).
type idRule uint8

const (
	eqReal idRule = 1 << iota
	eqEff
	eqSaved
)

// ids is one kind of id (user or group) of a Cred: real, effective,
// saved.
type ids struct{ r, e, s uint32 }

// allowed reports whether v (NoID: unchanged) is one of the ids rule
// names.
func (cur ids) allowed(v uint32, rule idRule) bool {
	return v == NoID || rule&eqReal != 0 && v == cur.r || rule&eqEff != 0 && v == cur.e ||
		rule&eqSaved != 0 && v == cur.s
}

// setIDs changes the ids of one kind, as NetBSD's do_setresuid and
// do_setresgid: NoID leaves one as it is, and unless the caller is root
// each new id must be allowed by its rule (EPERM). group selects the
// group ids.
func (l *LWP) setIDs(group bool, nw ids, rr, er, sr idRule) error {
	c := l.Cred()
	cur := ids{c.ruid, c.uid, c.svuid}
	if group {
		cur = ids{c.rgid, c.gid, c.svgid}
	}
	if !(cur.allowed(nw.r, rr) && cur.allowed(nw.e, er) && cur.allowed(nw.s, sr)) && !c.IsRoot() {
		return errno.EPERM
	}
	nc := *c
	r, e, s := &nc.ruid, &nc.uid, &nc.svuid
	if group {
		r, e, s = &nc.rgid, &nc.gid, &nc.svgid
	}
	for _, set := range []struct {
		dst *uint32
		v   uint32
	}{{r, nw.r}, {e, nw.e}, {s, nw.s}} {
		if set.v != NoID {
			*set.dst = set.v
		}
	}
	l.proc.cred.Store(&nc)
	return nil
}

// Getuid returns the real user id.
func (l *LWP) Getuid() uint32 { return l.Cred().ruid }

// Geteuid returns the effective user id.
func (l *LWP) Geteuid() uint32 { return l.Cred().uid }

// Getgid returns the real group id.
func (l *LWP) Getgid() uint32 { return l.Cred().rgid }

// Getegid returns the effective group id.
func (l *LWP) Getegid() uint32 { return l.Cred().gid }

// Getgroups returns the supplementary groups.
func (l *LWP) Getgroups() []uint32 { return l.Cred().Groups() }

// Setuid sets the real, effective and saved user ids to uid; a non-root
// caller only to its real user id.
func (l *LWP) Setuid(uid uint32) error {
	return l.setIDs(false, ids{uid, uid, uid}, eqReal, eqReal, eqReal)
}

// Seteuid sets the effective user id; a non-root caller only to its
// real or saved user id.
func (l *LWP) Seteuid(euid uint32) error {
	return l.setIDs(false, ids{NoID, euid, NoID}, 0, eqReal|eqSaved, 0)
}

// Setreuid sets the real and effective user ids (NoID: unchanged); a
// non-root caller may set the real id to its real or effective one and
// the effective id to any of its three. When the real id changes, the
// saved id becomes the new effective id.
func (l *LWP) Setreuid(ruid, euid uint32) error {
	c := l.Cred()
	return l.setIDs(false, reIDs(ids{c.ruid, c.uid, c.svuid}, ruid, euid),
		eqReal|eqEff, eqReal|eqEff|eqSaved, eqReal|eqEff|eqSaved)
}

// reIDs are the ids setreuid and setregid ask for: NoID stands for the
// current id, and the saved id follows the effective one when the real
// one changes.
func reIDs(cur ids, r, e uint32) ids {
	if r == NoID {
		r = cur.r
	}
	if e == NoID {
		e = cur.e
	}
	s := NoID
	if r != cur.r {
		s = e
	}
	return ids{r, e, s}
}

// Setgid sets the real, effective and saved group ids to gid; a
// non-root caller only to its real group id.
func (l *LWP) Setgid(gid uint32) error {
	return l.setIDs(true, ids{gid, gid, gid}, eqReal, eqReal, eqReal)
}

// Setegid sets the effective group id; a non-root caller only to its
// real or saved group id.
func (l *LWP) Setegid(egid uint32) error {
	return l.setIDs(true, ids{NoID, egid, NoID}, 0, eqReal|eqSaved, 0)
}

// Setregid is Setreuid for the group ids.
func (l *LWP) Setregid(rgid, egid uint32) error {
	c := l.Cred()
	return l.setIDs(true, reIDs(ids{c.rgid, c.gid, c.svgid}, rgid, egid),
		eqReal|eqEff, eqReal|eqEff|eqSaved, eqReal|eqEff|eqSaved)
}

// Setgroups sets the supplementary groups; only root may. EINVAL for
// more than NGroups.
func (l *LWP) Setgroups(groups []uint32) error {
	c := l.Cred()
	if !c.IsRoot() {
		return errno.EPERM
	}
	if len(groups) > NGroups {
		return errno.EINVAL
	}
	nc := *c
	nc.groups = append([]uint32(nil), groups...)
	l.proc.cred.Store(&nc)
	return nil
}
