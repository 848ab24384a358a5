package index

import (
	"context"

	"github.com/blevesearch/bleve/v2"
)

// WordScores runs the words of text on the biggest remote shard of b
// unfiltered (scored by topSearcher), filtered by countries (scored by
// bleve's disjunction in a conjunction), and for the best k alone; for
// TestTopSearcherScoresAsTheDisjunction.
func WordScores(ctx context.Context, b *Bleve, text string, countries []string, k int) (shard string, words []string, all, filtered, best map[string]float64, err error) {
	most := uint64(0)
	for name, idx := range b.st.shards {
		if n, _ := idx.DocCount(); n > most && name[0] == 'r' {
			shard, most = name, n
		}
	}
	idx := b.st.shards[shard]
	words = b.st.terms(text, []string{shard}, false)
	scores := func(wq *wordsQuery) map[string]float64 {
		if err != nil {
			return nil
		}
		res, e := idx.SearchInContext(ctx, bleve.NewSearchRequestOptions(wq, max(wq.k, 1), 0, false))
		if e != nil {
			err = e
			return nil
		}
		out := map[string]float64{}
		for _, h := range res.Hits {
			out[h.ID] = h.Score
		}
		return out
	}
	all = scores(&wordsQuery{terms: words, k: 100000})
	filtered = scores(&wordsQuery{terms: words, k: 100000, filter: []clause{terms("country", countries...)}})
	best = scores(&wordsQuery{terms: words, k: k})
	return
}
