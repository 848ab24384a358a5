package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	bolt "go.etcd.io/bbolt"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/importer"
)

// ErrRebuild is returned by Update when the change cannot be applied in
// place (another vocabulary changes every document's topics): the caller
// builds a new index with Open instead.
var ErrRebuild = errors.New("index: a full rebuild is needed")

// Diff is what changed between two directories, by listing id.
type Diff struct {
	Added, Changed, Removed []string
}

// Empty reports whether nothing changed.
func (d Diff) Empty() bool { return len(d.Added)+len(d.Changed)+len(d.Removed) == 0 }

// Compare lists the listings added to, changed in and removed from old to
// give new. A loader that keeps unchanged listings' pointers makes it cost
// a map lookup each; otherwise listings are compared field by field.
func Compare(old, new *data.Directory) Diff {
	var d Diff
	for _, g := range new.Groups {
		o, ok := old.Group(g.ID)
		switch {
		case !ok:
			d.Added = append(d.Added, g.ID)
		case o != g && !reflect.DeepEqual(o, g):
			d.Changed = append(d.Changed, g.ID)
		}
	}
	for _, g := range old.Groups {
		if _, ok := new.Group(g.ID); !ok {
			d.Removed = append(d.Removed, g.ID)
		}
	}
	return d
}

// Update applies dir to the index as a difference (one source holding
// every listing, as Open builds it) and gives a handle on the updated
// index; the receiver hands its state over (its Close closes nothing).
// It stays for callers that hold a directory; a loader that streams its
// sources calls ReplaceSource instead.
func (b *Bleve) Update(ctx context.Context, dir *data.Directory, vocab *data.Vocabulary) (*Bleve, Diff, error) {
	if b.closed.Load() || b.handed.Load() {
		return nil, Diff{}, ErrClosed
	}
	if vocabHash(vocab) != b.st.meta.Vocabulary {
		return nil, Diff{}, ErrRebuild
	}
	diff, err := b.replace(ctx, "", dir.Hash(), Slice(dir.Groups), dir.Hash())
	if err != nil {
		return nil, Diff{}, err
	}
	nb := &Bleve{st: b.st}
	b.handed.Store(true)
	return nb, diff, nil
}

// ReplaceSource makes the index hold exactly groups as the named source's
// listings: it compares each listing's content hash with the one stored,
// indexes only the added and changed ones, deletes the ones the source no
// longer lists (one batch per touched shard), and records fingerprint
// (Source tells it back). Searches go on meanwhile and see each shard
// before or after its batch.
func (b *Bleve) ReplaceSource(ctx context.Context, name, fingerprint string, groups iter.Seq2[*data.Group, error]) (Diff, error) {
	return b.replace(ctx, name, fingerprint, groups, "")
}

func (b *Bleve) replace(ctx context.Context, name, fingerprint string, groups iter.Seq2[*data.Group, error], dirHash string) (Diff, error) {
	st := b.st
	if b.closed.Load() {
		return Diff{}, ErrClosed
	}
	st.wmu.Lock()
	defer st.wmu.Unlock()
	// What the source held, by content hash.
	old := map[string]string{}
	err := st.db.View(func(tx *bolt.Tx) error {
		if sb := tx.Bucket(sourceBucket(name)); sb != nil {
			return sb.ForEach(func(k, v []byte) error { old[string(k)] = string(v); return nil })
		}
		return nil
	})
	if err != nil {
		return Diff{}, fmt.Errorf("index: listings store: %w", err)
	}
	var diff Diff
	var put []*data.Group
	seen := map[string]bool{}
	for g, err := range groups {
		if err != nil {
			return Diff{}, fmt.Errorf("index: source %q: %w", name, err)
		}
		if g == nil || g.ID == "" {
			return Diff{}, fmt.Errorf("index: source %q: a listing without an id", name)
		}
		if seen[g.ID] {
			continue
		}
		seen[g.ID] = true
		js, err := json.Marshal(g)
		if err != nil {
			return Diff{}, fmt.Errorf("index: source %q: listing %s: %w", name, g.ID, err)
		}
		h, had := old[g.ID]
		switch {
		case !had:
			diff.Added = append(diff.Added, g.ID)
		case h != string(contentHash(js)):
			diff.Changed = append(diff.Changed, g.ID)
		default:
			continue
		}
		put = append(put, g)
	}
	for id := range old {
		if !seen[id] {
			diff.Removed = append(diff.Removed, id)
		}
	}
	slices.Sort(diff.Removed)
	if err := st.apply(ctx, name, put, diff.Removed, &SourceState{Fingerprint: fingerprint, Groups: len(seen)}, dirHash); err != nil {
		return Diff{}, err
	}
	st.log.Info("search index updated", "source", name, "added", len(diff.Added), "changed", len(diff.Changed), "removed", len(diff.Removed))
	return diff, nil
}

