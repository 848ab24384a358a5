package bot

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// The prompts, labels and answer words are data so they can be reviewed
// and translated without touching the state machine.
//
//go:embed messages/*.json
var messageFiles embed.FS

// catalog is one language's texts.
type catalog struct {
	Lang string            `json:"lang"`
	Text map[string]string `json:"text"`
	// Crisis are the crisis replies' texts (crisis_reply.go): what is
	// said, and how a line record is said ("call {n}").
	Crisis map[string]string `json:"crisis"`
	Labels map[string]string `json:"labels"`
	Topics map[string]string `json:"topics"` // topic buttons, in display order of topicButtons
	// Formats are the patterns that are not sentences: how a list is
	// joined, how a date or a reason is put together. They are not graded
	// for reading level.
	Formats map[string]string   `json:"formats"`
	Words   map[string][]string `json:"words"` // answer words, normalized at load

	wordSet map[string]map[string]bool
}

// catalogs holds every language and the matcher that picks one from a locale.
type catalogs struct {
	byLang  map[string]*catalog
	tags    []language.Tag
	matcher language.Matcher
	def     string
	union   map[string][]string // each kind of words of every catalog (allWords)
}

// topicButtons are the topics offered as buttons at the first question,
// chosen because they are what people most often come for; anything else
// is reached by typing.
var topicButtons = []string{"grief", "alcohol", "drugs", "addiction-family", "depression", "anxiety", "caregivers", "trauma-ptsd"}

func loadCatalogs(def string) (*catalogs, error) {
	entries, err := fs.ReadDir(messageFiles, "messages")
	if err != nil {
		return nil, fmt.Errorf("bot: read messages: %w", err)
	}
	cs := &catalogs{byLang: map[string]*catalog{}}
	for _, e := range entries {
		b, err := messageFiles.ReadFile("messages/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("bot: read messages/%s: %w", e.Name(), err)
		}
		c := &catalog{}
		if err := json.Unmarshal(b, c); err != nil {
			return nil, fmt.Errorf("bot: messages/%s: %w", e.Name(), err)
		}
		c.wordSet = map[string]map[string]bool{}
		for k, ws := range c.Words {
			set := map[string]bool{}
			for _, w := range ws {
				set[normalize(w)] = true
			}
			c.wordSet[k] = set
		}
		cs.byLang[c.Lang] = c
		cs.tags = append(cs.tags, language.Make(c.Lang))
	}
	// English first so it is the matcher's fallback.
	slices.SortFunc(cs.tags, func(a, b language.Tag) int {
		if a == language.English {
			return -1
		}
		if b == language.English {
			return 1
		}
		return strings.Compare(a.String(), b.String())
	})
	cs.matcher = language.NewMatcher(cs.tags)
	cs.union = map[string][]string{}
	for _, c := range cs.byLang {
		for kind, set := range c.wordSet {
			cs.union[kind] = append(cs.union[kind], slices.Collect(maps.Keys(set))...)
		}
	}
	for kind, ws := range cs.union {
		slices.Sort(ws)
		cs.union[kind] = slices.Compact(ws)
	}
	if def == "" {
		def = "en"
	}
	if _, ok := cs.byLang[def]; !ok {
		return nil, fmt.Errorf("bot: default language %q has no messages", def)
	}
	cs.def = def
	if err := cs.sameKeys(); err != nil {
		return nil, err
	}
	return cs, nil
}

// sameKeys checks that every catalog has every key any catalog has, in
// each section, so no language is a fallback for another's gaps.
func (cs *catalogs) sameKeys() error {
	sections := []struct {
		name string
		keys func(*catalog) []string
	}{
		{"text", func(c *catalog) []string { return nonEmpty(c.Text) }},
		{"labels", func(c *catalog) []string { return nonEmpty(c.Labels) }},
		{"topics", func(c *catalog) []string { return nonEmpty(c.Topics) }},
		{"formats", func(c *catalog) []string { return nonEmpty(c.Formats) }},
		{"crisis", func(c *catalog) []string { return nonEmpty(c.Crisis) }},
		{"words", func(c *catalog) []string { return slices.Collect(maps.Keys(c.Words)) }},
	}
	for _, sec := range sections {
		union := map[string]bool{}
		for _, c := range cs.byLang {
			for _, k := range sec.keys(c) {
				union[k] = true
			}
		}
		for _, t := range cs.tags {
			b, _ := t.Base()
			c := cs.byLang[b.String()]
			have := sec.keys(c)
			for _, k := range slices.Sorted(maps.Keys(union)) {
				if !slices.Contains(have, k) {
					return fmt.Errorf("bot: messages/%s.json: %s %q is missing: %w", c.Lang, sec.name, k, errMissingKey)
				}
			}
		}
	}
	return nil
}

// errMissingKey is wrapped by loadCatalogs when a catalog lacks a key
// another catalog has.
var errMissingKey = errors.New("catalog key missing")

func nonEmpty(m map[string]string) []string {
	var out []string
	for k, v := range m {
		if v != "" {
			out = append(out, k)
		}
	}
	return out
}

// t returns the text (or format) for key with {name} placeholders filled
// from kv pairs.
func (c *catalog) t(key string, kv ...string) string {
	s, ok := c.Text[key]
	if !ok {
		s = c.Formats[key]
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+kv[i]+"}", kv[i+1])
	}
	return s
}

func (c *catalog) label(key string) string { return c.Labels[key] }

// allWords are the normalized words of kind in every catalog, sorted: for
// words read whatever the conversation's language (built once at load).
func (cs *catalogs) allWords(kind string) []string { return cs.union[kind] }

// anyIs reports whether normalized text is a word of kind in any catalog
// (person words: "my", "mi", "mon" speak of the writer in every language).
func (cs *catalogs) anyIs(kind, text string) bool { return slices.Contains(cs.union[kind], text) }

// is reports whether normalized text is one of the answer words of kind.
func (c *catalog) is(kind, text string) bool { return c.wordSet[kind][text] }

// normalize lowercases, strips accents and punctuation and collapses space,
// so "¡Sí!" and "si" compare equal.
func normalize(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if !ascii {
		// Decompose and drop the combining marks: "sí" → "si".
		var b strings.Builder
		for _, r := range norm.NFD.String(s) {
			if !unicode.Is(unicode.Mn, r) {
				b.WriteRune(r)
			}
		}
		s = b.String()
	}
	s = strings.ToLower(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '+' || r == '-':
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}
