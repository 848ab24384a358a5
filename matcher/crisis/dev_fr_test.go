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

// TestFrenchHeldOutSet measures the French tier on sentences written after it
// was extended (testdata/crisis-heldout-fr.tsv). Its first run gave 29/36 at
// level and 0/21 look-alikes over; the seven misses (a rape by "un gars", "ma
// vie ne vaut rien", a negated "raison de vivre", ...) were then added to the
// lexicon, so the set is now a second dev set. The test keeps the first run's
// floor: a change that loses ground on this French fails.
func TestFrenchHeldOutSet(t *testing.T) {
	s := newTestScreener(t)
	r := scoreDev(t, s, loadDev(t, "testdata/crisis-heldout-fr.tsv"))
	t.Logf("French held-out set: %d/%d crisis at level, first category %d/%d, look-alikes over %d/%d",
		r.reached, r.crisis, r.catRight, r.crisis, r.over, r.lookalikes)
	if r.crisis == 0 || r.lookalikes == 0 {
		t.Fatal("empty held-out set")
	}
	if float64(r.reached)/float64(r.crisis) < 0.8 || r.over > 0 {
		t.Errorf("held-out floor: %d/%d at level (want ≥ 80%%), %d look-alikes over (want 0)", r.reached, r.crisis, r.over)
	}
}
