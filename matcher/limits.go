package matcher

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
)

// What a person rules out, read as general shapes rather than sentences:
// a refusal word ("no", "not", "without", "don't want", "sin", "nada de")
// shortly before a kind of listing, or a kind of listing followed by a
// verdict on it ("AA didn't work for me"). The text is folded first
// (lower case, no accents, apostrophes kept as typed are dropped).
const (
	// refusal is a word or phrase that rules out what follows it within a
	// few words: "not doing AA", "no more church groups", "sin AA".
	refusal = `(?:no|not|never|without|nothing|none|anything but|other than|instead of|alternatives? to|besides|except|` +
		`dont|do not|wont|will not|refuse to|hate|against|tired of|done with|` +
		`sin|nada de|ni|ningun|ninguna|que no sea|en vez de|fuera de|` +
		`non|nonreligious|non religious)`
	// gap lets a few filler words sit between the refusal and the kind
	// ("not really into the whole AA thing", "no quiero ir a AA"), but not
	// any word: "I can't find an AA meeting" rules nothing out.
	gap = `(?:\s+(?:want|wanna|to|go|goin|going|do|doing|into|interested|in|like|the|a|an|any|more|another|really|very|that|whole|` +
		`be|back|joining|join|try|trying|use|using|about|super|big|fan|of|much|religious|church|looking|for|searching|` +
		`quiero|ir|a|al|el|la|los|las|mas|otro|otra|un|una|me|gusta|gustan|soy|muy|volver|ser|estar|en)){0,4}\s+`
	// verdict follows a kind the person has tried and turned from.
	verdict = `(?:\s+[\p{L}]+){0,3}?\s+(?:didnt work|did not work|doesnt work|does not work|never worked|isnt for me|is not for me|wasnt for me|was not for me|` +
		`is a cult|not for me|no es para mi|no me funciono|no me sirvio|no funciona|no funciono)`
	twelveStepKinds = `(?:aa|a a|alcoholics anonymous|na|narcotics anonymous|al anon|alanon|ca|cocaine anonymous|12 ?steps?|twelve ?steps?|12 ?step programs?|twelve step programs?|` +
		`anonymous meetings?|the steps|doce pasos|12 pasos|alcoholicos anonimos|narcoticos anonimos)`
	faithKinds    = `(?:religio\w*|church\w*|christian\w*|faith\w*|god|jesus|bible|prayer|praying|pray|spiritual\w*|higher power|ministry|iglesias?|religios\w*|dios|cristian\w*|oracion\w*)`
	helplineKinds = `(?:hot ?lines?|help ?lines?|crisis lines?|phone lines?|calling|phone calls?|call anyone|lineas? de ayuda|llamar)`
)

var limitRules = []struct {
	re   *regexp.Regexp
	code []string
}{
	{regexp.MustCompile(`\b` + refusal + gap + twelveStepKinds + `\b`), []string{data.ExcludeTwelveStep}},
	{regexp.MustCompile(`\b` + twelveStepKinds + verdict), []string{data.ExcludeTwelveStep}},
	{regexp.MustCompile(`\b(?:non ?12 ?step|non ?twelve ?step|not 12 ?step|alternatives? to aa|aa alternatives?|instead of aa)\b`), []string{data.ExcludeTwelveStep}},
	// Secular recovery means neither a religious program nor the Steps'
	// higher power.
	{regexp.MustCompile(`\b(?:secular|laico|laica)\b`), []string{data.ExcludeFaith, data.ExcludeTwelveStep}},
	{regexp.MustCompile(`\b(?:atheists?|agnostics?|ateo|atea|agnostico|agnostica|no creyente|not a believer|non believer|nonbeliever|dont believe in god|do not believe in god)\b`), []string{data.ExcludeFaith}},
	{regexp.MustCompile(`\b` + refusal + gap + faithKinds + `\b`), []string{data.ExcludeFaith}},
	{regexp.MustCompile(`\b` + faithKinds + verdict), []string{data.ExcludeFaith}},
	{regexp.MustCompile(`\b` + refusal + gap + helplineKinds + `\b`), []string{data.ExcludeHelpline}},
}

var (
	// "I'm 16", "im 68", "I am 72", "age 15", "16 years old", "16yo",
	// "tengo 16 años", "in my 70s": the writer's own age. A number after a
	// family word ("my son is 4", "my 16 year old") is someone else's.
	ageSelfRE  = regexp.MustCompile(`\b(?:i m|im|i am|am|aged|age|edad|tengo)\s+(?:only\s+|just\s+|almost\s+|nearly\s+|turning\s+|about\s+)?(\d{1,3})\b(\s+(?:years?|yrs?|yo|anos|y o)\b)?`)
	ageYearsRE = regexp.MustCompile(`(?:^|[^\p{L}\d]\s*)(\d{1,3})\s*(?:years? old|yrs? old|yr old|year old|yo|y o|anos)\b`)
	ageDecade  = regexp.MustCompile(`\b(?:i m|im|i am|am) in my (\d0)s\b|\ben mis (\d0)s\b`)
	decadeWord = regexp.MustCompile(`\b(?:i m|im|i am|am) in my (teens|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b`)
	// notAge: what follows a number that is not an age ("I'm 5 minutes
	// away", "I am 30 days sober", "im 2 weeks clean").
	// "stroke survivor, 63, want...", "transgender woman, 45", "32f": a
	// number set apart beside who the person is.
	ageAside    = regexp.MustCompile(`(?:^|[,.;:(-]\s*)(\d{2})\s*(?:[,.;:)-]|$)`)
	ageIdentity = regexp.MustCompile(`\b(?:woman|man|guy|girl|boy|female|male|mom|dad|mum|veteran|vet|widow|widower|mujer|hombre|chica|chico|viuda|viudo)\s*,?\s+(\d{2})\b|\b(\d{2})\s?(?:f|m)\b`)
	notAge      = regexp.MustCompile(`^\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|miles?|mi|km|k|percent|%|pm|am|oclock|dias|semanas|meses|horas|minutos|kilometros|millas|times|x)\b`)
)

// limitTriggers are the words at least one of which every limit rule
// needs (a refusal, a stance, a verdict).
var limitTriggers = set("no not never without nothing none anything other instead alternative alternatives besides except " +
	"dont do wont will refuse hate against tired done sin nada ni ningun ninguna sea vez fuera non nonreligious secular laico laica " +
	"atheist atheists agnostic agnostics ateo atea agnostico agnostica creyente believer nonbeliever didnt doesnt isnt wasnt cult " +
	"funciono sirvio funciona aa")

// containsAnyWord reports whether the folded text has one of the words.
func containsAnyWord(f string, words map[string]bool) bool {
	for _, w := range strings.Fields(f) {
		if words[w] {
			return true
		}
	}
	return false
}

var possessives = map[string]bool{"my": true, "our": true, "his": true, "her": true, "their": true, "mi": true, "su": true, "nuestro": true, "nuestra": true}

var decades = map[string]int{"teens": 15, "twenties": 25, "thirties": 35, "forties": 45, "fifties": 55, "sixties": 65, "seventies": 75, "eighties": 85, "nineties": 95}

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
	if strings.ContainsAny(f, "0123456789") || strings.Contains(f, "in my") {
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
	s := strings.NewReplacer("'", "", "’", "", "-", " ").Replace(place.Fold(text))
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
		if strings.HasPrefix(f[m[0]:], "tengo") && m[4] < 0 {
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
		n, _ := strconv.Atoi(m[1] + m[2])
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
