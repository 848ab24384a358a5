package index_test

import (
	"context"
	"testing"

	"github.com/peermatch/peermatch/data/place"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/index/indextest"
)

// TestTopSearcherScoresAsTheDisjunction: the words of a search are scored
// either by the top searcher (no selective filter) or by bleve's
// disjunction joined with the filter, shard by shard, and one search
// compares scores across shards. The two must agree bit for bit on every
// listing both return (a filter on two countries forces the disjunction
// on the same shard), and the best k must be the best of all.
func TestTopSearcherScoresAsTheDisjunction(t *testing.T) {
	ctx := context.Background()
	v := vocab(t)
	dir := indextest.Varied(2500, 11, v, place.DefaultGazetteer())
	b, err := index.Build(ctx, "", v, nil, index.Source{Name: "varied", Groups: index.Slice(dir.Groups)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const k = 5
	shard, terms, all, filtered, best, err := index.WordScores(ctx, b, "my mother died and i cry every night, grief group online for widows", []string{"GB", "CA"}, k)
	if err != nil {
		t.Fatal(err)
	}
	if len(terms) < 3 || len(filtered) == 0 || len(filtered) >= len(all) || len(best) != k {
		t.Fatalf("shard %s, terms %v: %d listings unfiltered, %d filtered, %d best: the test needs all three", shard, terms, len(all), len(filtered), len(best))
	}
	for id, s := range filtered {
		if all[id] != s {
			t.Errorf("%s: %v by the disjunction, %v by the top searcher", id, s, all[id])
		}
	}
	for id, s := range best {
		if all[id] != s {
			t.Errorf("%s: %v among the best, %v among all", id, s, all[id])
		}
		for other, o := range all {
			if _, in := best[other]; !in && o > s {
				t.Errorf("%s (%v) is among the best %d but %s scores %v", id, s, k, other, o)
			}
		}
	}
}
