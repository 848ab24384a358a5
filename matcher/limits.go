package matcher

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/place"
)

// What a person rules out, read as general shapes rather than sentences:
// a refusal word ("no", "not", "without", "don't want", "sin", "nada de")
// shortly before a kind of listing, or a kind of listing followed by a
// verdict on it ("AA didn't work for me"). The text is folded first
// (lower case, no accents, apostrophes kept as typed are dropped).
var (
	// refusal is a word or phrase that rules out what follows it within a
	// few words: "not doing AA", "no more church groups", "sin AA".
	refusal = `(?:` + alts(func(l data.Lexicon) []string { return l.Limits.Refusal }) + `)`
	// gap lets a few filler words sit between the refusal and the kind
	// ("not really into the whole AA thing", "no quiero ir a AA"), but not
	// any word: "I can't find an AA meeting" rules nothing out.
	gap = `(?:\s+(?:` + alts(func(l data.Lexicon) []string { return l.Limits.Gap }) + `)){0,4}\s+`
	// verdict follows a kind the person has tried and turned from.
	verdict         = `(?:\s+[\p{L}]+){0,3}?\s+(?:` + alts(func(l data.Lexicon) []string { return l.Limits.Verdict }) + `)`
	twelveStepKinds = `(?:` + alts(func(l data.Lexicon) []string { return l.Limits.TwelveStep }) + `)`
	faithKinds      = `(?:` + alts(func(l data.Lexicon) []string { return l.Limits.Faith }) + `)`
	helplineKinds   = `(?:` + alts(func(l data.Lexicon) []string { return l.Limits.Helpline }) + `)`
)

var limitRules = []struct {
	re   *regexp.Regexp
	code []string
}{
	{regexp.MustCompile(`\b` + refusal + gap + twelveStepKinds + `\b`), []string{data.ExcludeTwelveStep}},
	{regexp.MustCompile(`\b` + twelveStepKinds + verdict), []string{data.ExcludeTwelveStep}},
	{regexp.MustCompile(`\b(?:` + alts(func(l data.Lexicon) []string { return l.Limits.NonTwelveStep }) + `)\b`), []string{data.ExcludeTwelveStep}},
	// Secular recovery means neither a religious program nor the Steps'
	// higher power.
	{regexp.MustCompile(`\b(?:` + alts(func(l data.Lexicon) []string { return l.Limits.Secular }) + `)\b`), []string{data.ExcludeFaith, data.ExcludeTwelveStep}},
	{regexp.MustCompile(`\b(?:` + alts(func(l data.Lexicon) []string { return l.Limits.NonBeliever }) + `)\b`), []string{data.ExcludeFaith}},
	{regexp.MustCompile(`\b` + refusal + gap + faithKinds + `\b`), []string{data.ExcludeFaith}},
	{regexp.MustCompile(`\b` + faithKinds + verdict), []string{data.ExcludeFaith}},
	{regexp.MustCompile(`\b` + refusal + gap + helplineKinds + `\b`), []string{data.ExcludeHelpline}},
}

