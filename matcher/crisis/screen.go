package crisis

import (
	"fmt"
	"io/fs"
	"sort"

	"github.com/peermatch/peermatch/data"
)

// DefaultMaxScan is how much of a message is screened: the first and the last
// half of it. Chat messages are far shorter (Telegram allows 4,096
// characters); the cap keeps a pasted 100 KB text from costing more than a
// bounded, linear amount of work.
const DefaultMaxScan = 64 << 10

// Rule ids that can appear in Assessment.Signals next to lexicon ids.
const (
	SignalNegated      = "ctx.negated"       // a signal was negated ("i don't want to die")
	SignalPast         = "ctx.past"          // a signal was in the past ("years ago")
	SignalResolved     = "ctx.resolved"      // past and resolved ("now i'm doing well")
	SignalFiction      = "ctx.fiction"       // quoted or about a song, film, book, news
	SignalThirdPerson  = "ctx.third_person"  // about someone else
	SignalFlippant     = "ctx.flippant"      // joking tone lowered an urgent signal to concern
	SignalMeans        = "ctx.means"         // means or timing with ideation raised the level
	SignalCumulative   = "ctx.cumulative"    // several warning signs together
	SignalEscalated    = "ctx.escalated"     // repeated concern over the conversation
	SignalPillCount    = "rule.pill_count"   // "40 pills": means
	SignalTookPills    = "rule.took_pills"   // "took 40 pills": attempt
	SignalScreenFailed = "ctx.screen_failed" // internal error: treated as concern
)

// Option configures a Screener.
type Option func(*config)

type config struct {
	fsys    fs.FS
	maxScan int
}

// WithData loads the lexicon, lines and replies from fsys (same file names as
// data.CrisisFS) instead of the embedded defaults: an operator's reviewed copy.
func WithData(fsys fs.FS) Option { return func(c *config) { c.fsys = fsys } }

// WithMaxScan changes how many bytes of a message are screened (at least 1 KB).
func WithMaxScan(n int) Option {
	return func(c *config) {
		if n >= 1<<10 {
			c.maxScan = n
		}
	}
}

type entry struct {
	id, category, tier, kind string
	level                    data.CrisisLevel
}

// Screener screens messages and writes crisis replies. It is immutable after
// New and safe for concurrent use.
type Screener struct {
	maxScan int

	entries  []entry
	phrases  []phrase
	index    map[[2]string][]int32
	rewrites map[string][]string
	phraseRW [][2][]string
	vocab    map[string]bool

	transposed, deleted map[string]string
	rawWords            map[string]bool // lexicon words before squeezing, only while compiling
	collectRaw          bool
	compounds           map[string][]int32

	negations, pseudoNeg, terminators, thirdPerson seqSet
	pastMarkers, resolution, fiction               seqSet
	identification, flippant                       seqSet
	firstPerson                                    map[string]bool

	lines   *data.CrisisDirectory
	replies *data.CrisisReplies
	names   []countryName
}

// New loads the embedded (or given) lexicon, crisis lines and replies,
// validates them and compiles the matcher.
func New(opts ...Option) (*Screener, error) {
	c := config{fsys: data.CrisisFS(), maxScan: DefaultMaxScan}
	for _, o := range opts {
		o(&c)
	}
	lx, err := data.LoadCrisisLexicon(c.fsys, data.CrisisLexiconFile)
	if err != nil {
		return nil, fmt.Errorf("crisis: %w", err)
	}
	s := &Screener{maxScan: c.maxScan}
	if err := s.compile(lx); err != nil {
		return nil, fmt.Errorf("crisis: lexicon %s: %w: %w", data.CrisisLexiconFile, data.ErrInvalidCrisisData, err)
	}
	if s.lines, err = data.LoadCrisisLines(c.fsys, data.CrisisLinesFile); err != nil {
		return nil, fmt.Errorf("crisis: %w", err)
	}
	if s.replies, err = data.LoadCrisisReplies(c.fsys, data.CrisisRepliesFile); err != nil {
		return nil, fmt.Errorf("crisis: %w", err)
	}
	if _, ok := s.replies.Languages["es"]; !ok {
		return nil, fmt.Errorf("crisis: %s: Spanish replies missing: %w", data.CrisisRepliesFile, data.ErrInvalidCrisisData)
	}
	s.buildCountryNames()
	return s, nil
}

