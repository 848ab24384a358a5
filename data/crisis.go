package data

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"
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
	// Lang is the language of the lexicon entries that fired ("es" for
	// "me quiero morir"), "" when none did: the crisis reply speaks the
	// person's language whatever the platform locale says.
	Lang string
}

// CrisisLine is one crisis service in one country.
type CrisisLine struct {
	Country string `json:"country"` // ISO 3166-1 alpha-2, or "*" for the international fallback
	Name    string `json:"name"`
	// LocalNames are the line's own names in other languages, by language
	// ("Jeunesse, J'écoute" for Kids Help Phone in French).
	LocalNames map[string]string `json:"local_names,omitempty"`
	// Phone is digits, spaces and dashes with an optional leading "+";
	// alternatives are joined by " or ".
	Phone string `json:"phone,omitempty"`
	// Press is the menu key to press after dialling Phone, when the line
	// is reached through another's number (988, then 1 for veterans).
	Press string `json:"press,omitempty"`
	// SMS is a number, "text KEYWORD to NUMBER" or "WhatsApp NUMBER".
	SMS  string `json:"sms,omitempty"`
	Chat string `json:"chat,omitempty"` // URL
	URL  string `json:"url,omitempty"`
	// Hours is HoursAlways or empty; any other opening hours are in
	// HoursText, one value per language, so no reader sees another
	// language's words. Free says the call costs nothing.
	Hours     string            `json:"hours,omitempty"`
	HoursText map[string]string `json:"hours_text,omitempty"`
	Free      bool              `json:"free,omitempty"`
	Languages []string          `json:"languages,omitempty"` // BCP 47
	// LanguageOptions are how to reach the line in a language other than
	// the country's main one, by language: the 988 line's Spanish is
	// "press 2" or "text AYUDA".
	LanguageOptions map[string]LanguageOption `json:"language_options,omitempty"`
	Audiences       []string                  `json:"audiences,omitempty"` // from Audiences, e.g. veterans, youth
	// Categories are the crisis categories the line was checked to serve.
	// Empty means all categories to readers of older data, but the registry
	// requires them: a line shown for a crisis it does not handle (a
	// suicide line to someone disclosing abuse) wastes the person's call.
	Categories   []string `json:"categories,omitempty"`
	Source       string   `json:"source"` // URL of the page the facts were read on
	LastVerified string   `json:"last_verified"`
	Note         string   `json:"note,omitempty"` // caveats for reviewers, e.g. "sources disagree"
}

// HoursAlways is the one coded value of CrisisLine.Hours: open day and night.
const HoursAlways = "24/7"

// LanguageOption is how to reach a line in one language: a menu key after
// dialling, or a keyword texted to the line's SMS number.
type LanguageOption struct {
	Press string `json:"press,omitempty"`
	Text  string `json:"text,omitempty"` // keyword, texted to the line's SMS number
}

// The crisis data below is static and embedded so that the crisis path works
// when the index, the store or the network have failed.

//go:embed crisis/*.json
var crisisFiles embed.FS

// Names of the embedded crisis data files inside CrisisFS.
const (
	CrisisLexiconFile = "crisis/lexicon.json"
	CrisisLinesFile   = "crisis/lines.json"
)

// ErrInvalidCrisisData is wrapped by every validation error of the crisis data.
var ErrInvalidCrisisData = errors.New("invalid crisis data")

// CrisisFS returns the embedded crisis data files (lexicon, lines).
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
	// The pill rules: a quantity of Pills ("40 pills", "all my meds")
	// after Took is an attempt; after Take with a TakeMarker before it
	// ("to take") ideation, with Intent before the marker ("about to take")
	// or a Future auxiliary ("vou tomar") intent.
	Pills       []string `json:"pills"`
	Took        []string `json:"took"`
	Take        []string `json:"take"`
	TakeMarkers []string `json:"take_markers"`
	Intent      []string `json:"intent"`
	Future      []string `json:"future"`
	// PurposeKeeps are words after "for" that keep a preparation dangerous
	// ("bought a rope for tonight"), where other purposes lower it.
	PurposeKeeps []string `json:"purpose_keeps"`
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
	// ByLanguage lists, per language, the countries whose lines a first
	// crisis reply shows while the person's country is still unknown
	// ("es": Mexico, Spain, the US), most speakers first.
	ByLanguage map[string][]string `json:"by_language"`
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
	Code  string   `json:"code"` // ISO 3166-1 alpha-2
	Name  string   `json:"name"`
	Names []string `json:"names"` // how people write the country, lower case, any language
	// Emergency is the number to call in danger, in the form of a line's
	// Phone ("999 or 112"); EmergencyServices are the other numbers worth
	// knowing, each with what it is for, said by the reply in the
	// reader's words.
	Emergency         string             `json:"emergency"`
	EmergencyServices []EmergencyService `json:"emergency_services,omitempty"`
	EmergencySource   string             `json:"emergency_source"`
	Lines             []CrisisLine       `json:"lines"`
}

