// Package bufcache is the buffer cache that every disk file system in
// gorump shares: fixed-size blocks of a disk kept in memory, bounded in
// size, evicted least recently used first, written back lazily, and moved
// to and from the disk in large clustered transfers.
//
// A file system takes a block with Get (which reads it) or GetNew (which
// does not, for a block about to be overwritten whole), holds it
// exclusively until Release, and marks it dirty when it changes it.
// Where the on-disk order of writes matters, as for metadata that a
// checker must be able to repair after a crash, it calls Write to put a
// block on the disk before going on; everything else waits for Sync or
// eviction.
//
// Lock order: a Buf's lock, then Cache.mu. Disk I/O for eviction and Sync
// runs with Cache.mu held but no Buf lock, on buffers no one holds.
package bufcache

import (
	"fmt"
	"slices"
	"sync"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/kern/errno"
)

// MaxTransfer is the largest single disk transfer clustering builds.
const MaxTransfer = 1 << 20

// Cache caches one disk's blocks.
type Cache struct {
	d       disk.Disk
	bsize   int
	maxBufs int

	mu      sync.Mutex // guards the fields below and every Buf's refs, dirty, valid and list links
	bufs    map[int64]*Buf
	lruHead *Buf // least recently used unreferenced buffer
	lruTail *Buf
	ndirty  int
	stats   Stats
	// wbErr is the first failed eviction write-back since the last Sync,
	// which reports it; the data stays cached and dirty.
	wbErr error
	// wbBuf gathers the blocks of a clustered write-back: MaxTransfer
	// bytes, allocated on first use and kept.
	wbBuf []byte
	// spare holds the Data of evicted buffers for new buffers to reuse,
	// at most a transfer's worth (MaxTransfer/bsize of them).
	spare [][]byte
}

// Stats count what the cache did.
type Stats struct {
	Hits, Misses       int64
	Reads, Writes      int64 // disk transfers
	ReadBytes, WrBytes int64
	Evictions          int64
}

// Buf is one cached block.
type Buf struct {
	c   *Cache
	blk int64
	// Data is the block's contents; valid while the buffer is held.
	// Once the buffer is evicted the cache reuses Data for another block.
	Data []byte

	lock sync.Mutex // held by whoever has the buffer from Get

	// Guarded by c.mu:
	refs       int
	valid      bool
	dirty      bool
	prev, next *Buf
	onLRU      bool
}

// New makes a cache of disk d in blocks of bsize bytes (a power of two,
// a multiple of the sector size) holding at most capacity bytes.
func New(d disk.Disk, bsize int, capacity int64) (*Cache, error) {
	if bsize <= 0 || bsize&(bsize-1) != 0 || bsize%d.SectorSize() != 0 || bsize > MaxTransfer {
		return nil, fmt.Errorf("bufcache: block size %d: %w", bsize, errno.EINVAL)
	}
	n := int(capacity / int64(bsize))
	return &Cache{d: d, bsize: bsize, maxBufs: max(n, 16), bufs: map[int64]*Buf{}}, nil
}

// Disk returns the cached disk.
func (c *Cache) Disk() disk.Disk { return c.d }

// BlockSize returns the size of a block.
func (c *Cache) BlockSize() int { return c.bsize }

// Blocks returns how many blocks the disk has.
func (c *Cache) Blocks() int64 { return c.d.Size() / int64(c.bsize) }

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Get returns block blk, read from the disk unless cached, held
// exclusively by the caller until Release. A block past the end of the
// disk gives EINVAL; a failed read, EIO.
func (c *Cache) Get(blk int64) (*Buf, error) {
	b, err := c.hold(blk)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	valid := b.valid
	if valid {
		c.stats.Hits++
	} else {
		c.stats.Misses++
	}
	c.mu.Unlock()
	if !valid {
		if _, err := c.d.ReadAt(b.Data, blk*int64(c.bsize)); err != nil {
			b.Release()
			return nil, errno.EIO
		}
		c.mu.Lock()
		b.valid = true
		c.stats.Reads++
		c.stats.ReadBytes += int64(c.bsize)
		c.mu.Unlock()
	}
	return b, nil
}

// GetNew returns block blk held, without reading it: unless it was
// cached, its contents are zero. For blocks the caller will overwrite.
func (c *Cache) GetNew(blk int64) (*Buf, error) {
	b, err := c.hold(blk)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if !b.valid {
		clear(b.Data)
		b.valid = true
	}
	c.mu.Unlock()
	return b, nil
}

