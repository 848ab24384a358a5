package matcher

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/place"
	"github.com/peermatch/peermatch/data/schedule"
)

// lexicon maps the vocabulary's synonyms, as stemmed token sequences, to
// topics. Built once; read-only afterwards, so safe for concurrent use.
type lexicon struct {
	phrases  map[string][]phrase // keyed by first token
	known    map[string]bool     // every (stemmed) token of every phrase
	rawKnown map[string]uint64   // the same words unstemmed, as people type them, to their languages' bits
	deletes  map[string][]string // one-letter deletions → raw known words (typo repair)
	// weak maps a content word of a longer phrase to the topics whose
	// phrases use it ("worry" from "worry too much"): weaker evidence that
	// lets a paraphrase count.
	weak map[string][]string
	// learned maps a word to the one topic whose descriptions and listings
	// use it: the weakest evidence, used only when nothing else matched.
	learned map[string]string
	words   map[string]bool // every word of the descriptions and listings, unstemmed
}

type phrase struct {
	tokens []string
	topic  string
	weight float64
	short  bool // a two-letter acronym (AA, NA): trusted only in capitals or short messages
}

// newLexicon builds the matcher's lexicon from the vocabulary and a sample
// of the directory's listings (learn reads at most maxLearn of them).
func newLexicon(v *data.Vocabulary, sample []*data.Group) *lexicon {
	lx := &lexicon{phrases: map[string][]phrase{}, known: map[string]bool{}, rawKnown: map[string]uint64{}, deletes: map[string][]string{}, weak: map[string][]string{}, learned: map[string]string{}, words: map[string]bool{}}
	// A synonym shared by several topics says less about each of them.
	owners := map[string]map[string]bool{}
	add := func(slug, lang, s string) {
		for _, r := range rawTokens(s) {
			bits, had := lx.rawKnown[r]
			lx.rawKnown[r] = bits | langBit(lang)
			if !had {
				if len(r) >= 4 {
					for i := range len(r) {
						d := r[:i] + r[i+1:]
						lx.deletes[d] = append(lx.deletes[d], r)
					}
				}
			}
		}
		k := strings.Join(tokens(s), " ")
		if k == "" {
			return
		}
		if owners[k] == nil {
			owners[k] = map[string]bool{}
		}
		owners[k][slug] = true
	}
	for _, t := range v.Topics {
		for lang, l := range t.Label {
			add(t.Slug, lang, l)
		}
		for lang, words := range t.Synonyms {
			for _, w := range words {
				add(t.Slug, lang, w)
			}
		}
	}
	for k, slugs := range owners {
		toks := strings.Fields(k)
		for slug := range slugs {
			w := (1 + 0.5*float64(len(toks)-1)) / float64(len(slugs))
			lx.phrases[toks[0]] = append(lx.phrases[toks[0]], phrase{tokens: toks, topic: slug, weight: w,
				short: len(toks) == 1 && len(toks[0]) <= 2})
		}
		for _, t := range toks {
			lx.known[t] = true
		}
	}
	for _, ps := range lx.phrases {
		slices.SortFunc(ps, func(a, b phrase) int { return len(b.tokens) - len(a.tokens) })
	}
	users := map[string]map[string]bool{}
	for k, slugs := range owners {
		for _, t := range strings.Fields(k) {
			if len(t) < 3 || functionWords[t] || functionStems[t] {
				continue
			}
			if users[t] == nil {
				users[t] = map[string]bool{}
			}
			for s := range slugs {
				users[t][s] = true
			}
		}
	}
	for t, slugs := range users {
		// A word used across many topics ("lost", "care") is no evidence.
		if len(slugs) <= 3 {
			for s := range slugs {
				lx.weak[t] = append(lx.weak[t], s)
			}
			slices.Sort(lx.weak[t])
		}
	}
	lx.learn(v, sample)
	return lx
}

