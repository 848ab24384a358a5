package matcher_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/peermatch/peermatch/matcher"
)

// hostile builds the inputs of issue 12: about n bytes of ZIP-like
// numbers, of long misspelt words (each costs a typo repair), and of
// "in <place>" phrases (each costs gazetteer lookups).
func hostile(n int) map[string]string {
	r := rand.New(rand.NewPCG(1, 2))
	var zips, typos, places strings.Builder
	for zips.Len() < n {
		fmt.Fprintf(&zips, "%05d ", r.IntN(100000))
	}
	for typos.Len() < n {
		for range 9 + r.IntN(4) {
			typos.WriteByte(byte('a' + r.IntN(26)))
		}
		typos.WriteByte(' ')
	}
	for places.Len() < n {
		fmt.Fprintf(&places, "near Springfieldx Northville Eastbury Westham ")
	}
	return map[string]string{"zips": zips.String(), "typos": typos.String(), "places": places.String()}
}

func TestCapText(t *testing.T) {
	long := strings.Repeat("añ ", 2000)
	got := matcher.CapText(long)
	if n := utf8.RuneCountInString(got); n > matcher.MaxTextRunes || !utf8.ValidString(got) || !strings.HasPrefix(long, got) {
		t.Errorf("CapText kept %d runes (valid %v), want at most %d", n, utf8.ValidString(got), matcher.MaxTextRunes)
	}
	words := strings.Repeat("a ", 3*matcher.MaxTextWords)
	if n := len(strings.Fields(matcher.CapText(words))); n != matcher.MaxTextWords {
		t.Errorf("CapText kept %d words, want %d", n, matcher.MaxTextWords)
	}
	if s := "grief group near 94110"; matcher.CapText(s) != s {
		t.Errorf("a short message must be kept whole")
	}
}

// A message that names its place early is still understood however much
// follows it, and the third ZIP-like number is tried when the first two
// are not ZIP codes.
func TestUnderstandLongMessages(t *testing.T) {
	m := newMatcher(t)
	u := m.Understand("grief support 00000 00001 94110 " + hostile(100 << 10)["zips"])
	if u.PlaceName == "" || len(u.Topics) == 0 || u.Topics[0].Slug != "grief" {
		t.Errorf("understood %+v, want grief near 94110", u)
	}
}

// BenchmarkUnderstandHostile shows the bound: 100 KB of any of the
// hostile inputs costs what its first MaxTextRunes runes do.
//
//	go test ./matcher -run '^$' -bench UnderstandHostile -benchmem
func BenchmarkUnderstandHostile(b *testing.B) {
	m := newMatcher(b)
	m.Understand("near 94110") // load the gazetteer once, outside the timing
	for name, text := range hostile(100 << 10) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				m.Understand(text)
			}
		})
	}
}

// BenchmarkSearchHostile is `peermatch search` on 100 KB of ZIP-like
// numbers: understanding and the index query, both on CapText's bound.
func BenchmarkSearchHostile(b *testing.B) {
	m := newMatcher(b)
	m.Understand("near 94110") // load the gazetteer once, outside the timing
	words := hostile(100 << 10)["zips"]
	for b.Loop() {
		w := matcher.CapText(words)
		if _, err := m.Find(context.Background(), m.Understand(w).Intake(w), 0, 5); err != nil {
			b.Fatal(err)
		}
	}
}