// EmergencyService is another emergency number of a country: N, for For.
type EmergencyService struct {
	N   string `json:"n"`
	For string `json:"for"` // one of EmergencyFor
}

// EmergencyFor are the codes of what an emergency service number is for:
// the police, calls from a mobile phone, medical help (the SAMU).
var EmergencyFor = []string{"police", "mobile", "medical"}

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
// line's Country from its country. It does not read the clock: call
// CheckNotFuture with the injected time to reject dates after today.
func LoadCrisisLines(fsys fs.FS, name string) (*CrisisDirectory, error) {
	var d CrisisDirectory
	if err := readStrictJSON(fsys, name, &d); err != nil {
		return nil, err
	}
	bad := func(where, field, msg string) error {
		return fmt.Errorf("%s: %s: %s: %s: %w", name, where, field, msg, ErrInvalidCrisisData)
	}
	if d.International.Name == "" || !validURL(d.International.URL) {
		return nil, bad("international", "name/url", "want a name and an http(s) URL")
	}
	if !validURL(d.International.Source) {
		return nil, bad("international", "source", "want the http(s) URL of the page read")
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
		if c.Name == "" {
			return nil, bad(where, "name", "missing")
		}
		if !validPhone(c.Emergency) {
			return nil, bad(where, "emergency", "want the emergency number: digits, alternatives joined by \" or \"")
		}
		for _, es := range c.EmergencyServices {
			if !phoneNumber.MatchString(es.N) || !slices.Contains(EmergencyFor, es.For) {
				return nil, bad(where, "emergency_services", fmt.Sprintf("want a number and what it is for (%s)", strings.Join(EmergencyFor, ", ")))
			}
		}
		if !validURL(c.EmergencySource) {
			return nil, bad(where, "emergency_source", "want the http(s) URL of the page read")
		}
		if len(c.Lines) == 0 {
			return nil, bad(where, "lines", "at least one line required")
		}
		for j := range c.Lines {
			l := &c.Lines[j]
			lw := fmt.Sprintf("%s line %d (%s)", where, j, l.Name)
			if err := checkCrisisLine(l); err != nil {
				return nil, bad(lw, err.field, err.msg)
			}
			if l.Country != "" && l.Country != c.Code {
				return nil, bad(lw, "country", "differs from its country")
			}
			l.Country = c.Code
		}
	}
	if len(d.ByLanguage["en"]) == 0 {
		return nil, bad("by_language", "en", "want the countries whose lines to show in English while the country is unknown")
	}
	for lang, codes := range d.ByLanguage {
		for _, code := range codes {
			if !seen[code] {
				return nil, bad("by_language", lang, fmt.Sprintf("country %q has no entry in countries", code))
			}
		}
	}
	return &d, nil
}

// lineError names the field of a line that failed and what was expected.
type lineError struct{ field, msg string }