// Index implements Index: the listings join the unnamed source "" (a
// listing another source held moves to it).
func (b *Bleve) Index(ctx context.Context, groups ...*data.Group) error {
	if b.closed.Load() {
		return ErrClosed
	}
	for _, g := range groups {
		if g == nil || g.ID == "" {
			return fmt.Errorf("index: a listing without an id")
		}
	}
	b.st.wmu.Lock()
	defer b.st.wmu.Unlock()
	return b.st.apply(ctx, "", groups, nil, nil, "")
}

// Delete implements Index.
func (b *Bleve) Delete(ctx context.Context, ids ...string) error {
	if b.closed.Load() {
		return ErrClosed
	}
	b.st.wmu.Lock()
	defer b.st.wmu.Unlock()
	return b.st.apply(ctx, "", nil, ids, nil, "")
}

// apply puts groups (as source src's) and deletes ids, in the shards, the
// store and the table; src's state is set to srcState when given. The
// caller holds wmu.
func (st *state) apply(ctx context.Context, src string, groups []*data.Group, ids []string, srcState *SourceState, dirHash string) error {
	st.mu.RLock()
	closed := st.closed
	st.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	// Later listings of an id replace earlier ones in this call.
	byID := make(map[string]*data.Group, len(groups))
	var order []string
	for _, g := range groups {
		if _, ok := byID[g.ID]; !ok {
			order = append(order, g.ID)
		}
		byID[g.ID] = g
	}
	del := map[string]bool{}
	for _, id := range ids {
		if _, put := byID[id]; !put {
			del[id] = true
		}
	}
	touched := slices.Concat(order, slices.Collect(maps.Keys(del)))
	// The listings as they are now, to delete them from where they were.
	prev := map[string]*data.Group{}
	owner := map[string]string{}
	err := st.db.View(func(tx *bolt.Tx) error {
		ob := tx.Bucket(bucketOwner)
		for _, id := range touched {
			i := st.tbl.find(id)
			if i < 0 {
				continue
			}
			g, err := st.load(st.tbl, i)
			if err != nil {
				return err
			}
			prev[id] = g
			owner[id] = string(ob.Get([]byte(id)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for id := range del {
		if prev[id] == nil {
			delete(del, id) // unknown ids are ignored
		}
	}
	syms := st.syms.clone()
	m, err := newMapping()
	if err != nil {
		return err
	}
	shards := maps.Clone(st.shards)
	var created []string
	batches := map[string]*bleve.Batch{}
	batchOf := func(name string) (*bleve.Batch, error) {
		if bt, ok := batches[name]; ok {
			return bt, nil
		}
		idx, ok := shards[name]
		if !ok {
			p := ""
			if st.path != "" {
				p = filepath.Join(st.path, name)
				if err := os.RemoveAll(p); err != nil { // a leftover of a crash
					return nil, fmt.Errorf("index: %w", err)
				}
			}
			var err error
			if idx, err = newShardIndex(p, m, false); err != nil {
				return nil, fmt.Errorf("index: new shard %s: %w", name, err)
			}
			shards[name] = idx
			created = append(created, name)
		}
		bt := idx.NewBatch()
		batches[name] = bt
		return bt, nil
	}
	fail := func(err error) error {
		for _, n := range created {
			shards[n].Close()
		}
		return err
	}
	for id, g := range prev {
		for _, name := range shardsOf(g) {
			if _, ok := shards[name]; !ok {
				continue
			}
			bt, err := batchOf(name)
			if err != nil {
				return fail(err)
			}
			bt.Delete(id)
		}
	}
	var set []row
	jsons := make(map[string][]byte, len(order))
	for _, id := range order {
		g := byID[id]
		js, err := json.Marshal(g)
		if err != nil {
			return fail(fmt.Errorf("index: listing %s: %w", id, err))
		}
		jsons[id] = js
		off, err := st.lst.add(js)
		if err != nil {
			return fail(err)
		}
		r := makeRec(g, syms)
		r.loff, r.llen = uint64(off), uint32(len(js))
		set = append(set, row{strings.Clone(id), r})
		doc := fieldsOf(g, st.analyzer)
		for _, name := range shardsOf(g) {
			bt, err := batchOf(name)
			if err != nil {
				return fail(err)
			}
			if err := indexDoc(bt, id, doc); err != nil {
				return fail(fmt.Errorf("index: listing %s: %w", id, err))
			}
		}
	}
	slices.SortFunc(set, func(a, b row) int { return strings.Compare(a.id, b.id) })
	names := slices.Sorted(maps.Keys(batches))
	if st.path != "" {
		// Mark the index as mid-update: a crash before the final record
		// makes the next start rebuild rather than trust a mix.
		mid := st.meta
		mid.Directory = "updating"
		if err := writeMeta(st.path, mid); err != nil {
			return fail(err)
		}
	}
	// Shards apply their batches in parallel: on disk each waits for its
	// segment to be persisted, which is I/O rather than CPU. Searches go on
	// (a read lock; each batch is atomic).
	st.mu.RLock()
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	sem := make(chan struct{}, updateParallel)
	for i, name := range names {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := ctx.Err(); err != nil {
				errs[i] = err
				return
			}
			if err := shards[name].Batch(batches[name]); err != nil {
				errs[i] = fmt.Errorf("index: shard %s: %w", name, err)
			}
		})
	}
	wg.Wait()
	st.mu.RUnlock()
	if err := errors.Join(errs...); err != nil {
		return fail(err)
	}
	// The store: listings, owners, content hashes, duplicate keys.
	counts := map[string]int{}
	err = st.db.Update(func(tx *bolt.Tx) error {
		ob, db := tx.Bucket(bucketOwner), tx.Bucket(bucketDup)
		for id, g := range prev {
			if sb := tx.Bucket(sourceBucket(owner[id])); sb != nil {
				if err := sb.Delete([]byte(id)); err != nil {
					return err
				}
				counts[owner[id]] = 0
			}
			for _, k := range importer.DupKeys(g) {
				if string(db.Get([]byte(k))) == id {
					if err := db.Delete([]byte(k)); err != nil {
						return err
					}
				}
			}
			if del[id] {
				if err := ob.Delete([]byte(id)); err != nil {
					return err
				}
			}
		}
		sb, err := tx.CreateBucketIfNotExists(sourceBucket(src))
		if err != nil {
			return err
		}
		counts[src] = 0
		for _, id := range order {
			js := jsons[id]
			if err := ob.Put([]byte(id), []byte(src)); err != nil {
				return err
			}
			if err := sb.Put([]byte(id), contentHash(js)); err != nil {
				return err
			}
			for _, k := range importer.DupKeys(byID[id]) {
				if db.Get([]byte(k)) == nil {
					if err := db.Put([]byte(k), []byte(id)); err != nil {
						return err
					}
				}
			}
		}
		for name := range counts {
			if b := tx.Bucket(sourceBucket(name)); b != nil {
				counts[name] = b.Stats().KeyN
			}
		}
		return nil
	})
	if err != nil {
		return fail(fmt.Errorf("index: listings store: %w", err))
	}
	// The new listings are on disk before any table points at them.
	if err := st.lst.flush(); err != nil {
		return fail(err)
	}
	tbl := st.tbl.merge(set, del)
	// Stop words follow the data: the shards that changed add the terms
	// their dictionary now finds common. They keep the ones the build
	// counted, because a shard's dictionary can count far fewer documents
	// than it holds (the build's undercount, TestBuildFindsCommonWords), and
	// losing a stop word would score a whole shard's postings; one source's
	// change does not make a word rare.
	stop := maps.Clone(st.meta.Stop)
	if stop == nil {
		stop = map[string][]string{}
	}
	for _, n := range names {
		words, err := stopWords(shards[n])
		if err != nil {
			return fail(fmt.Errorf("index: shard %s: %w", n, err))
		}
		if words = mergeSorted(stop[n], words); len(words) > 0 {
			stop[n] = words
		}
	}
	nm := st.meta
	nm.Sources = maps.Clone(nm.Sources)
	if nm.Sources == nil {
		nm.Sources = map[string]SourceState{}
	}
	for name, n := range counts {
		s := nm.Sources[name]
		s.Groups = n
		nm.Sources[name] = s
	}
	if srcState != nil {
		nm.Sources[src] = *srcState
	}
	nm.Stop, nm.Groups, nm.Symbols = stop, tbl.len(), *syms
	nm.Shards = slices.Sorted(maps.Keys(shards))
	if dirHash != "" || nm.Directory != "" {
		nm.Directory = dirHash // a change by id leaves no directory this index was built from
	}
	var werr error
	if st.path != "" {
		// The new table is written, then opened in place of the one on
		// the heap (renaming over the open old file leaves it readable
		// until it is closed below).
		name := filepath.Join(st.path, "table.bin")
		if werr = writeFile(name, tbl.encode()); werr == nil {
			if mt, err := openTable(name); err == nil {
				tbl = mt
			} else {
				werr = err
			}
		}
	}
	st.mu.Lock()
	old := st.tbl
	st.shards, st.tbl, st.syms, st.stop, st.meta = shards, tbl, syms, stopSets(stop), nm
	st.mu.Unlock()
	old.close() // no search holds it: they hold st.mu for reading
	st.cache.forget(touched)
	if werr != nil {
		return werr
	}
	if st.path != "" {
		if err := writeMeta(st.path, nm); err != nil {
			return err
		}
	}
	return nil
}

// updateParallel is how many shards apply their batches at once.
const updateParallel = 16

// writeMeta records what the index on disk now holds, replacing the file
// in one rename so a crash leaves the old or the new record. The record is
// written last: a crash before it leaves "updating" or the old record with
// another table, and the next start rebuilds rather than serve a mix.
func writeMeta(path string, m meta) error {
	buf, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return writeFile(filepath.Join(path, "meta.json"), buf)
}

func writeFile(name string, b []byte) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// mergeSorted is the sorted union of two word lists.
func mergeSorted(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}
