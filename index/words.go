package index

import (
	"context"
	"math"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/place"
)

// The person's words rank listings by which of their terms a listing's
// text holds, each weighted by how rare it is in the shard (idf), and not
// by how often or in how long a text: a listing is a name and a few
// sentences, where a repeated word says little. That choice is what makes
// search fast. zap can skip through a postings list only when it need not
// decode frequencies and norms (zapx PostingsIterator: with them it walks
// posting by posting), so the text field is indexed without them and the
// terms are read as bare postings: joined with the filters in one
// conjunction, a search that keeps a few hundred rooms of one topic jumps
// from candidate to candidate instead of walking every listing of the
// region that says "night".

// wordsQuery is the scored query of a search: listings whose text holds at
// least one of the terms and that pass the filter's clauses, the best k.
type wordsQuery struct {
	terms  []string // analysed, distinct
	filter []clause
	k      int // the request's size
}

// Searcher implements query.Query.
func (q *wordsQuery) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	docs, err := r.DocCount()
	if err != nil {
		return nil, err
	}
	// A clause that most of the shard's listings pass (the topic of a
	// topic's shard, "any country or the US", rooms in a rooms' shard)
	// would only be advanced beside every match of the words: it is left
	// to the table, which checks every constraint of every candidate
	// anyway (compact.go accept). A selective one (grid cells, a topic
	// among rooms) drives.
	var keep []query.Query
	for _, c := range q.filter {
		n, err := c.count(ctx, r)
		if err != nil {
			return nil, err
		}
		if n*2 <= docs {
			keep = append(keep, c.query())
		}
	}
	var found []*presenceSearcher
	closeAll := func() {
		for _, s := range found {
			s.Close()
		}
	}
	total := 0.0
	for _, t := range q.terms {
		tfr, err := r.TermFieldReader(ctx, []byte(t), fieldText, false, false, false)
		if err != nil {
			closeAll()
			return nil, err
		}
		// bleve's tf-idf idf, so a term in every listing still counts a
		// little. A term no listing of this shard holds still counts in
		// the total: a listing here that lacks it matches less of what the
		// person said than one in another shard that has it.
		df := tfr.Count()
		idf := 1 + math.Log(float64(docs)/float64(df+1))
		total += idf
		if df == 0 {
			tfr.Close()
			continue
		}
		found = append(found, &presenceSearcher{tfr: tfr, score: idf})
	}
	if len(found) == 0 {
		return searcher.NewMatchNoneSearcher(r)
	}
	// Scores are shares of the query's weight (0–1], whatever the
	// number of words, so the language bonus in Search means the same
	// for every query.
	for _, s := range found {
		s.score /= total
	}
	if len(keep) == 0 {
		// Nothing to skip by: every listing that holds a word is a
		// candidate, and scoring them term by term into an array costs a
		// fraction of merging the terms' postings document by document.
		return newTopSearcher(ctx, found, q.k)
	}
	var text search.Searcher = found[0]
	if len(found) > 1 {
		ss := make([]search.Searcher, len(found))
		for i, s := range found {
			ss[i] = s
		}
		if text, err = searcher.NewDisjunctionSearcher(ctx, r, ss, 1, opts); err != nil {
			closeAll()
			return nil, err
		}
	}
	var fq query.Query = keep[0]
	if len(keep) > 1 {
		fq = query.NewConjunctionQuery(keep)
	}
	f, err := fq.Searcher(ctx, r, m, search.SearcherOptions{Score: "none"})
	if err != nil {
		text.Close()
		return nil, err
	}
	// One conjunction: each side advances to the other's next candidate,
	// so the smaller of the two sets drives.
	return searcher.NewConjunctionSearcher(ctx, r, []search.Searcher{text, f}, opts)
}