// learn adds the words that the topic descriptions and the directory's
// own listings use for each topic ("job" in job clubs' summaries, "mood"
// in DBSA's), so a paraphrase still finds its topic. A word counts only
// when most of its uses belong to one topic.
func (lx *lexicon) learn(v *data.Vocabulary, sample []*data.Group) {
	counts := map[string]map[string]int{}
	note := func(text string, topics []string) {
		for _, r := range rawTokens(text) {
			lx.words[r] = true
		}
		seen := map[string]bool{}
		for _, t := range tokens(text) {
			if len(t) < 3 || functionWords[t] || hintWords[t] || seen[t] {
				continue
			}
			seen[t] = true
			if counts[t] == nil {
				counts[t] = map[string]int{}
			}
			for _, s := range topics {
				counts[t][s]++
			}
		}
	}
	for _, t := range v.Topics {
		for _, d := range t.Description {
			note(d, []string{t.Slug})
		}
	}
	for i, g := range sample {
		if i == maxLearn {
			break
		}
		note(g.Name+" "+g.Summary, g.Topics)
	}
	for w, byTopic := range counts {
		if lx.known[w] || len(lx.weak[w]) > 0 {
			continue
		}
		total, best, bestN := 0, "", 0
		for s, n := range byTopic {
			total += n
			if n > bestN || (n == bestN && s < best) {
				best, bestN = s, n
			}
		}
		if bestN >= 2 && float64(bestN) >= 0.6*float64(total) {
			lx.learned[w] = best
		}
	}
}

// maxLearn bounds how many listings learn reads, so a national directory
// starts as fast as a small one.
const maxLearn = 20000

// tokens folds, drops apostrophes and splits on anything that is not a
// letter or digit, then stems lightly; the same on both sides of a match.
func tokens(s string) []string {
	f := rawTokens(s)
	for i, w := range f {
		f[i] = stem(w)
	}
	return f
}

