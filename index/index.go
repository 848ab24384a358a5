// Package index searches the group directory. Index is the contract the
// matcher and the loader need, shaped as Gitea's indexer is (search, count,
// index and delete by id, read a listing back, a mapping version that
// triggers a rebuild); Bleve is the embedded, self-contained implementation
// (it holds no directory: what a search filters on is in the index or in a
// compact pointer-free table, listings are read back from disk) and Scan a
// brute-force one over a directory that serves as the executable
// specification and the conformance suite's oracle.
package index

import (
	"context"
	"errors"
	"iter"
	"time"

	"github.com/peermatch/peermatch/data"
	bolt "go.etcd.io/bbolt"
)

// ErrClosed is returned by searches on a closed index.
var ErrClosed = errors.New("index closed")

// ErrNotFound is returned by Group for an id the index does not hold.
var ErrNotFound = errors.New("index: no such listing")

// Query is an intake in index terms. Hard constraints (topics, where, who,
// when, country) filter; Words and Language only rank. Words are the
// person's own words: they are analyzed as plain text and never parsed as
// query syntax.
type Query struct {
	Words  string
	Topics []string // any of; empty means any topic
	// Where: Remote asks for groups anyone can join from anywhere (online,
	// phone, hybrid); Near for rooms within RadiusKm. Both set means either.
	// Neither set means anywhere at all (no place known yet).
	Remote   bool
	Near     *data.Point
	RadiusKm float64
	Audience string         // open to this audience: its own groups and everyone's
	Days     []time.Weekday // meets on one of these days (or has no fixed schedule)
	// After and Before bound a meeting's local start, in minutes after
	// midnight (0 = unbounded): "evenings" is After 17:00. Groups without
	// meeting times pass.
	After, Before  int
	Language       string      // preferred language: ranks, does not filter
	Speaks         string      // only listings in this language (BCP 47 base), when set
	Country        string      // remote services limited to other countries are left out
	Kinds          []data.Kind // any of; empty means any kind
	data.Limits                // kinds of listing ruled out, and the person's age
	Window         data.Window // a meeting must start in it ("now", "tonight")
	data.Specifics             // fellowship, type codes, phone or hybrid, audience only
	Size           int         // hits wanted (default 5)
	From           int         // hits to skip, for "more results"
}

// Hit is one matching group.
type Hit struct {
	ID         string
	Score      float64
	DistanceKm float64 // -1 for groups matched as remote
}

// Index searches groups and holds them: a caller needs no directory beside
// it to show a result (Group) or to change what it holds (Index, Delete).
type Index interface {
	Search(ctx context.Context, q Query) ([]Hit, error)
	// Count is how many listings the index holds.
	Count() int
	// Index adds the listings, replacing any with the same id.
	Index(ctx context.Context, groups ...*data.Group) error
	// Delete removes the listings with these ids; unknown ids are ignored.
	Delete(ctx context.Context, ids ...string) error
	// Group reads one listing back, ErrNotFound when absent.
	Group(ctx context.Context, id string) (*data.Group, error)
	// Listings streams every listing in id order, read back as Group
	// reads them, so a caller can go through a directory it does not hold
	// (a small one's names, the matcher's sample of words). Breaking out
	// of the loop stops the read; an error ends the sequence.
	Listings(ctx context.Context) iter.Seq2[*data.Group, error]
	Close() error
}

// Source is one feed's listings, streamed: the index never needs the whole
// directory at once. Fingerprint is the caller's summary of the feed (file
// size and time, a content hash): Source tells it back, so an unchanged
// feed is not even read.
type Source struct {
	Name        string
	Fingerprint string
	Groups      iter.Seq2[*data.Group, error]
}

// SourceState is what the index holds of one source.
type SourceState struct {
	Fingerprint string
	Groups      int
}

// Slice streams a slice of listings, for callers that hold them already.
func Slice(groups []*data.Group) iter.Seq2[*data.Group, error] {
	return func(yield func(*data.Group, error) bool) {
		for _, g := range groups {
			if !yield(g, nil) {
				return
			}
		}
	}
}

// DefaultRadiusKm is how far an in-person group may be when the person
// gave no distance: about 25 miles, a drive people make weekly.
const DefaultRadiusKm = 40

func (q *Query) normalize() {
	if q.Size <= 0 {
		q.Size = 5
	}
	if q.From < 0 {
		q.From = 0
	}
	if q.Near != nil && q.RadiusKm <= 0 {
		q.RadiusKm = DefaultRadiusKm
	}
}

// Owner names the source that holds the listing id (Build's and
// ReplaceSource's source name, "" for Index), so that a loader applying
// one source can tell its own listings from another source's: an id or a
// meeting (DuplicateOf) another source already holds.
func (b *Bleve) Owner(ctx context.Context, id string) (string, bool) {
	st := b.st
	st.mu.RLock()
	defer st.mu.RUnlock()
	if b.closed.Load() || st.closed {
		return "", false
	}
	var src []byte
	_ = st.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketOwner).Get([]byte(id)); v != nil {
			src = []byte(string(v)) // bbolt's bytes live only in the transaction
		}
		return nil
	})
	return string(src), src != nil
}
