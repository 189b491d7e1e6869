package vfs

import (
	"sync"
	"sync/atomic"
)

// nameCache remembers lookups: (directory, name) to vnode, or to nothing
// for a name known to be absent. Each entry holds a reference on both
// vnodes, so a cached vnode is never reclaimed under the cache; entries
// are purged when the directory changes under its exclusive lock, and
// evicted by a second-chance sweep when the cache is full.
type nameCache struct {
	mu      sync.RWMutex // guards entries
	entries map[ncKey]*ncEntry
	limit   int
}

type ncKey struct {
	dir  *Vnode
	name string
}

type ncEntry struct {
	vp   *Vnode // nil for a negative entry
	used atomic.Bool
}

func newNameCache(limit int) *nameCache {
	return &nameCache{entries: make(map[ncKey]*ncEntry), limit: limit}
}

// lookup returns the cached result for name in dir: hit reports whether
// there was an entry, and vp (referenced) is nil for a negative one.
func (c *nameCache) lookup(dir *Vnode, name string) (vp *Vnode, hit bool) {
	c.mu.RLock()
	e, ok := c.entries[ncKey{dir, name}]
	if ok {
		if !e.used.Load() {
			// Only the first hit since the last sweep writes, so hot
			// entries stay shared in every CPU's cache.
			e.used.Store(true)
		}
		if e.vp != nil {
			e.vp.Ref()
		}
		vp = e.vp
	}
	c.mu.RUnlock()
	return vp, ok
}

// enter caches name in dir as vp (nil: absent). The caller holds dir's
// lock, at least shared, so the directory cannot change meanwhile.
func (c *nameCache) enter(dir *Vnode, name string, vp *Vnode) {
	if name == "." || name == ".." || c.limit <= 0 {
		return
	}
	var evicted []*ncEntry
	var evictedKeys []ncKey
	c.mu.Lock()
	key := ncKey{dir, name}
	if _, ok := c.entries[key]; ok {
		c.mu.Unlock()
		return
	}
	if len(c.entries) >= c.limit {
		evictedKeys, evicted = c.evictLocked(len(c.entries) - c.limit + 1 + c.limit/16)
	}
	dir.Ref()
	dir.ncEntries.Add(1)
	if vp != nil {
		vp.Ref()
	}
	c.entries[key] = &ncEntry{vp: vp}
	c.mu.Unlock()
	releaseEntries(evictedKeys, evicted)
}

// evictLocked removes about n entries, sparing recently used ones once.
func (c *nameCache) evictLocked(n int) ([]ncKey, []*ncEntry) {
	var keys []ncKey
	var out []*ncEntry
	for pass := 0; pass < 2 && len(out) < n; pass++ {
		for k, e := range c.entries {
			if len(out) >= n {
				break
			}
			if pass == 0 && e.used.Swap(false) {
				continue
			}
			delete(c.entries, k)
			keys = append(keys, k)
			out = append(out, e)
		}
	}
	return keys, out
}

func releaseEntries(keys []ncKey, entries []*ncEntry) {
	for i, e := range entries {
		if e.vp != nil {
			e.vp.Rele()
		}
		keys[i].dir.ncEntries.Add(-1)
		keys[i].dir.Rele()
	}
}

// purgeDir forgets every entry in directory dir, as removing it does; it
// costs a sweep only when dir has entries.
func (c *nameCache) purgeDir(dir *Vnode) {
	if dir.ncEntries.Load() == 0 {
		return
	}
	c.purgeWhere(func(k ncKey, _ *ncEntry) bool { return k.dir == dir })
}

// remove forgets name in dir. The caller holds dir exclusively.
func (c *nameCache) remove(dir *Vnode, name string) {
	c.mu.Lock()
	key := ncKey{dir, name}
	e, ok := c.entries[key]
	if ok {
		delete(c.entries, key)
	}
	c.mu.Unlock()
	if ok {
		releaseEntries([]ncKey{key}, []*ncEntry{e})
	}
}

// purgeMount forgets every entry that touches mount m, as unmounting
// does.
func (c *nameCache) purgeMount(m *Mount) {
	c.purgeWhere(func(k ncKey, e *ncEntry) bool {
		return k.dir.mount == m || (e.vp != nil && e.vp.mount == m)
	})
}

// purgeAll empties the cache.
func (c *nameCache) purgeAll() {
	c.purgeWhere(func(ncKey, *ncEntry) bool { return true })
}

func (c *nameCache) purgeWhere(match func(ncKey, *ncEntry) bool) {
	var keys []ncKey
	var entries []*ncEntry
	c.mu.Lock()
	for k, e := range c.entries {
		if match(k, e) {
			delete(c.entries, k)
			keys = append(keys, k)
			entries = append(entries, e)
		}
	}
	c.mu.Unlock()
	releaseEntries(keys, entries)
}
