package bot

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
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
	Lang   string              `json:"lang"`
	Danger map[string]string   `json:"danger"` // country → "call 911, or call or text 988"
	Text   map[string]string   `json:"text"`
	Labels map[string]string   `json:"labels"`
	Topics map[string]string   `json:"topics"` // topic buttons, in display order of topicButtons
	Words  map[string][]string `json:"words"`  // answer words, normalized at load

	wordSet map[string]map[string]bool
}

// catalogs holds every language and the matcher that picks one from a locale.
type catalogs struct {
	byLang  map[string]*catalog
	tags    []language.Tag
	matcher language.Matcher
	def     string
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
	if def == "" {
		def = "en"
	}
	if _, ok := cs.byLang[def]; !ok {
		return nil, fmt.Errorf("bot: default language %q has no messages", def)
	}
	cs.def = def
	en := cs.byLang["en"]
	for lang, c := range cs.byLang {
		for k := range en.Text {
			if c.Text[k] == "" {
				return nil, fmt.Errorf("bot: messages/%s.json: text %q is missing", lang, k)
			}
		}
		for k := range en.Labels {
			if c.Labels[k] == "" {
				return nil, fmt.Errorf("bot: messages/%s.json: label %q is missing", lang, k)
			}
		}
	}
	return cs, nil
}

// pick returns the catalog for a BCP 47 locale ("es-MX", "en_US"), or the
// default when the locale is empty or unsupported.
func (cs *catalogs) pick(locale string) *catalog {
	if c, ok := cs.byLang[locale]; ok {
		return c
	}
	if locale == "" {
		return cs.byLang[cs.def]
	}
	t, err := language.Parse(strings.ReplaceAll(locale, "_", "-"))
	if err != nil {
		return cs.byLang[cs.def]
	}
	_, i, conf := cs.matcher.Match(t)
	if conf == language.No {
		return cs.byLang[cs.def]
	}
	base, _ := cs.tags[i].Base()
	if c, ok := cs.byLang[base.String()]; ok {
		return c
	}
	return cs.byLang[cs.def]
}

// t returns the text for key with {name} placeholders filled from kv pairs.
func (c *catalog) t(key string, kv ...string) string {
	s := c.Text[key]
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+kv[i]+"}", kv[i+1])
	}
	return s
}

func (c *catalog) label(key string) string { return c.Labels[key] }

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
