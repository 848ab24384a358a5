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
	checkDevBars(t, "French dev set", r)
}
