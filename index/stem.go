package index

import (
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/registry"
)

// cachedStemName is bleve's English snowball stemmer with a cache: the
// listings of a directory use a few tens of thousands of distinct words,
// each stemmed again in every listing, and stemming was an eighth of a
// build's CPU. Same stems, so the mapping version need not change when
// the analyzer switches to it.
const cachedStemName = "pm_stem_en_cached"

// maxStems bounds the cache; words past it are stemmed each time.
const maxStems = 1 << 17

func init() {
	err := registry.RegisterTokenFilter(cachedStemName, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return &cachedStemmer{stem: en.NewEnglishStemmerFilter(), m: map[string][]byte{}}, nil
	})
	if err != nil {
		panic(err) // only a second registration of the name, a programming error
	}
}

type cachedStemmer struct {
	stem *en.EnglishStemmerFilter
	mu   sync.RWMutex
	m    map[string][]byte
	n    atomic.Int64
}

// Filter stems each token. A cached stem is shared by the tokens that use
// it: nothing after the stemmer in the analyzer, nor bleve's indexing,
// writes into a token's term.
func (c *cachedStemmer) Filter(input analysis.TokenStream) analysis.TokenStream {
	for _, t := range input {
		c.mu.RLock()
		s, ok := c.m[string(t.Term)]
		c.mu.RUnlock()
		if ok {
			t.Term = s
			continue
		}
		word := string(t.Term)
		c.stem.Filter(analysis.TokenStream{t})
		if c.n.Load() < maxStems {
			c.mu.Lock()
			if _, ok := c.m[word]; !ok {
				c.m[word] = t.Term
				c.n.Add(1)
			}
			c.mu.Unlock()
		}
	}
	return input
}