// checkCrisisLine checks one line's fields; the caller adds file and place.
func checkCrisisLine(l *CrisisLine) *lineError {
	if l.Name == "" {
		return &lineError{"name", "missing"}
	}
	if l.Phone == "" && l.SMS == "" && l.Chat == "" && l.URL == "" {
		return &lineError{"phone/sms/chat/url", "at least one way to reach the line is required"}
	}
	if l.Phone != "" && !validPhone(l.Phone) {
		return &lineError{"phone", fmt.Sprintf("%q: want digits, spaces, dashes and an optional leading +, alternatives joined by \" or \"", l.Phone)}
	}
	for lang, n := range l.LocalNames {
		if _, err := language.Parse(lang); err != nil || lang != strings.ToLower(lang) || strings.TrimSpace(n) == "" {
			return &lineError{"local_names", fmt.Sprintf("%q: want a lower-case BCP 47 tag and the line's name in that language", lang)}
		}
	}
	if l.Press != "" && (l.Phone == "" || !menuKey.MatchString(l.Press)) {
		return &lineError{"press", "want a menu key (digits, * or #) after a phone number"}
	}
	if l.Hours != "" && l.Hours != HoursAlways {
		return &lineError{"hours", fmt.Sprintf("%q: want %q or nothing; other hours go in hours_text, per language", l.Hours, HoursAlways)}
	}
	if l.Hours != "" && len(l.HoursText) > 0 {
		return &lineError{"hours_text", "give hours or hours_text, not both"}
	}
	if len(l.HoursText) > 0 && l.HoursText["en"] == "" {
		return &lineError{"hours_text", "English is required"}
	}
	for lang, h := range l.HoursText {
		if _, err := language.Parse(lang); err != nil || lang != strings.ToLower(lang) || strings.TrimSpace(h) == "" {
			return &lineError{"hours_text", fmt.Sprintf("%q: want a lower-case BCP 47 tag and the hours in that language", lang)}
		}
	}
	for lang, o := range l.LanguageOptions {
		if _, err := language.Parse(lang); err != nil || lang != strings.ToLower(lang) {
			return &lineError{"language_options", fmt.Sprintf("%q: want a lower-case BCP 47 tag", lang)}
		}
		if o.Press == "" && o.Text == "" || o.Press != "" && (l.Phone == "" || !menuKey.MatchString(o.Press)) ||
			o.Text != "" && (l.SMS == "" || !keyword.MatchString(o.Text)) {
			return &lineError{"language_options", fmt.Sprintf("%q: want a menu key after the phone number or a keyword for the sms number", lang)}
		}
	}
	if l.SMS != "" && !validSMS(l.SMS) {
		return &lineError{"sms", fmt.Sprintf("%q: want a number, \"text KEYWORD to NUMBER\" or \"WhatsApp NUMBER\"", l.SMS)}
	}
	if l.Chat != "" && !validURL(l.Chat) {
		return &lineError{"chat", fmt.Sprintf("%q: want an http(s) URL", l.Chat)}
	}
	if l.URL != "" && !validURL(l.URL) {
		return &lineError{"url", fmt.Sprintf("%q: want an http(s) URL", l.URL)}
	}
	if len(l.Languages) == 0 {
		return &lineError{"languages", "at least one BCP 47 language required"}
	}
	for _, lang := range l.Languages {
		if _, err := language.Parse(lang); err != nil || lang != strings.ToLower(lang) {
			return &lineError{"languages", fmt.Sprintf("%q: want a lower-case BCP 47 tag", lang)}
		}
	}
	for _, a := range l.Audiences {
		if !IsAudience(a) {
			return &lineError{"audiences", fmt.Sprintf("unknown audience %q (expected one of %s)", a, strings.Join(Audiences, ", "))}
		}
	}
	if len(l.Categories) == 0 {
		return &lineError{"categories", "explicit crisis categories required (" + strings.Join(CrisisCategories(), ", ") + ")"}
	}
	cats := map[string]bool{}
	for _, cat := range l.Categories {
		if !isCrisisCategory(cat) || cats[cat] {
			return &lineError{"categories", fmt.Sprintf("unknown or repeated category %q (expected one of %s)", cat, strings.Join(CrisisCategories(), ", "))}
		}
		cats[cat] = true
	}
	if !validURL(l.Source) {
		return &lineError{"source", "want the http(s) URL of the page read"}
	}
	if _, err := time.Parse(time.DateOnly, l.LastVerified); err != nil {
		return &lineError{"last_verified", "want YYYY-MM-DD"}
	}
	return nil
}

// CheckNotFuture reports the first last_verified date after now's date (in
// now's location): a date that has not come yet was typed wrong, and the
// bot would claim a check that never happened.
func (d *CrisisDirectory) CheckNotFuture(now time.Time) error {
	today := now.Format(time.DateOnly)
	// YYYY-MM-DD strings compare like dates; LoadCrisisLines checked the form.
	if d.International.LastVerified > today {
		return fmt.Errorf("international: last_verified %s is after %s: %w", d.International.LastVerified, today, ErrInvalidCrisisData)
	}
	for _, c := range d.Countries {
		for _, l := range c.Lines {
			if l.LastVerified > today {
				return fmt.Errorf("country %s line %q: last_verified %s is after %s: %w", c.Code, l.Name, l.LastVerified, today, ErrInvalidCrisisData)
			}
		}
	}
	return nil
}

// phoneNumber is one dialable number: digits with spaces or dashes between
// them and an optional leading "+". Letters (1-800-FLOWERS style) are not
// allowed: not every phone keypad shows them.
var phoneNumber = regexp.MustCompile(`^\+?[0-9](?:[0-9 -]*[0-9])?$`)

// menuKey is a key pressed in a phone menu; keyword a word texted to a line.
var (
	menuKey = regexp.MustCompile(`^[0-9*#]{1,3}$`)
	keyword = regexp.MustCompile(`^[A-Z0-9]+$`)
)

func validPhone(s string) bool {
	for _, part := range strings.Split(s, " or ") {
		if !phoneNumber.MatchString(part) {
			return false
		}
	}
	return true
}

var smsKeyword = regexp.MustCompile(`^text [A-Z0-9]+ to (.+)$`)

func validSMS(s string) bool {
	if m := smsKeyword.FindStringSubmatch(s); m != nil {
		return phoneNumber.MatchString(m[1])
	}
	if n, ok := strings.CutPrefix(s, "WhatsApp "); ok {
		return phoneNumber.MatchString(n)
	}
	return phoneNumber.MatchString(s)
}

// validURL accepts absolute http(s) URLs with a host and no spaces.
func validURL(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
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
