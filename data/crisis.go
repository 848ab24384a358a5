package data

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"
)

// CrisisLevel grades how urgently a message needs a human, following the
// design's four levels. The order matters: higher is more urgent.
type CrisisLevel int

const (
	LevelNone      CrisisLevel = iota
	LevelConcern               // passive ideation, distress: ask gently, offer lines
	LevelUrgent                // active ideation, self-harm, abuse: lines first, alert a moderator
	LevelEmergency             // plan, means, attempt in progress, overdose: emergency number first
)

var levelNames = [...]string{"none", "concern", "urgent", "emergency"}

func (l CrisisLevel) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return "unknown"
	}
	return levelNames[l]
}

// Crisis categories; each has its own resources.
const (
	CrisisSuicide          = "suicide"
	CrisisSelfHarm         = "self-harm"
	CrisisDomesticViolence = "domestic-violence"
	CrisisSexualAssault    = "sexual-assault"
	CrisisChildAbuse       = "child-abuse"
	CrisisOverdose         = "overdose"    // overdose or another medical emergency
	CrisisThirdParty       = "third-party" // worried about someone else
)

// Assessment is the result of screening one message.
type Assessment struct {
	Level      CrisisLevel
	Categories []string // most serious first
	Signals    []string // ids of the lexicon entries that fired (never message text)
}

// CrisisLine is one crisis service in one country.
type CrisisLine struct {
	Country      string   `json:"country"` // ISO 3166-1 alpha-2, or "*" for the international fallback
	Name         string   `json:"name"`
	Phone        string   `json:"phone,omitempty"`
	SMS          string   `json:"sms,omitempty"`
	Chat         string   `json:"chat,omitempty"` // URL
	URL          string   `json:"url,omitempty"`
	Hours        string   `json:"hours,omitempty"`
	Languages    []string `json:"languages,omitempty"`
	Audiences    []string `json:"audiences,omitempty"`  // e.g. veterans, youth
	Categories   []string `json:"categories,omitempty"` // crisis categories it serves; empty = all
	Source       string   `json:"source"`
	LastVerified string   `json:"last_verified"`
	Note         string   `json:"note,omitempty"` // caveats for reviewers, e.g. "sources disagree"
}

// The crisis data below is static and embedded so that the crisis path works
// when the index, the store or the network have failed.

//go:embed crisis/*.json
var crisisFiles embed.FS

// Names of the embedded crisis data files inside CrisisFS.
const (
	CrisisLexiconFile = "crisis/lexicon.json"
	CrisisLinesFile   = "crisis/lines.json"
	CrisisRepliesFile = "crisis/replies.json"
)

// ErrInvalidCrisisData is wrapped by every validation error of the crisis data.
var ErrInvalidCrisisData = errors.New("invalid crisis data")

// CrisisFS returns the embedded crisis data files (lexicon, lines, replies).
func CrisisFS() fs.FS { return crisisFiles }

// ParseCrisisLevel parses "none", "concern", "urgent" or "emergency".
func ParseCrisisLevel(s string) (CrisisLevel, bool) {
	for i, n := range levelNames {
		if n == s {
			return CrisisLevel(i), true
		}
	}
	return LevelNone, false
}

// CrisisCategories lists every crisis category in a stable order.
func CrisisCategories() []string {
	return []string{CrisisSuicide, CrisisSelfHarm, CrisisDomesticViolence, CrisisSexualAssault,
		CrisisChildAbuse, CrisisOverdose, CrisisThirdParty}
}

func isCrisisCategory(c string) bool {
	for _, k := range CrisisCategories() {
		if k == c {
			return true
		}
	}
	return false
}

// CrisisLexicon is the reviewed phrase lexicon used by crisis screening.
type CrisisLexicon struct {
	Version string         `json:"version"`
	Notes   string         `json:"notes,omitempty"`
	Rules   CrisisRules    `json:"rules"`
	Entries []LexiconEntry `json:"entries"`
}

