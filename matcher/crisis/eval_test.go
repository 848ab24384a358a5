package crisis

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"unicode"

	"github.com/peermatch/peermatch/data"
)

type evalCase struct {
	class, tier, lang, text string
	line                    int
}

func loadEval(t testing.TB, path string) []evalCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []evalCase
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.SplitN(line, "\t", 4)
		if len(p) != 4 {
			t.Fatalf("%s:%d: want 4 tab-separated fields", path, n)
		}
		out = append(out, evalCase{p[0], p[1], p[2], p[3], n})
	}
	return out
}

// highRisk tiers must all be caught, at urgent or above.
var highRisk = map[string]bool{"intent": true, "plan": true, "means": true, "preparation": true, "goodbye": true, "attempt": true, "od": true}

func newTestScreener(t testing.TB) *Screener {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEvaluation measures recall and false alarms on the labelled set in
// testdata and asserts the bars of issue 4. Run with -v to see the rates.
func TestEvaluation(t *testing.T) {
	s := newTestScreener(t)
	crisis := loadEval(t, "testdata/eval_crisis.tsv")
	safe := loadEval(t, "testdata/eval_safe.tsv")
	if len(crisis)+len(safe) < 450 {
		t.Fatalf("evaluation set has %d messages, want at least 450", len(crisis)+len(safe))
	}
	hit, high, highHit := 0, 0, 0
	byTier := map[string][2]int{}
	for _, c := range crisis {
		a := s.Screen(c.text)
		ok := a.Level >= data.LevelConcern
		bt := byTier[c.tier]
		bt[1]++
		if ok {
			hit++
			bt[0]++
		} else {
			t.Logf("missed (line %d, %s): %q", c.line, c.tier, c.text)
		}
		byTier[c.tier] = bt
		if highRisk[c.tier] {
			high++
			if a.Level >= data.LevelUrgent {
				highHit++
			} else {
				t.Logf("high-risk below urgent (line %d, %s): %q -> %v", c.line, c.tier, c.text, a.Level)
			}
		}
	}
	falseAlarms := 0
	for _, c := range safe {
		if a := s.Screen(c.text); a.Level >= data.LevelConcern {
			falseAlarms++
			t.Logf("false alarm (line %d, %s): %q -> %v %v", c.line, c.tier, c.text, a.Level, a.Signals)
		}
	}
	recall := float64(hit) / float64(len(crisis))
	highRecall := float64(highHit) / float64(high)
	far := float64(falseAlarms) / float64(len(safe))
	for tier, v := range byTier {
		t.Logf("tier %-12s %3d/%3d", tier, v[0], v[1])
	}
	t.Logf("recall %.1f%% (%d/%d); plan/means/attempt/intent/preparation/goodbye/overdose at urgent+ %.1f%% (%d/%d); false alarms %.1f%% (%d/%d)",
		100*recall, hit, len(crisis), 100*highRecall, highHit, high, 100*far, falseAlarms, len(safe))
	if recall < 0.98 {
		t.Errorf("recall %.3f, want >= 0.98", recall)
	}
	if highHit != high {
		t.Errorf("high-risk recall %d/%d, want all", highHit, high)
	}
	if far > 0.05 {
		t.Errorf("false alarm rate %.3f, want <= 0.05", far)
	}
}

// Evasion transforms, applied by code to every crisis message.
var evasions = []struct {
	name string
	f    func(string) string
}{
	{"leet", leetify}, {"homoglyph", homoglyphify}, {"zero-width", zeroWidth}, {"spacing", spaceLongest},
	{"repeats", stretch}, {"full-width", fullWidth}, {"typo", typo},
}

func mapWords(s string, f func(string) string) string {
	ws := strings.Split(s, " ")
	for i, w := range ws {
		ws[i] = f(w)
	}
	return strings.Join(ws, " ")
}

func leetify(s string) string {
	r := strings.NewReplacer("a", "4", "e", "3", "i", "1", "o", "0", "s", "$", "t", "7")
	return mapWords(s, func(w string) string {
		if len(w) < 4 {
			return w
		}
		return r.Replace(w)
	})
}

func homoglyphify(s string) string {
	return strings.NewReplacer("a", "а", "e", "е", "o", "о", "p", "р", "c", "с", "i", "і", "x", "х", "y", "у").Replace(s)
}

func zeroWidth(s string) string {
	return mapWords(s, func(w string) string {
		rs := []rune(w)
		if len(rs) < 4 {
			return w
		}
		var b strings.Builder
		for i, r := range rs {
			b.WriteRune(r)
			if i == 1 {
				b.WriteString("\u200b")
			}
			if i == 2 {
				b.WriteString("\u2066")
			}
		}
		return b.String()
	})
}

func longest(s string) int {
	ws := strings.Split(s, " ")
	best := 0
	for i, w := range ws {
		if len(w) > len(ws[best]) {
			best = i
		}
	}
	return best
}

func spaceLongest(s string) string {
	ws := strings.Split(s, " ")
	i := longest(s)
	ws[i] = strings.Join(strings.Split(ws[i], ""), " ")
	return strings.Join(ws, " ")
}

func stretch(s string) string {
	return mapWords(s, func(w string) string {
		for i, r := range w {
			if strings.ContainsRune("aeiou", r) && len(w) >= 3 {
				return w[:i] + strings.Repeat(string(r), 4) + w[i+1:]
			}
		}
		return w
	})
}

func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r + 0xFEE0
		}
		return r
	}, s)
}

// typo swaps the second and third letters of the longest word.
func typo(s string) string {
	ws := strings.Split(s, " ")
	i := longest(s)
	b := []rune(ws[i])
	if len(b) >= 4 && unicode.IsLetter(b[1]) && unicode.IsLetter(b[2]) {
		b[1], b[2] = b[2], b[1]
	}
	ws[i] = string(b)
	return strings.Join(ws, " ")
}

// TestEvasion applies every evasion transform to every crisis message that
// is caught in its plain form and asserts that at least 95% are still caught.
func TestEvasion(t *testing.T) {
	s := newTestScreener(t)
	total, caught := 0, 0
	per := map[string][2]int{}
	for _, c := range loadEval(t, "testdata/eval_crisis.tsv") {
		if s.Screen(c.text).Level < data.LevelConcern {
			continue
		}
		for _, e := range evasions {
			v := e.f(c.text)
			total++
			p := per[e.name]
			p[1]++
			if s.Screen(v).Level >= data.LevelConcern {
				caught++
				p[0]++
			} else {
				t.Logf("evaded by %s (line %d): %q", e.name, c.line, v)
			}
			per[e.name] = p
		}
	}
	for _, e := range evasions {
		t.Logf("evasion %-10s %4d/%4d", e.name, per[e.name][0], per[e.name][1])
	}
	rate := float64(caught) / float64(total)
	t.Logf("evasion recall %.1f%% (%d/%d)", 100*rate, caught, total)
	if rate < 0.95 {
		t.Errorf("evasion recall %.3f, want >= 0.95", rate)
	}
}
