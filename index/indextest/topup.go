package indextest

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/peermatch/peermatch/index"
)

// Pages checks idx on the pages a person sees (Size 5, the first and the
// second page) rather than on whole answers: Equal asks for more hits than
// the directory holds, so an index that fetches a few candidates and drops
// those its exact check rejects passes it while a page of five ends short
// with valid groups left unshown. Every page must be full when the
// oracle's answer has that many hits, every hit must be in the oracle's
// answer at the oracle's distance, and no id may repeat. (Which five is a
// matter of ranking, where implementations may differ.)
func Pages(t *testing.T, oracle, idx index.Index, queries []index.Query) {
	t.Helper()
	ctx := context.Background()
	fails := 0
	fail := func(i int, q index.Query, format string, args ...any) {
		fails++
		if fails <= 5 {
			t.Errorf("query %d %s: %s", i, describe(q), fmt.Sprintf(format, args...))
		}
	}
	for i, q := range queries {
		all := q
		all.Size, all.From = 1<<20, 0
		want, err := oracle.Search(ctx, all)
		if err != nil {
			t.Fatalf("oracle query %d: %v", i, err)
		}
		dist := make(map[string]float64, len(want))
		for _, h := range want {
			dist[h.ID] = h.DistanceKm
		}
		for _, from := range []int{0, 5} {
			pq := q
			pq.Size, pq.From = 5, from
			got, err := idx.Search(ctx, pq)
			if err != nil {
				t.Fatalf("query %d (%s): %v", i, describe(q), err)
			}
			if n := min(5, max(0, len(want)-from)); len(got) != n {
				fail(i, q, "page from %d has %d hits, want %d (%d valid in all)", from, len(got), n, len(want))
				continue
			}
			seen := map[string]bool{}
			for _, h := range got {
				d, ok := dist[h.ID]
				switch {
				case seen[h.ID]:
					fail(i, q, "page from %d repeats %s", from, h.ID)
				case !ok:
					fail(i, q, "page from %d holds %s, which the oracle does not accept", from, h.ID)
				case math.Abs(d-h.DistanceKm) > 1e-6:
					fail(i, q, "page from %d: %s at %.3f km, the oracle says %.3f", from, h.ID, h.DistanceKm, d)
				}
				seen[h.ID] = true
			}
		}
	}
	if fails > 5 {
		t.Errorf("%d failures over %d queries", fails, len(queries))
	}
}