// capText keeps the first and last half of an over-long message, cut on
// rune boundaries by foldRunes' UTF-8 repair.
func capText(text string, max int) string {
	if len(text) <= max {
		return text
	}
	return text[:max/2] + "\n" + text[len(text)-max/2:]
}

// Screen grades one message. It is pure and fast, and never panics: an
// internal failure is reported as concern, never as "none".
func (s *Screener) Screen(text string) (a data.Assessment) {
	defer func() {
		if recover() != nil {
			a = data.Assessment{Level: data.LevelConcern, Categories: []string{data.CrisisSuicide}, Signals: []string{SignalScreenFailed}}
		}
	}()
	return s.screen(text)
}

type hit struct {
	entry      int
	start, end int
	level      data.CrisisLevel
	category   string
	ctx        string // the rule that changed it, if any
	dropped    bool
	firstPers  bool
}

func (s *Screener) screen(text string) data.Assessment {
	toks := s.tokens(capText(text, s.maxScan))
	n := len(toks)
	if n == 0 {
		return data.Assessment{Level: data.LevelNone}
	}
	var hits []hit
	for i := range toks {
		next := ""
		if i+1 < n {
			next = toks[i+1].w
		}
		keys := [2][2]string{{toks[i].w, ""}, {toks[i].w, next}}
		nk := 2
		if next == "" {
			nk = 1
		}
		for _, k := range keys[:nk] {
			for _, pi := range s.index[k] {
				p := &s.phrases[pi]
				if phraseAt(toks, i, p.words) {
					e := &s.entries[p.entry]
					hits = append(hits, hit{entry: p.entry, start: i, end: i + len(p.words), level: e.level, category: e.category, firstPers: p.firstPerson})
				}
			}
		}
	}
	hits = append(hits, s.pillCounts(toks)...)

	// Masks (idioms, names like "suicide prevention") and info entries
	// (grief, harassment) hide the words they cover from the signals.
	masked := make([]bool, n)
	for _, h := range hits {
		if h.entry >= 0 && s.entries[h.entry].kind == data.LexiconMask {
			for j := h.start; j < h.end; j++ {
				masked[j] = true
			}
		}
	}
	// Info entries ("my * died") yield to masks ("phone died"), then hide
	// their own words ("killed himself") from the signals.
	for k := range hits {
		h := &hits[k]
		if h.entry < 0 || s.entries[h.entry].kind != data.LexiconInfo {
			continue
		}
		for j := h.start; j < h.end; j++ {
			if masked[j] {
				h.dropped = true
			}
		}
	}
	for _, h := range hits {
		if h.entry >= 0 && s.entries[h.entry].kind == data.LexiconInfo && !h.dropped {
			for j := h.start; j < h.end; j++ {
				masked[j] = true
			}
		}
	}
	clauseStart := map[int]int{}
	for i := n - 1; i >= 0; i-- {
		clauseStart[toks[i].clause] = i
	}
	resolved := false
	for i := range toks {
		if m := s.resolution.matchAt(toks, i); m > 0 && !s.negatedAt(toks, i) {
			resolved = true
			break
		}
	}
	// Where fiction and past markers start, counted as prefix sums, so each
	// hit checks its clause in constant time and screening stays linear.
	fictionBefore := make([]int, n+1)
	pastClause := map[int]bool{}
	for i := range toks {
		fictionBefore[i+1] = fictionBefore[i]
		if s.fiction.matchAt(toks, i) > 0 {
			fictionBefore[i+1]++
		}
		if s.pastMarkers.matchAt(toks, i) > 0 {
			pastClause[toks[i].clause] = true
		}
	}
	identifies := s.identification.any(toks, 0, n)
	flippant := s.flippant.any(toks, 0, n)
	fictionInMsg := s.fiction.any(toks, 0, n)

	var signals []string
	seen := map[string]bool{}
	addSignal := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			signals = append(signals, id)
		}
	}
	for k := range hits {
		h := &hits[k]
		kind := data.LexiconSignal
		if h.entry >= 0 {
			kind = s.entries[h.entry].kind
		}
		if kind == data.LexiconMask {
			h.dropped = true
			continue
		}
		if kind == data.LexiconInfo {
			h.level = data.LevelNone
			continue
		}
		if h.entry >= 0 && kind != data.LexiconInfo {
			for j := h.start; j < h.end; j++ {
				if masked[j] {
					h.dropped = true
				}
			}
		}
		if h.dropped {
			continue
		}
		if s.negatedAt(toks, h.start) {
			h.dropped, h.ctx = true, SignalNegated
			continue
		}
		if kind == data.LexiconModifier {
			continue
		}
		clause := toks[h.start].clause
		// Quotes, lyrics, fiction and news, unless the person says it is them.
		if !identifies && (fictionBefore[h.start] > fictionBefore[clauseStart[clause]] || (toks[h.start].quoted && fictionInMsg)) {
			h.dropped, h.ctx = true, SignalFiction
			continue
		}
		// Someone else: "my friend says she wants to die".
		if h.entry >= 0 && !h.firstPers && h.category != data.CrisisThirdParty && s.thirdPersonBefore(toks, h.start) {
			if h.category == data.CrisisSuicide || h.category == data.CrisisSelfHarm {
				h.category = data.CrisisThirdParty
			}
			h.ctx = SignalThirdPerson
		}
		// Past: lower to concern; past and resolved: no alarm.
		if pastClause[clause] || pastClause[toks[h.end-1].clause] {
			if resolved {
				h.dropped, h.ctx = true, SignalResolved
				continue
			}
			h.level = min(h.level, data.LevelConcern)
			h.ctx = SignalPast
		}
		if flippant && h.level == data.LevelUrgent && (h.category == data.CrisisSuicide || h.category == data.CrisisSelfHarm) {
			h.level, h.ctx = data.LevelConcern, SignalFlippant
		}
	}

	// Aggregate.
	level := data.LevelNone
	catLevel := map[string]data.CrisisLevel{}
	catOrder := map[string]int{}
	var ctxs []string
	ideation, active := false, false
	concernEntries := map[int]bool{}
	means, timing := false, false
	for _, h := range hits {
		if h.ctx != "" && (h.dropped || h.ctx != SignalNegated) {
			ctxs = append(ctxs, h.ctx)
		}
		if h.dropped {
			continue
		}
		kind := data.LexiconSignal
		tier := "attempt"
		if h.entry >= 0 {
			kind, tier = s.entries[h.entry].kind, s.entries[h.entry].tier
		}
		if kind == data.LexiconModifier {
			if tier == "time" {
				timing = true
			} else {
				means = true
				addSignal(s.idOf(h))
			}
			continue
		}
		addSignal(s.idOf(h))
		if kind == data.LexiconInfo {
			continue
		}
		if h.ctx != SignalThirdPerson && (h.category == data.CrisisSuicide || h.category == data.CrisisSelfHarm) && h.ctx != SignalPast {
			ideation = true
			if h.level >= data.LevelUrgent {
				active = true
			}
			if h.level == data.LevelConcern && h.ctx == "" {
				concernEntries[h.entry] = true
			}
		}
		if h.level > level {
			level = h.level
		}
		if _, ok := catOrder[h.category]; !ok {
			catOrder[h.category] = len(catOrder)
		}
		if h.level > catLevel[h.category] {
			catLevel[h.category] = h.level
		}
		if h.ctx == SignalThirdPerson && h.category != data.CrisisThirdParty {
			if _, ok := catOrder[data.CrisisThirdParty]; !ok {
				catOrder[data.CrisisThirdParty] = len(catOrder)
			}
			catLevel[data.CrisisThirdParty] = max(catLevel[data.CrisisThirdParty], h.level)
		}
	}
	// Means (pills, a rope, "800mg") or a time ("tonight") next to ideation
	// is what best predicts an attempt (Crisis Text Line's finding).
	if (means && ideation) || (timing && active) {
		level = data.LevelEmergency
		catLevel[data.CrisisSuicide] = data.LevelEmergency
		if _, ok := catOrder[data.CrisisSuicide]; !ok {
			catOrder[data.CrisisSuicide] = len(catOrder)
		}
		ctxs = append(ctxs, SignalMeans)
	}
	// Several distinct warning signs together mean more than one.
	if level == data.LevelConcern && len(concernEntries) >= 2 && !flippant {
		level = data.LevelUrgent
		catLevel[data.CrisisSuicide] = data.LevelUrgent
		ctxs = append(ctxs, SignalCumulative)
	}
	for _, c := range ctxs {
		addSignal(c)
	}
	a := data.Assessment{Level: level, Signals: signals}
	if level == data.LevelNone {
		return a
	}
	for c, l := range catLevel {
		if l > data.LevelNone {
			a.Categories = append(a.Categories, c)
		}
	}
	sort.Slice(a.Categories, func(i, j int) bool {
		ci, cj := a.Categories[i], a.Categories[j]
		if catLevel[ci] != catLevel[cj] {
			return catLevel[ci] > catLevel[cj]
		}
		return catOrder[ci] < catOrder[cj]
	})
	return a
}

