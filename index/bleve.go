package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peermatch/peermatch/data/importer"
	"github.com/peermatch/peermatch/data/schedule"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	bdoc "github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sync/errgroup"

	"github.com/peermatch/peermatch/data"
)

// MappingVersion changes whenever the mapping, the analysis or the way
// documents are derived from groups changes; a persisted index built under
// another version is rebuilt.
const MappingVersion = 8

// Shards. Scored text costs roughly the length of the postings it walks,
// so the index is split by the hard filters the intake always has: remote
// groups by topic, rooms by a 4°×6° region. A query opens only the shards
// that can hold its answers, and every postings list it walks is short.
const (
	regionLat = 4.0
	regionLon = 6.0
)

// Bleve is the embedded search index: scorch segments on disk under a
// state directory (or in memory for tests), one per shard, the compact
// table of rows, and the listings in a bbolt file. It holds no directory.
type Bleve struct {
	st     *state
	closed atomic.Bool
	// handed: Update gave the state to a new handle; Close leaves it.
	handed atomic.Bool
}

// state is what an index and the handles Update returns share.
type state struct {
	// mu: searches hold it for reading the whole time; a change applies
	// its batches under a read lock too (each shard's batch is atomic) and
	// takes it for writing only to swap in the new table, symbols and stop
	// words, so searches never see a row without its documents.
	mu     sync.RWMutex
	wmu    sync.Mutex // one change at a time
	closed bool

	shards map[string]bleve.Index
	tbl    *table
	syms   *symbols
	stop   map[string]map[string]bool // per shard: terms not scored
	meta   meta

	db       *bolt.DB
	lst      *listingFile
	path     string // "" in memory
	tmp      string // in memory: the directory of the listings file, removed on Close
	vocab    *data.Vocabulary
	analyzer analysis.Analyzer
	syn      map[string][]string // synonymTerms
	cache    groupCache
	log      *slog.Logger
}

var _ Index = (*Bleve)(nil)

type meta struct {
	MappingVersion int    `json:"mapping_version"`
	Directory      string `json:"directory_hash"` // set by Open over a directory, for BuiltFor
	Vocabulary     string `json:"vocabulary_hash"`
	Groups         int    `json:"groups"`
	Shards         []string
	Symbols        symbols                `json:"symbols"`
	Stop           map[string][]string    `json:"stop_words,omitempty"`
	Sources        map[string]SourceState `json:"sources,omitempty"`
}

func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}

// Open opens the index persisted under path when it was built from dir
// (its content hash) under this mapping and vocabulary, and builds it from
// dir otherwise. It is for callers that hold a directory already (tests,
// the current loader); the index keeps no reference to dir. An empty path
// builds in memory.
func Open(ctx context.Context, path string, dir *data.Directory, vocab *data.Vocabulary, log *slog.Logger) (*Bleve, error) {
	log = orDiscard(log)
	if path != "" {
		b, err := Reopen(ctx, path, vocab, log)
		if err == nil && b.st.meta.Directory == dir.Hash() {
			return b, nil
		}
		if err == nil {
			b.Close()
			err = fmt.Errorf("%w: built for directory %s", errStale, b.st.meta.Directory)
		}
		if !errors.Is(err, os.ErrNotExist) {
			log.Info("rebuilding search index", "reason", err.Error())
		}
	}
	return build(ctx, path, vocab, log, dir.Hash(), Source{Name: "", Fingerprint: dir.Hash(), Groups: Slice(dir.Groups)})
}

// Build builds the index under path (in memory when empty) from the
// sources, read one listing at a time, replacing whatever was there once
// it is complete. A listing whose id an earlier one already used is
// skipped (and counted in the log): ids are unique across sources.
func Build(ctx context.Context, path string, vocab *data.Vocabulary, log *slog.Logger, sources ...Source) (*Bleve, error) {
	return build(ctx, path, vocab, orDiscard(log), "", sources...)
}

var errStale = errors.New("index is stale")