var (
	// "I'm 16", "im 68", "I am 72", "age 15", "16 years old", "16yo",
	// "tengo 16 años", "j'ai 16 ans", "in my 70s": the writer's own age. A
	// number after a family word ("my son is 4", "my 16 year old") is
	// someone else's.
	ageSelfRE = regexp.MustCompile(`\b(?:` + alts(func(l data.Lexicon) []string { return l.Age.Self }) + `)\s+(?:(?:` +
		alts(func(l data.Lexicon) []string { return l.Age.Modifiers }) + `)\s+)?(\d{1,3})\b(\s+(?:` + alts(func(l data.Lexicon) []string { return l.Age.Years }) + `)\b)?`)
	ageYearsRE = regexp.MustCompile(`(?:^|[^\p{L}\d]\s*)(\d{1,3})\s*(?:` + alts(func(l data.Lexicon) []string { return l.Age.YearsOld }) + `)\b`)
	// ageNeedsYears are the words before a number that make it an age only
	// with a years word after it ("tengo 3 hijos" is no age).
	ageNeedsYears = func() []string {
		var out []string
		for _, l := range lexicons {
			out = append(out, l.Age.NeedsYears...)
		}
		return out
	}()
	// "I'm in my 40s", "en mis 40s", "dans la 40aine": a decade, read as
	// its middle. Each pattern has one group, the decade's digits.
	ageDecade = regexp.MustCompile(`\b(?:` + alts(func(l data.Lexicon) []string { return l.Age.Decades }) + `)\b`)
	// "I'm in my forties", "dans la quarantaine".
	decades    = decadeWords()
	decadeWord = regexp.MustCompile(`\b(?:` + alts(func(l data.Lexicon) []string { return l.Age.DecadeSelf }) + `)\s+(` + strings.Join(sortedKeys(decades), "|") + `)\b`)
	// "stroke survivor, 63, want...", "transgender woman, 45", "32f": a
	// number set apart beside who the person is.
	ageAside    = regexp.MustCompile(`(?:^|[,.;:(-]\s*)(\d{2})\s*(?:[,.;:)-]|$)`)
	ageIdentity = regexp.MustCompile(`\b(?:` + alts(func(l data.Lexicon) []string { return l.Age.Identity }) + `)\s*,?\s+(\d{2})\b|\b(\d{2})\s?(?:` +
		alts(func(l data.Lexicon) []string { return l.Age.IdentitySuffix }) + `)\b`)
	// notAge: what follows a number that is not an age ("I'm 5 minutes
	// away", "I am 30 days sober", "im 2 weeks clean").
	notAge = regexp.MustCompile(`^\s*(?:` + alts(func(l data.Lexicon) []string { return l.Age.NotAge }) + `)\b`)
)

// limitTriggers are the words at least one of which every limit rule
// needs (a refusal, a stance, a verdict).
var limitTriggers = wordSet(func(l data.Lexicon) []string { return l.Limits.Triggers })

// containsAnyPhrase reports whether the folded text holds one of the
// phrases anywhere, even inside a word.
func containsAnyPhrase(f string, phrases map[string]bool) bool {
	for p := range phrases {
		if strings.Contains(f, p) {
			return true
		}
	}
	return false
}

// containsAnyWord reports whether the folded text has one of the words.
func containsAnyWord(f string, words map[string]bool) bool {
	for _, w := range strings.Fields(f) {
		if words[w] {
			return true
		}
	}
	return false
}

var possessives = wordSet(func(l data.Lexicon) []string { return l.Possessives })

// decadeWords are the lexicons' decade words with the age each means.
func decadeWords() map[string]int {
	out := map[string]int{}
	for _, l := range lexicons {
		for w, age := range l.Age.DecadeWords {
			out[w] = age
		}
	}
	return out
}

// decadeFirst are the first words of the decade words, which a text must
// hold before the decade expressions run.
var decadeFirst = func() map[string]bool {
	out := map[string]bool{}
	for w := range decades {
		out[strings.Fields(w)[0]] = true
	}
	return out
}()

// sortedKeys returns m's keys, longest first (so an alternation tries
// "quatre vingtaine" before a shorter word), then in order.
func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, regexp.QuoteMeta(k))
	}
	slices.SortFunc(out, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return out
}

