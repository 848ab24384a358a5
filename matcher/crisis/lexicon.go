package crisis

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/peermatch/peermatch/data"
)

// maxExpansions bounds how many word sequences one lexicon phrase may expand
// to, so a typo in the data cannot blow up memory.
const maxExpansions = 2048

// Bounds that keep per-word work constant, so screening stays linear.
const (
	maxFixLen      = 24  // longest word checked for typos
	maxCompoundLen = 120 // longest word searched for phrases without spaces
)

// phrase is one expanded lexicon phrase: words, "*" for any one word.
type phrase struct {
	words       []string
	entry       int
	firstPerson bool // names the speaker ("myself", "me"): never about someone else
}

// seqSet is a set of word sequences indexed by their first word.
type seqSet struct {
	byFirst map[string][][]string
}

func (s *seqSet) add(seq []string) {
	if len(seq) == 0 {
		return
	}
	if s.byFirst == nil {
		s.byFirst = map[string][][]string{}
	}
	s.byFirst[seq[0]] = append(s.byFirst[seq[0]], seq)
}

// matchAt returns the length of the longest sequence starting at toks[i]
// within one sentence, or 0.
func (s *seqSet) matchAt(toks []token, i int) int {
	best := 0
	for _, seq := range s.byFirst[toks[i].w] {
		if len(seq) > best && seqAt(toks, i, seq) {
			best = len(seq)
		}
	}
	return best
}

// maxFillers is how many filler words ("just", "really") a phrase match may
// step over: "i want to just fucking die" is "want to die".
const maxFillers = 2

func seqAt(toks []token, i int, seq []string) bool {
	if i+len(seq) > len(toks) {
		return false
	}
	for j, w := range seq {
		t := toks[i+j]
		if t.sent != toks[i].sent || (w != "*" && t.w != w) {
			return false
		}
	}
	return true
}

// any reports whether a sequence of the set occurs in toks[lo:hi].
func (s *seqSet) any(toks []token, lo, hi int) bool {
	for i := max(lo, 0); i < hi && i < len(toks); i++ {
		if n := s.matchAt(toks, i); n > 0 && i+n <= hi {
			return true
		}
	}
	return false
}

// expand turns "(a|b c|) d *" into every word sequence it stands for.
func expand(p string) ([]string, error) {
	outs := []string{""}
	for len(p) > 0 {
		var alts []string
		if p[0] == '(' {
			end := strings.IndexByte(p, ')')
			if end < 0 {
				return nil, fmt.Errorf("unbalanced parentheses")
			}
			alts = strings.Split(p[1:end], "|")
			p = p[end+1:]
		} else {
			end := strings.IndexAny(p, "( ")
			if end < 0 {
				end = len(p)
			}
			alts = []string{p[:end]}
			p = p[end:]
		}
		if len(p) > 0 && p[0] == ' ' {
			p = p[1:]
			for i := range alts {
				alts[i] += " "
			}
		}
		next := make([]string, 0, len(outs)*len(alts))
		for _, o := range outs {
			for _, a := range alts {
				next = append(next, o+a)
			}
		}
		if len(next) > maxExpansions {
			return nil, fmt.Errorf("expands to more than %d sequences", maxExpansions)
		}
		outs = next
	}
	return outs, nil
}

