package index

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/importer"
)

// The listings live on disk, in a bbolt file beside the shards: read by id
// for the few results shown (and for the rare rows the compact table
// cannot decide), never held whole in memory.
var (
	bucketListings = []byte("listings") // id -> listing JSON
	bucketOwner    = []byte("owner")    // id -> source name
	bucketDup      = []byte("dup")      // duplicate key -> id
)

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
		for _, b := range [][]byte{bucketListings, bucketOwner, bucketDup} {
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

// readGroup reads one listing from the store, nil when absent.
func readGroup(tx *bolt.Tx, id string) (*data.Group, error) {
	v := tx.Bucket(bucketListings).Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	var g data.Group
	if err := json.Unmarshal(v, &g); err != nil {
		return nil, fmt.Errorf("index: stored listing %s: %w", id, err)
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
	var g *data.Group
	err := st.db.View(func(tx *bolt.Tx) error {
		var err error
		g, err = readGroup(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
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
		stop := errors.New("stop")
		err := st.db.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketListings).Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if err := ctx.Err(); err != nil {
					return err
				}
				var g data.Group
				if err := json.Unmarshal(v, &g); err != nil {
					return fmt.Errorf("index: stored listing %s: %w", k, err)
				}
				if !yield(&g, nil) {
					return stop
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, stop) {
			yield(nil, err)
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