func (s *Screener) idOf(h hit) string {
	if h.entry >= 0 {
		return s.entries[h.entry].id
	}
	if h.level == data.LevelEmergency {
		return SignalTookPills
	}
	return SignalPillCount
}

// negatedAt reports whether a negation earlier in the same clause, within
// five words and with no new "i" in between, covers the word at i.
func (s *Screener) negatedAt(toks []token, i int) bool {
	clause := toks[i].clause
	for j := i - 1; j >= 0 && j >= i-5 && toks[j].clause == clause; j-- {
		if w := toks[j].w; w == "i" || w == "yo" {
			return false
		}
		if s.negations.matchAt(toks, j) > 0 {
			if s.pseudoNeg.matchAt(toks, j) > 0 || (j > 0 && s.pseudoNeg.matchAt(toks, j-1) > 0) {
				continue
			}
			return true
		}
	}
	return false
}

// thirdPersonBefore reports whether the subject before i in the sentence is
// someone else: a third-person word comes before any "i" or "me".
func (s *Screener) thirdPersonBefore(toks []token, i int) bool {
	sent := toks[i].sent
	for j := i - 1; j >= 0 && j >= i-10 && toks[j].sent == sent; j-- {
		if s.thirdPerson.matchAt(toks, j) > 0 {
			return true
		}
		if w := toks[j].w; w == "i" || w == "me" || w == "yo" || w == "myself" {
			return false
		}
	}
	return false
}

