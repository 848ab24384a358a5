package crisis

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data"
)

// devCase is one line of an independent evaluation set (the format of
// /work/shared/eval/crisis-dev.tsv): text, kind, category, level, group.
type devCase struct {
	text, kind, category, group string
	level                       data.CrisisLevel
	line                        int
}

func loadDev(t testing.TB, path string) []devCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []devCase
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "\t")
		if len(p) != 5 {
			t.Fatalf("%s:%d: want 5 tab-separated fields (text, kind, category, level, group), got %d", path, n, len(p))
		}
		lv, ok := data.ParseCrisisLevel(p[3])
		if !ok || (p[1] != "crisis" && p[1] != "lookalike") {
			t.Fatalf("%s:%d: bad kind %q or level %q", path, n, p[1], p[3])
		}
		out = append(out, devCase{text: p[0], kind: p[1], category: p[2], group: p[4], level: lv, line: n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// categoryRight applies the set's rule: the category is named first; for
// overdose a suicide line first also counts; third-party may appear anywhere.
func categoryRight(want string, got []string) bool {
	if len(got) == 0 {
		return false
	}
	switch want {
	case data.CrisisOverdose:
		return got[0] == want || got[0] == data.CrisisSuicide
	case data.CrisisThirdParty:
		return slices.Contains(got, want)
	}
	return got[0] == want
}

type devRates struct{ crisis, reached, catRight, lookalikes, over int }

func scoreDev(t *testing.T, s *Screener, cases []devCase) devRates {
	t.Helper()
	var r devRates
	for _, c := range cases {
		a := s.Screen(c.text)
		switch c.kind {
		case "crisis":
			r.crisis++
			if a.Level >= c.level {
				r.reached++
			} else {
				t.Logf("below level (line %d, %s): want %s got %s %v: %q", c.line, c.group, c.level, a.Level, a.Signals, c.text)
			}
			if categoryRight(c.category, a.Categories) {
				r.catRight++
			} else {
				t.Logf("category (line %d, %s): want %s got %v: %q", c.line, c.group, c.category, a.Categories, c.text)
			}
		case "lookalike":
			r.lookalikes++
			if a.Level > c.level {
				r.over++
				t.Logf("over level (line %d, %s): allowed %s got %s %v: %q", c.line, c.group, c.level, a.Level, a.Signals, c.text)
			}
		}
	}
	return r
}

// TestIndependentDevSet asserts issue 11's bars on a set written
// independently of the lexicon (a copy of /work/shared/eval/crisis-dev.tsv):
// recall at the least level ≥ 95%, look-alikes above their allowed level
// ≤ 3%, first category right ≥ 95%. Run with -v to list every miss.
func TestIndependentDevSet(t *testing.T) {
	s := newTestScreener(t)
	r := scoreDev(t, s, loadDev(t, "testdata/crisis-dev.tsv"))
	checkDevBars(t, "independent dev set", r)
}

// checkDevBars logs a set's rates and fails below issue 11's bars.
func checkDevBars(t *testing.T, set string, r devRates) {
	t.Helper()
	recall := float64(r.reached) / float64(r.crisis)
	cat := float64(r.catRight) / float64(r.crisis)
	over := float64(r.over) / float64(r.lookalikes)
	t.Logf("%s: %d/%d crisis at level (%.1f%%), first category %d/%d (%.1f%%), look-alikes over %d/%d (%.1f%%)",
		set, r.reached, r.crisis, 100*recall, r.catRight, r.crisis, 100*cat, r.over, r.lookalikes, 100*over)
	if recall < 0.95 || cat < 0.95 || over > 0.03 {
		t.Errorf("bars: recall %.1f%% (want ≥ 95%%), first category %.1f%% (want ≥ 95%%), look-alikes over %.1f%% (want ≤ 3%%)",
			100*recall, 100*cat, 100*over)
	}
}