// Reopen opens the index persisted under path without reading any
// listing. It fails with an error wrapping os.ErrNotExist when there is
// none, and one wrapping errStale when it was built under another mapping
// version or vocabulary: the caller then builds.
func Reopen(ctx context.Context, path string, vocab *data.Vocabulary, log *slog.Logger) (*Bleve, error) {
	log = orDiscard(log)
	raw, err := os.ReadFile(filepath.Join(path, "meta.json"))
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	var have meta
	if err := json.Unmarshal(raw, &have); err != nil {
		return nil, fmt.Errorf("%w: unreadable meta.json", errStale)
	}
	if have.MappingVersion != MappingVersion || have.Vocabulary != vocabHash(vocab) {
		return nil, fmt.Errorf("%w: built for mapping %d, vocabulary %s", errStale, have.MappingVersion, have.Vocabulary)
	}
	if have.Directory == "updating" {
		return nil, fmt.Errorf("%w: an update did not finish", errStale)
	}
	tbl, err := openTable(filepath.Join(path, "table.bin"))
	if err != nil {
		return nil, err
	}
	if tbl.len() != have.Groups {
		tbl.close()
		return nil, fmt.Errorf("%w: table has %d rows, meta.json says %d", errStale, tbl.len(), have.Groups)
	}
	st, err := newState(path, "", vocab, log)
	if err != nil {
		tbl.close()
		return nil, err
	}
	st.tbl, st.meta = tbl, have
	syms := have.Symbols
	st.syms = &syms
	st.stop = stopSets(have.Stop)
	if st.db, err = openStore(filepath.Join(path, "listings.db"), false); err != nil {
		return nil, err
	}
	lname := filepath.Join(path, "listings.bin")
	if _, err := os.Stat(lname); err != nil {
		st.db.Close()
		return nil, fmt.Errorf("%w: %v", errStale, err)
	}
	if st.lst, err = openListings(lname); err != nil {
		st.db.Close()
		return nil, err
	}
	// Shards open in parallel: a national index has over a hundred.
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, name := range have.Shards {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			// Safe batches, whatever the shard was built with: closing a
			// shard right after unsafe batches can lose what was not yet
			// persisted (an empty shard on reopen).
			idx, err := bleve.OpenUsing(filepath.Join(path, name), map[string]any{"unsafe_batch": false})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("shard %s: %v", name, err))
				return
			}
			st.shards[name] = idx
		})
	}
	wg.Wait()
	b := &Bleve{st: st}
	if len(errs) > 0 {
		b.Close()
		return nil, fmt.Errorf("%w: %v", errStale, errors.Join(errs...))
	}
	log.Info("search index opened", "groups", have.Groups, "shards", len(have.Shards))
	return b, nil
}

func newState(path, tmp string, vocab *data.Vocabulary, log *slog.Logger) (*state, error) {
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	st := &state{shards: map[string]bleve.Index{}, path: path, tmp: tmp, vocab: vocab, log: log,
		syms: &symbols{}, stop: map[string]map[string]bool{}, tbl: newTable(nil),
		meta: meta{MappingVersion: MappingVersion, Vocabulary: vocabHash(vocab), Sources: map[string]SourceState{}}}
	st.analyzer = m.AnalyzerNamed(textAnalyzer)
	if st.analyzer == nil {
		return nil, fmt.Errorf("index mapping: no analyzer %s", textAnalyzer)
	}
	st.syn = synonymTerms(vocab, st.analyzer)
	return st, nil
}

func stopSets(m map[string][]string) map[string]map[string]bool {
	out := make(map[string]map[string]bool, len(m))
	for shard, words := range m {
		set := make(map[string]bool, len(words))
		for _, w := range words {
			set[w] = true
		}
		out[shard] = set
	}
	return out
}