// compile builds the matcher from the lexicon data.
func (s *Screener) compile(lx *data.CrisisLexicon) error {
	s.rewrites = map[string][]string{}
	s.rawWords = map[string]bool{}
	for k, v := range lx.Rules.Rewrites {
		s.rewrites[k] = strings.Fields(v)
	}
	s.vocab = map[string]bool{}
	s.collectRaw = true
	// Phrase rewrites are normalized with word rewrites only.
	for k, v := range lx.Rules.PhraseRewrites {
		from := s.phraseWords(k)
		to := s.phraseWords(v)
		if len(from) == 0 {
			return fmt.Errorf("phrase rewrite %q: empty", k)
		}
		s.phraseRW = append(s.phraseRW, [2][]string{from, to})
	}
	lists := []struct {
		dst *seqSet
		src []string
	}{
		{&s.negations, lx.Rules.Negations}, {&s.pseudoNeg, lx.Rules.PseudoNegations},
		{&s.terminators, lx.Rules.Terminators}, {&s.thirdPerson, lx.Rules.ThirdPerson},
		{&s.pastMarkers, lx.Rules.PastMarkers}, {&s.resolution, lx.Rules.Resolution},
		{&s.fiction, lx.Rules.FictionMarkers}, {&s.identification, lx.Rules.Identification},
		{&s.flippant, lx.Rules.Flippant}, {&s.playful, lx.Rules.Playful}, {&s.medical, lx.Rules.Medical},
	}
	for _, l := range lists {
		for _, p := range l.src {
			alts, err := expand(p)
			if err != nil {
				return fmt.Errorf("rule %q: %w", p, err)
			}
			for _, a := range alts {
				l.dst.add(s.phraseWords(a))
			}
		}
	}
	s.fillers = map[string]bool{}
	for _, w := range lx.Rules.Fillers {
		for _, t := range s.phraseWords(w) {
			s.fillers[t] = true
		}
	}
	for _, w := range lx.Rules.Censored {
		w = strings.ToLower(strings.TrimSpace(w))
		if !isASCIILetters(w) {
			return fmt.Errorf("censored word %q: want lowercase letters a-z", w)
		}
		s.censored = append(s.censored, w)
	}
	for _, l := range []struct {
		name string
		dst  *map[string]bool
		ws   []string
	}{
		{"pills", &s.pillWords, lx.Rules.Pills}, {"took", &s.tookWords, lx.Rules.Took},
		{"take", &s.takeWords, lx.Rules.Take}, {"take_markers", &s.takeMarkers, lx.Rules.TakeMarkers},
		{"intent", &s.intentWords, lx.Rules.Intent}, {"future", &s.futureWords, lx.Rules.Future},
		{"purpose_keeps", &s.purposeKeeps, lx.Rules.PurposeKeeps},
	} {
		// An empty list would switch a rule off without a word: refuse it.
		if len(l.ws) == 0 {
			return fmt.Errorf("rules.%s: empty (expected the words of the pill and purpose rules)", l.name)
		}
		*l.dst = squeezedSet(l.ws...)
	}
	s.firstPerson = map[string]bool{}
	for _, w := range lx.Rules.FirstPerson {
		for _, t := range s.phraseWords(w) {
			s.firstPerson[t] = true
		}
	}
	s.building = &trieNode{}
	for ei, e := range lx.Entries {
		ce := entry{id: e.ID, category: e.Category, tier: e.Tier, kind: e.Kind, lang: e.Lang}
		if ce.kind == "" {
			ce.kind = data.LexiconSignal
		}
		ce.level = tierLevel(e.Tier)
		if e.Level != "" {
			ce.level, _ = data.ParseCrisisLevel(e.Level)
		}
		s.entries = append(s.entries, ce)
		for _, p := range e.Phrases {
			alts, err := expand(p)
			if err != nil {
				return fmt.Errorf("entry %s: phrase %q: %w", e.ID, p, err)
			}
			for _, a := range alts {
				words := s.phraseWords(a)
				if len(words) == 0 {
					continue
				}
				if words[0] == "*" || words[0] == "$" {
					return fmt.Errorf("entry %s: phrase %q: must not start with * or $", e.ID, p)
				}
				ph := phrase{words: words, entry: ei}
				for _, w := range words {
					ph.firstPerson = ph.firstPerson || s.firstPerson[w]
				}
				s.addToIndex(words, int32(len(s.phrases)))
				s.phrases = append(s.phrases, ph)
				for _, w := range words {
					if w != "*" {
						s.vocab[w] = true
					}
				}
			}
		}
	}
	for _, l := range lists {
		for _, seqs := range l.dst.byFirst {
			for _, seq := range seqs {
				for _, w := range seq {
					s.vocab[w] = true
				}
			}
		}
	}
	for _, ws := range s.rewrites {
		for _, w := range ws {
			s.vocab[squeeze(w)] = true
		}
	}
	s.collectRaw = false
	s.buildFuzzy()
	s.rawWords = nil
	s.buildCompounds()
	s.trie, s.building = freeze(s.building), nil
	// Matching needs a phrase's entry, not its words (compounds keep
	// the few they split into).
	for i := range s.phrases {
		s.phrases[i].words = nil
	}
	return nil
}

func tierLevel(tier string) data.CrisisLevel {
	switch tier {
	case "passive", "burden", "trapped", "no_reason":
		return data.LevelConcern
	case "active", "self_harm":
		return data.LevelUrgent
	case "intent", "plan", "preparation", "goodbye", "attempt":
		return data.LevelEmergency
	}
	return data.LevelNone
}

