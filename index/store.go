package index

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"os"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/importer"
)

// The listings live on disk beside the shards, never held whole in memory:
// their JSON one after another in listings.bin, read by the offset and
// length their table row keeps (for the few results shown, and the rare
// rows the table cannot decide). What a reload compares and who owns a
// listing are in a bbolt file, listings.db, read only by changes.
var (
	bucketOwner = []byte("owner") // id -> source name
	bucketDup   = []byte("dup")   // duplicate key -> id
)

// listingFile is listings.bin. It is only appended to: a changed listing
// is written again at the end, and the new table row points there, so a
// search holding the old table still reads the old listing, and a crash
// before the new table is written leaves the old one valid. What is no
// longer pointed at stays until the next full build (about a kilobyte per
// changed listing). Reads are preads: a mapped file is resident by whole
// large folios on this kernel (see table), and a listing is read rarely.
type listingFile struct {
	f    *os.File
	w    *bufio.Writer
	size int64 // where the next listing goes
}

func openListings(name string) (*listingFile, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("index: listings file: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("index: listings file: %w", err)
	}
	return &listingFile{f: f, w: bufio.NewWriterSize(f, 1<<20), size: fi.Size()}, nil
}

// add appends js; it is readable after flush.
func (l *listingFile) add(js []byte) (off int64, err error) {
	if len(js) > math.MaxUint32 {
		return 0, fmt.Errorf("index: a listing of %d bytes", len(js))
	}
	off = l.size
	if _, err := l.w.Write(js); err != nil {
		return 0, fmt.Errorf("index: listings file: %w", err)
	}
	l.size += int64(len(js))
	return off, nil
}

// flush writes what add buffered and syncs it, before any table points
// at it.
func (l *listingFile) flush() error {
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("index: listings file: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("index: listings file: %w", err)
	}
	return nil
}

func (l *listingFile) read(off int64, n uint32) ([]byte, error) {
	b := make([]byte, n)
	if _, err := l.f.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("index: listings file at %d: %w", off, err)
	}
	return b, nil
}

func (l *listingFile) close() error {
	if l == nil {
		return nil
	}
	return l.f.Close()
}

// sourceBucket holds a source's listings' content hashes: id -> hash.
func sourceBucket(name string) []byte { return []byte("src\x00" + name) }

// contentHash is what ReplaceSource compares to tell a changed listing.
func contentHash(js []byte) []byte {
	h := sha256.Sum256(js)
	return h[:16]
}

func openStore(path string, build bool) (*bolt.DB, error) {
	// While building, nothing is served from the file and a crash throws
	// the build away: syncing every transaction would only cost time. The
	// free list is kept in the file: without it bbolt reads every page at
	// open to rebuild it, which cost half a second and made the whole
	// file resident (1 GB of RSS at 500,000 listings).
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: build})
	if err != nil {
		return nil, fmt.Errorf("index: listings store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketOwner, bucketDup} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("index: listings store %s: %w", path, err)
	}
	return db, nil
}

// groupCache keeps the listings read most recently: a result shown is
// often read again (details, "more results"). Bounded; evicts at random,
// which for a cache this small is as good as LRU and needs no list.
type groupCache struct {
	mu sync.Mutex
	m  map[string]*data.Group
}

const cacheSize = 512

func (c *groupCache) get(id string) (*data.Group, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.m[id]
	return g, ok
}

func (c *groupCache) put(id string, g *data.Group) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*data.Group, cacheSize)
	}
	if len(c.m) >= cacheSize {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[id] = g
}

func (c *groupCache) forget(ids []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		delete(c.m, id)
	}
}

// load reads listing i of t from the listings file.
func (st *state) load(t *table, i int) (*data.Group, error) {
	r := t.rec(i)
	js, err := st.lst.read(int64(r.loff), r.llen)
	if err != nil {
		return nil, err
	}
	var g data.Group
	if err := json.Unmarshal(js, &g); err != nil {
		return nil, fmt.Errorf("index: stored listing %s: %w", t.id(i), err)
	}
	return &g, nil
}

// Group implements Index. The listing returned is shared with the cache:
// callers read it and do not change it.
func (b *Bleve) Group(ctx context.Context, id string) (*data.Group, error) {
	st := b.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	if b.closed.Load() || st.closed {
		return nil, ErrClosed
	}
	return st.group(id)
}

// group reads a listing through the cache; the caller holds st.mu.
func (st *state) group(id string) (*data.Group, error) {
	if g, ok := st.cache.get(id); ok {
		return g, nil
	}
	i := st.tbl.find(id)
	if i < 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	g, err := st.load(st.tbl, i)
	if err != nil {
		return nil, err
	}
	st.cache.put(id, g)
	return g, nil
}

// Listings streams the stored listings in id order (the matcher learns its
// words from the first ones). Stop early by breaking out of the loop.
func (b *Bleve) Listings(ctx context.Context) iter.Seq2[*data.Group, error] {
	return func(yield func(*data.Group, error) bool) {
		st := b.st
		st.mu.RLock()
		defer st.mu.RUnlock()
		if b.closed.Load() || st.closed {
			yield(nil, ErrClosed)
			return
		}
		for i := range st.tbl.len() {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			g, err := st.load(st.tbl, i)
			if !yield(g, err) || err != nil {
				return
			}
		}
	}
}

// Source tells what the index holds of the named source.
func (b *Bleve) Source(name string) (SourceState, bool) {
	st := b.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	s, ok := st.meta.Sources[name]
	return s, ok
}

// DuplicateOf names the listing of another id that is the same meeting as
// g (same name, time and place, or same conference link at the same time,
// as data.MergeDuplicates compares them), so that a reload can skip a
// listing another source already lists.
func (b *Bleve) DuplicateOf(ctx context.Context, g *data.Group) (string, bool) {
	keys := importer.DupKeys(g)
	if len(keys) == 0 {
		return "", false
	}
	st := b.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	if b.closed.Load() || st.closed {
		return "", false
	}
	var out string
	_ = st.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketDup)
		for _, k := range keys {
			if v := bk.Get([]byte(k)); v != nil && string(v) != g.ID {
				out = string(v)
				return nil
			}
		}
		return nil
	})
	return out, out != ""
}