// rawTokens folds, drops apostrophes and splits, without stemming.
func rawTokens(s string) []string {
	s = strings.NewReplacer("'", "", "’", "").Replace(unelide(place.Fold(s)))
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// stem strips the inflections of data.SharedWords.Stem so "drinks",
// "drinking" and "drink" meet. Crude on purpose: it only has to agree with
// itself.
func stem(w string) string {
	final := true
	for _, r := range shared.Stem {
		if r.Fits(w) {
			w, final = w[:len(w)-len(r.Suffix)], r.ThenFinal
			break
		}
	}
	if final {
		for _, r := range shared.StemFinal {
			if r.Fits(w) {
				return w[:len(w)-len(r.Suffix)]
			}
		}
	}
	return w
}

// repair maps a typed word to known stemmed tokens: itself when known,
// else the known word one edit away (insert, delete, substitute or swap:
// "alchol", "ptds"), else two edits away for long words ("schizofrenia"),
// else two known words run together ("weightloss").
//
// A typo is repaired only into a word of the message's language or of a
// language whose words repair any message (data.Lexicon.TypoFallback).
func (lx *lexicon) repair(raw, lang string) []string {
	st := stem(raw)
	// Known, or a real word of the listings ("trying", "door"): not a typo.
	if lx.known[st] || lx.words[raw] || functionWords[raw] || hintWords[raw] || len(raw) < 4 || isNumber(raw) {
		return []string{st}
	}
	best := ""
	// Prefer a swap of two letters ("ptds" → "ptsd"), then the longer word.
	swap := func(c string) bool { return len(c) == len(raw) && sortedLetters(c) == sortedLetters(raw) }
	allowed := fallbackLangs | langBit(lang)
	consider := func(c string) {
		if lx.rawKnown[c]&allowed == 0 {
			return
		}
		// People rarely mistype the first letter; a word that differs
		// there is another word ("rounds" is not "pounds").
		if c[0] != raw[0] && !swap(c) {
			return
		}
		switch {
		case best == "", swap(c) && !swap(best):
			best = c
		case swap(best) && !swap(c):
		case len(c) > len(best) || (len(c) == len(best) && c < best):
			best = c
		}
	}
	for _, c := range lx.deletes[raw] { // raw is a known word missing a letter
		consider(c)
	}
	for i := range len(raw) {
		d := raw[:i] + raw[i+1:]
		if lx.rawKnown[d] != 0 { // raw has an extra letter
			consider(d)
		}
		for _, c := range lx.deletes[d] { // substitution or swap
			consider(c)
		}
	}
	if best != "" && (len(raw) >= 5 || swap(best)) {
		return []string{stem(best)}
	}
	best = ""
	if len(raw) >= 8 {
		for w := range lx.rawKnown {
			if len(w) >= 7 && w[0] == raw[0] && abs(len(w)-len(raw)) <= 2 && editDistance(raw, w, 2) <= 2 {
				consider(w)
			}
		}
		if best != "" {
			return []string{stem(best)}
		}
	}
	for i := 3; i <= len(raw)-3; i++ {
		a, b := stem(raw[:i]), stem(raw[i:])
		if lx.known[a] && lx.known[b] {
			return []string{a, b}
		}
	}
	return []string{st}
}

func sortedLetters(s string) string {
	b := []byte(s)
	slices.Sort(b)
	return string(b)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func isNumber(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// editDistance is the Levenshtein distance of a and b, or limit+1 as soon
// as it must exceed limit.
func editDistance(a, b string, limit int) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var (
	familyWords = wordSet(func(l data.Lexicon) []string { return l.Family })
	childWords  = wordSet(func(l data.Lexicon) []string { return l.Child })
	deathWords  = wordSet(func(l data.Lexicon) []string { return l.Death })
	// lostPersonRE: a death in the family or among friends ("lost my
	// husband", "perdí a mi papá", "j'ai perdu ma mère"), on folded text
	// without apostrophes.
	lostPersonRE = regexp.MustCompile(`\b(?:` + alts(func(l data.Lexicon) []string { return l.Loss.LostPerson }) + `)\b`)
	// suicideStems are the words of a death by suicide, stemmed.
	suicideStems = func() map[string]bool {
		out := map[string]bool{}
		for w := range wordSet(func(l data.Lexicon) []string { return l.Loss.Suicide }) {
			out[stem(w)] = true
		}
		return out
	}()
)

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

var addictionTopics = []string{"alcohol", "drugs", "gambling"}

// weakWeight is what a single content word of a longer synonym phrase is
// worth, against 1 for a whole synonym.
const weakWeight = 0.45

// learnedWeight is what a word learned from descriptions and listings is
// worth.
const learnedWeight = 0.3

// functionWords never count as evidence on their own.
var functionWords = wordSet(func(l data.Lexicon) []string { return l.Function })

// functionStems are the function words as the lexicon stores them
// ("online" → "onlin"), so a format word never counts as a topic's.
var functionStems = func() map[string]bool {
	out := map[string]bool{}
	for w := range functionWords {
		out[stem(w)] = true
	}
	return out
}()

// myParentsRE: the writer's own parents ("my parents are getting
// divorced") say nothing about parenting.
var myParentsRE = regexp.MustCompile(`\b(?:` + alts(func(l data.Lexicon) []string { return l.Loss.MyParents }) + `)\b`)

// parentRole are the topics of a role rather than a condition: with a
// condition named beside them ("my daughter has anorexia, a group for
// parents"), the condition leads.
var parentRole = []string{"parenting"}

// topics scores every topic the words mention.
// The words come from words (text with refused phrases blanked); text
// itself only tells capitals apart.
func (lx *lexicon) topics(text, words, lang string) ([]data.TopicGuess, map[string]bool) {
	raw := strings.Fields(strings.NewReplacer(",", " ", ".", " ", "!", " ", "?", " ").Replace(text))
	upper := map[string]bool{}
	for _, w := range raw {
		if len(w) <= 3 && strings.ToUpper(w) == w && strings.ToLower(w) != w {
			upper[strings.ToLower(w)] = true
		}
	}
	var toks []string
	seen := map[string]bool{}
	for _, r := range rawTokens(myParentsRE.ReplaceAllString(strings.NewReplacer("'", "", "’", "").Replace(place.Fold(words)), " ")) {
		seen[stem(r)] = true
		toks = append(toks, lx.repair(r, lang)...)
	}
	short := len(toks) <= 4
	score := map[string]float64{}
	addictionAt := map[int]bool{} // token positions where an addiction phrase starts
	for i := 0; i < len(toks); {
		matched := 0
		for _, p := range lx.phrases[toks[i]] {
			if i+len(p.tokens) > len(toks) || (matched > 0 && len(p.tokens) < matched) {
				continue
			}
			if !slices.Equal(toks[i:i+len(p.tokens)], p.tokens) {
				continue
			}
			if p.short && !upper[p.tokens[0]] && !short {
				continue
			}
			score[p.topic] += p.weight
			if slices.Contains(addictionTopics, p.topic) {
				addictionAt[i] = true
			}
			matched = len(p.tokens)
		}
		if matched == 0 && lx.learned[toks[i]] != "" {
			score[lx.learned[toks[i]]] += learnedWeight
		}
		if matched == 0 {
			for _, t := range lx.weak[toks[i]] {
				score[t] += weakWeight / float64(len(lx.weak[toks[i]]))
				if slices.Contains(addictionTopics, t) {
					addictionAt[i] = true
				}
			}
		}
		i += max(1, matched)
	}
	has := func(words map[string]bool) bool {
		for t := range seen {
			if words[t] {
				return true
			}
		}
		return false
	}
	family, death := has(familyWords), has(deathWords) || lostPersonRE.MatchString(strings.NewReplacer("'", "", "’", "").Replace(place.Fold(words)))
	// "my husband drinks", "my daughter who's using meth": a family
	// member's addiction, named just after them, is a family's worry
	// (Al-Anon, not AA).
	familyAddiction := false
	for i, t := range toks {
		if familyWords[t] {
			for j := i + 1; j <= i+5 && j < len(toks); j++ {
				familyAddiction = familyAddiction || addictionAt[j]
			}
		}
	}
	if familyAddiction && !death {
		for _, a := range addictionTopics {
			if s := score[a]; s > 0 {
				score["addiction-family"] += s + 0.5
			}
		}
	}
	// "my son died" is the loss of a child, not only grief.
	// "grief after my husband's suicide": a death by suicide, named with
	// grief or loss, is a survivor's loss (the crisis screen, which reads
	// every message first, tells this apart from the writer's own risk).
	if (death || score["grief"] > 0) && has(suicideStems) {
		score["suicide-loss"] += 1.5
	}
	if death && has(childWords) {
		score["child-loss"] += 1.5
	}
	if death && score["grief"] < 1 && score["child-loss"] < 1 && score["suicide-loss"] < 1 {
		// A person died: whatever else the words touch ("lost a parent"
		// is not parenting), it is a loss first.
		score["grief"] += 1.5
	}
	var out []data.TopicGuess
	var best, second float64
	for slug, s := range score {
		out = append(out, data.TopicGuess{Slug: slug, Confidence: s})
	}
	slices.SortFunc(out, func(a, b data.TopicGuess) int {
		switch {
		case a.Confidence > b.Confidence:
			return -1
		case a.Confidence < b.Confidence:
			return 1
		}
		return strings.Compare(a.Slug, b.Slug)
	})
	if len(out) > 1 && slices.Contains(parentRole, out[0].Slug) {
		// A condition named in full beside the role leads it.
		if i := slices.IndexFunc(out, func(g data.TopicGuess) bool { return !slices.Contains(parentRole, g.Slug) && g.Confidence >= 0.9 }); i > 0 {
			lead := out[i]
			out = slices.Insert(slices.Delete(out, i, i+1), 0, lead)
		}
	}
	if len(out) > 0 {
		best = out[0].Confidence
	}
	if len(out) > 1 {
		second = out[1].Confidence
	}
	// Confidence: how strongly and how clearly the best topic leads.
	keep := out[:0]
	for i, g := range out {
		if g.Confidence < best/2 || i >= 4 {
			break
		}
		g.Confidence = min(1, g.Confidence) * g.Confidence / (best + second)
		keep = append(keep, g)
	}
	return keep, map[string]bool{"family": family, "death": death}
}

var (
	zipRE = regexp.MustCompile(`\b\d{5}(-\d{4})?\b`)
)

var notPlaces = wordSet(func(l data.Lexicon) []string { return l.NotPlaces })

// place finds a place the message names: a ZIP code, or "in/near <place>".
func (m *Matcher) place(text string, h place.PlaceHint) (place.Place, bool) {
	for _, z := range zipRE.FindAllString(text, maxZIPTries) {
		if p, ok := m.gaz.Lookup(z); ok {
			return p, true
		}
	}
	tries := 0
	try := func(words []string) (place.Place, bool) {
		// Longest plausible span first: "San Antonio, TX on Sundays" →
		// try "San Antonio, TX on Sundays", ..., "San Antonio, TX".
		for n := min(len(words), 5); n >= 1 && tries < maxPlaceTries*5; n-- {
			cand := strings.Trim(strings.Join(words[:n], " "), ",.;:!?()- ")
			// "à Paris": a capitalised single word after a preposition
			// may share a topic word's stem ("paris sportifs") and still
			// be a city, if a big one.
			named := n == 1 && properName(cand) && m.lex.known[stem(place.Fold(cand))]
			if !named && !m.placeLike(cand, false) {
				continue
			}
			tries++
			// "in front of people": a lower-case word after "in" must
			// name a town of some size, not a hamlet called Front.
			if p, ok := m.gaz.LookupNear(cand, h); ok && (!named || p.Population >= bareMinPopulation) && (n > 1 || cand != strings.ToLower(cand) || p.Point == (data.Point{}) || p.Population >= prepMinPopulation) {
				return p, true
			}
		}
		return place.Place{}, false
	}
	// "in Austin, TX", "cerca de Monterrey": the words after a preposition,
	// then after one only the message's language reads as one.
	locs := prepRE.FindAllStringIndex(text, maxPlaceTries)
	if re := ownPrepRE[h.Lang]; re != nil {
		locs = append(locs, re.FindAllStringIndex(text, maxPlaceTries)...)
	}
	for _, loc := range locs {
		rest := text[loc[1]:]
		if i := strings.IndexAny(rest, ".!?;\n"); i >= 0 {
			rest = rest[:i]
		}
		if p, ok := try(strings.Fields(rest)); ok {
			return p, true
		}
	}
	// A place named on its own: a whole short segment ("depression.
	// london.", "ottawa - ...", "perdí a mi padre, bogotá") or the last
	// words of the message ("anxiety support cardiff"). Never any word
	// inside a sentence: "still", "front" and "tres" are towns too.
	for _, seg := range segmentRE.Split(strings.TrimSpace(text), -1) {
		words := strings.Fields(seg)
		if len(words) > 0 && len(words) <= 3 {
			if p, ok := m.bare(words, h); ok {
				return p, true
			}
		}
		for k := min(len(words)-1, 2); k >= 1; k-- {
			if p, ok := m.bare(words[len(words)-k:], h); ok {
				return p, true
			}
		}
	}
	return place.Place{}, false
}

// bare looks up words named on their own, whole (no shorter span). Only a
// city (or a state, province or country) counts: "Front" in Italy and
// "Guys" in Tennessee are hamlets that share an everyday word.
func (m *Matcher) bare(words []string, h place.PlaceHint) (place.Place, bool) {
	cand := strings.Trim(strings.Join(words, " "), ",.;:!?()- ")
	if !m.placeLike(cand, true) {
		return place.Place{}, false
	}
	p, ok := m.gaz.LookupNear(cand, h)
	if !ok || (p.Point != (data.Point{}) && p.Population < bareMinPopulation) {
		return place.Place{}, false
	}
	return p, true
}

// properName reports whether w is written as a name: a capital, then not
// all capitals ("Paris", not "AA" or "paris").
func properName(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r) && strings.ToUpper(w) != w
}

// prepMinPopulation is how big a place must be to count when it is a
// single lower-case word after "in" (Laramie, WY has 32,000 people).
const prepMinPopulation = 10000

// bareMinPopulation is how big a place named without "in" must be.
const bareMinPopulation = 50000

var (
	prepRE    = placePrepRE(func(l data.Lexicon) []string { return l.PlacePreps })
	ownPrepRE = func() map[string]*regexp.Regexp {
		out := map[string]*regexp.Regexp{}
		for _, l := range lexicons {
			if len(l.OwnPlacePreps) > 0 {
				out[l.Lang] = placePrepRE(func(x data.Lexicon) []string {
					if x.Lang != l.Lang {
						return nil
					}
					return x.OwnPlacePreps
				})
			}
		}
		return out
	}()
	segmentRE = regexp.MustCompile(`[.!?;\n]+|\s[-–—]\s|,\s*`)
)

// placeLike reports whether a span could be a place name rather than
// ordinary words: not a topic word, a function word, a day or a month.
// A bare span (no "in" before it) must also be made of words the listings
// and topics never use, so "support" or "hope" is never looked up.
func (m *Matcher) placeLike(cand string, bare bool) bool {
	f := place.Fold(cand)
	if len(f) < 3 || notPlaces[f] || notCountries[f] || m.lex.known[stem(f)] || hintWords[f] || dayWords[f] {
		return false
	}
	if !bare {
		return true
	}
	for _, w := range rawTokens(cand) {
		if len(w) < 2 || m.lex.known[stem(w)] || functionWords[w] || hintWords[w] || notPlaces[w] || commonWordCities[w] || dayWords[w] || isNumber(w) {
			if !usStates[w] { // "Austin TX", "Edmonton AB"
				return false
			}
		}
	}
	return true
}

// commonWordCities are cities of 50,000 or more named like everyday words,
// never read as a place when named on their own ("i like reading").
var commonWordCities = wordSet(func(l data.Lexicon) []string { return l.CommonWordPlaces })

// usStates are the state and province codes a bare place may end with.
var usStates = set(strings.Join(shared.RegionCodes, " "))

// countryCodes are the two-letter codes read as a country on their own.
var countryCodes = set(strings.Join(shared.CountryCodes, " "))

var (
	onlineActivityRE    = wordsRE(func(l data.Lexicon) []string { return l.Format.OnlineActivity })
	onlineActivityWords = wordSet(func(l data.Lexicon) []string { return l.Format.OnlineActivityWords })
	// The format patterns run on folded text, so one pattern serves "en
	// línea" and "en linea".
	onlyInPersonRE   = regexp.MustCompile(`\b(?:` + alts(func(l data.Lexicon) []string { return l.Format.OnlyInPerson }) + `)\b`)
	refuseOnlineRE   = regexp.MustCompile(`\b(?:` + alts(func(l data.Lexicon) []string { return l.Format.Refuse }) + `)\s+(?:\p{L}+\s+){0,2}?(?:` + alts(func(l data.Lexicon) []string { return l.Format.OnlineKinds }) + `)\b`)
	onlyOnlineRE     = regexp.MustCompile(`\b(?:` + alts(func(l data.Lexicon) []string { return l.Format.OnlyOnline }) + `)\b`)
	refuseInPersonRE = regexp.MustCompile(`\b(?:` + alts(func(l data.Lexicon) []string { return l.Format.RefuseInPerson }) + `)\s+(?:\p{L}+\s+){0,2}?(?:` + alts(func(l data.Lexicon) []string { return l.Format.InPersonKinds }) + `)\b|` +
		`\b(?:` + alts(func(l data.Lexicon) []string { return l.Format.Housebound }) + `)\b`)
	houseboundWords = wordSet(func(l data.Lexicon) []string { return l.Format.HouseboundWord })
	onlineRE        = wordsRE(func(l data.Lexicon) []string { return l.Format.Online })
	inPersonRE      = wordsRE(func(l data.Lexicon) []string { return l.Format.InPerson })
	eitherRE        = wordsRE(func(l data.Lexicon) []string { return l.Format.Either })
	audiences       = audienceRules()
	otherRE         = wordsRE(func(l data.Lexicon) []string { return l.ForOther })
)

type audienceRule struct {
	re  *regexp.Regexp
	aud string
}

// audienceRules joins each audience's words over the languages, audiences
// in the order the lexicons first name them.
func audienceRules() []audienceRule {
	var order []string
	words := map[string][]string{}
	for _, l := range lexicons {
		for _, a := range l.Audiences {
			if words[a.Audience] == nil {
				order = append(order, a.Audience)
			}
			words[a.Audience] = append(words[a.Audience], a.Words...)
		}
	}
	out := make([]audienceRule, len(order))
	for i, a := range order {
		out[i] = audienceRule{regexp.MustCompile(`(?i)\b(?:` + strings.Join(words[a], "|") + `)\b`), a}
	}
	return out
}

// placePrepRE finds "in", "cerca de", "à", "près de" before a place. A
// preposition that starts with an accented letter has no \b before it
// (Go's \b is ASCII), so it needs a non-letter or the start instead.
func placePrepRE(field func(data.Lexicon) []string) *regexp.Regexp {
	var ascii, other []string
	for _, l := range lexicons {
		for _, p := range field(l) {
			if c := p[0]; c >= 'a' && c <= 'z' {
				ascii = append(ascii, p)
			} else {
				other = append(other, p)
			}
		}
	}
	re := `(?i)\b(?:` + strings.Join(ascii, "|") + `)\s+`
	if len(other) > 0 {
		re += `|(?i)(?:^|[^\p{L}\p{N}])(?:` + strings.Join(other, "|") + `)\s+`
	}
	return regexp.MustCompile(re)
}

// countryWord finds a country named as a bare word ("group uk", "en
// méxico", "canada"), when no city was found. Two-letter codes other than
// UK and US-like forms are not read: "no", "in", "me" are words first.
func (m *Matcher) countryWord(text string) (string, bool) {
	toks := rawTokens(text)
	for n := 3; n >= 1; n-- {
		for i := 0; i+n <= len(toks); i++ {
			w := strings.Join(toks[i:i+n], " ")
			if len(w) < 2 || (len(w) == 2 && !countryCodes[w]) || notCountries[w] {
				continue
			}
			if cc, ok := m.gaz.Country(w); ok {
				return cc, true
			}
		}
	}
	return "", false
}

// notCountries are country names that are also everyday words or US
// states people name more often, or where veterans served rather than
// where they live.
var notCountries = wordSet(func(l data.Lexicon) []string { return l.NotCountries })

// Ages that name an audience: teenagers are youth; from 65, older adults.
const (
	teenMaxAge = 19
	seniorAge  = 65
)

// Understand reads the parts of an intake that a free-text message
// contains. It never fails; what it cannot read stays empty.
func (m *Matcher) Understand(text string) data.Understanding {
	text = CapText(text) // a long story has said what it needs early
	var u data.Understanding
	var flags map[string]bool
	var words string
	u.Limits, words = readLimits(text)
	// Asked for in words, or else read from the words themselves; read
	// first, since a typo is repaired toward the message's language.
	lang, asked := "", false
	folded := unelide(place.Fold(text))
	for _, a := range askRules {
		if a.re.MatchString(folded) {
			lang, asked = a.lang, true
			if a.requires {
				u.Spoken = a.lang // asked for in words: a requirement, not a preference
			}
			break
		}
	}
	if !asked {
		lang = detectLanguage(text, func(w string) uint64 { return m.lex.rawKnown[w] })
	}
	if lang != defaultLang {
		u.Language = lang
	}
	if asked {
		u.Language = lang
	}
	u.Topics, flags = m.lex.topics(text, words, u.Language)
	u.ForOther = otherRE.MatchString(folded) || (flags["family"] && slices.ContainsFunc(u.Topics, func(t data.TopicGuess) bool { return t.Slug == "addiction-family" }))
	// "online gambling", "apuestas en línea": what the person does
	// online, not how they want to meet.
	formatText := folded
	if containsAnyPhrase(folded, onlineActivityWords) {
		formatText = onlineActivityRE.ReplaceAllString(folded, " ")
	}
	online, inPerson := onlineRE.MatchString(formatText), inPersonRE.MatchString(formatText)
	// "in person only", "not online", "can't do video calls" rule the
	// other way out; "online only", "can't leave the house" likewise.
	if f := limitText(text); online || inPerson || containsAnyPhrase(f, houseboundWords) {
		switch {
		case onlyInPersonRE.MatchString(f) || refuseOnlineRE.MatchString(f):
			online, inPerson = false, true
		case onlyOnlineRE.MatchString(f) || refuseInPersonRE.MatchString(f):
			online, inPerson = true, false
		}
	}
	// The language picks between namesakes: a Spanish speaker's "León"
	// is in Mexico.
	if p, ok := m.place(text, place.PlaceHint{Lang: u.Language}); ok {
		u.Place = &p.Point
		if p.Point == (data.Point{}) {
			u.Place = nil // a country: lines and zone, but no point to search around
		}
		u.PlaceName, u.Country, u.TimeZone = p.Name, p.Country, p.TimeZone
		// A place alone does not choose the format: rooms near it rank
		// first and groups that meet online still show.
	} else if cc, ok := m.countryWord(text); ok {
		u.Country = cc // "hearing voices group uk"
	}
	switch {
	case online && inPerson, eitherRE.MatchString(folded) && (online || inPerson):
		u.Format = ""
	case online:
		u.Format = "online"
	case inPerson:
		u.Format = "in_person"
	}
	for _, a := range audiences {
		switch {
		case !a.re.MatchString(folded):
		case u.Audience == "":
			u.Audience = a.aud
		default:
			u.Also = append(u.Also, a.aud)
		}
	}
	spoken := u.Spoken
	u.Specifics = readSpecifics(text, len(strings.Fields(text)) <= 4)
	u.Spoken = spoken
	if u.Audience == "" {
		u.AudienceOnly = false
	}
	if u.Audience == "" {
		// An age says who the person is as plainly as "teen" does.
		switch {
		case u.Age > 0 && u.Age <= teenMaxAge:
			u.Audience = "youth"
		case u.Age >= seniorAge:
			u.Audience = "seniors"
		}
	}
	loc := time.UTC
	if l, err := data.LoadZone(u.TimeZone); err == nil && u.TimeZone != "" {
		loc = l
	}
	if w, ok := schedule.ParseWhen(whenText(text), m.now(), loc); ok {
		u.Days, u.After, u.Before = w.Days, w.After, w.Before
		u.Window = window(w, m.now(), u.TimeZone == "")
		if !u.Window.IsZero() && u.TimeZone != "" {
			// The window, in the person's own zone, says it exactly;
			// bounds on the meetings' local clocks would disagree with it
			// for an online meeting in another zone.
			u.After, u.Before = 0, 0
		}
		// "tonight", "tomorrow": a date range; searches filter by weekday.
		for d := w.From; len(w.Days) == 0 && d.Before(w.To) && len(u.Days) < 7; d = d.AddDate(0, 0, 1) {
			u.Days = append(u.Days, d.Weekday())
		}
	}
	return u
}

// window turns a dated time preference ("tonight", "now", "tomorrow
// morning") into the stretch a meeting must start in. Within a single day
// the clock bounds narrow it, and a meeting that started up to
// data.InProgress ago still counts. floating: the person's zone is unknown,
// so the times are wall-clock times in each meeting's zone.
func window(w schedule.When, now time.Time, floating bool) data.Window {
	if w.From.IsZero() && w.To.IsZero() {
		return data.Window{}
	}
	from, to := w.From, w.To
	if to.Sub(from) <= 24*time.Hour {
		day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, from.Location())
		if w.After > 0 {
			from = later(from, day.Add(time.Duration(w.After)*time.Minute))
		}
		if w.Before > 0 {
			if b := day.Add(time.Duration(w.Before) * time.Minute); b.Before(to) {
				to = b
			}
		}
	}
	if w.Now {
		// An instant: the same moment in every zone.
		return data.Window{From: from, To: to}
	}
	if !floating {
		from = later(from, now.In(from.Location()).Add(-data.InProgress))
	}
	return data.Window{From: from, To: to, Floating: floating}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Free text is bounded before any work on it, so that a pasted book or
// 100 KB of ZIP-like numbers costs what a long message does (issue 12:
// 7.1 s and 887 MB in `search`).
const (
	// MaxTextRunes is how much of a message or search is read.
	MaxTextRunes = 1000
	// MaxTextWords is how many words of it are read; it bounds the
	// typo repairs and the words a search query ranks by. Ordinary text
	// (five or six letters a word) reaches MaxTextRunes first.
	MaxTextWords = 200
	// maxZIPTries and maxPlaceTries bound the gazetteer lookups one
	// message may cause: ZIP-like numbers, and "in/near <place>" phrases
	// (each tried at up to five lengths).
	maxZIPTries   = 3
	maxPlaceTries = 8
)

// CapText returns the first MaxTextRunes runes of s, and of those at most
// the first MaxTextWords words (cut at a rune, never inside one).
func CapText(s string) string {
	runes, words, inWord := 0, 0, false
	for i, r := range s {
		if runes == MaxTextRunes {
			return s[:i]
		}
		runes++
		space := unicode.IsSpace(r)
		if !space && !inWord {
			if words == MaxTextWords {
				return s[:i]
			}
			words++
		}
		inWord = !space
	}
	return s
}