// phraseWords normalizes lexicon text the way messages are normalized, minus
// the typo tolerance: "*" stays a wildcard.
func (s *Screener) phraseWords(p string) []string {
	var out []string
	for _, f := range strings.Fields(p) {
		if f == "*" || f == "$" {
			out = append(out, f)
			continue
		}
		for _, r := range split(foldRunes(f), nil) {
			if r.kind != kindWord {
				continue
			}
			out = append(out, s.rewriteWord(r.s)...)
		}
	}
	return s.applyPhraseRewrites(out)
}

// rewriteWord expands contractions, slang and misspellings, then squeezes.
func (s *Screener) rewriteWord(w string) []string {
	if s.rawWords != nil && s.collectRaw {
		s.rawWords[w] = true
	}
	rw, ok := s.rewrites[w]
	if !ok && hasStretch(w) {
		rw, ok = s.rewrites[squeeze(w)]
	}
	if !ok {
		return []string{squeeze(w)}
	}
	out := make([]string, len(rw))
	for i, x := range rw {
		out[i] = squeeze(x)
	}
	return out
}

func (s *Screener) applyPhraseRewrites(ws []string) []string {
	if len(s.phraseRW) == 0 {
		return ws
	}
	var out []string
	for i := 0; i < len(ws); {
		best := -1
		for k, rw := range s.phraseRW {
			from := rw[0]
			if i+len(from) > len(ws) || (best >= 0 && len(from) <= len(s.phraseRW[best][0])) {
				continue
			}
			ok := true
			for j, w := range from {
				if ws[i+j] != w {
					ok = false
					break
				}
			}
			if ok {
				best = k
			}
		}
		if best < 0 {
			out = append(out, ws[i])
			i++
			continue
		}
		out = append(out, s.phraseRW[best][1]...)
		i += len(s.phraseRW[best][0])
	}
	return out
}

func isASCIILetters(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return w != ""
}

// buildFuzzy prepares typo tolerance for lexicon words: swapped neighbours
// (not the first letter), and for long words one letter missing, extra or
// wrong (again never the first letter, where typos are rare and where
// "changing" would become "hanging").
func (s *Screener) buildFuzzy() {
	s.transposed = map[string]string{}
	s.deleted = map[string]string{}
	// Swaps are computed on words as written ("tell" → "tlel"), including
	// the slang and contractions that rewrites expand ("dont" → "dnot").
	sources := map[string]bool{}
	for w := range s.rawWords {
		sources[w] = true
	}
	for w := range s.rewrites {
		sources[w] = true
	}
	for v := range sources {
		if !isASCIILetters(v) || len(v) < 3 {
			continue
		}
		b := []byte(v)
		for i := 1; i+1 < len(b); i++ {
			if b[i] == b[i+1] {
				continue
			}
			b[i], b[i+1] = b[i+1], b[i]
			if k := squeeze(string(b)); len(k) >= 3 && !s.vocab[k] && s.rewrites[k] == nil {
				s.transposed[k] = v
			}
			b[i], b[i+1] = b[i+1], b[i]
		}
	}
	for v := range s.vocab {
		if !isASCIILetters(v) {
			continue
		}
		if len(v) >= 6 {
			for i := 1; i < len(v); i++ {
				k := v[:i] + v[i+1:]
				if !s.vocab[k] {
					s.deleted[k] = v
					s.deleted[fmt.Sprintf("%s\x00%d", k, i)] = v
				}
			}
		}
	}
}

// fix returns the lexicon word a misspelled word stands for, or "".
func (s *Screener) fix(w string) string {
	// Longer words are not lexicon typos, and the checks below are quadratic.
	if len(w) < 3 || len(w) > maxFixLen || !isASCIILetters(w) {
		return ""
	}
	if v, ok := s.transposed[w]; ok {
		return v
	}
	if len(w) >= 5 {
		if v, ok := s.deleted[w]; ok { // one letter missing
			return v
		}
		for i := 1; i < len(w); i++ { // one letter extra
			if k := squeeze(w[:i] + w[i+1:]); len(k) >= 4 && s.vocab[k] {
				return k
			}
		}
	}
	if len(w) >= 6 { // one letter wrong
		for i := 1; i < len(w); i++ {
			if v, ok := s.deleted[fmt.Sprintf("%s\x00%d", w[:i]+w[i+1:], i)]; ok {
				return v
			}
		}
	}
	return ""
}

// compound is a multi-word phrase as written without spaces, and with
// them (one string each rather than a slice of words: tens of thousands of
// phrases are kept for as long as the bot runs).
type compound struct {
	joined, spaced string
}

