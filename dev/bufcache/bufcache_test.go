package bufcache

import (
	"errors"
	"sync"
	"testing"

	"github.com/gorump/gorump/dev/disk"
	"github.com/gorump/gorump/kern/errno"
)

func fill(b *Buf, v byte) {
	for i := range b.Data {
		b.Data[i] = v
	}
	b.MarkDirty()
}

func TestWriteBackAndSync(t *testing.T) {
	d := disk.NewMem(1<<20, 512)
	c, err := New(d, 4096, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.GetNew(3)
	if err != nil {
		t.Fatal(err)
	}
	fill(b, 7)
	b.Release()
	if d.Bytes()[3*4096] != 0 {
		t.Fatal("dirty buffer reached the disk before Sync")
	}
	if c.Dirty() != 1 {
		t.Fatalf("dirty %d", c.Dirty())
	}
	if err := c.Sync(); err != nil {
		t.Fatal(err)
	}
	if d.Pending() != 0 || d.Crash(0)[3*4096] != 7 {
		t.Fatal("Sync did not make the block durable")
	}
	b, _ = c.Get(3)
	if b.Data[100] != 7 {
		t.Error("cached data lost")
	}
	b.Release()
	if _, err := c.Get(c.Blocks()); !errors.Is(err, errno.EINVAL) {
		t.Errorf("block past the end: %v", err)
	}
}

func TestEvictionWritesBackAndBounds(t *testing.T) {
	d := disk.NewMem(4<<20, 512)
	c, _ := New(d, 4096, 16*4096) // 16 buffers
	for blk := int64(0); blk < 200; blk++ {
		b, err := c.GetNew(blk)
		if err != nil {
			t.Fatal(err)
		}
		fill(b, byte(blk))
		b.Release()
		if len(c.bufs) > 16 {
			t.Fatalf("cache holds %d buffers, bound 16", len(c.bufs))
		}
	}
	if err := c.Sync(); err != nil {
		t.Fatal(err)
	}
	img := d.Bytes()
	for blk := 0; blk < 200; blk++ {
		if img[blk*4096] != byte(blk) || img[blk*4096+4095] != byte(blk) {
			t.Fatalf("block %d lost on eviction", blk)
		}
	}
	st := c.Stats()
	if st.Writes > 200/8 {
		t.Errorf("%d disk writes for 200 sequential dirty blocks: eviction is not clustering", st.Writes)
	}
}

func TestClusteredSyncAndPrefetch(t *testing.T) {
	d := disk.NewMem(8<<20, 512)
	c, _ := New(d, 8192, 4<<20)
	for blk := int64(0); blk < 256; blk++ {
		b, _ := c.GetNew(blk)
		fill(b, byte(blk))
		b.Release()
	}
	if err := c.Sync(); err != nil {
		t.Fatal(err)
	}
	if w := c.Stats().Writes; w != 2 { // 2 MiB in 1 MiB transfers
		t.Errorf("sync of 2 MiB took %d transfers, want 2", w)
	}
	c2, _ := New(d, 8192, 4<<20)
	if err := c2.Prefetch(10, 64); err != nil {
		t.Fatal(err)
	}
	for blk := int64(10); blk < 74; blk++ {
		b, err := c2.Get(blk)
		if err != nil || b.Data[0] != byte(blk) {
			t.Fatalf("block %d: %v", blk, err)
		}
		b.Release()
	}
	if st := c2.Stats(); st.Reads != 1 || st.Hits != 64 {
		t.Errorf("prefetch then read: %+v, want 1 read and 64 hits", st)
	}
}

func TestFailedWriteKeepsData(t *testing.T) {
	d := disk.NewMem(1<<20, 512)
	c, _ := New(d, 4096, 1<<20)
	b, _ := c.GetNew(5)
	fill(b, 9)
	b.Release()
	d.FailWhen(func(op disk.Op, n int) bool { return op == disk.OpWrite })
	if err := c.Sync(); !errors.Is(err, errno.EIO) {
		t.Fatalf("sync on a failing disk: %v", err)
	}
	d.FailWhen(nil)
	if err := c.Sync(); err != nil {
		t.Fatal(err)
	}
	if d.Crash(0)[5*4096] != 9 {
		t.Error("data lost after a failed write")
	}
}

func TestWriteOrdersAndInvalidate(t *testing.T) {
	d := disk.NewMem(1<<20, 512)
	c, _ := New(d, 4096, 1<<20)
	b, _ := c.GetNew(1)
	fill(b, 1)
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	b.Release()
	if d.Crash(-1)[4096] != 1 || c.Dirty() != 0 {
		t.Error("Write did not reach the disk at once")
	}
	b, _ = c.GetNew(2)
	fill(b, 2)
	b.Release()
	c.Invalidate(2)
	c.Sync()
	if d.Bytes()[2*4096] != 0 {
		t.Error("an invalidated block was written")
	}
}

func TestReadError(t *testing.T) {
	d := disk.NewMem(1<<20, 512)
	c, _ := New(d, 4096, 1<<20)
	d.FailWhen(func(op disk.Op, n int) bool { return op == disk.OpRead })
	if _, err := c.Get(0); !errors.Is(err, errno.EIO) {
		t.Fatalf("read error: %v", err)
	}
	d.FailWhen(nil)
	b, err := c.Get(0)
	if err != nil {
		t.Fatalf("retry after a read error: %v", err)
	}
	b.Release()
}

func TestConcurrent(t *testing.T) {
	d := disk.NewMem(1<<20, 512)
	c, _ := New(d, 4096, 32*4096)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				blk := int64((g*31 + i*7) % 64)
				b, err := c.Get(blk)
				if err != nil {
					t.Error(err)
					return
				}
				// Each block holds a counter; holders are exclusive.
				b.Data[0]++
				b.MarkDirty()
				b.Release()
			}
		}()
	}
	wg.Wait()
	if err := c.Sync(); err != nil {
		t.Fatal(err)
	}
	var total int
	img := d.Bytes()
	for blk := range 64 {
		total += int(img[blk*4096])
	}
	// Counters wrap at 256; compare modulo.
	if total%256 != (8*500)%256 {
		t.Errorf("lost updates: sum %d", total)
	}
}