// Overwrite replaces all of block blk with p, which must be BlockSize
// bytes, and marks it dirty, neither reading nor clearing it first. A
// block past the end of the disk gives EINVAL.
func (c *Cache) Overwrite(blk int64, p []byte) error {
	if len(p) != c.bsize {
		return errno.EINVAL
	}
	b, err := c.hold(blk)
	if err != nil {
		return err
	}
	copy(b.Data, p)
	c.mu.Lock()
	b.valid = true
	if !b.dirty {
		b.dirty = true
		c.ndirty++
	}
	c.mu.Unlock()
	b.Release()
	return nil
}

// hold finds or makes the buffer for blk and locks it.
func (c *Cache) hold(blk int64) (*Buf, error) {
	if blk < 0 || blk >= c.Blocks() {
		return nil, errno.EINVAL
	}
	c.mu.Lock()
	b, ok := c.bufs[blk]
	if !ok {
		b = &Buf{c: c, blk: blk, Data: c.newDataLocked()}
		c.bufs[blk] = b
	} else if b.onLRU {
		c.lruRemove(b)
	}
	b.refs++
	c.shrinkLocked()
	c.mu.Unlock()
	b.lock.Lock()
	return b, nil
}

// Block returns the block number.
func (b *Buf) Block() int64 { return b.blk }

// MarkDirty records that the caller changed Data.
func (b *Buf) MarkDirty() {
	b.c.mu.Lock()
	defer b.c.mu.Unlock()
	if !b.dirty {
		b.dirty = true
		b.c.ndirty++
	}
}

// Write puts the buffer on the disk now (the caller still holds it), for
// writes whose order matters.
func (b *Buf) Write() error {
	c := b.c
	if _, err := c.d.WriteAt(b.Data, b.blk*int64(c.bsize)); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b.dirty {
		b.dirty = false
		c.ndirty--
	}
	c.stats.Writes++
	c.stats.WrBytes += int64(c.bsize)
	return nil
}

// Release gives the buffer back to the cache.
func (b *Buf) Release() {
	c := b.c
	b.lock.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	b.refs--
	if b.refs == 0 {
		if !b.valid {
			delete(c.bufs, b.blk)
			return
		}
		c.lruPush(b)
		c.shrinkLocked()
	}
}

// Invalidate forgets block blk, dirty or not, as freeing it does: its old
// contents must never reach the disk. The block must not be held.
func (c *Cache) Invalidate(blk int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.bufs[blk]
	if !ok || b.refs > 0 {
		return
	}
	if b.onLRU {
		c.lruRemove(b)
	}
	if b.dirty {
		c.ndirty--
	}
	delete(c.bufs, blk)
}

// Sync writes every dirty unheld buffer, in block order and clustered,
// then flushes the disk.
func (c *Cache) Sync() error {
	c.mu.Lock()
	var dirty []*Buf
	for _, b := range c.bufs {
		if b.dirty && b.refs == 0 {
			dirty = append(dirty, b)
		}
	}
	err := c.writeBack(dirty)
	if err == nil {
		err = c.wbErr
	}
	c.wbErr = nil
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return c.d.Sync()
}

// Dirty returns how many buffers wait to be written.
func (c *Cache) Dirty() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ndirty
}

// shrinkLocked evicts unheld buffers, least recently used first, until
// the cache is within its bound. Dirty victims are written back together
// with the dirty neighbours that make a contiguous run. A buffer whose
// write-back fails is kept, dirty, and the error saved for Sync.
func (c *Cache) shrinkLocked() {
	for tries := len(c.bufs); len(c.bufs) > c.maxBufs && c.lruHead != nil && tries > 0; tries-- {
		b := c.lruHead
		c.lruRemove(b)
		if b.dirty {
			if err := c.writeBack(c.dirtyRunLocked(b)); err != nil {
				if c.wbErr == nil {
					c.wbErr = err
				}
				c.lruPush(b)
				continue
			}
		}
		delete(c.bufs, b.blk)
		c.stats.Evictions++
		c.recycleLocked(b)
	}
}

// newDataLocked returns a block-sized slice for a new buffer: the Data
// of an evicted buffer when one is spare, holding whatever it held (Get
// reads the block over it, GetNew clears it), else a new one.
func (c *Cache) newDataLocked() []byte {
	if n := len(c.spare); n > 0 {
		d := c.spare[n-1]
		c.spare[n-1] = nil
		c.spare = c.spare[:n-1]
		return d
	}
	return make([]byte, c.bsize)
}