// buildCompounds indexes multi-word phrases written without spaces
// ("killmyself", "#wanttodie") by their first four letters.
func (s *Screener) buildCompounds() {
	s.compounds = map[string][]compound{}
	for _, p := range s.phrases {
		if s.entries[p.entry].kind == data.LexiconMask {
			continue
		}
		j := squeeze(strings.Join(p.words, ""))
		if strings.ContainsAny(j, "*$") || len(j) < 6 || (len(p.words) < 2) {
			continue
		}
		s.compounds[j[:4]] = append(s.compounds[j[:4]], compound{joined: j, spaced: strings.Join(p.words, " ")})
	}
}

// splitCompound finds a lexicon phrase inside a word with no spaces and
// returns the word cut around it, or nil.
func (s *Screener) splitCompound(w string) []string {
	if len(w) < 6 || len(w) > maxCompoundLen || !isASCIILetters(w) {
		return nil
	}
	for i := 0; i+4 <= len(w); i++ {
		best := -1
		bestLen := 0
		cs := s.compounds[w[i:i+4]]
		for k, c := range cs {
			if len(c.joined) > bestLen && strings.HasPrefix(w[i:], c.joined) {
				best, bestLen = k, len(c.joined)
			}
		}
		if best >= 0 {
			var out []string
			if i > 0 {
				out = append(out, w[:i])
			}
			out = append(out, strings.Fields(cs[best].spaced)...)
			if rest := w[i+bestLen:]; rest != "" {
				out = append(out, rest)
			}
			return out
		}
	}
	// A contraction or short word glued to a long lexicon word: "imsuicidal".
	for k := 1; k <= 4 && len(w)-k >= 6; k++ {
		pre, rest := w[:k], squeeze(w[k:])
		if (s.rewrites[pre] != nil || s.vocab[pre]) && s.vocab[rest] {
			return []string{pre, rest}
		}
	}
	return nil
}

// tokens normalizes a message into words with sentence, clause and quote
// boundaries. Work is linear in the length of the (capped) text.
func (s *Screener) tokens(text string) []token {
	raws := split(foldRunes(text), make([]rawTok, 0, len(text)/4+4))
	toks := make([]token, 0, len(raws)+8)
	sent, clause, quoted := 0, 0, false
	emit := func(w string, joined bool) {
		if strings.Contains(w, "*") {
			w = s.uncensor(w)
		}
		for _, x := range s.rewriteWord(w) {
			t := token{w: x, sent: sent, clause: clause, quoted: quoted, joined: joined, number: isDigits(x)}
			if !t.number && !s.vocab[x] {
				if f := s.fix(x); f != "" {
					for _, y := range s.rewriteWord(f) {
						u := t
						u.w = y
						toks = append(toks, u)
					}
					continue
				} else if joined || len(x) >= 8 {
					if parts := s.splitCompound(x); parts != nil {
						for _, p := range parts {
							for _, y := range s.rewriteWord(p) {
								u := t
								u.w = y
								toks = append(toks, u)
							}
						}
						continue
					}
				}
			}
			toks = append(toks, t)
		}
	}
	singleLetter := func(r rawTok) bool {
		if r.kind != kindWord {
			return false
		}
		w := unleet(r.s)
		c, n := utf8.DecodeRuneInString(w)
		return n == len(w) && unicode.IsLetter(c)
	}
	for i := 0; i < len(raws); i++ {
		r := raws[i]
		switch r.kind {
		case kindSentence:
			sent++
			clause++
			quoted = false
			continue
		case kindClause:
			clause++
			continue
		case kindQuote:
			quoted = !quoted
			clause++
			continue
		}
		// Spaced-out letters: three or more single letters in a row are one word.
		if singleLetter(r) {
			j := i
			for j < len(raws) && singleLetter(raws[j]) {
				j++
			}
			if j-i >= 3 {
				var b strings.Builder
				for k := i; k < j; k++ {
					b.WriteString(unleet(raws[k].s))
				}
				for _, w := range s.splitSpaced(b.String()) {
					emit(w, true)
				}
				i = j - 1
				continue
			}
		}
		emit(unleet(r.s), false)
	}
	toks = s.joinSplitWords(toks)
	if len(s.phraseRW) > 0 {
		toks = s.rewriteTokenPhrases(toks)
	}
	// Words such as "but" end a clause too; renumber clauses in order.
	c, last := -1, -1
	for i := range toks {
		if toks[i].clause != last || s.terminators.matchAt(toks, i) > 0 {
			c++
		}
		last = toks[i].clause
		toks[i].clause = c
	}
	return toks
}