// CrisisRules holds the word lists of the context rules and normalization.
type CrisisRules struct {
	Rewrites        map[string]string `json:"rewrites"`        // one word → words (contractions, slang, misspellings)
	PhraseRewrites  map[string]string `json:"phrase_rewrites"` // several words → words (algospeak)
	Negations       []string          `json:"negations"`
	PseudoNegations []string          `json:"pseudo_negations"` // start with a negation but do not negate
	Terminators     []string          `json:"terminators"`      // end a negation's scope ("but")
	FirstPerson     []string          `json:"first_person"`
	ThirdPerson     []string          `json:"third_person"`
	PastMarkers     []string          `json:"past_markers"`
	Resolution      []string          `json:"resolution"`
	FictionMarkers  []string          `json:"fiction_markers"`
	Identification  []string          `json:"identification"` // "how i feel": a quote the person identifies with
	Flippant        []string          `json:"flippant"`
	// Fillers ("just", "really", "fucking") may stand between the words of a
	// phrase: "i want to just die" matches "want to die".
	Fillers []string `json:"fillers,omitempty"`
	// Censored words people write with a star to dodge filters ("k*ll",
	// "su*cidal"); a starred word is read as the first of these it fits.
	Censored []string `json:"censored,omitempty"`
	// Playful markers ("as a joke", "by accident") drop abuse signals in
	// their sentence: "he punched me in the arm as a joke".
	Playful []string `json:"playful,omitempty"`
	// Medical markers ("as prescribed", "for my headache") drop pill signals
	// in their sentence: taking medicine is not taking an overdose.
	Medical []string `json:"medical,omitempty"`
}

// Kinds of lexicon entries.
const (
	LexiconSignal   = "signal"   // raises the level (the default)
	LexiconModifier = "modifier" // means or timing: raises other signals, not alone
	LexiconInfo     = "info"     // recorded (grief, harassment) but no crisis level
	LexiconMask     = "mask"     // idioms and names that hide the words they cover
)

// LexiconEntry is one group of phrases with the same meaning and severity.
type LexiconEntry struct {
	ID       string   `json:"id"`
	Category string   `json:"category"`        // a crisis category, or loss/harassment/mask
	Tier     string   `json:"tier"`            // Columbia-scale tier: passive, burden, trapped, no_reason, active, self_harm, intent, plan, means, preparation, goodbye, attempt, ...
	Level    string   `json:"level,omitempty"` // overrides the tier's level
	Kind     string   `json:"kind,omitempty"`
	Lang     string   `json:"lang"`
	Phrases  []string `json:"phrases"`
}

// CrisisDirectory is the crisis-line registry by country.
type CrisisDirectory struct {
	Version       string          `json:"version"`
	Notes         string          `json:"notes,omitempty"`
	International FallbackLine    `json:"international"`
	Countries     []CrisisCountry `json:"countries"`
}

// FallbackLine is the international directory shown when the country is unknown.
type FallbackLine struct {
	Name         string `json:"name"`
	URL          string `json:"url"`
	Note         string `json:"note,omitempty"`
	Source       string `json:"source"`
	LastVerified string `json:"last_verified"`
}

// CrisisCountry holds one country's emergency number and crisis lines.
type CrisisCountry struct {
	Code            string       `json:"code"` // ISO 3166-1 alpha-2
	Name            string       `json:"name"`
	Names           []string     `json:"names"` // how people write the country, lower case, any language
	Emergency       string       `json:"emergency"`
	EmergencySource string       `json:"emergency_source"`
	Lines           []CrisisLine `json:"lines"`
}

// CrisisReplies holds the pre-written crisis texts by language.
type CrisisReplies struct {
	Version   string                      `json:"version"`
	Notes     string                      `json:"notes,omitempty"`
	Languages map[string]CrisisReplyTexts `json:"languages"`
}

