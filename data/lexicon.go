package data

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Lexicon is the words one language uses for what the matcher reads in free
// text besides topics (those are in topics.json): the words that mark the
// language, refusals, ages, formats, audiences, places and times. Adding a
// language is adding a file under lexicon/; the matcher's code is the same
// for every language.
//
// Word lists are folded words (lower case, no accents, as Fold gives them).
// Fields documented as patterns are fragments of Go regular expressions,
// joined as alternatives with the other languages' fragments and matched
// against folded text.
type Lexicon struct {
	Lang string `json:"lang"`
	// Default marks the directory's own language: the one a message is in
	// when no other is recognised, and asking for it rules nothing out.
	Default bool `json:"default,omitempty"`
	// TypoFallback: the topic words of this language may repair a typo in a
	// message of any language. A language whose words sit one letter from
	// another's everyday words ("entends" beside Spanish "entiende") repairs
	// only messages in itself.
	TypoFallback bool `json:"typo_fallback,omitempty"`
	// AskRequires: asking for the language ("en español") makes it a
	// requirement of the meeting, not only the reply's language.
	AskRequires bool `json:"ask_requires,omitempty"`

	Hints    []string `json:"hints"`              // common words that tell the language apart
	Function []string `json:"function"`           // words that never count as evidence of a topic
	Elisions []string `json:"elisions,omitempty"` // "l", "d", "j": l'alcool reads as alcool
	Family   []string `json:"family"`             // relatives, as typed and as stemmed
	Child    []string `json:"child"`
	Death    []string `json:"death"`
	// Possessives before a number make it someone else's age ("my son, 16").
	Possessives []string        `json:"possessives"`
	NotPlaces   []string        `json:"not_places"` // words never looked up as a place
	Days        []string        `json:"days"`       // day words, never places
	PlacePreps  []string        `json:"place_preps"`
	Ask         []string        `json:"ask"`       // patterns: asking for this language
	ForOther    []string        `json:"for_other"` // patterns: looking for someone else
	Format      Formats         `json:"format"`
	Audiences   []AudienceWords `json:"audiences"`
	// When rewrites time phrases into the English ones the time parser
	// reads ("ce soir" → "tonight"), longest first.
	When   [][2]string `json:"when,omitempty"`
	Limits LimitWords  `json:"limits"`
	Age    AgeWords    `json:"age"`
	// MeetingTypes are Meeting Guide meeting types in people's words.
	MeetingTypes []MeetingTypeWords `json:"meeting_types"`
}

// MeetingTypeWords are the patterns for one Meeting Guide type code ("SP",
// or "MED|11" for any of them), and the lower-case substrings one of which
// each pattern needs (a cheap test before the expression runs).
type MeetingTypeWords struct {
	Code  string   `json:"code"`
	Words []string `json:"words"`
	Hints []string `json:"hints"`
}

// Formats are the patterns for how a person wants to meet.
type Formats struct {
	Online         []string `json:"online"`
	InPerson       []string `json:"in_person"`
	Either         []string `json:"either"`
	OnlyInPerson   []string `json:"only_in_person"`
	OnlyOnline     []string `json:"only_online"`
	Refuse         []string `json:"refuse"`       // before an online kind: "no zoom"
	OnlineKinds    []string `json:"online_kinds"` // what Refuse rules out
	RefuseInPerson []string `json:"refuse_in_person"`
	InPersonKinds  []string `json:"in_person_kinds"`
	Housebound     []string `json:"housebound"`       // "can't leave the house": online
	HouseboundWord []string `json:"housebound_words"` // a word each Housebound pattern needs
	// OnlineActivity is something done online ("online gambling"), not a
	// way to meet; it needs one of OnlineActivityWords.
	OnlineActivity      []string `json:"online_activity"`
	OnlineActivityWords []string `json:"online_activity_words"`
}

// AudienceWords are the patterns that name one audience.
type AudienceWords struct {
	Audience string   `json:"audience"`
	Words    []string `json:"words"`
}

// LimitWords are what a person rules out, as pattern fragments: a Refusal
// then up to four Gap words then a kind, or a kind then a Verdict.
type LimitWords struct {
	Refusal       []string `json:"refusal"`
	Gap           []string `json:"gap"`
	Verdict       []string `json:"verdict"`
	TwelveStep    []string `json:"twelve_step"`
	Faith         []string `json:"faith"`
	Helpline      []string `json:"helpline"`
	NonTwelveStep []string `json:"non_twelve_step,omitempty"`
	Secular       []string `json:"secular"`
	NonBeliever   []string `json:"non_believer"`
	Triggers      []string `json:"triggers"` // words at least one of which every limit needs
}

// AgeWords read the writer's own age: Self then a number then Years.
type AgeWords struct {
	Self       []string `json:"self"`
	Modifiers  []string `json:"modifiers,omitempty"`   // "only", "almost" between Self and the number
	NeedsYears []string `json:"needs_years,omitempty"` // Self words that need Years ("tengo 3 hijos")
	Years      []string `json:"years"`
	YearsOld   []string `json:"years_old"`
	NotAge     []string `json:"not_age"` // what after a number makes it no age ("30 days")
}

