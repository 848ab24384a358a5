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
	"sync"
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

	Hints []string `json:"hints"` // common words that tell the language apart
	// Marks are letters or spellings only this language writes ("ñ", "ç"),
	// lower case and unfolded; each one present counts as a hint word.
	Marks    []string `json:"marks,omitempty"`
	Function []string `json:"function"`           // words that never count as evidence of a topic
	Elisions []string `json:"elisions,omitempty"` // "l", "d", "j": l'alcool reads as alcool
	Family   []string `json:"family"`             // relatives, as typed and as stemmed
	Child    []string `json:"child"`
	Death    []string `json:"death"`
	// Possessives before a number make it someone else's age ("my son, 16").
	Possessives []string `json:"possessives"`
	NotPlaces   []string `json:"not_places"` // words never looked up as a place
	Days        []string `json:"days"`       // day words, never places
	PlacePreps  []string `json:"place_preps"`
	// AllWelcome are patterns by which an LGBTQ+ listing says allies and
	// everyone are welcome ("Trans and Allies Al-Anon"), read in its name
	// and summary.
	AllWelcome []string `json:"all_welcome,omitempty"`
	// OwnPlacePreps are read only in a message in this language: French
	// "a" typed for "à" is an English article.
	OwnPlacePreps []string        `json:"own_place_preps,omitempty"`
	Ask           []string        `json:"ask"`       // patterns: asking for this language
	ForOther      []string        `json:"for_other"` // patterns: looking for someone else
	Format        Formats         `json:"format"`
	Audiences     []AudienceWords `json:"audiences"`
	// When rewrites time phrases into the English ones the time parser
	// reads ("ce soir" → "tonight"), longest first.
	When [][2]string `json:"when,omitempty"`
	// Clock are patterns of a time written in the language's own way
	// ("19h30"), each with two groups: the hours and the minutes.
	Clock  []string   `json:"clock,omitempty"`
	Limits LimitWords `json:"limits"`
	Age    AgeWords   `json:"age"`
	// MeetingTypes are Meeting Guide meeting types in people's words.
	MeetingTypes []MeetingTypeWords `json:"meeting_types"`
	Meeting      MeetingWords       `json:"meeting"`
	Loss         LossWords          `json:"loss"`
	// CommonWordPlaces are cities of some size named like everyday words
	// of the language ("reading", "orange"), never read as a place when
	// named on their own.
	CommonWordPlaces []string `json:"common_word_places"`
	// NotCountries are country names or codes that are also everyday
	// words ("chad", "can") or places people name for another reason
	// (where veterans served): never read as the person's country.
	NotCountries []string `json:"not_countries"`
}

// MeetingWords are the patterns for what a person asks of the meeting
// itself, read on the text as typed (case aside, accents kept).
type MeetingWords struct {
	// Fellowships are full names ("alcoholics anonymous") by the short
	// name of data.Fellowships they mean (Code), with the lower-case
	// substrings one of which the text must hold first (Hints).
	Fellowships []MeetingTypeWords `json:"fellowships"`
	// After a fellowship's short name, words that make it one ("AA
	// meeting", "NA tonight"); Before it ("reunión de AA"); Lead: short
	// words just before it ("join a AA", "my NA").
	FellowshipAfter  []string `json:"fellowship_after"`
	FellowshipBefore []string `json:"fellowship_before"`
	FellowshipLead   []string `json:"fellowship_lead"`
	// Via are "phone" and "hybrid" meetings, as patterns with hints.
	Via []MeetingTypeWords `json:"via"`
	// Audience are patterns of an audience that describes the meeting
	// ("women's meeting", "reunión de mujeres") rather than the person;
	// AudienceHints are substrings one of which such a text holds.
	Audience      []string `json:"audience"`
	AudienceHints []string `json:"audience_hints"`
}