// CrisisReplyTexts is one language's crisis texts.
type CrisisReplyTexts struct {
	EmergencyFirst        string                        `json:"emergency_first"`
	EmergencyFirstUnknown string                        `json:"emergency_first_unknown"`
	LinesHeader           string                        `json:"lines_header"`
	AskCountry            string                        `json:"ask_country"`
	International         string                        `json:"international"`
	CallLocal             string                        `json:"call_local"`
	EmergencyLabel        string                        `json:"emergency_label"`
	Bot                   string                        `json:"bot"`
	Moderator             string                        `json:"moderator"`
	Closing               string                        `json:"closing"`
	LinesIntro            string                        `json:"lines_intro"`
	Categories            map[string]CrisisCategoryText `json:"categories"`
}

// CrisisCategoryText is what to say for one category (key "suicide.concern"
// overrides "suicide" at that level).
type CrisisCategoryText struct {
	Ack  string `json:"ack"`
	Ask  string `json:"ask"`
	Hope string `json:"hope"`
}

func readStrictJSON(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w: %w", name, ErrInvalidCrisisData, err)
	}
	return nil
}

// LoadCrisisLexicon reads and validates a lexicon file.
func LoadCrisisLexicon(fsys fs.FS, name string) (*CrisisLexicon, error) {
	var lx CrisisLexicon
	if err := readStrictJSON(fsys, name, &lx); err != nil {
		return nil, err
	}
	bad := func(i int, field, msg string) error {
		return fmt.Errorf("%s: entry %d: %s: %s: %w", name, i, field, msg, ErrInvalidCrisisData)
	}
	if len(lx.Entries) == 0 {
		return nil, fmt.Errorf("%s: no entries: %w", name, ErrInvalidCrisisData)
	}
	seen := map[string]bool{}
	for i, e := range lx.Entries {
		if e.ID == "" || seen[e.ID] {
			return nil, bad(i, "id", "missing or duplicate")
		}
		seen[e.ID] = true
		switch e.Kind {
		case "", LexiconSignal, LexiconModifier, LexiconInfo, LexiconMask:
		default:
			return nil, bad(i, "kind", "want signal, modifier, info or mask")
		}
		if e.Kind != LexiconMask && e.Kind != LexiconInfo && !isCrisisCategory(e.Category) {
			return nil, bad(i, "category", "not a crisis category")
		}
		if e.Level != "" {
			if _, ok := ParseCrisisLevel(e.Level); !ok {
				return nil, bad(i, "level", "want none, concern, urgent or emergency")
			}
		}
		if e.Lang == "" {
			return nil, bad(i, "lang", "missing")
		}
		if len(e.Phrases) == 0 {
			return nil, bad(i, "phrases", "empty")
		}
		for j, p := range e.Phrases {
			if strings.TrimSpace(p) == "" || !flatParens(p) {
				return nil, bad(i, fmt.Sprintf("phrases[%d]", j), "empty, or unbalanced or nested parentheses")
			}
		}
	}
	return &lx, nil
}

