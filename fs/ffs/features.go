package ffs

import (
	"fmt"

	"github.com/gorump/gorump/kern/errno"
)

// The features in fs_flags that keep this driver to read-only mounts.
// The read-write mount refuses them and the checker reports them, both
// through featureBlockers, so that what the checker calls clean the
// driver mounts read-write.

// WAPBL journal fields of struct fs (NetBSD's ufs_wapbl.h).
const (
	sbOffJournalVersion  = 864 // uint8 fs_journal_version
	sbOffJournalLocation = 865 // uint8 fs_journal_location
	sbOffJournalFlags    = 868 // uint32 fs_journal_flags
	wapblVersion         = 1   // UFS_WAPBL_VERSION
	journalLocEndPart    = 1   // UFS_WAPBL_JOURNALLOC_END_PARTITION
	journalLocInFS       = 2   // UFS_WAPBL_JOURNALLOC_IN_FILESYSTEM
)

// featureBlocker is one fs_flags feature that this driver cannot honour
// when it writes.
type featureBlocker struct {
	flags int32  // the bits concerned
	why   string // one line, for the checker's report and the mount's error
}

// featureBlockers returns what in sb's fs_flags keeps the file system
// from a read-write mount: a WAPBL journal (which this driver does not
// replay or keep), soft dependencies (whose write ordering it does not
// keep) and flags it does not know.
func (sb *superblock) featureBlockers() []featureBlocker {
	var bs []featureBlocker
	if sb.flags&fsDoWAPBL != 0 {
		bs = append(bs, featureBlocker{fsDoWAPBL, "the file system has a WAPBL journal, which this driver does not replay"})
	}
	if sb.flags&fsDoSoftDep != 0 {
		bs = append(bs, featureBlocker{fsDoSoftDep, "the file system uses soft dependencies, which this driver does not keep"})
	}
	if u := sb.flags &^ knownFlags; u != 0 {
		bs = append(bs, featureBlocker{u, fmt.Sprintf("unknown feature flags %#x in fs_flags", uint32(u))})
	}
	return bs
}

// readWriteRefusal returns the error of a read-write mount of sb because
// of its features, or nil when none stands in the way.
func (sb *superblock) readWriteRefusal() error {
	if bs := sb.featureBlockers(); len(bs) > 0 {
		return fmt.Errorf("ffs: %s; mount it read-only: %w", bs[0].why, errno.EROFS)
	}
	return nil
}

// journalValid reports whether the WAPBL journal fields of sb name a
// journal that NetBSD's fsck_ffs would replay: a known version and
// location. fsck_ffs clears FS_DOWAPBL from a superblock whose fields
// do not ("CLEARING EXISTING JOURNAL").
func (sb *superblock) journalValid() bool {
	loc := sb.raw[sbOffJournalLocation]
	return sb.raw[sbOffJournalVersion] == wapblVersion && (loc == journalLocEndPart || loc == journalLocInFS)
}

// setFlags stores fs_flags f into sb and its raw bytes (in the field
// that the superblock's layout uses).
func (sb *superblock) setFlags(f int32) {
	sb.flags = f
	if sb.raw[sbOffOldFlags]&fsFlagsUpdated != 0 {
		sb.bo.PutUint32(sb.raw[1312:], uint32(f))
	} else {
		sb.raw[sbOffOldFlags] = byte(f)
	}
}