func (s *Screener) rewriteTokenPhrases(toks []token) []token {
	var out []token
	changed := false
	for i := 0; i < len(toks); {
		best := -1
		for k, rw := range s.phraseRW {
			if (best < 0 || len(rw[0]) > len(s.phraseRW[best][0])) && seqAt(toks, i, rw[0]) {
				best = k
			}
		}
		if best < 0 {
			if changed {
				out = append(out, toks[i])
			}
			i++
			continue
		}
		if !changed {
			out = append(out, toks[:i]...)
			changed = true
		}
		for _, w := range s.phraseRW[best][1] {
			t := toks[i]
			t.w = w
			out = append(out, t)
		}
		i += len(s.phraseRW[best][0])
	}
	if !changed {
		return toks
	}
	return out
}

// uncensor reads a word with stars ("k*ll", "su**cide") as the first
// censored word it fits, each run of stars standing for one to three
// letters; with no fit the stars are dropped.
func (s *Screener) uncensor(w string) string {
	for _, c := range s.censored {
		if starMatch(w, c) {
			return c
		}
	}
	return strings.ReplaceAll(w, "*", "")
}

func starMatch(pat, w string) bool {
	if pat == "" {
		return w == ""
	}
	if pat[0] != '*' {
		return w != "" && pat[0] == w[0] && starMatch(pat[1:], w[1:])
	}
	run := 0
	for run < len(pat) && pat[run] == '*' {
		run++
	}
	for n := max(run, 1); n <= max(run, 3) && n <= len(w); n++ {
		if starMatch(pat[run:], w[n:]) {
			return true
		}
	}
	return false
}

// joinSplitWords joins two neighbouring unknown words that together make a
// long lexicon word: "sui cide", "over dose". Known words are never joined,
// so "my self" is left to the phrase rewrites.
func (s *Screener) joinSplitWords(toks []token) []token {
	out := toks[:0:0]
	changed := false
	for i := 0; i < len(toks); i++ {
		if i+1 < len(toks) {
			a, b := toks[i], toks[i+1]
			if a.sent == b.sent && !a.number && !b.number && !s.vocab[a.w] && !s.vocab[b.w] &&
				s.rewrites[a.w] == nil && s.rewrites[b.w] == nil && len(a.w)+len(b.w) <= maxFixLen {
				if j := squeeze(a.w + b.w); len(j) >= 6 && s.vocab[j] {
					if !changed {
						out = append(out, toks[:i]...)
						changed = true
					}
					a.w = j
					out = append(out, a)
					i++
					continue
				}
			}
		}
		if changed {
			out = append(out, toks[i])
		}
	}
	if !changed {
		return toks
	}
	return out
}

// oneLetterWords may stand next to spaced-out letters: "i w a n t" is "i want".
var oneLetterWords = map[byte]bool{'i': true, 'a': true, 'y': true, 'o': true, 'e': true, 'u': true}

// splitSpaced cuts one-letter words off the ends of joined spaced-out
// letters when that leaves a known word.
func (s *Screener) splitSpaced(w string) []string {
	known := func(x string) bool {
		return len(x) >= 2 && (s.vocab[squeeze(x)] || s.rewrites[x] != nil || s.rewrites[squeeze(x)] != nil)
	}
	if known(w) || len(w) < 4 {
		return []string{w}
	}
	if oneLetterWords[w[0]] && known(w[1:]) {
		return []string{w[:1], w[1:]}
	}
	if oneLetterWords[w[len(w)-1]] && known(w[:len(w)-1]) {
		return []string{w[:len(w)-1], w[len(w)-1:]}
	}
	if oneLetterWords[w[0]] && oneLetterWords[w[len(w)-1]] && known(w[1:len(w)-1]) {
		return []string{w[:1], w[1 : len(w)-1], w[len(w)-1:]}
	}
	return []string{w}
}

// trieNode is one word of the phrase trie while it is built; freeze packs
// it into a trie. Matching walks the trie from each message word, so the
// cost per word depends on how many phrases share its beginning, not on
// how many phrases there are.
type trieNode struct {
	next    map[string]*trieNode // by word; "*" any one word; "$" end of sentence
	phrases []int32              // phrases that end here
}

func (t *trieNode) child(w string) *trieNode {
	if t.next == nil {
		t.next = map[string]*trieNode{}
	}
	c := t.next[w]
	if c == nil {
		c = &trieNode{}
		t.next[w] = c
	}
	return c
}

