package vfs

// EtfsCachedVnodes returns how many vnodes the etfs pseudo mount holds in
// its cache, so tests can see that removed registrations leave none.
func EtfsCachedVnodes(v *VFS) int {
	v.mu.Lock()
	m := v.etfsMount
	v.mu.Unlock()
	if m == nil {
		return 0
	}
	m.vcMu.Lock()
	defer m.vcMu.Unlock()
	return len(m.vcache)
}