// LoadCrisisLines reads and validates a crisis-line registry and fills each
// line's Country from its country.
func LoadCrisisLines(fsys fs.FS, name string) (*CrisisDirectory, error) {
	var d CrisisDirectory
	if err := readStrictJSON(fsys, name, &d); err != nil {
		return nil, err
	}
	bad := func(where, field, msg string) error {
		return fmt.Errorf("%s: %s: %s: %s: %w", name, where, field, msg, ErrInvalidCrisisData)
	}
	if d.International.URL == "" || d.International.Source == "" {
		return nil, bad("international", "url/source", "missing")
	}
	if _, err := time.Parse(time.DateOnly, d.International.LastVerified); err != nil {
		return nil, bad("international", "last_verified", "want YYYY-MM-DD")
	}
	seen := map[string]bool{}
	for i := range d.Countries {
		c := &d.Countries[i]
		where := fmt.Sprintf("country %d (%s)", i, c.Code)
		if len(c.Code) != 2 || strings.ToUpper(c.Code) != c.Code || seen[c.Code] {
			return nil, bad(where, "code", "want a unique ISO 3166-1 alpha-2 code")
		}
		seen[c.Code] = true
		if c.Emergency == "" || c.EmergencySource == "" {
			return nil, bad(where, "emergency", "number and source required")
		}
		if len(c.Lines) == 0 {
			return nil, bad(where, "lines", "at least one line required")
		}
		for j := range c.Lines {
			l := &c.Lines[j]
			lw := fmt.Sprintf("%s line %d", where, j)
			if l.Name == "" || (l.Phone == "" && l.SMS == "" && l.Chat == "" && l.URL == "") {
				return nil, bad(lw, "name/contact", "a name and a phone, SMS, chat or URL are required")
			}
			if l.Source == "" {
				return nil, bad(lw, "source", "missing")
			}
			if _, err := time.Parse(time.DateOnly, l.LastVerified); err != nil {
				return nil, bad(lw, "last_verified", "want YYYY-MM-DD")
			}
			for _, cat := range l.Categories {
				if !isCrisisCategory(cat) {
					return nil, bad(lw, "categories", "unknown category")
				}
			}
			if l.Country != "" && l.Country != c.Code {
				return nil, bad(lw, "country", "differs from its country")
			}
			l.Country = c.Code
		}
	}
	return &d, nil
}

// MaxCrisisReplyLen bounds a whole crisis reply (Telegram allows 4,096).
const MaxCrisisReplyLen = 3500

// LoadCrisisReplies reads and validates the crisis texts: every language needs
// every text and every category, in plain text (no Markdown).
func LoadCrisisReplies(fsys fs.FS, name string) (*CrisisReplies, error) {
	var r CrisisReplies
	if err := readStrictJSON(fsys, name, &r); err != nil {
		return nil, err
	}
	if _, ok := r.Languages["en"]; !ok {
		return nil, fmt.Errorf("%s: languages: English is required: %w", name, ErrInvalidCrisisData)
	}
	for lang, t := range r.Languages {
		fields := map[string]string{
			"emergency_first": t.EmergencyFirst, "emergency_first_unknown": t.EmergencyFirstUnknown,
			"lines_header": t.LinesHeader, "ask_country": t.AskCountry, "international": t.International,
			"call_local": t.CallLocal, "emergency_label": t.EmergencyLabel, "bot": t.Bot,
			"moderator": t.Moderator, "closing": t.Closing, "lines_intro": t.LinesIntro,
		}
		keys := []string{CrisisSuicide + ".concern"}
		keys = append(keys, CrisisCategories()...)
		for _, k := range keys {
			c, ok := t.Categories[k]
			if !ok {
				return nil, fmt.Errorf("%s: %s: categories: %q missing: %w", name, lang, k, ErrInvalidCrisisData)
			}
			fields[k+".ack"], fields[k+".ask"], fields[k+".hope"] = c.Ack, c.Ask, c.Hope
		}
		for f, v := range fields {
			if strings.TrimSpace(v) == "" {
				return nil, fmt.Errorf("%s: %s: %s: empty: %w", name, lang, f, ErrInvalidCrisisData)
			}
			if strings.ContainsAny(v, "*`#[]_<>") {
				return nil, fmt.Errorf("%s: %s: %s: Markdown or HTML characters: %w", name, lang, f, ErrInvalidCrisisData)
			}
		}
	}
	return &r, nil
}

// flatParens reports whether every "(" is closed before the next one opens:
// the phrase syntax has one level of alternatives.
func flatParens(p string) bool {
	open := false
	for _, r := range p {
		switch r {
		case '(':
			if open {
				return false
			}
			open = true
		case ')':
			if !open {
				return false
			}
			open = false
		}
	}
	return !open
}