// trie is the phrase trie packed into three arrays. The lexicon expands
// to some 40,000 phrases and 65,000 nodes: as a map per node it held
// about 10 MiB for as long as the bot runs, in tens of thousands of small
// objects the collector walked at every cycle; packed, about 3 MiB in
// four.
// Node 0 is the root.
type trie struct {
	nodes []tnode
	edges []tedge // each node's, sorted by word
	ends  []int32 // each node's phrases
	// root is the root's edges by word: every message word looks there,
	// and the root has thousands.
	root map[string]int32
}

type tnode struct{ edge, nedge, end, nend int32 }

type tedge struct {
	w     string
	child int32
}

// freeze packs the built trie, interning its words (a word is one string
// however many phrases use it).
func freeze(root *trieNode) trie {
	var t trie
	words := map[string]string{}
	var add func(n *trieNode) int32
	add = func(n *trieNode) int32 {
		i := int32(len(t.nodes))
		t.nodes = append(t.nodes, tnode{})
		end := int32(len(t.ends))
		t.ends = append(t.ends, n.phrases...)
		keys := slices.Sorted(maps.Keys(n.next))
		edge := int32(len(t.edges))
		for _, w := range keys {
			if iw, ok := words[w]; ok {
				w = iw
			} else {
				words[w] = w
			}
			t.edges = append(t.edges, tedge{w: w})
		}
		for k, w := range keys {
			c := add(n.next[w])
			t.edges[edge+int32(k)].child = c
		}
		t.nodes[i] = tnode{edge: edge, nedge: int32(len(keys)), end: end, nend: int32(len(n.phrases))}
		return i
	}
	add(root)
	rn := t.nodes[0]
	t.root = make(map[string]int32, rn.nedge)
	for _, e := range t.edges[rn.edge : rn.edge+rn.nedge] {
		t.root[e.w] = e.child
	}
	t.nodes, t.edges, t.ends = slices.Clip(t.nodes), slices.Clip(t.edges), slices.Clip(t.ends)
	return t
}

// next is node n's child by word w, or -1.
func (t *trie) next(n int32, w string) int32 {
	nd := t.nodes[n]
	es := t.edges[nd.edge : nd.edge+nd.nedge]
	if k, ok := slices.BinarySearchFunc(es, w, func(e tedge, w string) int { return strings.Compare(e.w, w) }); ok {
		return es[k].child
	}
	return -1
}

// addToIndex files a phrase in the trie being built.
func (s *Screener) addToIndex(words []string, pi int32) {
	n := s.building
	for _, w := range words {
		n = n.child(w)
	}
	n.phrases = append(n.phrases, pi)
}

// matchAt calls found for every phrase that starts at toks[i], with the index
// where it ends. Between phrase words it steps over up to maxFillers filler
// words ("i want to just fucking die" is "want to die"); "*" is any one word;
// "$" is the end of a sentence, where only fillers may follow ("i am done $"
// matches "i'm done" but not "i'm done with this weather"). Phrases run
// across sentence ends: people punctuate freely ("thank you for everything.
// goodbye"), and lexicon phrases are specific enough.
func (s *Screener) matchAt(toks []token, i int, found func(pi int32, end int)) {
	t := &s.trie
	root, ok := t.root[toks[i].w]
	if !ok {
		return
	}
	var walk func(n int32, j, skipped int)
	walk = func(n int32, j, skipped int) {
		nd := t.nodes[n]
		for _, pi := range t.ends[nd.end : nd.end+nd.nend] {
			found(pi, j)
		}
		if nd.nedge == 0 {
			return
		}
		if c := t.next(n, "$"); c >= 0 && s.sentenceEnds(toks, j) {
			walk(c, j, skipped)
		}
		if j >= len(toks) {
			return
		}
		if c := t.next(n, toks[j].w); c >= 0 {
			walk(c, j+1, skipped)
		}
		if c := t.next(n, "*"); c >= 0 {
			walk(c, j+1, skipped)
		}
		if skipped < maxFillers && s.fillers[toks[j].w] {
			walk(n, j+1, skipped+1)
		}
	}
	walk(root, i+1, 0)
}

// sentenceEnds reports whether the sentence of toks[j-1] ends at j, apart
// from fillers ("i'm done lol").
func (s *Screener) sentenceEnds(toks []token, j int) bool {
	c := toks[j-1].sent
	for ; j < len(toks) && toks[j].sent == c; j++ {
		if !s.fillers[toks[j].w] {
			return false
		}
	}
	return true
}