// readLimits finds what the text rules out and the writer's age. It also
// returns the text with the refused phrases blanked, so that "no AA" does
// not count as a wish for alcohol groups.
func readLimits(text string) (data.Limits, string) {
	f := limitText(text)
	var l data.Limits
	masked := f
	// The rules are costly regular expressions; a message without a
	// refusal or a stance word cannot match any of them.
	rules := limitRules
	if !containsAnyWord(f, limitTriggers) {
		rules = nil
	}
	for _, r := range rules {
		locs := r.re.FindAllStringIndex(f, -1)
		if len(locs) == 0 {
			continue
		}
		for _, c := range r.code {
			if !contains(l.Exclude, c) {
				l.Exclude = append(l.Exclude, c)
			}
		}
		for _, loc := range locs {
			masked = masked[:loc[0]] + strings.Repeat(" ", loc[1]-loc[0]) + masked[loc[1]:]
		}
	}
	if strings.ContainsAny(f, "0123456789") || containsAnyWord(f, decadeFirst) {
		l.Age = readAge(f)
	}
	if l.Age == 0 && strings.ContainsAny(text, "0123456789") {
		l.Age = readAgeAside(strings.NewReplacer("'", "", "’", "").Replace(place.Fold(text)))
	}
	return l, masked
}

// limitText folds text for the limit rules: lower case, no accents, no
// apostrophes ("don't" → "dont", "I'm" → "i m" is avoided by dropping the
// mark), other punctuation as spaces.
func limitText(text string) string {
	s := strings.NewReplacer("'", "", "’", "", "-", " ").Replace(unelide(place.Fold(text)))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ',' || r == '.' || r == '!' || r == '?' || r == ';' || r == ':' || r == '(' || r == ')' || r == '"' || r == '/':
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func readAge(f string) int {
	valid := func(n int) bool { return n >= 8 && n <= 110 }
	for _, m := range ageSelfRE.FindAllStringSubmatchIndex(f, -1) {
		n, _ := strconv.Atoi(f[m[2]:m[3]])
		if !valid(n) || notAge.MatchString(f[m[3]:]) {
			continue
		}
		// "tengo 16 años" needs the years word; "tengo 3 hijos" is not an age.
		if m[4] < 0 && slices.ContainsFunc(ageNeedsYears, func(w string) bool { return strings.HasPrefix(f[m[0]:], w) }) {
			continue
		}
		return n
	}
	for _, m := range ageYearsRE.FindAllStringSubmatchIndex(f, -1) {
		n, _ := strconv.Atoi(f[m[2]:m[3]])
		// "my son is 4", "my 16 year old", "mi hijo tiene 15": the age
		// of the person named just before the number.
		if valid(n) && !agePossessed(f, m[2]) {
			return n
		}
	}
	if m := ageDecade.FindStringSubmatch(f); m != nil {
		// One group per language's pattern; only the one that matched
		// holds the digits.
		n, _ := strconv.Atoi(strings.Join(m[1:], ""))
		return n + 5
	}
	if m := decadeWord.FindStringSubmatch(f); m != nil {
		return decades[m[1]]
	}
	return 0
}

// readAgeAside reads an age written as an aside, in text that keeps its
// punctuation: "stroke survivor, 63, want to meet others", "woman, 45".
func readAgeAside(f string) int {
	for _, re := range []*regexp.Regexp{ageIdentity, ageAside} {
		for _, m := range re.FindAllStringSubmatchIndex(f, -1) {
			lo, hi := m[2], m[3]
			if lo < 0 && len(m) > 5 {
				lo, hi = m[4], m[5]
			}
			if lo < 0 {
				continue
			}
			n, _ := strconv.Atoi(f[lo:hi])
			if n < 12 || n > 99 || notAge.MatchString(f[hi:]) || agePossessed(f, lo) {
				continue
			}
			return n
		}
	}
	return 0
}

// agePossessed reports whether the number at `at` is someone else's age:
// a family word or a possessive just before it ("my son, 16,").
func agePossessed(f string, at int) bool {
	ws := strings.FieldsFunc(f[max(0, at-24):at], func(r rune) bool { return r == ' ' || r == ',' || r == '.' })
	for _, w := range ws {
		if familyWords[w] || childWords[w] {
			return true
		}
	}
	return len(ws) > 0 && possessives[ws[len(ws)-1]]
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