// LossWords read a death in the family, on folded text without
// apostrophes ("i lost my husband", "perdí a mi papá", "j'ai perdu ma mère").
type LossWords struct {
	LostPerson []string `json:"lost_person"` // patterns
	// MyParents are patterns of the writer's own parents ("my parents are
	// divorcing"), which say nothing about parenting.
	MyParents []string `json:"my_parents"`
	// Suicide are the words of a death by suicide, as typed; a grief or a
	// death beside one is a survivor's loss.
	Suicide []string `json:"suicide"`
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
	// Decades are patterns with one group, the decade's digits: "i m in
	// my (\d0)s", "en mis (\d0)s". The age read is the decade's middle.
	Decades []string `json:"decades"`
	// DecadeSelf are patterns before a decade word ("i m in my"), and
	// DecadeWords those words with the age each means ("forties": 45).
	DecadeSelf  []string       `json:"decade_self"`
	DecadeWords map[string]int `json:"decade_words"`
	// Identity are words for who the writer is that an age may follow
	// as an aside ("woman, 45"); IdentitySuffix letters glued after it
	// ("32f").
	Identity       []string `json:"identity"`
	IdentitySuffix []string `json:"identity_suffix"`
}

//go:embed lexicon/*.json lexicon/shared/words.json
var lexiconFS embed.FS

// SharedWords are what every language writes alike: fellowships' short
// names and the codes of states and provinces.
type SharedWords struct {
	// FellowshipShorts are the short names read beside a meeting word
	// ("AA meeting"); of them, AfterMeeting are also read after one
	// ("reunión de AA") and AfterLead after a short word ("join a AA").
	FellowshipShorts             []string `json:"fellowship_shorts"`
	FellowshipShortsAfterMeeting []string `json:"fellowship_shorts_after_meeting"`
	FellowshipShortsAfterLead    []string `json:"fellowship_shorts_after_lead"`
	// RegionCodes are state and province codes a place named on its own
	// may end with ("Austin TX", "Edmonton AB"), lower case.
	RegionCodes []string `json:"region_codes"`
	// CountryCodes are the two-letter codes read as a country when named
	// alone ("group uk"); others ("no", "in", "me") are words first.
	CountryCodes []string `json:"country_codes"`
	// Stem are the inflections the matcher strips from every word, in any
	// language, so "drinks", "drinking" and "drink" meet: the first rule
	// that fits is applied, then, if it says so or none fit, the first
	// StemFinal rule that fits. Crude on purpose: a stem only has to
	// agree with itself on both sides of a match.
	Stem      []StemRule `json:"stem"`
	StemFinal []StemRule `json:"stem_final"`
}

// StemRule strips Suffix from a word longer than LongerThan bytes that
// does not end with one of Unless.
type StemRule struct {
	Suffix     string   `json:"suffix"`
	LongerThan int      `json:"longer_than"`
	Unless     []string `json:"unless,omitempty"`
	// ThenFinal: after this rule, the StemFinal rules apply too.
	ThenFinal bool `json:"then_final,omitempty"`
}

// Fits reports whether the rule strips w.
func (r StemRule) Fits(w string) bool {
	if len(w) <= r.LongerThan || !strings.HasSuffix(w, r.Suffix) {
		return false
	}
	for _, u := range r.Unless {
		if strings.HasSuffix(w, u) {
			return false
		}
	}
	return true
}

