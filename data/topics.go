package data

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

// Topic is one entry of the controlled vocabulary. The slug is a stable
// identifier; labels, descriptions and synonyms are reviewed data that can
// grow without code changes.
type Topic struct {
	Slug        string              `json:"slug"`
	Area        string              `json:"area"`
	Label       map[string]string   `json:"label"`
	Description map[string]string   `json:"description"`
	Synonyms    map[string][]string `json:"synonyms"`
	Related     []string            `json:"related,omitempty"`
}

// Vocabulary is the set of topics groups are filed under.
type Vocabulary struct {
	Topics []Topic
	bySlug map[string]int
}

//go:embed topics.json
var topicsJSON []byte

// DefaultVocabulary returns the embedded topic vocabulary (data/topics.json).
func DefaultVocabulary() (*Vocabulary, error) {
	return ParseVocabulary("topics.json", topicsJSON)
}

// ParseVocabulary reads a vocabulary file and checks it: unique slugs,
// an English label for each, related slugs that exist.
func ParseVocabulary(name string, b []byte) (*Vocabulary, error) {
	var f struct {
		Topics []Topic `json:"topics"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	v := &Vocabulary{Topics: f.Topics, bySlug: make(map[string]int, len(f.Topics))}
	for i, t := range f.Topics {
		if t.Slug == "" {
			return nil, fmt.Errorf("%s: topic %d: field slug: expected a slug, got nothing", name, i+1)
		}
		if _, dup := v.bySlug[t.Slug]; dup {
			return nil, fmt.Errorf("%s: topic %d: field slug: %q appears twice", name, i+1, t.Slug)
		}
		if t.Label["en"] == "" {
			return nil, fmt.Errorf("%s: topic %q: field label: expected an English label", name, t.Slug)
		}
		v.bySlug[t.Slug] = i
	}
	for _, t := range f.Topics {
		for _, r := range t.Related {
			if _, ok := v.bySlug[r]; !ok {
				return nil, fmt.Errorf("%s: topic %q: field related: unknown topic %q", name, t.Slug, r)
			}
		}
	}
	return v, nil
}

// Topic returns the topic with the given slug.
func (v *Vocabulary) Topic(slug string) (*Topic, bool) {
	i, ok := v.bySlug[slug]
	if !ok {
		return nil, false
	}
	return &v.Topics[i], true
}

// Has reports whether slug is in the vocabulary.
func (v *Vocabulary) Has(slug string) bool { _, ok := v.bySlug[slug]; return ok }

// Slugs lists every topic slug in vocabulary order.
func (v *Vocabulary) Slugs() []string {
	out := make([]string, len(v.Topics))
	for i, t := range v.Topics {
		out[i] = t.Slug
	}
	return out
}

// Label returns the topic's label in lang, falling back to English and
// then to the slug itself.
func (v *Vocabulary) Label(slug, lang string) string {
	t, ok := v.Topic(slug)
	if !ok {
		return slug
	}
	if l := t.Label[lang]; l != "" {
		return l
	}
	return t.Label["en"]
}

// IsAudience reports whether a is one of the design's audiences.
func IsAudience(a string) bool { return slices.Contains(Audiences, a) }
