package crisis

import "testing"

// TestFrenchDevSet holds the French tier to the bars of TestIndependentDevSet
// on testdata/crisis-dev-fr.tsv, written before the tier was extended:
// France, Québec, Belgium and Switzerland, plain and chat spellings, and the
// idioms that look like crisis talk ("je meurs de rire", "tuer le temps").
// Run with -v to list every miss.
func TestFrenchDevSet(t *testing.T) {
	s := newTestScreener(t)
	r := scoreDev(t, s, loadDev(t, "testdata/crisis-dev-fr.tsv"))
	if r.crisis < 60 || r.lookalikes < 40 {
		t.Fatalf("set too small: %d crisis rows (want ≥ 60), %d look-alikes (want ≥ 40)", r.crisis, r.lookalikes)
	}
	recall := float64(r.reached) / float64(r.crisis)
	cat := float64(r.catRight) / float64(r.crisis)
	over := float64(r.over) / float64(r.lookalikes)
	t.Logf("French dev set: %d/%d crisis at level (%.1f%%), first category %d/%d (%.1f%%), look-alikes over %d/%d (%.1f%%)",
		r.reached, r.crisis, 100*recall, r.catRight, r.crisis, 100*cat, r.over, r.lookalikes, 100*over)
	if recall < 0.95 || cat < 0.95 || over > 0.03 {
		t.Errorf("bars: recall %.1f%% (want ≥ 95%%), first category %.1f%% (want ≥ 95%%), look-alikes over %.1f%% (want ≤ 3%%)",
			100*recall, 100*cat, 100*over)
	}
}
