package index

import (
	"cmp"
	"context"
	"encoding/binary"
	"slices"
	"sync"

	"github.com/blevesearch/bleve/v2/search"
	bindex "github.com/blevesearch/bleve_index_api"
)

// topSearcher scores every listing that holds one of the person's terms,
// term by term into an array indexed by document number, and gives the
// best k in document order. It serves the searches with no selective
// filter (remote searches in a topic's shard), where every posting of
// every term is a candidate anyway: adding a weight into an array costs a
// fraction of merging the terms' postings document by document and
// offering each to bleve's collector. Its scores are bit for bit those of
// bleve's disjunction of the same presenceSearchers (the sum of the
// weights in term order, times matched/terms), so a search over several
// shards ranks alike whichever way each shard was searched.
type topSearcher struct {
	hits       []scoredDoc // the best k, in document order
	i          int
	candidates uint64
}

type scoredDoc struct {
	doc   uint64
	score float64
}

// accumulator is the per-search scratch space, pooled: a search in a big
// shard touches tens of thousands of documents.
type accumulator struct {
	sum     []float64
	count   []uint16
	touched []uint64
}

var accumulators = sync.Pool{New: func() any { return new(accumulator) }}

// newTopSearcher reads the terms' postings and closes their readers.
func newTopSearcher(ctx context.Context, terms []*presenceSearcher, k int) (*topSearcher, error) {
	defer func() {
		for _, t := range terms {
			t.Close()
		}
	}()
	a := accumulators.Get().(*accumulator)
	defer func() {
		for _, n := range a.touched {
			a.sum[n], a.count[n] = 0, 0
		}
		a.touched = a.touched[:0]
		accumulators.Put(a)
	}()
	var tfd bindex.TermFieldDoc
	for _, t := range terms {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for {
			d, err := t.tfr.Next(tfd.Reset())
			if err != nil {
				return nil, err
			}
			if d == nil {
				break
			}
			n := binary.BigEndian.Uint64(d.ID) // scorch's document number
			if n >= uint64(len(a.sum)) {
				size := max(2*len(a.sum), int(n)+1, 1024)
				a.sum = append(a.sum, make([]float64, size-len(a.sum))...)
				a.count = append(a.count, make([]uint16, size-len(a.count))...)
			}
			if a.count[n] == 0 {
				a.touched = append(a.touched, n)
			}
			a.sum[n] += t.score
			a.count[n]++
		}
	}
	s := &topSearcher{candidates: uint64(len(a.touched))}
	if k <= 0 {
		return s, nil
	}
	// A heap of the best k, worst on top: lower score, then later
	// document (bleve's collector keeps the earlier of equal scores).
	worse := func(x, y scoredDoc) bool {
		return x.score < y.score || (x.score == y.score && x.doc > y.doc)
	}
	h := make([]scoredDoc, 0, min(k, len(a.touched)))
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= len(h) {
				return
			}
			if c+1 < len(h) && worse(h[c+1], h[c]) {
				c++
			}
			if !worse(h[c], h[i]) {
				return
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	terms64 := float64(len(terms))
	for _, n := range a.touched {
		d := scoredDoc{n, a.sum[n] * (float64(a.count[n]) / terms64)}
		switch {
		case len(h) < k:
			h = append(h, d)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if !worse(h[i], h[p]) {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
		case worse(h[0], d):
			h[0] = d
			down(0)
		}
	}
	// In document order, as every searcher gives its matches.
	slices.SortFunc(h, func(x, y scoredDoc) int { return cmp.Compare(x.doc, y.doc) })
	s.hits = h
	return s, nil
}

func (s *topSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if s.i >= len(s.hits) {
		return nil, nil
	}
	d := s.hits[s.i]
	s.i++
	dm := ctx.DocumentMatchPool.Get()
	dm.IndexInternalID = binary.BigEndian.AppendUint64(dm.IndexInternalID[:0], d.doc)
	dm.Score = d.score
	return dm, nil
}

func (s *topSearcher) Advance(ctx *search.SearchContext, id bindex.IndexInternalID) (*search.DocumentMatch, error) {
	target := binary.BigEndian.Uint64(id)
	for s.i < len(s.hits) && s.hits[s.i].doc < target {
		s.i++
	}
	return s.Next(ctx)
}

func (s *topSearcher) Close() error               { return nil }
func (s *topSearcher) Weight() float64            { return 1 }
func (s *topSearcher) SetQueryNorm(float64)       {}
func (s *topSearcher) Count() uint64              { return s.candidates }
func (s *topSearcher) Min() int                   { return 0 }
func (s *topSearcher) Size() int                  { return 64 + 16*cap(s.hits) }
func (s *topSearcher) DocumentMatchPoolSize() int { return 1 }