func vocabHash(v *data.Vocabulary) string {
	h := sha256.New()
	_ = json.NewEncoder(h).Encode(v.Topics)
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// shardsOf lists the shards a group is indexed in.
func shardsOf(g *data.Group) []string {
	var out []string
	if g.Format.Remote() || point(g) == nil {
		for _, t := range g.Topics {
			out = append(out, "r-"+t)
		}
	}
	if p := point(g); p != nil && g.Format.InPerson() {
		out = append(out, regionOf(p.Lat, p.Lon))
	}
	return out
}

func regionOf(lat, lon float64) string {
	return fmt.Sprintf("p%+d%+d", int(math.Floor(lat/regionLat)), int(math.Floor(lon/regionLon)))
}

// buildBatch is how many documents a shard takes at once while building.
const buildBatch = 4000

type shardJob struct {
	idx  bleve.Index
	name string
	ids  []string
	docs []*docFields
}

func build(ctx context.Context, path string, vocab *data.Vocabulary, log *slog.Logger, dirHash string, sources ...Source) (*Bleve, error) {
	start := time.Now()
	var tmp string
	var err error
	if path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		tmp, err = os.MkdirTemp(filepath.Dir(path), ".index-build-*")
	} else {
		// In memory the shards are, but the listings still go to a file:
		// bbolt needs one, and a test directory is small.
		tmp, err = os.MkdirTemp("", "peermatch-index-*")
	}
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp) // left only when the build succeeded in memory
		}
	}()
	st, err := newState(path, "", vocab, log)
	if err != nil {
		return nil, err
	}
	if path == "" {
		st.tmp = tmp
	}
	st.meta.Directory = dirHash
	if st.db, err = openStore(filepath.Join(tmp, "listings.db"), true); err != nil {
		return nil, err
	}
	if st.lst, err = openListings(filepath.Join(tmp, "listings.bin")); err != nil {
		st.db.Close()
		return nil, err
	}
	b := &Bleve{st: st}
	fail := func(err error) (*Bleve, error) {
		b.Close()
		return nil, err
	}
	m, err := newMapping()
	if err != nil {
		return fail(err)
	}

	// Documents go to their shards in batches, analysed by two workers
	// while the sources are read; a shard's batches are applied in order
	// by whichever worker takes them (ids are unique, so order does not
	// change the result).
	jobs := make(chan shardJob, 4)
	var wg sync.WaitGroup
	var errMu sync.Mutex
	var firstErr error
	setErr := func(err error) {
		errMu.Lock()
		defer errMu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	// Document frequencies of the text's terms per shard, counted as the
	// batches are applied, for the stop words: the shard's term dictionary
	// right after a build (segments not yet merged) gave counts far too
	// low (1 for "alcohol" in a 1,500-listing alcohol shard), so common
	// words went on being scored.
	var dfMu sync.Mutex
	df := map[string]map[string]int{}
	docs := map[string]int{}
	for range 2 {
		wg.Go(func() {
			for j := range jobs {
				bt := j.idx.NewBatch()
				for i, d := range j.docs {
					if err := indexDoc(bt, j.ids[i], d); err != nil {
						setErr(fmt.Errorf("index: listing %s: %w", j.ids[i], err))
						break
					}
				}
				if err := j.idx.Batch(bt); err != nil {
					setErr(fmt.Errorf("index: shard %s: %w", j.name, err))
				}
				local := map[string]int{}
				for _, d := range j.docs { // analysed by now: Batch waits for it
					for term := range d.text.AnalyzedTokenFrequencies() {
						local[term]++
					}
				}
				dfMu.Lock()
				m := df[j.name]
				if m == nil {
					m = map[string]int{}
					df[j.name] = m
				}
				for term, n := range local {
					m[term] += n
				}
				docs[j.name] += len(j.docs)
				dfMu.Unlock()
			}
		})
	}
	pending := map[string]*shardJob{}
	shardMu := sync.Mutex{} // shards map: written here, read by nobody else until done
	flush := func(j *shardJob) {
		if len(j.ids) > 0 {
			jobs <- *j
		}
		j.ids, j.docs = nil, nil
	}

	type stored struct {
		id, src string
		hash    []byte
		keys    []string
	}
	var rows []row
	var chunk []stored
	seen := map[string]struct{}{}
	skipped := 0
	counts := map[string]int{}
	writeChunk := func() error {
		if len(chunk) == 0 {
			return nil
		}
		err := st.db.Update(func(tx *bolt.Tx) error {
			ob, db := tx.Bucket(bucketOwner), tx.Bucket(bucketDup)
			// Sources list their ids mostly in order: pages split full
			// rather than half full (bbolt's default) keep the file small.
			ob.FillPercent = 0.9
			for _, s := range chunk {
				if err := ob.Put([]byte(s.id), []byte(s.src)); err != nil {
					return err
				}
				sb, err := tx.CreateBucketIfNotExists(sourceBucket(s.src))
				if err != nil {
					return err
				}
				sb.FillPercent = 0.9
				if err := sb.Put([]byte(s.id), s.hash); err != nil {
					return err
				}
				for _, k := range s.keys {
					if db.Get([]byte(k)) == nil { // the first listing of a meeting keeps its keys
						if err := db.Put([]byte(k), []byte(s.id)); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
		chunk = chunk[:0]
		if err != nil {
			return fmt.Errorf("index: listings store: %w", err)
		}
		return nil
	}
	read := func() error {
		for _, src := range sources {
			for g, err := range src.Groups {
				if err != nil {
					return fmt.Errorf("index: source %q: %w", src.Name, err)
				}
				if g == nil || g.ID == "" {
					return fmt.Errorf("index: source %q: a listing without an id", src.Name)
				}
				if _, dup := seen[g.ID]; dup {
					skipped++
					continue
				}
				seen[g.ID] = struct{}{}
				counts[src.Name]++
				js, err := json.Marshal(g)
				if err != nil {
					return fmt.Errorf("index: source %q: listing %s: %w", src.Name, g.ID, err)
				}
				off, err := st.lst.add(js)
				if err != nil {
					return err
				}
				r := makeRec(g, st.syms)
				r.loff, r.llen = uint64(off), uint32(len(js))
				chunk = append(chunk, stored{g.ID, src.Name, contentHash(js), importer.DupKeys(g)})
				rows = append(rows, row{strings.Clone(g.ID), r})
				doc := fieldsOf(g, st.analyzer)
				for _, name := range shardsOf(g) {
					j := pending[name]
					if j == nil {
						shardMu.Lock()
						idx, err := newShardIndex(pathIn(path, tmp, name), m, true)
						if err == nil {
							st.shards[name] = idx
						}
						shardMu.Unlock()
						if err != nil {
							return fmt.Errorf("index: shard %s: %w", name, err)
						}
						j = &shardJob{idx: idx, name: name}
						pending[name] = j
					}
					j.ids = append(j.ids, g.ID)
					j.docs = append(j.docs, doc)
					if len(j.ids) >= buildBatch {
						flush(j)
					}
				}
				if len(chunk) >= 5000 {
					if err := ctx.Err(); err != nil {
						return err
					}
					if err := writeChunk(); err != nil {
						return err
					}
					errMu.Lock()
					err := firstErr
					errMu.Unlock()
					if err != nil {
						return err
					}
				}
			}
			st.meta.Sources[src.Name] = SourceState{Fingerprint: src.Fingerprint, Groups: counts[src.Name]}
		}
		for _, j := range pending {
			flush(j)
		}
		if err := writeChunk(); err != nil {
			return err
		}
		return st.lst.flush()
	}
	rerr := read()
	close(jobs)
	wg.Wait()
	if rerr == nil {
		rerr = firstErr
	}
	if rerr == nil && path != "" {
		rerr = persisted(ctx, st.shards)
	}
	if rerr == nil && path != "" {
		rerr = merged(ctx, st.shards)
	}
	if rerr != nil {
		return fail(rerr)
	}
	seen = nil
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.id, b.id) })
	st.tbl = newTable(rows)
	rows = nil
	names := make([]string, 0, len(st.shards))
	for n := range st.shards {
		names = append(names, n)
	}
	slices.Sort(names)
	st.meta.Stop = map[string][]string{}
	for _, n := range names {
		if words := commonTerms(df[n], docs[n]); len(words) > 0 {
			st.meta.Stop[n] = words
		}
	}
	st.stop = stopSets(st.meta.Stop)
	st.meta.Shards, st.meta.Groups, st.meta.Symbols = names, st.tbl.len(), *st.syms
	if skipped > 0 {
		log.Warn("listings skipped: their id was used by an earlier listing", "count", skipped)
	}
	if path == "" {
		done = true // the listings file lives in tmp until Close
		log.Info("search index built", "groups", st.tbl.len(), "shards", len(names), "seconds", time.Since(start).Seconds())
		return b, nil
	}
	// Close, write the table and meta and rename into place, then reopen:
	// a crash mid-build leaves the old index or none, never a half-built one.
	if err := os.WriteFile(filepath.Join(tmp, "table.bin"), st.tbl.encode(), 0o600); err != nil {
		return fail(fmt.Errorf("index: %w", err))
	}
	if err := st.db.Sync(); err != nil {
		return fail(fmt.Errorf("index: %w", err))
	}
	if err := b.Close(); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	mj, _ := json.Marshal(st.meta)
	if err := os.WriteFile(filepath.Join(tmp, "meta.json"), mj, 0o600); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	if err := os.RemoveAll(path); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	done = true
	nb, err := Reopen(ctx, path, vocab, log)
	if err != nil {
		return nil, fmt.Errorf("index: reopen after build: %w", err)
	}
	log.Info("search index built", "groups", st.tbl.len(), "shards", len(names), "seconds", time.Since(start).Seconds())
	return nb, nil
}

// merged merges each shard's segments into one, two shards at a time: a
// search looks every term up once per segment, so fewer segments mean
// fewer dictionary walks, and one segment is smaller than its parts.
func merged(ctx context.Context, shards map[string]bleve.Index) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for name, idx := range shards {
		g.Go(func() error {
			in, err := idx.Advanced()
			if err != nil {
				return fmt.Errorf("index: shard %s: %w", name, err)
			}
			sc, ok := in.(*scorch.Scorch)
			if !ok {
				return nil
			}
			if err := sc.ForceMerge(ctx, &mergeplan.SingleSegmentMergePlanOptions); err != nil {
				return fmt.Errorf("index: merging shard %s: %w", name, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// persisted waits until every segment the shards were given is on disk:
// their batches were unsafe. An empty batch's callback runs once the
// snapshot holding it, and so every earlier segment, is persisted.
func persisted(ctx context.Context, shards map[string]bleve.Index) error {
	done := make(chan error, len(shards))
	for name, idx := range shards {
		bt := idx.NewBatch()
		bt.SetPersistedCallback(func(err error) {
			if err != nil {
				err = fmt.Errorf("index: shard %s: %w", name, err)
			}
			done <- err
		})
		if err := idx.Batch(bt); err != nil {
			return fmt.Errorf("index: shard %s: %w", name, err)
		}
	}
	var errs []error
	for range shards {
		select {
		case err := <-done:
			errs = append(errs, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return errors.Join(errs...)
}

// pathIn is where a shard lives while building: in tmp on disk, nowhere in
// memory.
func pathIn(path, tmp, name string) string {
	if path == "" {
		return ""
	}
	return filepath.Join(tmp, name)
}

// stopFraction: a term in more of a shard's documents than this is not
// scored; it would walk most of the shard's postings without changing the
// order. Shards smaller than stopMinDocs keep every term: a handful of
// documents says nothing about which words are common.
const (
	stopFraction = 0.3
	stopMinDocs  = 200
)

// stopWords reads the shard's term dictionary for the terms too common to
// score.
func stopWords(idx bleve.Index) ([]string, error) {
	n, err := idx.DocCount()
	if err != nil {
		return nil, err
	}
	if n < stopMinDocs {
		return nil, nil
	}
	d, err := idx.FieldDict(fieldText)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var out []string
	for {
		e, err := d.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
		if float64(e.Count) > stopFraction*float64(n) {
			out = append(out, e.Term)
		}
	}
	return out, nil
}

// commonTerms are the terms of df (document frequencies in a shard of
// docs listings) too common to score, by the same rule as stopWords.
func commonTerms(df map[string]int, docs int) []string {
	if docs < stopMinDocs {
		return nil
	}
	var out []string
	for term, n := range df {
		if float64(n) > stopFraction*float64(docs) {
			out = append(out, term)
		}
	}
	slices.Sort(out)
	return out
}

// newShardIndex creates an empty shard. unsafe batches return before
// their segment is on disk: in memory there is no disk, and a build waits
// for every shard once at the end (persisted) instead of for each batch,
// which kept the building workers idle through hundreds of fsyncs. A
// shard an update creates is served at once, so its batches wait. Reopen opens every shard safe whatever it was built with.
func newShardIndex(path string, m mapping.IndexMapping, unsafe bool) (bleve.Index, error) {
	var cfg map[string]any
	if path == "" || unsafe {
		cfg = map[string]any{"unsafe_batch": true}
	}
	return bleve.NewUsing(path, m, scorch.Name, scorch.Name, cfg)
}

const (
	textAnalyzer = "pm_text"
	fieldText    = "text"
)

// functionWords are never scored: pure function words of the two
// languages, true of any text. The words common in a domain ("support",
// "meeting", "every", "night") are found in the data instead: a term in
// more than stopFraction of a shard's documents is not scored there
// (stopWords, computed when the index is built or changed).
var functionWords = []string{"i", "im", "me", "my", "mi", "a", "an", "the", "and", "or", "for", "of", "to", "in", "on",
	"with", "el", "la", "los", "las", "de", "del", "y", "o", "para", "por", "con", "un", "una", "que", "is", "are", "be",
	"was", "it", "this", "that", "can", "how", "who", "what", "when", "where", "am", "do", "have", "has", "at", "as", "we",
	"you", "your", "our", "es", "se", "lo", "al", "su", "sus", "mis", "tu", "hay", "en"}

func newMapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	if err := im.AddCustomTokenMap("pm_stop_words", map[string]any{"type": tokenmap.Name, "tokens": toAny(functionWords)}); err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	if err := im.AddCustomTokenFilter("pm_stop", map[string]any{"type": stop.Name, "stop_token_map": "pm_stop_words"}); err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	if err := im.AddCustomAnalyzer(textAnalyzer, map[string]any{
		"type":          custom.Name,
		"char_filters":  []any{asciifolding.Name},
		"tokenizer":     unicode.Name,
		"token_filters": []any{en.PossessiveName, lowercase.Name, "pm_stop", cachedStemName},
	}); err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	im.DefaultAnalyzer = textAnalyzer
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fieldText, textMapping())
	for _, f := range keywordFields {
		dm.AddFieldMappingsAt(f, keywordMapping())
	}
	dm.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	im.DefaultMapping = dm
	return im, nil
}

// keywordFields are the filters, one keyword field each (fieldsOf).
var keywordFields = []string{"topic", "aud", "day", "lang", "country", "kind", "allows", "fellowship", "type", "via", "cell"}

func textMapping() *mapping.FieldMapping {
	text := bleve.NewTextFieldMapping()
	text.Analyzer = textAnalyzer
	text.Store, text.IncludeTermVectors, text.IncludeInAll, text.DocValues = false, false, false, false
	// Terms are scored by presence (words.go): no frequencies or norms,
	// which also lets zap skip through their postings.
	text.SkipFreqNorm = true
	return text
}

func keywordMapping() *mapping.FieldMapping {
	k := bleve.NewKeywordFieldMapping()
	k.Store, k.IncludeTermVectors, k.IncludeInAll, k.DocValues = false, false, false, false
	k.SkipFreqNorm = true
	return k
}

// The fields fieldsOf builds carry the options the mapping gives them.
var textOptions, keywordOptions = textMapping().Options(), keywordMapping().Options()

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// fieldsOf derives the indexed fields from a group, built here rather than
// by bleve's mapping from a map (which walked it by reflection and added an
// empty _all field to every document: a fifth of the build's CPU). The text
// field is analysed once, by whichever shard's batch gets to it first, for
// all the shards the listing is in. Filters are denormalised into single
// terms (aud "any", day "any") so each filter clause is one posting
// bitmap. Distances come from the table, so no geo point is indexed;
// whether a listing is remote or has a room is which shards it is in.
func fieldsOf(g *data.Group, text analysis.Analyzer) *docFields {
	aud := g.Audiences
	if len(aud) == 0 {
		aud = []string{"any"}
	}
	var days []string
	for _, d := range schedule.Days(g) {
		days = append(days, dayCode(d))
	}
	if len(days) == 0 {
		days = []string{"any"}
	}
	countries := g.Countries
	if len(countries) == 0 {
		countries = []string{"any"}
	}
	// "allows" lists the exclusions a listing survives, so that "no AA"
	// is one positive term filter rather than a negation.
	var allows []string
	for _, x := range []string{data.ExcludeTwelveStep, data.ExcludeFaith, data.ExcludeHelpline} {
		if (data.Limits{Exclude: []string{x}}).Allow(g) {
			allows = append(allows, x)
		}
	}
	var via []string
	if g.Format == data.FormatPhone || g.Online.Phone != "" {
		via = append(via, "phone")
	}
	if g.Format == data.FormatHybrid {
		via = append(via, "hybrid")
	}
	var cells []string
	if p := point(g); p != nil {
		cells = cellsOf(p.Lat, p.Lon)
	}
	body := strings.Join([]string{g.Name, g.Name, g.Summary, g.Organization}, " ")
	return &docFields{
		text: &onceField{TextField: bdoc.NewTextFieldCustom(fieldText, nil, []byte(body), textOptions, text)},
		keywords: [][]string{g.Topics, aud, days, g.Languages, countries, {string(g.Kind)}, allows,
			{g.FellowshipOf()}, g.Types, via, cells},
	}
}

// docFields are a listing's fields: the text, shared by every shard the
// listing is in, and the keyword values (in the order of keywordFields),
// from which each shard's document gets fields of its own: bleve merges a
// document's values of one field into its first field's term map, which
// two shards must not do to the same map.
type docFields struct {
	text     *onceField
	keywords [][]string
}

// single are the keyword fields of one value, which the mapping indexed
// without an array position.
var single = map[string]bool{"kind": true, "fellowship": true}

// onceField is a text field analysed once however many shards index it:
// each shard's batch analyses its documents on bleve's workers, at the same
// time, and the first to reach a listing's text does it for the others.
type onceField struct {
	*bdoc.TextField
	once sync.Once
}

func (f *onceField) Analyze() { f.once.Do(f.TextField.Analyze) }

// indexDoc adds a listing's fields to a shard's batch as a document of its
// own (bleve appends the id field to it).
func indexDoc(bt *bleve.Batch, id string, f *docFields) error {
	doc := bdoc.NewDocument(id)
	doc.Fields = make([]bdoc.Field, 0, 24)
	doc.Fields = append(doc.Fields, f.text)
	// As the mapping indexes a keyword array: one field per value, at its
	// array position, the value its one term (a nil analyzer, as keyword).
	for k, vals := range f.keywords {
		name := keywordFields[k]
		for i, v := range vals {
			var pos []uint64
			if !single[name] {
				pos = []uint64{uint64(i)}
			}
			doc.Fields = append(doc.Fields, bdoc.NewTextFieldCustom(name, pos, []byte(v), keywordOptions, nil))
		}
	}
	doc.SetIndexed()
	return bt.IndexAdvanced(doc)
}

func dayCode(d time.Weekday) string { return strings.ToLower(d.String()[:3]) }

// Grid cells at three sizes; a query uses the finest size that covers its
// circle with few cells, then checks the exact distance.
var cellSizes = []float64{0.25, 1, 4}

func cellsOf(lat, lon float64) []string {
	out := make([]string, len(cellSizes))
	for i, s := range cellSizes {
		out[i] = cellID(i, int(math.Floor(lat/s)), int(math.Floor(lon/s)))
	}
	return out
}

func cellID(level, y, x int) string { return fmt.Sprintf("%d:%d:%d", level, y, x) }

// bbox returns the circle's bounding box in degrees.
func bbox(p data.Point, km float64) (lat0, lat1, lon0, lon1 float64) {
	dLat := km / 111.0
	c := math.Cos(p.Lat * math.Pi / 180)
	dLon := 180.0
	if c > 0.01 {
		dLon = math.Min(180, km/(111.0*c))
	}
	return math.Max(-90, p.Lat-dLat), math.Min(90, p.Lat+dLat), p.Lon - dLon, p.Lon + dLon
}

func cellsCovering(p data.Point, km float64) []string {
	lat0, lat1, lon0, lon1 := bbox(p, km)
	for level, s := range cellSizes {
		y0, y1 := int(math.Floor(lat0/s)), int(math.Floor(lat1/s))
		x0, x1 := int(math.Floor(lon0/s)), int(math.Floor(lon1/s))
		if (y1-y0+1)*(x1-x0+1) > 16 && level < len(cellSizes)-1 {
			continue
		}
		var out []string
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				out = append(out, cellID(level, y, x))
			}
		}
		return out
	}
	return nil
}

func regionsCovering(p data.Point, km float64) []string {
	lat0, lat1, lon0, lon1 := bbox(p, km)
	var out []string
	for y := math.Floor(lat0 / regionLat); y <= math.Floor(lat1/regionLat); y++ {
		for x := math.Floor(lon0 / regionLon); x <= math.Floor(lon1/regionLon); x++ {
			out = append(out, fmt.Sprintf("p%+d%+d", int(y), int(x)))
		}
	}
	return out
}

// Count implements Index.
func (b *Bleve) Count() int {
	b.st.mu.RLock()
	defer b.st.mu.RUnlock()
	return b.st.tbl.len()
}

// Close implements Index.
func (b *Bleve) Close() error {
	if b.closed.Swap(true) || b.handed.Load() {
		return nil // closed already, or the state now belongs to an updated handle
	}
	st := b.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return nil
	}
	st.closed = true
	var errs []error
	for _, s := range st.shards {
		errs = append(errs, s.Close())
	}
	st.shards = map[string]bleve.Index{}
	if st.db != nil {
		errs = append(errs, st.db.Close())
	}
	errs = append(errs, st.lst.close(), st.tbl.close())
	if st.tmp != "" {
		errs = append(errs, os.RemoveAll(st.tmp))
	}
	return errors.Join(errs...)
}

// clause is one filter of a search: the listing has one of vals in field.
type clause struct {
	field string
	vals  []string
}

func terms(field string, vals ...string) clause { return clause{field, vals} }

func (c clause) query() query.Query {
	qs := make([]query.Query, len(c.vals))
	for i, v := range c.vals {
		t := bleve.NewTermQuery(v)
		t.SetField(c.field)
		qs[i] = t
	}
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// Search implements Index.
func (b *Bleve) Search(ctx context.Context, q Query) ([]Hit, error) {
	q.normalize()
	st := b.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	if b.closed.Load() || st.closed {
		return nil, ErrClosed
	}
	cq := compile(&q, st.syms)
	// Pick shards: remote shards of the wanted topics, room shards around
	// the place. Without topics every remote shard is a candidate.
	var remote, rooms []string
	if q.Remote || q.Near == nil {
		if len(q.Topics) > 0 {
			for _, t := range q.Topics {
				remote = append(remote, "r-"+t)
			}
		} else {
			for name := range st.shards {
				if strings.HasPrefix(name, "r-") {
					remote = append(remote, name)
				}
			}
		}
	}
	if q.Near != nil {
		rooms = regionsCovering(*q.Near, q.RadiusKm)
	} else if !q.Remote {
		for name := range st.shards {
			if strings.HasPrefix(name, "p") {
				rooms = append(rooms, name)
			}
		}
	}
	var filters []clause
	if len(q.Topics) > 0 {
		filters = append(filters, terms("topic", q.Topics...))
	}
	if len(q.Kinds) > 0 {
		ks := make([]string, len(q.Kinds))
		for i, k := range q.Kinds {
			ks[i] = string(k)
		}
		filters = append(filters, terms("kind", ks...))
	}
	if q.Audience != "" {
		filters = append(filters, terms("aud", q.Audience, "any"))
	}
	for _, x := range q.Exclude {
		filters = append(filters, terms("allows", x))
	}
	if q.Speaks != "" {
		filters = append(filters, terms("lang", q.Speaks))
	}
	if q.Fellowship != "" {
		filters = append(filters, terms("fellowship", q.Fellowship))
	}
	if q.Spoken != "" {
		filters = append(filters, terms("lang", q.Spoken))
	}
	for _, alts := range q.Types {
		filters = append(filters, terms("type", strings.Split(alts, "|")...))
	}
	if q.Via != "" {
		filters = append(filters, terms("via", q.Via))
	}
	if q.AudienceOnly && q.Audience != "" {
		filters = append(filters, terms("aud", q.Audience))
	}
	if len(q.Days) > 0 {
		ds := []string{"any"}
		for _, d := range q.Days {
			ds = append(ds, dayCode(d))
		}
		filters = append(filters, terms("day", ds...))
	}
	want := q.From + q.Size
	// Candidates are checked exactly by Accept; ask for enough of them.
	fetch := want*3 + 10

	var hits []Hit
	seen := map[string]bool{}
	var collectErr error
	collect := func(res *bleve.SearchResult) {
		for _, h := range res.Hits {
			if seen[h.ID] {
				continue
			}
			i := st.tbl.find(h.ID)
			if i < 0 {
				continue // a listing being removed
			}
			r := st.tbl.rec(i)
			ok, d, full := cq.accept(&r)
			speaks := r.langs&cq.lang != 0
			if full {
				// The row cannot decide: the listing, read from disk.
				g, err := st.group(h.ID)
				if err != nil {
					collectErr = err
					return
				}
				ok, d = Accept(g, &q)
				speaks = q.Language != "" && slices.Contains(g.Languages, q.Language)
			}
			if !ok {
				continue
			}
			seen[h.ID] = true
			score := h.Score
			if q.Language != "" && speaks {
				score = score*1.5 + 0.5
			}
			if d >= 0 {
				// Nearer rooms first among equally good ones: halve the
				// score at the edge of the radius.
				score *= 1 - 0.5*d/q.RadiusKm
			}
			hits = append(hits, Hit{ID: h.ID, Score: score, DistanceKm: d})
		}
	}
	run := func(shards []string, where []clause) error {
		var idxs []bleve.Index
		var held []string
		for _, s := range shards {
			if idx, ok := st.shards[s]; ok {
				idxs = append(idxs, idx)
				held = append(held, s)
			}
		}
		if len(idxs) == 0 {
			return nil
		}
		words := st.terms(q.Words, held, len(q.Topics) == 0)
		var target bleve.Index = idxs[0]
		if len(idxs) > 1 {
			target = bleve.NewIndexAlias(idxs...)
		}
		must := append(slices.Clone(filters), where...)
		var filter query.Query = bleve.NewMatchAllQuery()
		if len(must) > 0 {
			qs := make([]query.Query, len(must))
			for i, c := range must {
				qs[i] = c.query()
			}
			filter = bleve.NewConjunctionQuery(qs...)
		}
		if len(words) > 0 {
			// The words score, the filters only test membership, and
			// whichever has fewer listings drives (words.go).
			wq := &wordsQuery{terms: words, filter: must}
			// Candidates the table rejects (ages, start times, the circle
			// inside the grid cells) do not count: when the page is not
			// full and the words matched more, ask for more of them
			// before filling with listings the words do not match.
			for n := fetch; ; n *= 4 {
				wq.k = n
				req := bleve.NewSearchRequestOptions(wq, n, 0, false)
				// By score alone: a tie-break by id would make bleve read the
				// id of every listing the words match (thousands for "wine" in
				// the alcohol shard), which was most of a common-word search.
				// Hits are ranked again by score, distance and id (rank).
				req.SortBy([]string{"-_score"})
				res, err := target.SearchInContext(ctx, req)
				if err != nil {
					return err
				}
				collect(res)
				if collectErr != nil {
					return collectErr
				}
				if len(hits) >= want {
					return nil
				}
				if len(res.Hits) < n {
					break
				}
			}
		}
		// The words are optional (a grief listing that never says "widow"
		// still fits): fill up with the rest of the filtered set, unscored,
		// which lets bleve stop as soon as it has enough.
		// In each shard's own order, shard by shard: sorting by id would
		// make bleve read the id of every listing the filter passes (a
		// whole topic shard, 14,000 at national scale) to keep the first
		// few, while unscored and unsorted it stops once it has enough.
		// Not through an alias: an alias over a shard created by an update
		// answered this request with no hits (bleve v2.5, seen in
		// TestReplaceSource).
		// The filter is coarser than Accept (grid cells, not the circle;
		// ages and start times are only in the table): when the candidates
		// a shard gave were all used and still too few passed, it is asked
		// for more.
		for _, idx := range idxs {
			for n := fetch; ; n *= 4 {
				req := bleve.NewSearchRequestOptions(filter, n, 0, false)
				req.Score = "none"
				req.SortBy([]string{"-_score"})
				res, err := idx.SearchInContext(ctx, req)
				if err != nil {
					return err
				}
				collect(res)
				if collectErr != nil {
					return collectErr
				}
				if len(res.Hits) < n || len(hits) >= want {
					break
				}
			}
		}
		return nil
	}
	var where []clause
	if len(remote) > 0 {
		if q.Country != "" {
			where = append(where, terms("country", "any", q.Country))
		}
		if err := run(remote, where); err != nil {
			return nil, fmt.Errorf("index search: %w", err)
		}
	}
	if len(rooms) > 0 {
		where = where[:0]
		if q.Near != nil {
			where = append(where, terms("cell", cellsCovering(*q.Near, q.RadiusKm)...))
		}
		if err := run(rooms, where); err != nil {
			return nil, fmt.Errorf("index search: %w", err)
		}
	}
	rank(hits)
	return page(hits, q.From, q.Size), nil
}