// DefaultSharedWords returns the embedded lexicon/shared/words.json.
func DefaultSharedWords() (SharedWords, error) {
	var w SharedWords
	b, err := lexiconFS.ReadFile("lexicon/shared/words.json")
	if err != nil {
		return w, fmt.Errorf("shared words: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return w, fmt.Errorf("shared words: %w", err)
	}
	for i, r := range slices.Concat(w.Stem, w.StemFinal) {
		if r.Suffix == "" || r.LongerThan < len(r.Suffix) {
			return w, fmt.Errorf("shared words: stem rule %d: suffix %q longer than %d, expected a suffix and a length that leaves a stem", i, r.Suffix, r.LongerThan)
		}
	}
	for _, s := range slices.Concat(w.FellowshipShorts, w.FellowshipShortsAfterMeeting, w.FellowshipShortsAfterLead) {
		if _, ok := Fellowships[s]; !ok {
			return w, fmt.Errorf("shared words: fellowship %q, expected a short name of data.Fellowships", s)
		}
	}
	return w, nil
}

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
		"ask": lx.Ask, "for_other": lx.ForOther, "place_preps": lx.PlacePreps, "own_place_preps": lx.OwnPlacePreps,
		"format.online": lx.Format.Online, "format.in_person": lx.Format.InPerson, "format.either": lx.Format.Either,
		"format.only_in_person": lx.Format.OnlyInPerson, "format.only_online": lx.Format.OnlyOnline, "format.refuse": lx.Format.Refuse,
		"format.online_kinds": lx.Format.OnlineKinds, "format.refuse_in_person": lx.Format.RefuseInPerson,
		"format.in_person_kinds": lx.Format.InPersonKinds, "format.housebound": lx.Format.Housebound, "format.online_activity": lx.Format.OnlineActivity,
		"limits.refusal": lx.Limits.Refusal, "limits.gap": lx.Limits.Gap, "limits.verdict": lx.Limits.Verdict,
		"limits.twelve_step": lx.Limits.TwelveStep, "limits.faith": lx.Limits.Faith, "limits.helpline": lx.Limits.Helpline,
		"limits.non_twelve_step": lx.Limits.NonTwelveStep, "limits.secular": lx.Limits.Secular, "limits.non_believer": lx.Limits.NonBeliever,
		"age.self": lx.Age.Self, "age.modifiers": lx.Age.Modifiers, "age.years": lx.Age.Years, "age.years_old": lx.Age.YearsOld, "age.not_age": lx.Age.NotAge,
		"age.decade_self": lx.Age.DecadeSelf, "age.identity": lx.Age.Identity, "age.identity_suffix": lx.Age.IdentitySuffix,
		"meeting.fellowship_after": lx.Meeting.FellowshipAfter, "meeting.fellowship_before": lx.Meeting.FellowshipBefore, "meeting.fellowship_lead": lx.Meeting.FellowshipLead,
		"meeting.audience": lx.Meeting.Audience, "loss.lost_person": lx.Loss.LostPerson, "loss.my_parents": lx.Loss.MyParents,
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
	for i, f := range lx.Meeting.Fellowships {
		if _, ok := Fellowships[f.Code]; !ok {
			return lx, fmt.Errorf("%s: meeting.fellowships[%d]: field code: %q, expected a short name of data.Fellowships", name, i, f.Code)
		}
		patterns["meeting.fellowships."+f.Code] = f.Words
	}
	for i, v := range lx.Meeting.Via {
		if v.Code != "phone" && v.Code != "hybrid" { // data.Specifics.Via's values
			return lx, fmt.Errorf("%s: meeting.via[%d]: field code: %q, expected phone or hybrid", name, i, v.Code)
		}
		patterns["meeting.via."+v.Code] = v.Words
	}
	for i, p := range lx.Clock {
		re, err := regexp.Compile(p)
		if err != nil {
			return lx, fmt.Errorf("%s: field clock: pattern %q: %w", name, p, err)
		}
		if re.NumSubexp() != 2 {
			return lx, fmt.Errorf("%s: clock[%d]: pattern %q has %d groups, expected two (hours, minutes)", name, i, p, re.NumSubexp())
		}
	}
	for i, p := range lx.Age.Decades {
		re, err := regexp.Compile(p)
		if err != nil {
			return lx, fmt.Errorf("%s: field age.decades: pattern %q: %w", name, p, err)
		}
		if re.NumSubexp() != 1 {
			return lx, fmt.Errorf("%s: age.decades[%d]: pattern %q has %d groups, expected one (the decade's digits)", name, i, p, re.NumSubexp())
		}
	}
	for w, age := range lx.Age.DecadeWords {
		if !foldedASCII(w) || age <= 0 {
			return lx, fmt.Errorf("%s: age.decade_words: %q: %d, expected a folded word and an age", name, w, age)
		}
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

// fellowshipNames are the lexicons' full fellowship names, one expression
// per short name, for listings named in a language other than English
// ("Narcotiques Anonymes au Québec").
var fellowshipNames = sync.OnceValue(func() []codedRE {
	ls, err := DefaultLexicons()
	if err != nil {
		return nil // reported by TestDefaultLexicons; listings then read English names only
	}
	var out []codedRE
	for _, l := range ls {
		for _, f := range l.Meeting.Fellowships {
			out = append(out, codedRE{f.Code, regexp.MustCompile(`(?i)\b(?:` + strings.Join(f.Words, "|") + `)\b`)})
		}
	}
	return out
})

type codedRE struct {
	code string
	re   *regexp.Regexp
}

// FellowshipInText returns the short name of the first fellowship whose
// full name, in any language's lexicon, the text holds, or "".
func FellowshipInText(text string) string {
	for _, f := range fellowshipNames() {
		if f.re.MatchString(text) {
			return f.code
		}
	}
	return ""
}