// recycleLocked keeps the Data of b, just evicted, for a new buffer. No
// one holds b, and Data is only valid while a buffer is held.
func (c *Cache) recycleLocked(b *Buf) {
	if len(c.spare) < MaxTransfer/c.bsize {
		c.spare = append(c.spare, b.Data)
	}
	b.Data = nil
}

// dirtyRunLocked returns the contiguous run of dirty unheld buffers
// around b, up to MaxTransfer.
func (c *Cache) dirtyRunLocked(b *Buf) []*Buf {
	limit := MaxTransfer / c.bsize
	run := []*Buf{b}
	for blk := b.blk - 1; len(run) < limit; blk-- {
		x, ok := c.bufs[blk]
		if !ok || !x.dirty || x.refs > 0 {
			break
		}
		run = append(run, x)
	}
	for blk := b.blk + 1; len(run) < limit; blk++ {
		x, ok := c.bufs[blk]
		if !ok || !x.dirty || x.refs > 0 {
			break
		}
		run = append(run, x)
	}
	return run
}

// writeBack writes bufs (dirty, unheld) sorted into runs of adjacent
// blocks, one disk transfer per run. It runs with c.mu held, which also
// guards c.wbBuf.
func (c *Cache) writeBack(bufs []*Buf) error {
	slices.SortFunc(bufs, func(a, b *Buf) int {
		switch {
		case a.blk < b.blk:
			return -1
		case a.blk > b.blk:
			return 1
		}
		return 0
	})
	limit := MaxTransfer / c.bsize
	for i := 0; i < len(bufs); {
		j := i + 1
		for j < len(bufs) && j-i < limit && bufs[j].blk == bufs[j-1].blk+1 {
			j++
		}
		run := bufs[i:j]
		data := run[0].Data
		if len(run) > 1 {
			if c.wbBuf == nil {
				c.wbBuf = make([]byte, MaxTransfer)
			}
			data = c.wbBuf[:0]
			for _, b := range run {
				data = append(data, b.Data...)
			}
		}
		if _, err := c.d.WriteAt(data, run[0].blk*int64(c.bsize)); err != nil {
			return err
		}
		c.stats.Writes++
		c.stats.WrBytes += int64(len(data))
		for _, b := range run {
			b.dirty = false
			c.ndirty--
		}
		i = j
	}
	return nil
}

// Prefetch reads the uncached blocks among n blocks from blk in one
// transfer, so that the Gets that follow hit the cache. It stops at the
// first block already cached.
func (c *Cache) Prefetch(blk int64, n int) error {
	n = min(n, MaxTransfer/c.bsize)
	if blk < 0 || blk >= c.Blocks() || n <= 0 {
		return nil
	}
	n = int(min(int64(n), c.Blocks()-blk))
	c.mu.Lock()
	var run []*Buf
	for i := range int64(n) {
		if _, ok := c.bufs[blk+i]; ok {
			break
		}
		b := &Buf{c: c, blk: blk + i, Data: c.newDataLocked(), refs: 1}
		b.lock.Lock() // a fresh buffer: never blocks
		c.bufs[b.blk] = b
		run = append(run, b)
	}
	c.mu.Unlock()
	if len(run) == 0 {
		return nil
	}
	data := make([]byte, len(run)*c.bsize)
	_, err := c.d.ReadAt(data, blk*int64(c.bsize))
	c.mu.Lock()
	if err == nil {
		c.stats.Reads++
		c.stats.ReadBytes += int64(len(data))
		for i, b := range run {
			copy(b.Data, data[i*c.bsize:])
			b.valid = true
		}
	}
	c.mu.Unlock()
	for _, b := range run {
		b.Release() // drops invalid buffers from the cache
	}
	if err != nil {
		return errno.EIO
	}
	return nil
}

func (c *Cache) lruPush(b *Buf) {
	b.onLRU = true
	b.prev, b.next = c.lruTail, nil
	if c.lruTail != nil {
		c.lruTail.next = b
	} else {
		c.lruHead = b
	}
	c.lruTail = b
}

func (c *Cache) lruRemove(b *Buf) {
	if b.prev != nil {
		b.prev.next = b.next
	} else {
		c.lruHead = b.next
	}
	if b.next != nil {
		b.next.prev = b.prev
	} else {
		c.lruTail = b.prev
	}
	b.prev, b.next, b.onLRU = nil, nil, false
}
