package index

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
)

// Scan is a brute-force Index: it checks every group. It is the oracle of
// the conformance suite and is fast enough for a few thousand groups.
type Scan struct {
	mu     sync.RWMutex
	dir    *data.Directory // replaced whole by Index and Delete
	closed atomic.Bool
}

var _ Index = (*Scan)(nil)

// NewScan returns a brute-force index over dir.
func NewScan(dir *data.Directory) *Scan { return &Scan{dir: dir} }

// Search implements Index.
func (s *Scan) Search(ctx context.Context, q Query) ([]Hit, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	q.normalize()
	words := strings.Fields(place.Fold(q.Words))
	var hits []Hit
	s.mu.RLock()
	dir := s.dir
	s.mu.RUnlock()
	for _, g := range dir.Groups {
		ok, d := Accept(g, &q)
		if !ok {
			continue
		}
		text := place.Fold(g.Name + " " + g.Summary)
		score := 1.0
		for _, w := range words {
			if len(w) > 2 && strings.Contains(text, w) {
				score++
			}
		}
		if q.Language != "" && slices.Contains(g.Languages, q.Language) {
			score += 0.5
		}
		hits = append(hits, Hit{ID: g.ID, Score: score, DistanceKm: d})
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rank(hits)
	return page(hits, q.From, q.Size), nil
}

// Count implements Index.
func (s *Scan) Count() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.dir.Groups)
}

// Index implements Index.
func (s *Scan) Index(ctx context.Context, groups ...*data.Group) error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dir = data.NewDirectory(append(slices.Clone(s.dir.Groups), groups...))
	return nil
}

// Delete implements Index.
func (s *Scan) Delete(ctx context.Context, ids ...string) error {
	if s.closed.Load() {
		return ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dir = data.NewDirectory(slices.DeleteFunc(slices.Clone(s.dir.Groups), func(g *data.Group) bool { return slices.Contains(ids, g.ID) }))
	return nil
}

// Group implements Index.
func (s *Scan) Group(ctx context.Context, id string) (*data.Group, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if g, ok := s.dir.Group(id); ok {
		return g, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
}

// Listings implements Index.
func (s *Scan) Listings(ctx context.Context) iter.Seq2[*data.Group, error] {
	return func(yield func(*data.Group, error) bool) {
		if s.closed.Load() {
			yield(nil, ErrClosed)
			return
		}
		s.mu.RLock()
		gs := slices.Clone(s.dir.Groups)
		s.mu.RUnlock()
		slices.SortFunc(gs, func(a, b *data.Group) int { return strings.Compare(a.ID, b.ID) })
		for _, g := range gs {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			if !yield(g, nil) {
				return
			}
		}
	}
}

// Close implements Index.
func (s *Scan) Close() error { s.closed.Store(true); return nil }

// rank orders hits by score, then nearer first, then id for stable output.
func rank(hits []Hit) {
	slices.SortStableFunc(hits, func(a, b Hit) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.DistanceKm, b.DistanceKm), strings.Compare(a.ID, b.ID))
	})
}

func page(hits []Hit, from, size int) []Hit {
	if from >= len(hits) {
		return nil
	}
	return hits[from:min(len(hits), from+size)]
}