// count is how many listings have one of the clause's values: an upper
// bound of those that pass it.
func (c clause) count(ctx context.Context, r bindex.IndexReader) (uint64, error) {
	var n uint64
	for _, v := range c.vals {
		tfr, err := r.TermFieldReader(ctx, []byte(v), c.field, false, false, false)
		if err != nil {
			return 0, err
		}
		n += tfr.Count()
		tfr.Close()
	}
	return n, nil
}

// presenceSearcher matches the listings whose text holds one term, each
// with the term's fixed score.
type presenceSearcher struct {
	tfr   bindex.TermFieldReader
	tfd   bindex.TermFieldDoc
	score float64
}

func (s *presenceSearcher) match(ctx *search.SearchContext, d *bindex.TermFieldDoc) *search.DocumentMatch {
	if d == nil {
		return nil
	}
	dm := ctx.DocumentMatchPool.Get()
	dm.IndexInternalID = append(dm.IndexInternalID[:0], d.ID...)
	dm.Score = s.score
	return dm
}

func (s *presenceSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	d, err := s.tfr.Next(s.tfd.Reset())
	if err != nil {
		return nil, err
	}
	return s.match(ctx, d), nil
}

func (s *presenceSearcher) Advance(ctx *search.SearchContext, id bindex.IndexInternalID) (*search.DocumentMatch, error) {
	d, err := s.tfr.Advance(id, s.tfd.Reset())
	if err != nil {
		return nil, err
	}
	return s.match(ctx, d), nil
}

func (s *presenceSearcher) Close() error               { return s.tfr.Close() }
func (s *presenceSearcher) Weight() float64            { return s.score }
func (s *presenceSearcher) SetQueryNorm(float64)       {} // scores are already shares
func (s *presenceSearcher) Count() uint64              { return s.tfr.Count() }
func (s *presenceSearcher) Min() int                   { return 0 }
func (s *presenceSearcher) Size() int                  { return 64 + s.tfr.Size() }
func (s *presenceSearcher) DocumentMatchPoolSize() int { return 1 }

// terms analyses the person's words into the terms worth scoring in these
// shards: not a function word, not one of any shard's stop words (from the
// data); with expand, a term that is a topic's synonym also brings the
// topic's own words ("bereaved" finds listings that say "grief"). With a
// topic known the filter already stands for its synonyms, and expanding
// inside the topic's shard would only match the whole shard.
func (st *state) terms(text string, shards []string, expand bool) []string {
	var out []string
	add := func(t string) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	for _, tok := range st.analyzer.Analyze([]byte(text)) {
		t := string(tok.Term)
		common := false
		for _, s := range shards {
			if st.stop[s][t] {
				common = true
				break
			}
		}
		if common {
			continue
		}
		add(t)
		if expand {
			for _, h := range st.syn[t] {
				add(h)
			}
		}
	}
	return out
}

// synonymTerms maps the analysed term of every one-word synonym of a topic
// to the analysed terms of the topic's label (its first word in English
// and Spanish), one way: "widow" also finds "grief", not the reverse,
// which would explode one word into forty.
func synonymTerms(v *data.Vocabulary, a analysis.Analyzer) map[string][]string {
	one := func(w string) string {
		toks := a.Analyze([]byte(w))
		if len(toks) != 1 {
			return ""
		}
		return string(toks[0].Term)
	}
	out := map[string][]string{}
	for _, t := range v.Topics {
		var heads []string
		for _, lang := range []string{"en", "es"} {
			if f := strings.Fields(place.Fold(t.Label[lang])); len(f) > 0 {
				if h := one(strings.Trim(f[0], ",.:;()")); h != "" && !slices.Contains(heads, h) {
					heads = append(heads, h)
				}
			}
		}
		for _, words := range t.Synonyms {
			for _, w := range words {
				w = place.Fold(w)
				if w == "" || strings.Contains(w, " ") {
					continue
				}
				in := one(w)
				if in == "" || slices.Contains(heads, in) {
					continue
				}
				for _, h := range heads {
					if !slices.Contains(out[in], h) {
						out[in] = append(out[in], h)
					}
				}
			}
		}
	}
	return out
}
