package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/peermatch/peermatch/data"
)

// ErrRebuild is returned by Update when the change cannot be applied in
// place (another vocabulary changes every document's synonyms): the caller
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

// Update gives an index over dir that reuses this one's shards and
// re-indexes only the listings that changed: a feed that changes every few
// minutes costs seconds, not a rebuild (issue 14). Each shard's changes go
// in one batch, applied atomically; searches on the receiver keep working
// meanwhile and see each shard before or after its batch. The receiver
// hands its shards over: afterwards its Close closes nothing, and only the
// returned index should be searched.
func (b *Bleve) Update(ctx context.Context, dir *data.Directory, vocab *data.Vocabulary) (*Bleve, Diff, error) {
	start := time.Now()
	if b.closed.Load() || b.handed.Load() {
		return nil, Diff{}, ErrClosed
	}
	if vocabHash(vocab) != b.vocab {
		return nil, Diff{}, ErrRebuild
	}
	diff := Compare(b.dir, dir)
	// A read lock: searches on the receiver go on during the update (each
	// shard's batch is atomic); only Close waits for it to finish.
	b.mu.RLock()
	defer b.mu.RUnlock()
	shards := make(map[string]bleve.Index, len(b.shards))
	for name, s := range b.shards {
		shards[name] = s
	}
	// The batches per shard: deletions from where a listing was, then
	// the listing where it now belongs.
	batches := map[string]*bleve.Batch{}
	batchOf := func(name string) (*bleve.Batch, error) {
		if bt, ok := batches[name]; ok {
			return bt, nil
		}
		idx, ok := shards[name]
		if !ok {
			var err error
			if idx, err = b.newShard(name, vocab); err != nil {
				return nil, err
			}
			shards[name] = idx
		}
		bt := idx.NewBatch()
		batches[name] = bt
		return bt, nil
	}
	for _, id := range slices.Concat(diff.Changed, diff.Removed) {
		g, _ := b.dir.Group(id)
		for _, name := range shardsOf(g) {
			if _, ok := shards[name]; !ok {
				continue
			}
			bt, err := batchOf(name)
			if err != nil {
				return nil, Diff{}, err
			}
			bt.Delete(id)
		}
	}
	for _, id := range slices.Concat(diff.Added, diff.Changed) {
		g, _ := dir.Group(id)
		for _, name := range shardsOf(g) {
			bt, err := batchOf(name)
			if err != nil {
				return nil, Diff{}, err
			}
			if err := bt.Index(id, document(g)); err != nil {
				return nil, Diff{}, fmt.Errorf("index: listing %s: %w", id, err)
			}
		}
	}
	names := make([]string, 0, len(batches))
	for name := range batches {
		names = append(names, name)
	}
	slices.Sort(names)
	if b.path != "" {
		// Mark the index as mid-update: a crash before the final record
		// makes the next start rebuild rather than trust a mix.
		mid := &Bleve{dir: data.NewDirectory(nil), shards: shards, path: b.path, vocab: b.vocab, midUpdate: true}
		if err := mid.writeMeta(); err != nil {
			return nil, Diff{}, err
		}
	}
	// Shards apply their batches in parallel: on disk each waits for its
	// segment to be persisted, which is I/O rather than CPU.
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
	if err := errors.Join(errs...); err != nil {
		return nil, Diff{}, err
	}
	nb := &Bleve{dir: dir, shards: shards, log: b.log, path: b.path, vocab: b.vocab}
	if b.path != "" {
		if err := nb.writeMeta(); err != nil {
			return nil, Diff{}, err
		}
	}
	b.handed.Store(true)
	b.log.Info("search index updated", "added", len(diff.Added), "changed", len(diff.Changed), "removed", len(diff.Removed),
		"shards", len(names), "seconds", time.Since(start).Seconds())
	return nb, diff, nil
}

// updateParallel is how many shards apply their batches at once.
const updateParallel = 16

// newShard creates an empty shard, on disk beside the others or in memory.
func (b *Bleve) newShard(name string, vocab *data.Vocabulary) (bleve.Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	p := ""
	if b.path != "" {
		p = filepath.Join(b.path, name)
		if err := os.RemoveAll(p); err != nil { // a leftover of a crash
			return nil, fmt.Errorf("index: %w", err)
		}
	}
	idx, err := buildShard(context.Background(), p, m, nil, synonyms(vocab))
	if err != nil {
		return nil, fmt.Errorf("index: new shard %s: %w", name, err)
	}
	return idx, nil
}

// writeMeta records what the index on disk now holds, replacing the file
// in one rename so a crash leaves the old or the new record. A crash
// between a batch and this write leaves a record of the old directory: the
// next start sees a stale hash and rebuilds, never serves a mix unknowingly.
func (b *Bleve) writeMeta() error {
	names := make([]string, 0, len(b.shards))
	for n := range b.shards {
		names = append(names, n)
	}
	slices.Sort(names)
	m := meta{MappingVersion: MappingVersion, Directory: b.dir.Hash(), Vocabulary: b.vocab, Groups: len(b.dir.Groups), Shards: names}
	if b.midUpdate {
		m.Directory = "updating"
	}
	buf, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	tmp := filepath.Join(b.path, "meta.json.tmp")
	if err := os.WriteFile(tmp, buf, 0o600); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(b.path, "meta.json")); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// BuiltFor reads the record of the index persisted under path and returns
// the hash of the directory it holds ("" when there is none, or it is
// mid-update), so a caller can find an updated index again after a
// restart even if it lives under an older directory's name.
func BuiltFor(path string) string {
	b, err := os.ReadFile(filepath.Join(path, "meta.json"))
	if err != nil {
		return ""
	}
	var m meta
	if json.Unmarshal(b, &m) != nil || m.MappingVersion != MappingVersion || m.Directory == "updating" {
		return ""
	}
	return m.Directory
}