//go:embed lexicon/*.json
var lexiconFS embed.FS

// DefaultLexicons returns the embedded lexicons (data/lexicon/*.json) in
// file-name order.
func DefaultLexicons() ([]Lexicon, error) {
	names, err := fs.Glob(lexiconFS, "lexicon/*.json")
	if err != nil {
		return nil, fmt.Errorf("lexicons: %w", err)
	}
	slices.Sort(names)
	var out []Lexicon
	for _, n := range names {
		b, err := lexiconFS.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("lexicons: %w", err)
		}
		lx, err := ParseLexicon(n, b)
		if err != nil {
			return nil, err
		}
		out = append(out, lx)
	}
	return out, CheckLexicons(out)
}

// ParseLexicon reads one lexicon file and checks it: a language code that
// matches the file's name, and patterns that compile.
func ParseLexicon(name string, b []byte) (Lexicon, error) {
	var lx Lexicon
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&lx); err != nil {
		return lx, fmt.Errorf("%s: %w", name, err)
	}
	if lx.Lang == "" {
		return lx, fmt.Errorf("%s: field lang: expected a language code, got nothing", name)
	}
	if base := strings.TrimSuffix(path.Base(name), ".json"); base != lx.Lang {
		return lx, fmt.Errorf("%s: field lang: %q, expected %q as the file is named", name, lx.Lang, base)
	}
	patterns := map[string][]string{
		"ask": lx.Ask, "for_other": lx.ForOther, "place_preps": lx.PlacePreps,
		"format.online": lx.Format.Online, "format.in_person": lx.Format.InPerson, "format.either": lx.Format.Either,
		"format.only_in_person": lx.Format.OnlyInPerson, "format.only_online": lx.Format.OnlyOnline, "format.refuse": lx.Format.Refuse,
		"format.online_kinds": lx.Format.OnlineKinds, "format.refuse_in_person": lx.Format.RefuseInPerson,
		"format.in_person_kinds": lx.Format.InPersonKinds, "format.housebound": lx.Format.Housebound, "format.online_activity": lx.Format.OnlineActivity,
		"limits.refusal": lx.Limits.Refusal, "limits.gap": lx.Limits.Gap, "limits.verdict": lx.Limits.Verdict,
		"limits.twelve_step": lx.Limits.TwelveStep, "limits.faith": lx.Limits.Faith, "limits.helpline": lx.Limits.Helpline,
		"limits.non_twelve_step": lx.Limits.NonTwelveStep, "limits.secular": lx.Limits.Secular, "limits.non_believer": lx.Limits.NonBeliever,
		"age.self": lx.Age.Self, "age.modifiers": lx.Age.Modifiers, "age.years": lx.Age.Years, "age.years_old": lx.Age.YearsOld, "age.not_age": lx.Age.NotAge,
	}
	for i, a := range lx.Audiences {
		if !IsAudience(a.Audience) {
			return lx, fmt.Errorf("%s: audiences[%d]: field audience: %q, expected one of %s", name, i, a.Audience, strings.Join(Audiences, ", "))
		}
		patterns["audiences."+a.Audience] = a.Words
	}
	for i, mt := range lx.MeetingTypes {
		if mt.Code == "" {
			return lx, fmt.Errorf("%s: meeting_types[%d]: field code: expected a Meeting Guide type code, got nothing", name, i)
		}
		patterns["meeting_types."+mt.Code] = mt.Words
	}
	for field, ps := range patterns {
		for _, p := range ps {
			if _, err := regexp.Compile(p); err != nil {
				return lx, fmt.Errorf("%s: field %s: pattern %q: %w", name, field, p, err)
			}
		}
	}
	for i, w := range lx.When {
		if w[0] == "" || w[1] == "" || !foldedASCII(w[0]) {
			return lx, fmt.Errorf("%s: when[%d]: expected a folded phrase and its English reading, got %q", name, i, w)
		}
	}
	if len(lx.Format.Housebound) > 0 && len(lx.Format.HouseboundWord) == 0 {
		return lx, fmt.Errorf("%s: field format.housebound_words: expected a word each housebound pattern needs", name)
	}
	return lx, nil
}

// CheckLexicons checks a set of lexicons together: one language each, and
// exactly one default.
func CheckLexicons(ls []Lexicon) error {
	seen, defaults := map[string]bool{}, 0
	for _, l := range ls {
		if seen[l.Lang] {
			return fmt.Errorf("lexicons: language %q appears twice", l.Lang)
		}
		seen[l.Lang] = true
		if l.Default {
			defaults++
		}
	}
	if defaults != 1 {
		return fmt.Errorf("lexicons: %d marked default, expected exactly one", defaults)
	}
	return nil
}

// foldedASCII reports whether s is written as folded text reads: lower
// case, no accents. (Checked here rather than with Fold, which belongs to
// the gazetteer.)
func foldedASCII(s string) bool {
	for _, r := range s {
		if r >= utf8.RuneSelf || (r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