// pillCounts finds "40 pills" (means) and "took 40 pills" (an attempt): a
// number of ten or more right before a word for pills.
func (s *Screener) pillCounts(toks []token) []hit {
	var out []hit
	for i, t := range toks {
		if !t.number || len(t.w) > 4 {
			continue
		}
		v := 0
		for _, c := range t.w {
			v = v*10 + int(c-'0')
		}
		if v < 10 {
			continue
		}
		end := -1
		for j := i + 1; j < len(toks) && j <= i+4 && toks[j].sent == t.sent; j++ {
			if pillWords[toks[j].w] {
				end = j + 1
				break
			}
		}
		if end < 0 {
			continue
		}
		h := hit{entry: -1, start: i, end: end, level: data.LevelNone, category: data.CrisisSuicide}
		for j := i - 1; j >= 0 && j >= i-3 && toks[j].sent == t.sent; j-- {
			if tookWords[toks[j].w] {
				h.level, h.start = data.LevelEmergency, j
				break
			}
		}
		out = append(out, h)
	}
	return out
}

// Words are squeezed like everything else ("pills" → "pils").
var (
	pillWords = map[string]bool{"pils": true, "pil": true, "tablets": true, "meds": true, "capsules": true, "pastilas": true, "pildoras": true, "tabs": true, "xanax": true, "tylenol": true, "ibuprofen": true, "advil": true}
	tookWords = map[string]bool{"tok": true, "swalowed": true, "taken": true, "ate": true, "tome": true, "trague": true, "popped": true}
)

// Escalate raises a concern to urgent when the conversation has already shown
// concern at least twice before (NIMH: warning signs matter most when they
// are new or increasing). It is pure: the caller keeps the count.
func Escalate(a data.Assessment, priorConcerns int) data.Assessment {
	out := data.Assessment{Level: a.Level}
	out.Categories = append([]string(nil), a.Categories...)
	out.Signals = append([]string(nil), a.Signals...)
	if a.Level == data.LevelConcern && priorConcerns >= 2 {
		out.Level = data.LevelUrgent
		out.Signals = append(out.Signals, SignalEscalated)
		if len(out.Categories) == 0 {
			out.Categories = []string{data.CrisisSuicide}
		}
	}
	return out
}
