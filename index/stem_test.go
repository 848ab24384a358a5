package index

import (
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
)

// TestCachedStemmerEqualsSnowball: the cached stemmer gives bleve's stems,
// the first time a word is seen and from the cache after.
func TestCachedStemmerEqualsSnowball(t *testing.T) {
	words := []string{"meetings", "meeting", "grieving", "widows", "drinking", "alcoholics", "running", "ran", "duelo", "familias", "meetings", "grieving"}
	tokens := func() analysis.TokenStream {
		var ts analysis.TokenStream
		for _, w := range words {
			ts = append(ts, &analysis.Token{Term: []byte(w)})
		}
		return ts
	}
	want := en.NewEnglishStemmerFilter().Filter(tokens())
	c := &cachedStemmer{stem: en.NewEnglishStemmerFilter(), m: map[string][]byte{}}
	for pass := range 2 {
		got := c.Filter(tokens())
		for i := range want {
			if !slices.Equal(got[i].Term, want[i].Term) {
				t.Errorf("pass %d: %q stems to %q, want %q", pass, words[i], got[i].Term, want[i].Term)
			}
		}
	}
	if c.n.Load() != int64(len(words)-2) {
		t.Errorf("%d words cached, want %d", c.n.Load(), len(words)-2)
	}
}