func BenchmarkSequentialWrite(b *testing.B) {
	d := disk.NewMem(64<<20, 512)
	c, _ := New(d, 32768, 8<<20)
	b.SetBytes(32768)
	for i := 0; b.Loop(); i++ {
		buf, _ := c.GetNew(int64(i % 2048))
		buf.Data[0] = byte(i)
		buf.MarkDirty()
		buf.Release()
	}
	c.Sync()
}

// TestOverwriteAndReuse checks Overwrite, and that buffers made from the
// Data of evicted ones start out as the block (Get), as zeroes (GetNew)
// or as what Overwrite and Prefetch put there, never as the old block.
func TestOverwriteAndReuse(t *testing.T) {
	d := disk.NewMem(4<<20, 512)
	c, _ := New(d, 4096, 16*4096) // 16 buffers
	p := make([]byte, 4096)
	for i := range p {
		p[i] = byte(i)
	}
	if err := c.Overwrite(c.Blocks(), p); !errors.Is(err, errno.EINVAL) {
		t.Errorf("overwrite past the end: %v", err)
	}
	if err := c.Overwrite(0, p[:100]); !errors.Is(err, errno.EINVAL) {
		t.Errorf("overwrite with a short block: %v", err)
	}
	// Dirty 64 blocks of 0xee, then churn through more blocks so their
	// Data is reused.
	for blk := int64(0); blk < 64; blk++ {
		b, _ := c.GetNew(blk)
		fill(b, 0xee)
		b.Release()
	}
	if err := c.Overwrite(100, p); err != nil {
		t.Fatal(err)
	}
	for blk := int64(200); blk < 260; blk++ {
		b, err := c.GetNew(blk)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range b.Data {
			if v != 0 {
				t.Fatalf("GetNew of block %d: %#x, want zeroes", blk, v)
			}
		}
		b.Release()
	}
	for blk := int64(300); blk < 340; blk++ { // never written: zero on the disk
		b, err := c.Get(blk)
		if err != nil {
			t.Fatal(err)
		}
		if b.Data[0] != 0 || b.Data[4095] != 0 {
			t.Fatalf("Get of block %d shows old data", blk)
		}
		b.Release()
	}
	if err := c.Prefetch(400, 32); err != nil {
		t.Fatal(err)
	}
	b, _ := c.Get(100)
	if b.Data[1] != 1 || b.Data[4095] != byte(4095&0xff) {
		t.Error("overwritten block lost")
	}
	b.Release()
	if err := c.Sync(); err != nil {
		t.Fatal(err)
	}
	img := d.Crash(0)
	if img[100*4096+1] != 1 || img[63*4096] != 0xee {
		t.Error("Sync lost written blocks")
	}
}
